/**
 * The snapshot stage, between the crawl and the checks: a page as fetched (`PageSnapshot`), and
 * what a crawl pass stored of its sites. The checks and the scan read pages from here and never
 * from the crawler itself, so a page fetched once can be judged again without fetching anything.
 */
export type { PageSnapshot } from '../crawl/snapshot.ts';
export type { StoredSnapshot } from '../crawl/snapshots.ts';
export { type FailedItem, failuresOf, goneOf, queuedBySite, reachedIn, snapshotsOf } from './read.ts';
