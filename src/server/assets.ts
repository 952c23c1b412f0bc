import { REPORT_CSS } from '../report/index.ts';

/**
 * The review pages' stylesheet and their one script, served from our own origin: the
 * Content-Security-Policy allows no other. The pages work without the script (links and forms);
 * it adds keys, the copy button, "select all" and local times. It never writes HTML: only
 * textContent and attributes, so no text from a crawled page can become markup through it.
 */

export const REVIEW_CSS = `${REPORT_CSS}
*,*::before,*::after{box-sizing:border-box}
body.wide header,body.wide main{max-width:1500px}
nav.top{display:flex;gap:1rem;padding-top:.6rem;font-size:.9rem}
h1{overflow-wrap:break-word;word-break:normal;hyphens:manual}
a.title,h1,.site,.rules{overflow-wrap:break-word;word-break:normal}
time,td.date,.n{white-space:nowrap;font-variant-numeric:tabular-nums}
.badge.status-contacted{background:#fff3cd}.badge.status-dismissed,.badge.status-licensed{background:#e8e8e8}
.badge.verdict-uncertain{background:#e3e8fd}.badge.verdict-compliant{background:#e1f5e4}
form{margin:.5rem 0}
label{display:flex;flex-direction:column;font-size:.85rem;min-width:0}
input,select,textarea,button{font:inherit;max-width:100%}
textarea{width:100%}
.grow{flex:1 1 14rem}
.message{background:#e1f5e4;padding:.4rem .6rem}
.actions form,form.bulk,form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;background:#fff;border:1px solid #ddd;padding:.5rem}
.actions .buttons{display:flex;flex-wrap:wrap;gap:.3rem}
.actions button.current{outline:2px solid #555}
details.filters>summary{cursor:pointer;margin:.5rem 0}
label.search{flex:1 1 16rem}
ul.status-counts,ul.facts,ul.tiles,nav.pager ul{list-style:none;padding:0;margin:.5rem 0;display:flex;flex-wrap:wrap;gap:.4rem 1rem}
ul.status-counts a{text-decoration:none;color:inherit}
.table{max-width:100%;overflow-x:auto}
table.findings{width:100%}
table.findings td.page .url,table.findings td.page .article{display:block;font-size:.8rem;color:#555}
table.findings td.page{min-width:16rem}
table.findings tr.cursor{outline:2px solid #2a6fdb;outline-offset:-2px;background:#eef4ff}
th{white-space:nowrap}th a.sort{color:inherit}th a.sort.active{text-decoration:none}
nav.pager{margin:.8rem 0}nav.pager span[aria-current]{font-weight:bold}
nav.step{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;margin:.5rem 0}
.keys{color:#555;font-size:.85rem}kbd{border:1px solid #bbb;border-bottom-width:2px;border-radius:3px;padding:0 .25rem;font-size:.8rem;background:#fff}
.reprint-text{background:#fff;border:1px solid #ddd;padding:.6rem;white-space:pre-wrap;overflow-wrap:break-word;max-height:28rem;overflow-y:auto}
mark{background:#fff0a0;padding:0 .1rem}
.notice-actions{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.copied{color:#1e7b34}
figure.screenshot{margin:.5rem 0;max-height:36rem;overflow-y:auto;border:1px solid #ddd;background:#fff}figure.screenshot img{display:block;max-width:100%;height:auto}
code.hash{overflow-wrap:anywhere;font-size:.75rem}
.tiles .tile{background:#fff;border:1px solid #ddd;padding:.4rem .8rem;border-radius:4px}.tiles .n{font-size:1.4rem;font-weight:bold}
figure.chart{margin:1rem 0;max-width:760px}figure.chart svg{width:100%;height:auto;background:#fff;border:1px solid #ddd}
.charts{display:flex;flex-wrap:wrap;gap:1rem}figure.chart.small{flex:1 1 20rem;max-width:380px;margin:0}
svg .grid{stroke:#e4e4e4}svg .axis,svg .chart-title{font-size:11px;fill:#555}svg .chart-title{font-weight:bold;fill:#1d1d1f}
svg polyline{fill:none;stroke-width:2}
svg .open polyline,svg .open circle{stroke:#c0392b;fill:#c0392b}svg .open polyline{fill:none}
svg .new polyline,svg .new circle{stroke:#d68910;fill:#d68910}svg .new polyline{fill:none}
svg .resolved polyline,svg .resolved circle{stroke:#1e7b34;fill:#1e7b34}svg .resolved polyline{fill:none}
svg .needsReview polyline,svg .needsReview circle{stroke:#2a6fdb;fill:#2a6fdb}svg .needsReview polyline{fill:none}
figcaption .key{margin-right:.8rem;font-size:.85rem}figcaption .key::before{content:"";display:inline-block;width:.8rem;height:.25rem;margin-right:.3rem;vertical-align:middle;background:currentColor}
figcaption .open{color:#c0392b}figcaption .new{color:#b7770d}figcaption .resolved{color:#1e7b34}figcaption .needsReview{color:#2a6fdb}
@media (max-width:760px){
  header,main{padding:0 .6rem}
  table.findings,table.findings tbody,table.findings tr,table.findings td{display:block;width:100%}
  table.findings thead{display:none}
  table.findings tr{border:1px solid #ddd;margin:.5rem 0;padding:.3rem .5rem;background:#fff}
  table.findings td{border:0;padding:.1rem 0}
  table.findings td.page{min-width:0}
  table.findings td.n::before{content:"#"}
  table.findings td.date{display:inline-block;width:auto;margin-right:1rem;font-size:.85rem;color:#555}
  table.findings td.pick{float:right;width:auto}
  table.audit td.note{min-width:10rem}
}
`;

export const REVIEW_SCRIPT = `'use strict';
(() => {
  const doc = document;
  // Times in the reader's own zone; the UTC text stays in the title.
  for (const time of doc.querySelectorAll('time[datetime]')) {
    const date = new Date(time.getAttribute('datetime'));
    if (Number.isNaN(date.getTime())) continue;
    time.title = time.textContent;
    const pad = (n) => String(n).padStart(2, '0');
    time.textContent = date.getFullYear() + '-' + pad(date.getMonth() + 1) + '-' + pad(date.getDate()) + ' ' + pad(date.getHours()) + ':' + pad(date.getMinutes());
  }

  const copy = doc.querySelector('button.copy');
  const copyLetter = () => {
    const source = copy && doc.getElementById(copy.dataset.copy);
    if (!source) return;
    const done = (text) => { const status = doc.querySelector('.copied'); if (status) status.textContent = text; };
    navigator.clipboard.writeText(source.textContent).then(() => done('Copied.'), () => done('Copying is not allowed here: select the text.'));
  };
  if (copy) { copy.hidden = false; copy.addEventListener('click', copyLetter); }

  const rows = [...doc.querySelectorAll('tr[data-finding]')];
  const pickAll = doc.querySelector('input.pick-all');
  const selectedLabel = doc.querySelector('form.bulk .selected');
  const countSelected = () => {
    if (!selectedLabel) return;
    const n = doc.querySelectorAll('input[name=id][form=bulk]:checked').length;
    selectedLabel.textContent = n === 0 ? 'Change the selected findings:' : 'Change ' + n + ' selected finding' + (n === 1 ? '' : 's') + ':';
  };
  if (pickAll) {
    pickAll.hidden = false;
    pickAll.addEventListener('change', () => {
      for (const box of doc.querySelectorAll('input[name=id][form=bulk]')) box.checked = pickAll.checked;
      countSelected();
    });
  }
  for (const box of doc.querySelectorAll('input[name=id][form=bulk]')) box.addEventListener('change', countSelected);

  let cursor = -1;
  const moveTo = (index) => {
    if (rows.length === 0) return;
    cursor = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach((row, i) => row.classList.toggle('cursor', i === cursor));
    rows[cursor].scrollIntoView({ block: 'nearest' });
    const link = rows[cursor].querySelector('a.title');
    if (link) link.focus({ preventScroll: true });
  };

  const follow = (key) => {
    const link = doc.querySelector('a[data-key="' + key + '"]');
    if (link) { location.href = link.href; return true; }
    return false;
  };

  doc.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const typing = target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) && target.type !== 'checkbox';
    if (typing) {
      if (event.key === 'Escape') target.blur();
      return;
    }
    const key = event.key;
    if (rows.length > 0) {
      if (key === 'j') { moveTo(cursor + 1); event.preventDefault(); return; }
      if (key === 'k') { moveTo(cursor - 1); event.preventDefault(); return; }
      if (key === 'x' && cursor >= 0) {
        const box = rows[cursor].querySelector('input[type=checkbox]');
        if (box) { box.checked = !box.checked; countSelected(); }
        event.preventDefault();
        return;
      }
      if ((key === 'Enter' || key === 'o') && cursor >= 0) {
        const link = rows[cursor].querySelector('a.title');
        if (link) { location.href = link.href; event.preventDefault(); }
        return;
      }
    }
    if (key === '/') {
      const search = doc.querySelector('input[type=search]');
      if (search) {
        const details = search.closest('details');
        if (details) details.open = true;
        search.focus();
        event.preventDefault();
      }
      return;
    }
    if ((key === 'j' || key === 'k' || key === 'u') && follow(key)) { event.preventDefault(); return; }
    if (key === 'c' && copy) { copyLetter(); event.preventDefault(); return; }
    const statusButton = doc.querySelector('form.status-form button[data-key="' + key + '"]');
    if (statusButton) {
      const form = statusButton.form;
      const who = form.querySelector('input[name=who]');
      event.preventDefault();
      if (who && !who.value.trim()) { who.focus(); who.reportValidity(); return; }
      form.requestSubmit(statusButton);
    }
  });
})();
`;
