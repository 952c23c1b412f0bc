/**
 * A quotation is not a reprint: shared text within one or two sentences of an article, whatever
 * the sentences' length, is listed as a quotation and not judged; unless those sentences are most
 * of a short article (a news brief copied whole).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type CheckOptions, checkSnapshot } from '../../src/check/check-snapshot.ts';
import { loadTerms } from '../../src/check/terms.ts';
import { loadSites } from '../../src/config/sites.ts';
import type { PageSnapshot } from '../../src/crawl/snapshot.ts';
import { toArticle } from '../../src/store/article.ts';
import type { Sql } from '../../src/store/sql.ts';
import { fixtureStore } from '../helpers/fixture-store.ts';

/** The blogger's own words around the quotation. */
const OWN = [
  'I spent the weekend reading everything I could find about the valley, because my grandmother was born in one of the villages along the river and we still have cousins there.',
  'Most of what I read was confusing, written by people who have never walked those roads, but one report stood out for its calm and its attention to ordinary lives.',
  'I will keep collecting what I find and will write again when the roads open and my cousins can tell us themselves what the last weeks were like for them.',
];

const ONE_SENTENCE =
  'The siege of Lower Vessa entered its third week on Saturday, with aid convoys still waiting at the eastern checkpoint and no sign that the two armed factions are ready to talk.';
const TWO_SENTENCES =
  'Residents who reached the refugee camp at Dorn described empty markets, a single working bakery and nights spent in basements while artillery fell on the old textile district. Several families said they had walked for two days along the riverbank to avoid the main road.';

const BRIEF = toArticle({
  id: 'brief-9',
  url: 'https://northwind.example/2026/03/brief/9',
  title: 'Bridge closed',
  published: '2026-03-18T08:00:00Z',
  authors: ['Ines Varga'],
  html: '<p>The old stone bridge at Kelby was closed to all traffic on Tuesday after engineers found a crack running through its central arch and the river rising faster than expected. Ferries will carry pedestrians across the river from Wednesday morning until the county decides whether the bridge can be repaired.</p>',
});

/** An article whose text opens with its headline and a photo caption, as extracted pages often do. */
const HEADED = toArticle({
  id: 'headed-4',
  url: 'https://northwind.example/2026/03/ferries/4',
  title: 'Ferries for Kelby',
  published: '2026-03-19T08:00:00Z',
  authors: ['Ines Varga'],
  html: `<p>Ferries replace the Kelby bridge</p><p>A ferry at the Kelby landing. Photo: Ana Ruiz</p>
<p>Two flat-bottomed ferries began carrying pedestrians and cyclists across the river at Kelby on Wednesday morning, a day after the old stone bridge was closed because engineers found a deep crack in its central arch.</p>
<p>The county says the crossings will run every twenty minutes from dawn to dusk. Residents of the eastern bank, who depend on the market town for schools and doctors, queued in the rain for the first boats.</p>
<p>Engineers expect to report within a month on whether the arch can be repaired. A new bridge would take at least three years to plan and build, the county council said.</p>`,
});

/** An article whose text opens with a long headline (twelve words), as extracted pages often do. */
const LONG_HEADLINE = toArticle({
  id: 'headline-5',
  url: 'https://northwind.example/2026/03/arch/5',
  title: 'The Kelby arch',
  published: '2026-03-20T08:00:00Z',
  authors: ['Ines Varga'],
  html: `<p>Ferries replace the Kelby bridge while engineers study the cracked central arch</p>
<p>The county closed the old stone bridge at Kelby on Tuesday and began running two flat-bottomed ferries on Wednesday morning for pedestrians and cyclists.</p>
<p>Engineers expect to report within a month on whether the old arch can be repaired at all. A new bridge would take at least three years to plan and build, the county council said on Friday.</p>
<p>Residents of the eastern bank queued in the rain for the first boats and said the crossing took twice as long as walking over the bridge had.</p>`,
});

/** Two sentences of a German article, one with an ordinal date ("am 31. Oktober"). */
const GERMAN = toArticle({
  id: 'de-7',
  url: 'https://northwind.example/de/2026/03/faehren/7',
  title: 'Fähren für Kelby',
  published: '2026-03-19T08:00:00Z',
  authors: ['Ines Varga'],
  language: 'de',
  html: `<p>Die alte Steinbrücke von Kelby wurde am 31. Oktober für den gesamten Verkehr gesperrt, nachdem Ingenieure einen tiefen Riss im mittleren Bogen gefunden hatten. Seit dem 2. November bringen zwei Fähren Fußgänger und Radfahrer über den Fluss.</p>
<p>Die Fähren fahren alle zwanzig Minuten von der Morgendämmerung bis zum Abend. Die Bewohner des Ostufers, die für Schulen und Ärzte auf die Marktstadt angewiesen sind, standen im Regen Schlange für die ersten Boote.</p>
<p>Die Ingenieure wollen innerhalb eines Monats berichten, ob der Bogen repariert werden kann. Eine neue Brücke würde mindestens drei Jahre Planung und Bau erfordern, sagte der Kreisrat.</p>`,
});

function blogPost(quoted: string, header = ''): PageSnapshot {
  const body = `<!doctype html><html><body>${header}<article class="post"><h1>Notes from the valley</h1>
<div class="entry-content"><p>${OWN[0]}</p><p>${OWN[1]}</p><blockquote><p>${quoted}</p></blockquote><p>${OWN[2]}</p></div>
</article></body></html>`;
  const url = 'https://peaceblog.example/2026/03/notes/';
  return {
    url,
    finalUrl: url,
    status: 200,
    headers: {},
    fetchedAt: '2026-03-20T10:00:00.000Z',
    contentType: 'text/html',
    body,
    bodyHash: '',
  };
}

describe('quotations', () => {
  let sql: Sql;
  let options: CheckOptions;
  beforeAll(async () => {
    const store = await fixtureStore([BRIEF, HEADED, GERMAN, LONG_HEADLINE]);
    sql = store.sql;
    options = { terms: loadTerms(store.rules), sites: loadSites(store.rules).sites };
  });

  it.each([
    ['one sentence of 32 words', ONE_SENTENCE, 1],
    ['two sentences of 48 words', TWO_SENTENCES, 2],
    [
      'two sentences quoted inline with typographic quotes',
      `As Northwind Review put it: “${TWO_SENTENCES}”`,
      2,
    ],
  ])('%s is a quotation, listed and not judged', async (_name, quoted, sentences) => {
    const words = quoted.split(/\s+/).length;
    expect(words).toBeGreaterThanOrEqual(30);
    expect(words).toBeLessThanOrEqual(60);
    const result = await checkSnapshot(sql, blogPost(quoted), options);
    expect(result.status).toBe('no-match');
    expect(result.matches).toEqual([]);
    expect(result.quotations).toHaveLength(1);
    expect(result.quotations![0]).toMatchObject({ article: { id: 'nw-481' }, sentences });
    expect(result.quotations![0]!.words).toBeGreaterThanOrEqual(28);
  });

  it('a sentence quoted in the post and the article’s headline and photo caption in the page’s header are quotations, not a reprint', async () => {
    const quoted =
      'Two flat-bottomed ferries began carrying pedestrians and cyclists across the river at Kelby on Wednesday morning, a day after the old stone bridge was closed because engineers found a deep crack in its central arch.';
    const header =
      '<div class="teaser"><h2>Ferries replace the Kelby bridge</h2><figure><img src="/f.jpg" alt=""><figcaption>A ferry at the Kelby landing. Photo: Ana Ruiz</figcaption></figure></div>';
    const result = await checkSnapshot(sql, blogPost(quoted, header), options);
    expect(result.status).toBe('no-match');
    expect(result.quotations?.map((quotation) => quotation.article.id)).toEqual(['headed-4']);
  });

  it('two sentences quoted right under the article’s headline are a quotation: the headline is no third sentence', async () => {
    const quoted =
      'Engineers expect to report within a month on whether the old arch can be repaired at all. A new bridge would take at least three years to plan and build, the county council said on Friday.';
    const result = await checkSnapshot(
      sql,
      blogPost(
        `<a href="${LONG_HEADLINE.url}">Ferries replace the Kelby bridge while engineers study the cracked central arch</a></p><p>${quoted}`,
      ),
      options,
    );
    expect(result.status).toBe('no-match');
    expect(result.quotations).toHaveLength(1);
    expect(result.quotations![0]).toMatchObject({ article: { id: 'headline-5' }, sentences: 2 });
  });

  it('a photo caption that echoes a later sentence, above two quoted sentences of the opening, is a quotation', async () => {
    // The caption shares nine words with the article's fourth paragraph; the quotation comes from its
    // second. Read in order they would touch three sentences, but the page goes back in the article:
    // a reprint's text does not.
    const caption =
      '<figure><img src="/dorn.jpg" alt=""><figcaption>Forty thousand people remain inside the city, most of them elderly, aid workers say.</figcaption></figure>';
    const result = await checkSnapshot(sql, blogPost(`</p>${caption}<p>${TWO_SENTENCES}`), options);
    expect(result.status).toBe('no-match');
    expect(result.matches).toEqual([]);
    expect(result.quotations).toHaveLength(1);
    expect(result.quotations![0]).toMatchObject({ article: { id: 'nw-481' }, sentences: 2 });
  });

  it('two German sentences with ordinal dates are a quotation of two sentences', async () => {
    const quoted =
      'Die alte Steinbrücke von Kelby wurde am 31. Oktober für den gesamten Verkehr gesperrt, nachdem Ingenieure einen tiefen Riss im mittleren Bogen gefunden hatten. Seit dem 2. November bringen zwei Fähren Fußgänger und Radfahrer über den Fluss.';
    const result = await checkSnapshot(sql, blogPost(quoted), options);
    expect(result.status).toBe('no-match');
    expect(result.quotations).toHaveLength(1);
    expect(result.quotations![0]).toMatchObject({ article: { id: 'de-7' }, sentences: 2 });
  });

  it('a short brief copied whole is a reprint, though it has only two sentences', async () => {
    const text = BRIEF.html.replace(/<\/?p>/g, '');
    const result = await checkSnapshot(sql, blogPost(text), options);
    expect(result.status).toBe('reprint');
    expect(result.matches.map((match) => match.article.id)).toEqual(['brief-9']);
    expect(result.quotations ?? []).toEqual([]);
  });
});
