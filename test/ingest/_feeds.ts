/** Sample feeds as real publishers write them: RSS 2.0, Atom 1.0 and JSON Feed 1.1. */

export const rss = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:media="http://search.yahoo.com/mrss/">
  <channel>
    <title>Northwind Review</title>
    <link>https://northwind.example/</link>
    <description>Analysis</description>
    <language>en</language>
    <copyright>Copyright © 2026 Northwind Review</copyright>
    <!-- <item> in a comment is not an item -->
    <item>
      <title>Grain corridor reopens</title>
      <link>https://northwind.example/2026/01/grain-corridor/</link>
      <guid isPermaLink="false">nw-rss-1</guid>
      <pubDate>Mon, 12 Jan 2026 08:00:00 GMT</pubDate>
      <dc:creator>Ana Lima</dc:creator>
      <dc:creator>Jonas Berg</dc:creator>
      <description><![CDATA[<p>The <em>corridor</em> &amp; its ports.</p>]]></description>
      <content:encoded><![CDATA[<p>Ships moved again on Monday.</p><p>A <item> in CDATA is text.</p>]]></content:encoded>
      <category domain="Region">Black Sea</category>
      <category domain="Theme">Food Security</category>
      <category>Analysis</category>
      <media:content url="https://northwind.example/img/corridor.jpg" medium="image"/>
    </item>
    <item>
      <title>Second item</title>
      <link>https://northwind.example/2026/01/second/</link>
      <pubDate>Tue, 13 Jan 2026 10:30:00 +0100</pubDate>
      <author>desk@northwind.example (Mira Okafor)</author>
      <description>Only a description.</description>
      <enclosure url="https://northwind.example/img/second.png" type="image/png" length="100"/>
    </item>
  </channel>
</rss>
`;

export const atom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Northwind Review</title>
  <id>https://northwind.example/</id>
  <updated>2026-02-01T00:00:00Z</updated>
  <rights>Copyright © 2026 Northwind Review</rights>
  <entry>
    <title>Delta water accord</title>
    <id>tag:northwind.example,2026:delta</id>
    <link rel="alternate" href="https://northwind.example/2026/02/delta-accord/"/>
    <link rel="enclosure" type="image/jpeg" href="https://northwind.example/img/delta.jpg"/>
    <published>2026-02-01T09:00:00+02:00</published>
    <updated>2026-02-03T12:00:00Z</updated>
    <author><name>Ana Lima</name><uri>https://northwind.example/authors/lima/</uri><email>lima@northwind.example</email></author>
    <author><name>Élodie Marchand</name></author>
    <summary type="html">&lt;p&gt;Upstream and &lt;b&gt;downstream&lt;/b&gt; states agree.&lt;/p&gt;</summary>
    <content type="html">&lt;p&gt;The accord was signed at dawn.&lt;/p&gt;</content>
    <category term="Nile Basin" scheme="Region"/>
    <category term="water" scheme="Theme" label="Water Security"/>
    <category term="treaties"/>
    <rights>Copyright © 2026 Ana Lima, Northwind Review</rights>
  </entry>
  <entry>
    <title>Plain text entry</title>
    <id>tag:northwind.example,2026:plain</id>
    <link href="https://northwind.example/2026/02/plain/"/>
    <updated>2026-02-05T00:00:00Z</updated>
    <content>Fish &amp; chips &lt;b&gt;not bold&lt;/b&gt;</content>
  </entry>
</feed>
`;

export const jsonFeed = `{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "Northwind Review",
  "home_page_url": "https://northwind.example/",
  "language": "en",
  "items": [
    {
      "id": "nw-json-1",
      "url": "https://northwind.example/2026/03/river-treaty-talks/",
      "title": "River treaty talks",
      "content_html": "<p>Talks opened in <strong>Niamey</strong>.</p>",
      "summary": "Talks opened.",
      "date_published": "2026-03-04T07:00:00Z",
      "date_modified": "2026-03-05T07:00:00Z",
      "authors": [{ "name": "Ana Lima", "url": "https://northwind.example/authors/lima/", "avatar": "https://northwind.example/a.png" }],
      "tags": ["rivers", "Sahel"],
      "image": "https://northwind.example/img/river.jpg"
    },
    {
      "id": "nw-json-2",
      "url": "https://northwind.example/2026/03/texto/",
      "title": "Texto plano",
      "content_text": "Primera línea & más.\\n\\nSegunda <b>parte</b>.",
      "date_published": "2026-03-06T07:00:00Z",
      "language": "es"
    }
  ]
}
`;
