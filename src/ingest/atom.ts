import { inputError } from '../errors.ts';
import type { Category, Person } from '../store/article.ts';
import { textToHtml } from '../text/html.ts';
import { htmlLineText } from '../text/html-text.ts';
import {
  attribute,
  child,
  childrenNamed,
  type FeedElement,
  headText,
  innerMarkup,
  markupOf,
  nonBlank,
  type RawFeed,
  textOf,
} from './_xml-feed.ts';
import { withoutOwnAttribution } from './attribution.ts';
import {
  compact,
  isoFeedDate,
  type ParsedRecord,
  type ReadOptions,
  type RecordWarning,
  readIsoDate,
  undatedItem,
  untitledItem,
  validateRecord,
} from './record.ts';

/**
 * Atom 1.0 entries as articles: the alternate link → url, id → id, published (else updated) →
 * published, content → html (text content escaped), summary as text, author name/uri/email,
 * category term with its scheme and label, rights, and an image enclosure link. An entry without
 * a date takes the feed's `updated`, else the time it was first imported, with a warning.
 */
export function readAtom(feed: RawFeed, file: string, options: ReadOptions = {}): ParsedRecord[] {
  const feedRights = headText(feed, 'rights');
  const feedDate = readIsoDate(headText(feed, 'updated'));
  return feed.items.map((item, index) => {
    const place = { file, item: `item[${index}]`, line: item.line };
    const published = nonBlank(textOf(child(item, 'published')));
    const updated = nonBlank(textOf(child(item, 'updated')));
    const id = nonBlank(textOf(child(item, 'id')));
    const warnings: RecordWarning[] = [];
    let url = link(childrenNamed(item, 'link'), place);
    if (url === undefined && id !== undefined && /^https?:\/\/\S+$/i.test(id)) {
      url = id;
      warnings.push({
        field: 'url',
        message: 'the entry has no alternate <link>: its id, an http(s) URL, is taken as its URL',
      });
    }
    let date = isoFeedDate(published ?? updated);
    if (date === undefined) {
      const undated = undatedItem(
        feedDate,
        compact({ id, url }),
        options,
        'the entry has neither published nor updated',
      );
      date = undated.published;
      warnings.push({ field: 'published', message: undated.warning });
    }
    if (url === undefined) {
      throw inputError('the entry has no alternate <link>: an article needs the URL of its page', {
        ...place,
        field: `${place.item}.url`,
      });
    }
    const html = content(item);
    let title = textConstruct(child(item, 'title'));
    if (title === undefined) {
      const untitled = untitledItem(html, summary(item));
      title = untitled?.title;
      if (untitled) warnings.push({ field: 'title', message: untitled.warning });
    }
    const input = compact({
      url,
      title,
      published: date,
      updated: published !== undefined && updated !== undefined ? isoFeedDate(updated) : undefined,
      id,
      authors: authors(childrenNamed(item, 'author')),
      summary: summary(item),
      html: html === undefined ? undefined : withoutOwnAttribution(html),
      categories: categories(childrenNamed(item, 'category')),
      image: image(childrenNamed(item, 'link')),
      rights: textConstruct(child(item, 'rights')) ?? feedRights,
    });
    return {
      ...place,
      article: validateRecord(input, place),
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  });
}

function link(
  elements: FeedElement[],
  place: { file: string; item: string; line?: number },
): string | undefined {
  const alternates = elements.filter((element) => (attribute(element, 'rel') ?? 'alternate') === 'alternate');
  const href = alternates.map((element) => nonBlank(attribute(element, 'href'))).find(Boolean);
  if (href === undefined && alternates.length > 0) {
    throw inputError("the entry's <link> has no href", { ...place, field: `${place.item}.url` });
  }
  return href;
}

function image(elements: FeedElement[]): string | undefined {
  const enclosure = elements.find(
    (element) =>
      attribute(element, 'rel') === 'enclosure' && (attribute(element, 'type') ?? '').startsWith('image/'),
  );
  return nonBlank(attribute(enclosure, 'href'));
}

function authors(elements: FeedElement[]): Person[] | undefined {
  const people = elements.flatMap((element): Person[] => {
    const name = nonBlank(textOf(child(element, 'name')));
    if (!name) return [];
    const url = nonBlank(textOf(child(element, 'uri')));
    const email = nonBlank(textOf(child(element, 'email')));
    return [{ name, ...(url ? { url } : {}), ...(email ? { email } : {}) }];
  });
  return people.length > 0 ? people : undefined;
}

function categories(elements: FeedElement[]): Category[] | undefined {
  const list = elements.flatMap((element): Category[] => {
    const term = nonBlank(attribute(element, 'term'));
    if (!term) return [];
    const scheme = nonBlank(attribute(element, 'scheme'));
    const label = nonBlank(attribute(element, 'label'));
    return [{ term, ...(scheme ? { scheme } : {}), ...(label ? { label } : {}) }];
  });
  return list.length > 0 ? list : undefined;
}

/**
 * An Atom text construct (title, rights) as plain text: `type="html"` holds escaped HTML, read as
 * the text a reader sees; text and XHTML are their text.
 */
function textConstruct(element: FeedElement | undefined): string | undefined {
  if (element === undefined) return undefined;
  const text = textOf(element);
  return nonBlank(attribute(element, 'type') === 'html' ? htmlLineText(text ?? '') : text);
}

/**
 * The markup an Atom content or summary holds: `type="xhtml"` is one XHTML `<div>` whose
 * children are the content (RFC 4287 §4.1.3.3); html and any other type are taken as they are.
 */
function markup(element: FeedElement): string | undefined {
  if (attribute(element, 'type') !== 'xhtml') return nonBlank(markupOf(element));
  const elements = element.content.filter((part): part is FeedElement => typeof part !== 'string');
  const only = elements.length === 1 && elements[0]!.name === 'xhtml:div' ? elements[0] : undefined;
  // XHTML text is text: `&lt;b&gt;` in it is a visible `<b>`, so it stays escaped.
  return nonBlank(innerMarkup(only ?? element));
}

/** `type="text"` (the default) is text, to be escaped; html and xhtml are markup already. */
function content(item: FeedElement): string | undefined {
  const element = child(item, 'content');
  if (element === undefined) return undefined;
  const type = attribute(element, 'type') ?? 'text';
  if (type === 'text') {
    const text = nonBlank(textOf(element));
    return text === undefined ? undefined : textToHtml(text);
  }
  return markup(element);
}

function summary(item: FeedElement): string | undefined {
  const element = child(item, 'summary');
  if (element === undefined) return undefined;
  const type = attribute(element, 'type') ?? 'text';
  const text =
    type === 'text'
      ? textOf(element)?.replace(/\s+/g, ' ')
      : htmlLineText(withoutOwnAttribution(markup(element) ?? ''));
  return nonBlank(text);
}
