// A panel: a titled box with a chart, its numbers as a table (the
// "Bảng số liệu / Table" toggle) and a link to the same numbers as CSV.
import { el, fill } from './dom.js';
import { t } from './i18n.js';
import { csvURL, has, allowed } from './api.js';
import { table } from './table.js';

export class Panel {
  /** parent: container; id: DOM id; title: heading; wide: spans the grid. */
  constructor(parent, { id, title, wide = false, tableOnly = false }) {
    this.el = el('section', 'panel' + (wide ? ' wide' : ''));
    this.el.id = 'panel-' + id;
    this.el.dataset.panel = id;
    this.toggle = el('button', 'btn toggle', t('ui.table'));
    this.toggle.type = 'button';
    this.toggle.setAttribute('aria-pressed', 'false');
    this.csv = el('a', 'btn csv', t('ui.csv'));
    this.csv.hidden = true;
    this.csv.setAttribute('download', '');
    this.tools = el('div', 'tools', this.toggle, this.csv);
    this.sub = el('p', 'sub');
    this.chart = el('div', 'chart');
    this.extra = el('div', 'extra');
    this.tableWrap = el('div', 'tablewrap');
    this.note = el('p', 'note');
    this.tableOnly = tableOnly;
    this.el.append(el('header', '', el('h2', '', title), this.tools), this.sub, this.chart, this.extra, this.tableWrap, this.note);
    this.toggle.addEventListener('click', () => this.showTable(this.toggle.getAttribute('aria-pressed') !== 'true'));
    this.showTable(tableOnly);
    if (tableOnly) this.toggle.hidden = true;
    parent.append(this.el);
  }

  /** Show the table (true) or the chart (false). */
  showTable(on) {
    this.toggle.setAttribute('aria-pressed', on ? 'true' : 'false');
    this.toggle.textContent = on && !this.tableOnly ? t('ui.chart') : t('ui.table');
    this.tableWrap.hidden = !on;
    this.chart.hidden = on;
  }

  loading() {
    this.el.setAttribute('aria-busy', 'true');
    this.setNote('');
  }

  /** The CSV link of the query behind the panel. */
  setCSV(name, params) {
    this.csv.hidden = !name;
    if (name) this.csv.href = csvURL(name, params);
  }

  setTable(columns, rows, opts) {
    fill(this.tableWrap, rows.length ? table(columns, rows, opts) : el('p', 'muted', t('ui.nodata')));
  }

  /** A legend under the chart (kept across redraws). */
  setLegend(l) {
    fill(this.extra, l);
  }

  setNote(text, warn = false) {
    this.note.textContent = text || '';
    this.note.className = 'note' + (warn ? ' warn' : '');
  }

  done() {
    this.el.removeAttribute('aria-busy');
  }

  /** The query is missing or not allowed: say so instead of drawing. */
  unavailable(name) {
    this.done();
    fill(this.chart);
    fill(this.extra);
    fill(this.tableWrap);
    this.setCSV(null);
    this.toggle.hidden = true;
    this.setNote(has(name) && !allowed(name) ? t('err.forbidden') : t('ui.unavailable', name), true);
    this.el.classList.add('unavailable');
  }

  error(err) {
    this.done();
    this.setNote(t('ui.error', err && err.message ? err.message : String(err)), true);
  }

  /** Clear a previous unavailable/error state. */
  ready() {
    this.el.classList.remove('unavailable');
    this.toggle.hidden = this.tableOnly;
  }
}
