import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFeeds, MANIFEST_FILE } from '../../src/feed/build.ts';
import { type FileOps, nodeFileOps, TEMP_PATTERN, writeIfChanged } from '../../src/files/atomic.ts';
import { toArticle } from '../../src/store/article.ts';
import { upsertArticles } from '../../src/store/articles.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';
import { articles, feedConfig, parseXml, seededStore, writeFeedsFolder } from './_support.ts';

const config = feedConfig(
  { id: 'all', title: 'All' },
  { id: 'peace', title: 'Peace', filter: { categories: { Theme: ['Peace and Security'] } } },
  { id: 'environment', title: 'Environment', filter: { categories: { Theme: ['Environment'] } } },
  { id: 'french', title: 'French', filter: { language: 'fr' }, formats: ['atom'] },
);

/** Every file of the folder with its bytes and inode (a rename gives a new inode). */
function snapshot(dir: string): Map<string, { bytes: string; inode: number; mtimeMs: number }> {
  const files = new Map<string, { bytes: string; inode: number; mtimeMs: number }>();
  for (const name of readdirSync(dir).sort()) {
    const stat = statSync(join(dir, name));
    files.set(name, {
      bytes: readFileSync(join(dir, name), 'latin1'),
      inode: stat.ino,
      mtimeMs: stat.mtimeMs,
    });
  }
  return files;
}

describe('syndicate build', () => {
  it('writes every feed in each format it asks for, plus the OPML list', async () => {
    const dir = tempDir();
    const db = await seededStore(join(dir, 'store.sqlite'));
    const out = join(dir, 'public');
    const result = await buildFeeds(db, config, { out });
    await db.close();
    expect(result.written.sort()).toEqual(
      [
        'all.xml',
        'all.atom',
        'all.json',
        'peace.xml',
        'peace.atom',
        'peace.json',
        'environment.xml',
        'environment.atom',
        'environment.json',
        'french.atom',
        'feeds.opml',
        // The page a browser gets on each feed's URL.
        '.all.view.html',
        '.peace.view.html',
        '.environment.view.html',
        '.french.view.html',
      ].sort(),
    );
    const opml = parseXml(readFileSync(join(out, 'feeds.opml'), 'utf8'));
    const outlines = opml.children[1]!.children.map((outline) => outline.attributes.xmlUrl);
    expect(outlines).toEqual([
      'https://northwind.example/feeds/all.xml',
      'https://northwind.example/feeds/peace.xml',
      'https://northwind.example/feeds/environment.xml',
      'https://northwind.example/feeds/french.atom',
    ]);
    const peace = readFileSync(join(out, 'peace.xml'), 'utf8');
    expect(peace.match(/<item>/g)).toHaveLength(2);
    expect(readFileSync(join(out, 'french.atom'), 'utf8').match(/<entry>/g)).toHaveLength(1);
  });

  it('is deterministic: two builds of the same store give byte-identical files', async () => {
    const outs: string[] = [];
    for (const _ of [0, 1]) {
      const dir = tempDir();
      const db = await seededStore(join(dir, 'store.sqlite'));
      await buildFeeds(db, config, { out: join(dir, 'public') });
      await db.close();
      outs.push(join(dir, 'public'));
    }
    const [first, second] = outs.map((out) => snapshot(out));
    expect([...first!.keys()]).toEqual([...second!.keys()]);
    for (const [name, file] of first!) {
      if (name === MANIFEST_FILE || name.endsWith('.fragments.json')) continue; // they record mtimes, which differ between folders
      expect(second!.get(name)!.bytes, name).toBe(file.bytes);
    }
  });

  it('writes nothing when nothing changed, even with --force', async () => {
    const dir = tempDir();
    const db = await seededStore(join(dir, 'store.sqlite'));
    const out = join(dir, 'public');
    await buildFeeds(db, config, { out });
    const before = snapshot(out);
    for (const force of [false, true]) {
      const again = await buildFeeds(db, config, { out, force });
      expect(again.written).toEqual([]);
      expect(again.unchanged).toHaveLength(15);
      expect(snapshot(out)).toEqual(before);
    }
    await db.close();
  });

  it('rewrites only the feeds that carry a changed article', async () => {
    const dir = tempDir();
    const db = await seededStore(join(dir, 'store.sqlite'));
    const out = join(dir, 'public');
    await buildFeeds(db, config, { out });
    const before = snapshot(out);
    const water = articles[1]!;
    await upsertArticles(db, [toArticle({ ...water, title: 'Water & borders, revised' })]);
    const result = await buildFeeds(db, config, { out });
    await db.close();
    const changed = [
      'all.xml',
      'all.atom',
      'all.json',
      '.all.view.html',
      'environment.xml',
      'environment.atom',
      'environment.json',
      '.environment.view.html',
    ];
    expect(result.written.sort()).toEqual([...changed].sort());
    const after = snapshot(out);
    for (const [name, file] of before) {
      if (name === MANIFEST_FILE || name.endsWith('.fragments.json')) continue;
      const now = after.get(name)!;
      if (changed.includes(name)) {
        expect(now.inode, name).not.toBe(file.inode);
        expect(now.bytes, name).not.toBe(file.bytes);
      } else {
        expect(now, name).toEqual(file);
      }
    }
    expect(after.get('all.xml')!.bytes).toContain('Water &#x26; borders, revised');
  });

  it('renders again a feed whose file was edited or deleted by hand', async () => {
    const dir = tempDir();
    const db = await seededStore(join(dir, 'store.sqlite'));
    const out = join(dir, 'public');
    await buildFeeds(db, config, { out });
    const original = readFileSync(join(out, 'peace.xml'), 'utf8');
    writeFileSync(join(out, 'peace.xml'), 'broken');
    expect((await buildFeeds(db, config, { out })).written).toEqual(['peace.xml']);
    expect(readFileSync(join(out, 'peace.xml'), 'utf8')).toBe(original);
    await db.close();
  });

  it('removes the files of a feed that is no longer defined', async () => {
    const dir = tempDir();
    const db = await seededStore(join(dir, 'store.sqlite'));
    const out = join(dir, 'public');
    await buildFeeds(db, config, { out });
    const fewer = { ...config, feeds: config.feeds.filter((feed) => feed.id !== 'french') };
    expect((await buildFeeds(db, fewer, { out })).removed).toEqual(['french.atom', '.french.view.html']);
    expect(existsSync(join(out, 'french.atom'))).toBe(false);
    await db.close();
  });
});

describe('atomic writes', () => {
  it('leaves the old file whole and no temporary file when a write fails half way', () => {
    const dir = tempDir();
    const file = join(dir, 'all.xml');
    writeIfChanged(file, 'old feed');
    const failing: FileOps = {
      create(temp, data) {
        const bytes = Buffer.concat(data);
        nodeFileOps.create(temp, [bytes.subarray(0, bytes.length / 2)]);
        throw new Error('disk full');
      },
      rename: nodeFileOps.rename,
    };
    expect(() => writeIfChanged(file, 'new feed, longer than the old one', failing)).toThrow('disk full');
    expect(readFileSync(file, 'utf8')).toBe('old feed');
    expect(readdirSync(dir)).toEqual(['all.xml']);
  });

  it('leaves the old file when the rename fails, and writes through a hidden temporary file', () => {
    const dir = tempDir();
    const file = join(dir, 'all.xml');
    writeIfChanged(file, 'old feed');
    const seen: string[] = [];
    const failing: FileOps = {
      create(temp, data) {
        seen.push(temp);
        nodeFileOps.create(temp, data);
      },
      rename() {
        throw new Error('rename refused');
      },
    };
    expect(() => writeIfChanged(file, 'new feed', failing)).toThrow('rename refused');
    expect(readFileSync(file, 'utf8')).toBe('old feed');
    expect(readdirSync(dir)).toEqual(['all.xml']);
    expect(seen.map((temp) => TEMP_PATTERN.test(temp.slice(dir.length + 1)))).toEqual([true]);
  });

  it('a build removes temporary files a crashed build left, but not a running one’s', async () => {
    const dir = tempDir();
    const out = join(dir, 'public');
    mkdirSync(out);
    const stale = join(out, '.all.xml.syndicate-0123456789ab.tmp');
    const fresh = join(out, '.all.atom.syndicate-ba9876543210.tmp');
    writeFileSync(stale, 'half a feed');
    writeFileSync(fresh, 'being written');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(stale, hourAgo, hourAgo);
    const db = await seededStore(join(dir, 'store.sqlite'));
    await buildFeeds(db, config, { out });
    await db.close();
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });

  it('a build leaves no temporary file behind', async () => {
    const dir = tempDir();
    const db = await seededStore(join(dir, 'store.sqlite'));
    await buildFeeds(db, config, { out: join(dir, 'public') });
    await db.close();
    expect(readdirSync(join(dir, 'public')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('the build command', () => {
  it('builds from --feeds into --out and prints what it wrote', async () => {
    const dir = tempDir();
    const feeds = writeFeedsFolder(join(dir, 'feeds'));
    const store = join(dir, 'store.sqlite');
    await (await seededStore(store)).close();
    const out = join(dir, 'out');
    const first = await runCli(['--store', store, '--feeds', feeds, 'build', '--out', out]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('wrote all.xml\n');
    expect(first.stdout).toContain(`4 feeds in ${out}: 14 files written, 0 unchanged\n`);
    const second = await runCli(['--store', store, '--feeds', feeds, 'build', '--out', out]);
    expect(second.stdout).toBe(`4 feeds in ${out}: 0 files written, 14 unchanged\n`);
  });

  it('names the file, line and field of a bad feed definition, and writes nothing', async () => {
    const dir = tempDir();
    const feeds = writeFeedsFolder(join(dir, 'feeds'), {
      'bad.yaml': 'id: bad\ntitle: Bad\nformats: [rss, gopher]\n',
    });
    const out = join(dir, 'out');
    const result = await runCli([
      '--store',
      join(dir, 'store.sqlite'),
      '--feeds',
      feeds,
      'build',
      '--out',
      out,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad\.yaml:3: formats\[1\]: /);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses two feeds with one id', async () => {
    const dir = tempDir();
    const feeds = writeFeedsFolder(join(dir, 'feeds'), {
      'a.yaml': 'id: same\ntitle: A\n',
      'b.yaml': 'id: same\ntitle: B\n',
    });
    const result = await runCli(['--store', join(dir, 'store.sqlite'), '--feeds', feeds, 'build']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/b\.yaml: id: feed id same is also defined in .*a\.yaml/);
  });
});
