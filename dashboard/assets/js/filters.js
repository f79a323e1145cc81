// The filter bar (year, quarter, target group, area type, course,
// threshold). Its state lives in the URL's query string, so a view can be
// shared and reloaded; every change calls onChange(state).
import { el } from './dom.js';
import { ctx, t } from './i18n.js';
import { honors } from './api.js';
import { period, years } from './period.js';
import { group as groupName, area as areaName } from './fmt.js';

function select(name, label, options, value) {
  const s = el('select');
  s.name = name;
  s.id = 'f-' + name;
  for (const [v, text] of options) {
    const o = el('option', '', text);
    o.value = v;
    s.append(o);
  }
  s.value = value;
  if (s.value !== value) s.selectedIndex = 0;
  return el('label', '', label, s);
}

export class Filters {
  /** fields: which filters to show; opts.courses: [[id, label]] for the course select. */
  constructor(parent, fields, onChange) {
    const q = new URLSearchParams(location.search);
    const nowYear = Number(ctx.now.slice(0, 4));
    const ys = years();
    this.state = {
      year: q.get('year') || String(ys.includes(nowYear) ? nowYear : ys[0]),
      quarter: q.get('quarter') || '',
      group: q.get('group') || '',
      area: q.get('area') || '',
      course: q.get('course') || '',
      threshold: q.get('threshold') || '20',
    };
    this.onChange = onChange;
    this.form = el('form', 'filters');
    this.form.id = 'filters';
    this.form.addEventListener('submit', (e) => e.preventDefault());
    if (fields.includes('year')) this.form.append(select('year', t('filter.year'), ys.map((y) => [String(y), String(y)]), this.state.year));
    if (fields.includes('quarter')) {
      this.form.append(select('quarter', t('filter.quarter'), [['', t('filter.whole_year')], ...[1, 2, 3, 4].map((n) => [String(n), t('filter.q', n)])], this.state.quarter));
    }
    if (fields.includes('group')) {
      this.form.append(select('group', t('filter.group'), [['', t('filter.all_groups')], ...ctx.groups.map((g) => [g, groupName(g)])], this.state.group));
    }
    if (fields.includes('area')) {
      this.form.append(select('area', t('filter.area'), [['', t('filter.all_areas')], ...ctx.areas.map((a) => [a, areaName(a)])], this.state.area));
    }
    if (fields.includes('course')) {
      this.courseLabel = select('course', t('filter.course'), [['', t('filter.all_courses')]], this.state.course);
      this.form.append(this.courseLabel);
    }
    if (fields.includes('threshold')) {
      const i = el('input');
      i.type = 'number';
      i.min = '2';
      i.max = '500';
      i.name = 'threshold';
      i.id = 'f-threshold';
      i.value = this.state.threshold;
      this.form.append(el('label', '', t('filter.threshold'), i));
    }
    this.periodLabel = el('span', 'period');
    this.form.append(this.periodLabel);
    this.form.addEventListener('change', () => this.read());
    parent.append(this.form);
    this.updateLabel();
  }

  /** Fill the course select once the courses are known. */
  setCourses(list) {
    if (!this.courseLabel) return;
    const s = this.courseLabel.querySelector('select');
    const cur = this.state.course;
    s.replaceChildren();
    for (const [v, text] of [['', t('filter.all_courses')], ...list]) {
      const o = el('option', '', text);
      o.value = v;
      s.append(o);
    }
    s.value = cur;
    if (s.value !== cur) s.value = '';
  }

  read() {
    for (const e of this.form.elements) if (e.name) this.state[e.name] = e.value;
    const u = new URL(location.href);
    for (const [k, v] of Object.entries(this.state)) {
      if (v && !(k === 'threshold' && v === '20')) u.searchParams.set(k, v);
      else u.searchParams.delete(k);
    }
    history.replaceState(null, '', u);
    this.updateLabel();
    this.onChange(this.state);
  }

  updateLabel() {
    this.periodLabel.textContent = t('ui.period', this.period().label);
  }

  period() {
    return period(this.state);
  }

  /** Query parameters for the period and filters (the commune is added by the page). */
  params(extra = {}) {
    const p = this.period();
    return {
      from: p.from,
      to: p.to,
      group: this.state.group,
      area_type: this.state.area,
      course: this.state.course,
      threshold: this.state.threshold,
      ...extra,
    };
  }
}

/** "The X filter does not apply here" for active filters that query name ignores. */
export function ignoredNote(name, params) {
  const labels = { group: t('filter.group'), area_type: t('filter.area'), course: t('filter.course') };
  const out = [];
  for (const [k, label] of Object.entries(labels)) if (params[k] && !honors(name, k)) out.push(label);
  return out.length ? t('ui.ignored_filter', out.join(', ')) : '';
}
