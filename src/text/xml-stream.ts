/**
 * What every streaming reader of someone else's XML (sitemaps and feeds in the crawler, feeds in
 * `import`) holds to, in one place: how deep a document may nest, and how its text is handed to
 * the parser.
 */

/**
 * Elements a sitemap or feed may nest. Real ones nest a handful (an Atom entry's XHTML a few dozen;
 * none of 1,946 readable test feeds comes near). A streaming parser's own stack can cost time in
 * proportion to the depth on every tag (htmlparser2's does), and a reader that keeps the elements
 * of an item keeps one per level, so a document nested deeper is given up at once.
 */
export const MAX_XML_DEPTH = 256;

/** Text is given to a streaming parser in slices of this many characters, so that it can stop early. */
export const XML_SLICE_CHARS = 64 * 1024;

/**
 * Write `text` to a streaming parser slice by slice, until it is all written or `stopped()` says
 * that the reader has what it wants. A handler that throws leaves the loop with its error.
 */
export function writeInSlices(write: (slice: string) => void, text: string, stopped = () => false): void {
  for (let start = 0; start < text.length && !stopped(); start += XML_SLICE_CHARS) {
    write(text.slice(start, start + XML_SLICE_CHARS));
  }
}

/** `dc:creator` → `creator`; a name without a prefix is its own local name. */
export function localName(qualifiedName: string): string {
  const colon = qualifiedName.indexOf(':');
  return colon >= 0 ? qualifiedName.slice(colon + 1) : qualifiedName;
}
