import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  extractLinks,
  parseFeedLinks,
  parseSitemap,
  UnreadableDocumentError,
  urlFilter,
} from '../../src/crawl/discovery.ts';

describe('sitemaps', () => {
  const urlset =
    '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc> https://s.example/a?utm_campaign=x </loc></url><url><loc>https://s.example/b#top</loc></url></urlset>';

  it('reads a URL set, gzipped or not, normalising each URL', () => {
    for (const bytes of [Buffer.from(urlset), gzipSync(urlset)]) {
      expect(parseSitemap(bytes, 'application/xml', 'https://s.example/', 1e6)).toEqual({
        sitemaps: [],
        pages: ['https://s.example/a', 'https://s.example/b'],
        droppedPages: 0,
        droppedSitemaps: 0,
      });
    }
  });

  it('reads a sitemap index and a text sitemap', () => {
    const index =
      '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://s.example/1.xml.gz</loc></sitemap></sitemapindex>';
    expect(parseSitemap(Buffer.from(index), undefined, 'https://s.example/', 1e6).sitemaps).toEqual([
      'https://s.example/1.xml.gz',
    ]);
    expect(
      parseSitemap(Buffer.from('https://s.example/x\nnot a url\n'), 'text/plain', 'https://s.example/', 1e6)
        .pages,
    ).toEqual(['https://s.example/x']);
  });

  it('refuses to unzip past the size limit', () => {
    const bomb = gzipSync(Buffer.alloc(5_000_000));
    expect(() => parseSitemap(bomb, undefined, 'https://s.example/', 100_000)).toThrow();
  });
});

describe('feeds', () => {
  it('reads the item links of RSS and Atom', () => {
    const rss =
      '<rss version="2.0"><channel><title>t</title><item><title>a</title><link>/posts/1</link></item><item><title>b</title><link>https://s.example/posts/2?utm_source=rss</link></item></channel></rss>';
    expect(parseFeedLinks(rss, 'https://s.example/feed')).toEqual([
      'https://s.example/posts/1',
      'https://s.example/posts/2',
    ]);
    const atom =
      '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>a</title><link href="https://s.example/atom/1"/></entry></feed>';
    expect(parseFeedLinks(atom, 'https://s.example/atom')).toEqual(['https://s.example/atom/1']);
  });

  it("takes an Atom entry's alternate link over its other links, and RSS 1.0 items", () => {
    const atom = `<?xml version="1.0"?><a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:link href="/home"/>
      <a:entry><a:link rel="edit" href="/edit/1"/><a:link rel="alternate" href="/read/1"/><a:link href="/read/1b"/></a:entry>
      <a:entry><a:link rel="enclosure" href="/audio.mp3"/></a:entry>
      <a:entry><a:title>no link</a:title></a:entry>
      <a:entry><a:link rel="ALTERNATE" href="/upper"/><a:link rel="http://www.iana.org/assignments/relation/alternate" href="/iana"/></a:entry></a:feed>`;
    expect(parseFeedLinks(atom, 'https://s.example/atom')).toEqual([
      'https://s.example/read/1',
      'https://s.example/audio.mp3',
      'https://s.example/iana',
    ]);
    const rdf = `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
      <channel rdf:about="https://s.example/"><link>https://s.example/</link></channel>
      <item rdf:about="https://s.example/p/1"><title>one &amp; two</title><link>https://s.example/p/1?a=1&amp;b=2</link></item></rdf:RDF>`;
    expect(parseFeedLinks(rdf, 'https://s.example/rdf')).toEqual(['https://s.example/p/1?a=1&b=2']);
  });

  it('gives up a sitemap or feed nested without end, at once', () => {
    const deep = (root: string) => `<${root}>${'<x>'.repeat(200_000)}`;
    expect(() => parseFeedLinks(deep('rss'), 'https://s.example/')).toThrow(/deeper than 256 levels/);
    expect(() =>
      parseSitemap(Buffer.from(deep('urlset')), 'application/xml', 'https://s.example/', 10_000_000),
    ).toThrow(UnreadableDocumentError);
  });

  it('stops at the link budget, however long the feed', () => {
    const items = Array.from({ length: 50_000 }, (_, i) => `<item><link>/p/${i}</link></item>`).join('');
    const links = parseFeedLinks(`<rss><channel>${items}</channel></rss>`, 'https://s.example/', 1000);
    expect(links).toHaveLength(1000);
    expect(links.at(-1)).toBe('https://s.example/p/999');
  });

  it('says a page that is no feed is not one', () => {
    expect(() =>
      parseFeedLinks('<!doctype html><html><body><a href="/x">x</a></body></html>', 'https://s.example/'),
    ).toThrow(UnreadableDocumentError);
    expect(() => parseFeedLinks('', 'https://s.example/')).toThrow(/no XML element/);
    expect(() => parseFeedLinks('<rss><channel><item><link>/x</link></item>', 'https://s.example/')).toThrow(
      /ends before its <rss> element closes/,
    );
  });
});

describe('links', () => {
  it('takes links from parsed HTML only, against <base> and the final URL', () => {
    const page = `<html><head><base href="/docs/"></head><body>
      <a href="intro">intro</a> <a href="/top#x">top</a> <area href="map"> <a href="javascript:void(0)">js</a>
      <!-- <a href="/commented">no</a> -->
      <script>var s = '<a href="/scripted">no</a>';</script>
      <a href="intro">duplicate</a></body></html>`;
    expect(extractLinks(page, 'https://s.example/2024/page')).toEqual([
      'https://s.example/docs/intro',
      'https://s.example/top',
      'https://s.example/docs/map',
    ]);
    expect(extractLinks('<a href="next">n</a>', 'https://s.example/dir/final')).toEqual([
      'https://s.example/dir/next',
    ]);
  });

  it('filters by include and exclude patterns', () => {
    const keep = urlFilter(['/posts/'], ['\\?print']);
    expect(keep('https://s.example/posts/1')).toBe(true);
    expect(keep('https://s.example/posts/1?print')).toBe(false);
    expect(keep('https://s.example/about')).toBe(false);
  });
});
