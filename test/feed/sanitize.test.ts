import { existsSync } from 'node:fs';
import { type DefaultTreeAdapterMap, parseFragment } from 'parse5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanHtml } from '../../src/feed/source/clean.ts';
import { CHROMIUM, ScriptWatch } from './_sanitize-chromium.ts';

const BASE = 'https://northwind.example/2026/03/article';

/**
 * Payloads written here, one or more for each family of sanitizer bypass. Each family holds
 * payloads that run script when rendered as they are (the test checks that first, so the browser
 * check is known to see them), and the cleaned HTML must run nothing.
 */
const FAMILIES: Record<string, string[]> = {
  'attribute separators': [
    '<img src=x"onerror=alert(1)>',
    '<img/src=x/onerror=alert(2)>',
    '<a/href="javascript:alert(3)">click</a>',
    '<a href=x/onmouseover=alert(4)/style=display:block;width:9999px;height:9999px>over</a>',
    '<img src=x\nonerror=alert(5)>',
    '<svg/onload=alert(6)>',
    '<body\x0conload=alert(7)>',
  ],
  'entity-encoded and split schemes': [
    '<a href="jav&#x61;script:alert(10)" style="display:block;width:9999px;height:9999px">e</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(11)">d</a>',
    '<a href="java&Tab;script:alert(12)">t</a>',
    '<a href="  javascript:alert(13)">s</a>',
    '<a href="JaVaScRiPt:alert(14)">c</a>',
    '<iframe src="jav&#x0A;ascript:alert(15)"></iframe>',
    '<a href="vbscript:msgbox(16)">vb</a>',
  ],
  'nested and broken tags': [
    '<scr<script>ipt>alert(20)</script>',
    '<<script>alert(21);//<</script>',
    '<img src="x" onerror="alert(22)"',
    '<p title="</p><img src=x onerror=alert(23)>">text</p>',
    '<noscript><p title="</noscript><img src=x onerror=alert(24)>"></noscript>',
    '<style><img src=x onerror=alert(25)></style>',
    '<textarea><img src=x onerror=alert(26)></textarea><img src=x onerror=alert(27)>',
    '<!--><img src=x onerror=alert(28)>-->',
    '<template><img src=x onerror=alert(29)></template><img src=x onerror=alert(29)>',
  ],
  'SVG and MathML': [
    '<svg><script>alert(30)</script></svg>',
    '<svg><a xlink:href="javascript:alert(31)"><text x="20" y="20">x</text></a></svg>',
    '<svg><animate onbegin=alert(32) attributeName=x dur=1s>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(33)></style></mglyph></table></mtext></math>',
    '<svg></p><style><a id="</style><img src=1 onerror=alert(34)>">',
    '<math><maction actiontype="statusline" xlink:href="javascript:alert(35)">x</maction></math>',
    '<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(36)>',
  ],
  'srcset, formaction and forms': [
    '<img srcset="javascript:alert(40) 1x" src=x onerror=alert(40)>',
    '<form><button formaction="javascript:alert(41)">go</button></form>',
    '<input autofocus onfocus=alert(42)>',
    '<form action="javascript:alert(43)"><input type=submit></form><select autofocus onfocus=alert(44)>',
  ],
  'style with url(javascript:) and other CSS': [
    '<div style="background:url(javascript:alert(50))">bg</div>',
    '<p style="width:expression(alert(51))">ie</p>',
    '<style>@import "javascript:alert(52)";</style><p>x</p>',
    '<style>*{background:url("data:image/svg+xml,<svg onload=alert(53)>")}</style>',
    '<div style="animation-name:x" onanimationstart=alert(54)><style>@keyframes x{}</style></div>',
  ],
  'data: URLs and embedding': [
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCg2MCk8L3NjcmlwdD4=">d</a>',
    '<iframe src="data:text/html,<script>alert(61)</script>"></iframe>',
    '<object data="data:text/html,<script>alert(62)</script>"></object>',
    '<embed src="data:text/html,<script>alert(63)</script>">',
    '<iframe srcdoc="<script>alert(64)</script>"></iframe>',
    '<img src="data:image/svg+xml,<svg onload=alert(65)>">',
  ],
  'event handlers on ordinary elements': [
    '<details open ontoggle=alert(70)>',
    '<video><source onerror=alert(71)></video>',
    '<audio src=x onerror=alert(72)>',
    '<marquee onstart=alert(73)>m</marquee>',
    '<body onload=alert(74)>',
    '<div onpointerenter=alert(75) style="position:fixed;inset:0">p</div>',
  ],
  'base, meta and link': [
    '<base href="javascript:alert(80)//"><a href="/x">rel</a>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(81)">',
    '<link rel="import" href="data:text/html,<script>alert(82)</script>">',
  ],
};

type Element = DefaultTreeAdapterMap['element'];
function elements(parent: DefaultTreeAdapterMap['parentNode']): Element[] {
  return parent.childNodes.flatMap((node) => ('tagName' in node ? [node, ...elements(node)] : []));
}

/**
 * Payloads that Chromium itself reads as harmless (the quote or slash joins the attribute's value;
 * the broken tag names an element that does not exist), kept because naive cleaners and other
 * parsers read them otherwise.
 */
const INERT_IN_CHROMIUM = [
  '<img src=x"onerror=alert(1)>',
  '<img/src=x/onerror=alert(2)>',
  '<a href=x/onmouseover=alert(4)/style=display:block;width:9999px;height:9999px>over</a>',
  '<scr<script>ipt>alert(20)</script>',
  '<p title="</p><img src=x onerror=alert(23)>">text</p>',
];

const all = Object.entries(FAMILIES).flatMap(([family, payloads]) =>
  payloads.map((payload) => ({ family, payload })),
);

describe('the item HTML cleaner', () => {
  it.each(all)('$family: $payload comes out as a tree that parses back to itself', ({ payload }) => {
    const cleaned = cleanHtml(payload, BASE);
    // Cleaning the output again changes nothing: a reader's parser sees the tree we wrote.
    expect(cleanHtml(cleaned, BASE)).toBe(cleaned);
    // Read back with the standard parser: nothing that runs or embeds code, no handler, no script URL.
    for (const element of elements(parseFragment(cleaned))) {
      expect(element.tagName).not.toMatch(
        /^(?:script|iframe|object|embed|svg|math|style|form|base|meta|link)$/,
      );
      for (const attribute of element.attrs) {
        expect(attribute.name).not.toMatch(/^(?:on|style$|srcset$|formaction$)/);
        expect(attribute.value).not.toMatch(/^\s*(?:javascript|vbscript|data:text)/i);
      }
    }
  });

  it('keeps ordinary article HTML, with links made absolute', () => {
    expect(
      cleanHtml(
        '<h2 class="x">Heading</h2><p>Tom &amp; Jerry <a href="../b?x=1&amp;y=2" title="t">link</a> <img src="/i.png" alt="a &lt; b" width="10"></p><blockquote cite="q.html"><p>q</p></blockquote><table><tr><td colspan="2">c</td></tr></table><a href="mailto:ed@northwind.example">m</a>',
        BASE,
      ),
    ).toBe(
      '<h2 class="x">Heading</h2><p>Tom &amp; Jerry <a href="https://northwind.example/2026/b?x=1&amp;y=2" title="t">link</a> <img src="https://northwind.example/i.png" alt="a &lt; b" width="10"></p><blockquote cite="https://northwind.example/2026/03/q.html"><p>q</p></blockquote><table><tbody><tr><td colspan="2">c</td></tr></tbody></table><a href="mailto:ed@northwind.example">m</a>',
    );
  });

  it('unwraps elements it does not know, keeping their text, and drops those that hold code', () => {
    expect(cleanHtml('<custom-card><p>kept <blink>too</blink></p></custom-card>', BASE)).toBe(
      '<p>kept too</p>',
    );
    expect(cleanHtml('<p>a<script>b</script><style>c</style><iframe>d</iframe>e</p>', BASE)).toBe(
      '<p>ae</p>',
    );
    expect(cleanHtml('<p>a<!-- note -->b</p>', BASE)).toBe('<p>ab</p>');
  });
});

const available = existsSync(CHROMIUM);

describe.skipIf(!available)('cleaned item HTML in Chromium', () => {
  let watch: ScriptWatch;

  beforeAll(async () => {
    watch = await ScriptWatch.launch();
  });
  afterAll(async () => {
    await watch?.close();
  });

  it('runs no script from any payload, while the raw payloads are seen by the same check', async () => {
    // All cleaned items on one page, as a reader shows a feed: nothing may run or be found.
    const cleaned = all.map(({ payload }) => `<section>${cleanHtml(payload, BASE)}</section>`).join('\n');
    expect((await watch.render(cleaned)).signs).toEqual([]);
    // Each raw payload alone: the check sees every one Chromium would run or that embeds code.
    const unseen: string[] = [];
    for (const { payload } of all) {
      if ((await watch.render(payload)).signs.length === 0) unseen.push(payload);
    }
    expect(unseen).toEqual(INERT_IN_CHROMIUM);
  }, 120_000);
});
