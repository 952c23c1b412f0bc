import type { ArticleInput } from '../../src/store/article.ts';

/**
 * A realistic store for reader and validator checks: many authors, categories in several schemes,
 * tags, articles dated by the day (ties), one in French, and the hostile text a real archive holds
 * (ampersands, `]]>`, a literal `<script>` in a title, emoji, right-to-left text, control
 * characters, scripts and relative links in bodies).
 */
const authors = [
  'Ana Lima',
  { name: 'Omar Haddad', url: 'https://northwind.example/authors/omar-haddad' },
  { name: 'Zoë Ötzi', email: 'zoe@northwind.example' },
  'Kwame Mensah',
  'יעל כהן',
  'Nguyễn Thị Hoa',
];
const themes = ['Water Security', 'Environment', 'Economy', 'Human Rights'];
const regions = ['Middle East', 'West Africa', 'Latin America & Caribbean', 'South-East Asia'];
const titles = [
  'Ceasefire talks resume & hopes rise',
  'Why the <script> tag still matters for "press freedom"',
  'Rivers ]]> borders: water in a dry decade 🌊',
  'مرحبا: reporting from both banks of the river',
  'AT&T, tariffs and the 5% question',
  'Control\u0007 characters in an archive title',
];

export function sampleArticles(count = 30): ArticleInput[] {
  const list: ArticleInput[] = [];
  for (let index = 0; index < count; index++) {
    const day = String(28 - (index % 28)).padStart(2, '0');
    const month = index < 28 ? '03' : '02';
    const byline = [
      authors[index % authors.length]!,
      ...(index % 3 === 0 ? [authors[(index + 1) % authors.length]!] : []),
    ];
    const slug = `story-${index}`;
    list.push({
      url: `https://northwind.example/2026/${month}/${slug}`,
      ...(index % 5 === 0 ? { id: `nw-${1000 + index}` } : {}),
      title: `${titles[index % titles.length]!} (${index})`,
      published:
        index % 4 === 0
          ? `2026-${month}-${day}`
          : `2026-${month}-${day}T${String(index % 24).padStart(2, '0')}:15:00Z`,
      ...(index % 7 === 0 ? { updated: `2026-${month}-${day}T23:00:00Z` } : {}),
      authors: byline,
      categories: [
        { term: themes[index % themes.length]!, scheme: 'Theme' },
        { term: regions[index % regions.length]!, scheme: 'Region' },
        ...(index % 6 === 0
          ? [{ term: 'Water Wars', scheme: 'In-depth Report', label: 'Water Wars: a series' }]
          : []),
      ],
      tags: ['analysis', ...(index % 2 ? ['R&D'] : [])],
      ...(index % 2 ? { summary: `Summary ${index}: talks & tensions, in brief.` } : {}),
      ...(index === 9 ? { language: 'fr' } : {}),
      html:
        `<p>Paragraph one of story ${index} — A &amp; B met; “quotes” and ]]&gt; survive.</p>\n` +
        `<p dir="rtl">שלום עולם ومرحبا بالعالم 🕊️</p>\n` +
        `<p>See <a href="/2026/01/background">the background</a> and <img src="maps/${slug}.png" alt="map">.</p>\n` +
        (index % 3 === 0 ? '<script>track()</script><p onclick="x()">Clicked\u0001 text</p>\n' : '') +
        `<blockquote><p>A quoted passage with <em>emphasis</em> &amp; <strong>weight</strong>.</p></blockquote>`,
    });
  }
  return list;
}
