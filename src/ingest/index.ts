/** The public API of the ingest stage. */
export { defaultFetchLimits, type FetchLimits, fetchText } from './fetch.ts';
export { type FileImport, type ImportOptions, type ImportSummary, importSources } from './import.ts';
export { readJsonFeed } from './json-feed.ts';
export { readJsonl } from './jsonl.ts';
export { readMarkdown } from './markdown.ts';
export type { ParsedRecord } from './record.ts';
export { detectKind, expandSource, type SourceKind } from './sources.ts';
