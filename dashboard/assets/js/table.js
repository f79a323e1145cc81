// Data tables: every cell carries its raw value in data-v and its column in
// data-col, so the numbers on screen can be checked against the API.
import { el } from './dom.js';
import { num } from './fmt.js';
import { t, hasLabel } from './i18n.js';

/**
 * columns: [{key, label, num?: bool, fmt?: (v, row) => string|Node, value?: row => raw, def?: label key}];
 * a header whose column has a definition (def, or "def.<key>") shows it as a tooltip.
 * rows: objects; opts.rowClass(row) adds a class (e.g. "lag"); opts.foot is a row object.
 */
export function table(columns, rows, opts = {}) {
  const tbl = el('table', 'data');
  const head = el('tr');
  for (const c of columns) {
    const th = el('th', c.num ? 'num' : '', c.label);
    th.scope = 'col';
    const def = c.def || 'def.' + c.key;
    if (hasLabel(def)) {
      th.title = t(def);
      th.classList.add('defined');
    }
    head.append(th);
  }
  tbl.append(el('thead', '', head));
  const body = el('tbody');
  const row = (r, tag) => {
    const tr = el('tr');
    if (opts.rowClass) {
      const cls = opts.rowClass(r);
      if (cls) tr.className = cls;
    }
    if (opts.rowKey) tr.dataset.key = opts.rowKey(r);
    for (const c of columns) {
      const raw = c.value ? c.value(r) : r[c.key];
      const shown = c.fmt ? c.fmt(raw, r) : c.num ? num(raw) : raw ?? '';
      const td = el(tag, c.num ? 'num' : '', shown);
      td.dataset.col = c.key;
      if (raw !== null && raw !== undefined && typeof raw !== 'object') td.dataset.v = String(raw);
      tr.append(td);
    }
    return tr;
  };
  for (const r of rows) body.append(row(r, 'td'));
  tbl.append(body);
  if (opts.foot) tbl.append(el('tfoot', '', row(opts.foot, 'td')));
  return tbl;
}
