/**
 * `eval:pages --explain`: what the checker took for the post of a case it judged wrongly, in a few
 * lines a person can read against the page: the post's scope, the nearby regions, and where the
 * spliced credit sits (its ancestry, each step marked in scope `S`, nearby `N`, elsewhere `E` or none `-`).
 */
import type { AnyNode, Element } from 'domhandler';
import type { Post } from '../../src/check/_post.ts';
import type { PageDocument } from '../../src/match/page.ts';

const isElement = (node: AnyNode): node is Element => node.type === 'tag';

function label(node: AnyNode): string {
  if (!isElement(node)) return '#text';
  const classes = (node.attribs.class ?? '').split(/\s+/).filter(Boolean).slice(0, 3);
  const id = node.attribs.id ? `#${node.attribs.id}` : '';
  const role = node.attribs.role ? `[role=${node.attribs.role}]` : '';
  return `${node.name}${classes.map((name) => `.${name}`).join('')}${id}${role}`;
}

function textOf(page: PageDocument, node: AnyNode): string {
  return page.$(node).text().replace(/\s+/g, ' ').trim();
}

function describe(page: PageDocument, node: AnyNode): string {
  const text = textOf(page, node);
  const words = text ? text.split(' ').length : 0;
  return `${label(node)} (${words} words) ${JSON.stringify(text.slice(0, 70))}`;
}

function marker(node: AnyNode, post: Post): string {
  for (let current: AnyNode | null = node; current; current = current.parent) {
    if (post.scope.includes(current)) return 'S';
    if (post.nearby.includes(current)) return 'N';
    if (post.elsewhere.includes(current)) return 'E';
  }
  return '-';
}

/** The lines explaining one post; `credit` finds the spliced credit's text in the page. */
export function explainPost(page: PageDocument, post: Post, credit: RegExp): string[] {
  // Nodes holding no text (white space between tags, an empty wrapper) say nothing here.
  const shown = (nodes: readonly AnyNode[]) => nodes.filter((node) => textOf(page, node) !== '');
  const lines = ['      scope:'];
  const scope_ = shown(post.scope);
  for (const node of scope_.slice(0, 40)) lines.push(`        ${describe(page, node)}`);
  if (scope_.length > 40) lines.push(`        … ${scope_.length - 40} more`);
  lines.push('      nearby:');
  for (const node of shown(post.nearby).slice(0, 20)) lines.push(`        ${describe(page, node)}`);
  if (post.ambiguity) lines.push(`      ambiguity: ${post.ambiguity}`);
  const credits = page
    .$('body *')
    .toArray()
    .filter(
      (element) =>
        isElement(element) &&
        element.children.some(
          (child) => child.type === 'text' && credit.test((child as { data?: string }).data ?? ''),
        ),
    )
    .slice(0, 3);
  for (const found of credits) {
    const chain: AnyNode[] = [];
    for (let current: AnyNode | null = found; current && isElement(current); current = current.parent)
      chain.unshift(current);
    lines.push(`      credit ${JSON.stringify(textOf(page, found).slice(0, 60))}:`);
    for (const step of chain)
      lines.push(
        `        ${marker(step, post)} ${label(step)} (${textOf(page, step).split(' ').length} words)`,
      );
  }
  return lines;
}
