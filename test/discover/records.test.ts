import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localArchive, remoteArchive } from '../../src/discover/archive.ts';
import { type ArchiveEvent, readArchive } from '../../src/discover/records.ts';
import { crawlerFetcher } from '../../src/net/http.ts';
import { startServer } from '../helpers/http.ts';
import { tempDir } from '../helpers/tmp.ts';
import { buildArchive, type RecordSpec } from './_archives.ts';

const specs: RecordSpec[] = [
  { type: 'warcinfo', url: 'urn:x', body: 'software: test\r\n', contentType: 'application/warc-fields' },
  { type: 'response', url: 'https://a.example/', body: '<p>one</p>' },
  { type: 'response', url: 'https://b.example/', body: `<p>${'two '.repeat(30_000)}</p>` },
  { type: 'conversion', url: 'https://c.example/', body: 'three', contentType: 'text/plain' },
];

async function events(
  input: Parameters<typeof readArchive>[0],
  options: Partial<Parameters<typeof readArchive>[1]> = {},
) {
  const seen: ArchiveEvent[] = [];
  for await (const event of readArchive(input, { wants: () => true, ...options })) seen.push(event);
  return seen;
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('the record reader', () => {
  it('reads an uncompressed WARC with the offset and length of every record', async () => {
    const archive = await buildArchive(specs, false);
    const file = join(tempDir(), 'plain.warc');
    writeFileSync(file, archive.bytes);
    const seen = await events(localArchive(file));
    const spans = seen.map((event) =>
      'record' in event ? [event.record.offset, event.record.length] : 'damage',
    );
    expect(spans).toEqual(archive.members.map((member) => [member.offset, member.length]));
    // A warcinfo record has no target URI; the others keep theirs.
    expect(seen.map((event) => ('record' in event ? event.record.url : 'damage'))).toEqual([
      undefined,
      ...archive.members.slice(1).map((member) => member.url),
    ]);
  });

  it('cuts a payload at the cap and carries on with the next record', async () => {
    const archive = await buildArchive(specs);
    const file = join(tempDir(), 'capped.warc.gz');
    writeFileSync(file, archive.bytes);
    const seen = await events(localArchive(file), { maxPayloadBytes: 1000 });
    const big = seen.find((event) => 'record' in event && event.record.url === 'https://b.example/');
    expect(big && 'record' in big && [big.record.payload?.length, big.record.payloadTruncated]).toEqual([
      1000,
      true,
    ]);
    expect(seen.at(-1)).toMatchObject({ record: { url: 'https://c.example/', type: 'conversion' } });
  });

  it('refuses a server that ignores byte ranges instead of reading the file into memory', async () => {
    const archive = await buildArchive(specs);
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-length': archive.bytes.length }).end(archive.bytes);
    });
    closers.push(() => server.close());
    const url = server.url('/a.warc.gz');
    const fetcher = crawlerFetcher({ allowPrivateNetworks: true });
    closers.push(() => fetcher.close());
    // The whole file fits in one range: it is read.
    expect((await events(remoteArchive(url, fetcher))).length).toBe(specs.length);
    // It does not: refused, with a message that says why.
    await expect(events(remoteArchive(url, fetcher, { rangeBytes: 1024 }))).rejects.toThrow(
      /ignores byte ranges/,
    );
  });

  it('refuses a private address unless allowed, as the crawler does', async () => {
    const fetcher = crawlerFetcher({});
    closers.push(() => fetcher.close());
    await expect(events(remoteArchive('http://127.0.0.1:9/a.warc.gz', fetcher))).rejects.toThrow(
      /private address/,
    );
  });
});
