import { hash as digestOf } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AtomicWrites } from '../files/atomic.ts';
import type { DocumentSink, DocumentWriter, PiecePart } from './_pieces.ts';
import type { FeedImage, FeedItem } from './model.ts';

/**
 * The item fragment cache of `syndicate build`: what it costs to turn an article into feed items
 * (cleaning its HTML with a real parser, escaping it for each format) is paid once per article
 * version, not once per build.
 *
 * The cache holds no copy of the fragments: they are in the files the last build wrote. Next to
 * each feed's files, `.ID.fragments.json` says where each of its items' pieces (`_pieces.ts`)
 * stand in which of them, under a key of everything a piece is a function of: the code that renders feeds
 * (`codeVersion` of src/feed and src/text) and the publisher (the build's `context`), the feed's
 * content mode and attribution setting, the article's id and content hash, and the document's
 * language (for the parts that depend on it). A rebuild after one article changed renders that
 * article's pieces and takes the other items' from the old files, byte for byte (byte ranges of
 * the old files, never decoded), so the output is what a build from scratch writes.
 *
 * Within a build, a piece is rendered and UTF-8-encoded once however many documents carry it, and
 * documents are lists of those bytes (`DocumentBytes`), written as they are: no document is ever
 * one string.
 *
 * Why beside the output and not in the store: the pieces are the output's own bytes, so the cache
 * costs no extra disk and no extra writes (the one file written is an index of offsets); it is
 * bounded by construction (it only ever names items of the current files, so an article that left
 * every feed, or the store, leaves it with the next build that renders those feeds); a rebuild
 * reads and writes the indexes of the feeds it renders and no others; and it needs nothing of the store but
 * the ids and hashes a build reads anyway. It is trusted only as far as it is checked: an index of
 * another format or context (code or publisher) is ignored whole; a file is read only if its size
 * and modification time are those recorded when it was written, and a piece is taken only if its
 * text has its part's shape; anything else is rendered again. The index is written atomically
 * but not flushed: lost or stale after a crash, it costs the next build time, never correctness.
 */

/** A feed's index of pieces, hidden next to its files (as its browser view is). */
export function fragmentsFileName(feedId: string): string {
  return `.${feedId}.fragments.json`;
}
/** The index's own format: an index of another format is read as none. 2: offsets in bytes. */
const FRAGMENTS_FORMAT = 2;

/**
 * How many bytes of pieces a build keeps in memory for the documents still to render (the pieces
 * of about 1,500 full items): items recur across the feeds' subscription documents (the newest are
 * in most of them). Archive pages, whose items appear in no other document, keep none.
 */
const MAX_MADE_BYTES = 48 * 1024 * 1024;

/** Parts of a piece at least this long are encoded once for every piece that carries them. */
const SHARED_PART = 1024;

const PARTS: readonly PiecePart[] = ['rss', 'atom-head', 'atom-tail', 'json', 'view'];

/** How each part's text starts and ends, as its renderer writes it: a piece that does not is not taken. */
const shape = (head: string, tail: string) => [Buffer.from(head), Buffer.from(tail)] as const;
const SHAPES: Record<PiecePart, readonly [Buffer, Buffer]> = {
  rss: shape('        <item>\n', '        </item>\n'),
  'atom-head': shape('    <entry', '"/>\n'),
  'atom-tail': shape('        <summary type="html">', '    </entry>\n'),
  json: shape('    {\n', '\n    }'),
  view: shape('<article', '</article>'),
};

/** What a document needs of an item besides its pieces (the feed's date, the namespaces it declares). */
export interface ItemFacts {
  updated: string;
  image?: FeedImage;
}

interface FileEntry {
  size: number;
  mtimeMs: number;
  /** Five numbers a piece: item (in `items`), language (in `languages`), part (in PARTS), start, end (byte offsets). */
  pieces: number[];
}

interface FragmentIndex {
  format: number;
  context: string;
  /** Item key, updated, image URL and type. */
  items: Array<[string, string, string?, string?]>;
  languages: string[];
  files: Record<string, FileEntry>;
}

interface Location {
  file: string;
  start: number;
  end: number;
}

/** The key of an item: everything its pieces depend on but the document's language. */
export function fragmentKey(
  context: string,
  full: boolean,
  attribution: boolean,
  id: string,
  hash: string,
): string {
  // One call, no hash object: a full build makes one key an item of every feed (5,000).
  return digestOf(
    'sha256',
    `${context}\u0000${full}\u0000${attribution}\u0000${id}\u0000${hash}`,
    'hex',
  ).slice(0, 32);
}

const pieceKey = (key: string, language: string, part: PiecePart) => `${key}\u0000${language}\u0000${part}`;

function readIndex(file: string, context: string): FragmentIndex | undefined {
  try {
    const index = JSON.parse(readFileSync(file, 'utf8')) as FragmentIndex;
    if (
      index.format === FRAGMENTS_FORMAT &&
      index.context === context &&
      Array.isArray(index.items) &&
      Array.isArray(index.languages) &&
      index.files &&
      typeof index.files === 'object'
    )
      return index;
  } catch {
    // Missing or unreadable: every piece is rendered.
  }
  return undefined;
}

/**
 * An item whose pieces are expected in the cache: it knows what the document needs (`facts`) and
 * prepares the whole item (reading and cleaning the article) only if a renderer asks for more.
 */
function lazyItem(facts: ItemFacts, load: () => FeedItem): FeedItem {
  let item: FeedItem | undefined;
  return new Proxy(facts as FeedItem, {
    get: (target, property) => {
      if (property === 'updated' || property === 'image') return Reflect.get(target, property);
      item ??= load();
      return Reflect.get(item, property);
    },
  });
}

export interface FragmentsStatistics {
  /** Pieces taken from the last build's files. */
  reused: number;
  /** Pieces rendered in this build (each once, however many documents carry it). */
  rendered: number;
  /** Items prepared from their article's source (each once, however often). */
  prepared: number;
}

type Placed = Array<[key: string, language: string, part: PiecePart, start: number, end: number]>;

/** One feed's part of the cache: its last index, and what this build rendered and kept of its files. */
interface FeedState {
  previous: FragmentIndex | undefined;
  /** Where the last build left each piece in each file of the feed. */
  inFile: Map<string, Map<string, Location>>;
  /** Where the pieces of each file rendered in this build stand. */
  placed: Map<string, Placed>;
  /** Files left as they were, whose pieces stay where the last index put them. */
  kept: Set<string>;
}

/** A file's size and modification time, as the build found it (undefined: not there). */
export type FileRecords = (name: string) => { size: number; mtimeMs: number } | undefined;

const sameRecord = (a: { size: number; mtimeMs: number }, b: { size: number; mtimeMs: number }) =>
  a.size === b.size && a.mtimeMs === b.mtimeMs;

/** A document as the build writes it: UTF-8 chunks, in order. */
export type DocumentBytes = Buffer[];

export class Fragments {
  private readonly feeds = new Map<string, FeedState>();
  private feed: FeedState | undefined;
  /** The first place found holding each piece, in any feed's files read so far. */
  private readonly known = new Map<string, Location>();
  private readonly knownFacts = new Map<string, ItemFacts>();
  /** The open feed's files read so far, as the last build wrote them (undefined: not usable). */
  private readonly contents = new Map<string, Buffer | undefined>();
  /** Pieces of this build, by piece key. */
  private readonly made = new Map<string, readonly Buffer[]>();
  /** Long parts of the open feed's pieces, encoded (`encode`). */
  private readonly shared = new Map<string, Buffer>();
  /** Bytes held in `made`: the least recently used pieces go past MAX_MADE_BYTES. */
  private madeBytes = 0;
  private readonly keys = new WeakMap<FeedItem, string>();
  private readonly facts = new Map<string, ItemFacts>();
  private readonly preparedKeys = new Set<string>();
  readonly statistics: FragmentsStatistics = { reused: 0, rendered: 0, prepared: 0 };

  /**
   * The cache of the build writing to `out` in `context` (a hash of the rendering code and the
   * publisher). Disabled (a forced build, which trusts no cache), it is no cache at all: every
   * item is prepared and every piece rendered, in every document, and no index is read or written.
   */
  constructor(
    private readonly out: string,
    private readonly context: string,
    private readonly enabled = true,
    /** The files in `out` when the build began: an index not among them is not looked for. */
    private readonly existing?: ReadonlySet<string>,
  ) {}

  /** The feed whose items and documents come next: its index is read (once). */
  open(feedId: string): void {
    // The files of the feed before are done with (pieces other feeds need were copied to `made`).
    this.contents.clear();
    this.shared.clear();
    let state = this.feeds.get(feedId);
    if (!state) {
      const file = fragmentsFileName(feedId);
      // Missing (a first build, a new feed) is the common case: not looked for.
      const previous =
        this.enabled && (this.existing?.has(file) ?? true)
          ? readIndex(join(this.out, file), this.context)
          : undefined;
      state = { previous, inFile: new Map(), placed: new Map(), kept: new Set() };
      this.feeds.set(feedId, state);
      if (previous) this.learn(previous, state);
    }
    this.feed = state;
  }

  private learn(index: FragmentIndex, state: FeedState): void {
    for (const [key, updated, imageUrl, imageType] of index.items) {
      const facts: ItemFacts = { updated };
      if (typeof imageUrl === 'string')
        facts.image = typeof imageType === 'string' ? { url: imageUrl, type: imageType } : { url: imageUrl };
      this.knownFacts.set(key, facts);
    }
    for (const [file, entry] of Object.entries(index.files)) {
      const { pieces } = entry;
      const here = new Map<string, Location>();
      state.inFile.set(file, here);
      for (let at = 0; at + 4 < pieces.length; at += 5) {
        const key = index.items[pieces[at]!]?.[0];
        const language = index.languages[pieces[at + 1]!];
        const part = PARTS[pieces[at + 2]!];
        if (key === undefined || language === undefined || part === undefined) continue;
        const id = pieceKey(key, language, part);
        const location = { file, start: pieces[at + 3]!, end: pieces[at + 4]! };
        here.set(id, location);
        if (!this.known.has(id)) this.known.set(id, location);
      }
    }
  }

  /**
   * The item of key `key`: a lazy one when this build or the last made its pieces (prepared by
   * `load` only if one is missing), else `load()` at once.
   */
  item(key: string, load: () => FeedItem): FeedItem {
    if (!this.enabled) {
      this.statistics.prepared++;
      return load();
    }
    // Pieces of this build, or of the last: a stand-in that prepares the item only if one is missing.
    const known = this.facts.get(key) ?? this.knownFacts.get(key);
    const counted = () => {
      // Counted once it is made: a load that throws (its source not read yet) is asked again.
      // An item let go and prepared again (for a document in another language) counts once.
      const item = load();
      if (!this.preparedKeys.has(key)) this.statistics.prepared++;
      this.preparedKeys.add(key);
      return item;
    };
    const item = known ? lazyItem(known, counted) : counted();
    this.keys.set(item, key);
    this.facts.set(
      key,
      known ?? (item.image ? { updated: item.updated, image: item.image } : { updated: item.updated }),
    );
    return item;
  }

  /**
   * Whether this build or the last made pieces of the item of key `key`: if so, it is prepared
   * only if one of them turns out to be missing, so its source need not be read before it is
   * rendered.
   */
  knows(key: string): boolean {
    return this.enabled && (this.facts.has(key) || this.knownFacts.has(key));
  }

  /**
   * The bytes of file `name` (of the open feed) as `write` renders them: each item piece taken
   * from the file's own last version, else from this build (an item shared by several
   * documents), else from another file of the last build, else rendered; and noted where it
   * stands. `retain: false` for a document whose items appear in no other (an archive page): its
   * pieces are not kept in memory, which only costs memory there.
   */
  document<D>(name: string, write: DocumentWriter<D>, document: D, retain = true): DocumentBytes {
    const chunks: Buffer[] = [];
    const placed: Placed = [];
    let at = 0;
    let text = '';
    const sink: DocumentSink = {
      text: (part) => {
        text += part;
      },
      piece: (item, part, language, render) => {
        if (text) {
          const bytes = Buffer.from(text, 'utf8');
          chunks.push(bytes);
          at += bytes.length;
          text = '';
        }
        const key = this.keys.get(item);
        const piece =
          key === undefined
            ? this.encode(render())
            : this.piece(name, pieceKey(key, language, part), part, render, retain);
        let length = 0;
        for (const chunk of piece) {
          chunks.push(chunk);
          length += chunk.length;
        }
        if (key !== undefined) placed.push([key, language, part, at, at + length]);
        at += length;
      },
    };
    write(document, sink);
    if (text) chunks.push(Buffer.from(text, 'utf8'));
    this.feed?.placed.set(name, placed);
    return chunks;
  }

  /**
   * A rendered piece as bytes: each of its parts encoded on its own, a long one once however many
   * pieces of the open feed carry it (an article's escaped HTML is in its RSS item and its Atom
   * entry alike), and none flattened into one string first.
   */
  private encode(rendered: string | readonly string[]): Buffer[] {
    if (typeof rendered === 'string') return [Buffer.from(rendered, 'utf8')];
    const chunks: Buffer[] = [];
    let short = '';
    for (const part of rendered) {
      if (part.length < SHARED_PART) {
        short += part;
        continue;
      }
      if (short) chunks.push(Buffer.from(short, 'utf8'));
      short = '';
      let bytes = this.shared.get(part);
      if (!bytes) {
        bytes = Buffer.from(part, 'utf8');
        this.shared.set(part, bytes);
      }
      chunks.push(bytes);
    }
    if (short) chunks.push(Buffer.from(short, 'utf8'));
    return chunks;
  }

  private piece(
    name: string,
    id: string,
    part: PiecePart,
    render: () => string | readonly string[],
    retain: boolean,
  ): readonly Buffer[] {
    const own = this.feed?.inFile.get(name)?.get(id);
    const mine = own && this.fromFile(own, part);
    if (mine) {
      this.statistics.reused++;
      return [mine];
    }
    let piece = this.made.get(id);
    if (piece !== undefined) {
      // Most recently used last: eviction takes from the front.
      this.made.delete(id);
      this.made.set(id, piece);
      return piece;
    }
    const elsewhere = this.known.get(id);
    const taken = elsewhere && elsewhere !== own ? this.fromFile(elsewhere, part) : undefined;
    if (taken) {
      this.statistics.reused++;
      // A copy: the file it is in is let go with its feed.
      piece = [Buffer.from(taken)];
    } else {
      piece = this.encode(render());
      this.statistics.rendered++;
    }
    if (!retain) return piece;
    this.made.set(id, piece);
    for (const chunk of piece) this.madeBytes += chunk.length;
    for (const [oldest, kept] of this.made) {
      if (this.madeBytes <= MAX_MADE_BYTES) break;
      this.made.delete(oldest);
      for (const chunk of kept) this.madeBytes -= chunk.length;
    }
    return piece;
  }

  /** The bytes of file `name` as the last build wrote it, if a piece was taken from it in the open feed. */
  bytesOf(name: string): Buffer | undefined {
    return this.contents.get(name);
  }

  /** A file of the open feed this build leaves as it was: its pieces stay where the last index says. */
  keep(name: string): void {
    this.feed?.kept.add(name);
  }

  /**
   * Stage (in `writes`) the index of every feed that rendered a document in this build, for its files now in
   * `out`: those rendered, and those left as they were. Any other file's pieces (an archive page
   * no longer there) are dropped. Feeds this build did not render keep the index they have.
   * `recorded` gives the size and time of each file of those feeds, as the build found them after
   * writing (the build records them in its manifest too: each file is looked at once).
   */
  save(writes: AtomicWrites, recorded: FileRecords): void {
    if (!this.enabled) return;
    for (const [feedId, state] of this.feeds) {
      if (state.placed.size > 0) this.saveFeed(feedId, state, writes, recorded);
    }
  }

  /** Remove the index of a feed that is no longer defined. */
  forget(feedId: string): void {
    rmSync(join(this.out, fragmentsFileName(feedId)), { force: true });
  }

  private saveFeed(feedId: string, state: FeedState, writes: AtomicWrites, recorded: FileRecords): void {
    const items: FragmentIndex['items'] = [];
    const itemIndex = new Map<string, number>();
    const languages: string[] = [];
    const languageIndex = new Map<string, number>();
    const itemNumber = (key: string, facts: ItemFacts) => {
      let at = itemIndex.get(key);
      if (at === undefined) {
        at = items.length;
        itemIndex.set(key, at);
        items.push(
          facts.image ? [key, facts.updated, facts.image.url, facts.image.type] : [key, facts.updated],
        );
      }
      return at;
    };
    const languageNumber = (language: string) => {
      let at = languageIndex.get(language);
      if (at === undefined) {
        at = languages.length;
        languageIndex.set(language, at);
        languages.push(language);
      }
      return at;
    };
    const files: Record<string, FileEntry> = {};
    for (const [name, placed] of state.placed) {
      const record = recorded(name);
      if (!record) continue;
      const pieces: number[] = [];
      for (const [key, language, part, start, end] of placed) {
        const facts = this.facts.get(key);
        if (facts)
          pieces.push(itemNumber(key, facts), languageNumber(language), PARTS.indexOf(part), start, end);
      }
      files[name] = { ...record, pieces };
    }
    const { previous } = state;
    for (const name of state.kept) {
      const entry = previous?.files[name];
      const now = recorded(name);
      if (!previous || !entry || state.placed.has(name) || !now || !sameRecord(now, entry)) continue;
      const pieces: number[] = [];
      for (let at = 0; at + 4 < entry.pieces.length; at += 5) {
        const key = previous.items[entry.pieces[at]!]?.[0];
        const language = previous.languages[entry.pieces[at + 1]!];
        const facts = key === undefined ? undefined : (this.facts.get(key) ?? this.knownFacts.get(key));
        if (key === undefined || language === undefined || !facts) continue;
        pieces.push(
          itemNumber(key, facts),
          languageNumber(language),
          entry.pieces[at + 2]!,
          entry.pieces[at + 3]!,
          entry.pieces[at + 4]!,
        );
      }
      files[name] = { size: entry.size, mtimeMs: entry.mtimeMs, pieces };
    }
    const index: FragmentIndex = { format: FRAGMENTS_FORMAT, context: this.context, items, languages, files };
    // The feed rendered a document: its index has changed (it is not compared with the old one).
    writes.stage(join(this.out, fragmentsFileName(feedId)), `${JSON.stringify(index)}\n`);
  }

  private stat(name: string): { size: number; mtimeMs: number } | undefined {
    try {
      const stats = statSync(join(this.out, name));
      return { size: stats.size, mtimeMs: stats.mtimeMs };
    } catch {
      return undefined;
    }
  }

  private intact(name: string, entry: FileEntry): boolean {
    const now = this.stat(name);
    return !!now && sameRecord(now, entry);
  }

  /** The piece at `location`, if its file is as it was written and the bytes have the part's shape. */
  private fromFile(location: Location, part: PiecePart): Buffer | undefined {
    let content = this.contents.get(location.file);
    if (!this.contents.has(location.file)) {
      content = undefined;
      const entry = this.entryOf(location.file);
      if (entry && this.intact(location.file, entry)) {
        try {
          content = readFileSync(join(this.out, location.file));
        } catch {
          content = undefined;
        }
      }
      this.contents.set(location.file, content);
    }
    if (content === undefined || location.end > content.length || location.start >= location.end)
      return undefined;
    const bytes = content.subarray(location.start, location.end);
    const [head, tail] = SHAPES[part];
    return bytes.length >= head.length + tail.length &&
      head.equals(bytes.subarray(0, head.length)) &&
      tail.equals(bytes.subarray(bytes.length - tail.length))
      ? bytes
      : undefined;
  }

  private entryOf(file: string): FileEntry | undefined {
    for (const state of this.feeds.values()) {
      const entry = state.previous?.files[file];
      if (entry) return entry;
    }
    return undefined;
  }
}
