// Panels shared by several pages: each loads one named query, draws it and
// fills its table and CSV link from the same rows.
import { el, link } from './dom.js';
import { t, ctx } from './i18n.js';
import { query, allowed } from './api.js';
import { num, pct, month, group as groupName, course as courseName, areas as areaNames, setCourseNames, communeLabel } from './fmt.js';
import { hbars, lines, legend, funnel } from './charts.js';
import { ignoredNote } from './filters.js';
import { aggregate } from './progress.js';
import { cumulativeLabel } from './period.js';

/** Run fn for panel pn, showing unavailability and errors in the panel. */
export async function guard(pn, name, fn) {
  if (!allowed(name)) {
    pn.unavailable(name);
    return;
  }
  pn.ready();
  pn.loading();
  try {
    await fn();
    pn.done();
  } catch (err) {
    pn.error(err);
    document.body.dataset.failed = '1';
  }
}

const cols = (keys) => keys.map((k) => ({ key: k, label: t('col.' + k), num: true }));

/** Monthly trend: learners and lesson completions per month. */
export async function trendPanel(pn, params) {
  await guard(pn, 'trend', async () => {
    const r = await query('trend', params);
    const rows = r.objects;
    pn.setCSV('trend', params);
    // The month in progress is marked as such (a dashed last segment, a
    // note, its label in the table; the chart's axis keeps short month
    // labels, which a phone needs): its figures so far are not a fall.
    const label = (m) => (m === ctx.now ? t('ui.running', month(m)) : month(m));
    const running = rows.length > 0 && rows[rows.length - 1].month === ctx.now;
    lines(pn.chart, rows.map((x) => month(x.month)), [
      { name: t('col.learners'), values: rows.map((x) => Number(x.learners)), cls: 's1' },
      { name: t('col.lesson_completions'), values: rows.map((x) => Number(x.lesson_completions)), cls: 's2' },
    ], { partialLast: running });
    pn.setLegend(legend([{ cls: 's1', label: t('col.learners') }, { cls: 's2', label: t('col.lesson_completions') }]));
    pn.setTable([{ key: 'month', label: t('col.month'), fmt: (v) => label(v) }, ...cols(['learners', 'lesson_completions', 'passes', 'fails', 'certificates', 'certified_learners'])], rows);
    pn.el.dataset.running = running ? ctx.now : '';
    pn.setNote([t('ui.rows_distinct_months'), running ? t('ui.running_trend', month(ctx.now)) : '', ignoredNote('trend', params)].filter(Boolean).join(' '));
  });
}

/** Activity in the period per target group. */
export async function byGroupPanel(pn, params) {
  await guard(pn, 'by_group', async () => {
    const r = await query('by_group', params);
    const rows = r.objects;
    pn.setCSV('by_group', params);
    hbars(pn.chart, rows.map((x) => ({ label: groupName(x.target_group), value: Number(x.learners) })));
    pn.setTable([{ key: 'target_group', label: t('col.target_group'), fmt: (v) => groupName(v) }, ...cols(['learners', 'lesson_completions', 'passes', 'fails', 'certificates', 'certified_learners'])], rows);
    pn.sub.textContent = t('col.learners');
    pn.setNote([t('ui.rows_distinct'), ignoredNote('by_group', params)].filter(Boolean).join(' '));
  });
}

/** A unit's status: on track, lagging, or without a target. */
export const status = (u) => (!u.hasTarget ? 'no-target' : u.lagging ? 'lagging' : 'on-track');
const statusBadge = (v) => el('span', 'badge ' + ({ lagging: 'lag', 'on-track': 'ok' }[v] || 'none'),
  t({ lagging: 'ui.lagging', 'on-track': 'ui.on_track' }[v] || 'ui.no_target_set'));

/** Chart items of progress units: the share of the target reached, and each unit's own expected pace as a tick. */
export const progressBars = (units, label) => units.map((u) => ({
  label: label(u), value: u.pct || 0, cls: status(u) === 'lagging' ? 'lag' : status(u) === 'on-track' ? 'ok' : '',
  text: u.hasTarget ? pct(u.pct) : t('ui.no_target_set'), marker: u.expectedPct,
}));

/** Progress per target group against its target, with each group's expected pace. */
export async function groupTargetsPanel(pn, progress, ctxp) {
  if (!progress) {
    pn.unavailable('progress');
    return;
  }
  pn.ready();
  const units = aggregate(progress.rows, (r) => r.target_group, ctxp);
  pn.setCSV('progress', progress.result.params);
  hbars(pn.chart, progressBars(units, (u) => groupName(u.key)), { max: 100, fmt: (v) => pct(v) });
  pn.setLegend(legend([{ cls: 'ok', label: t('ui.on_track') }, { cls: 'lag', label: t('ui.lagging') }, { cls: 'pace', label: t('ui.pace') }]));
  pn.setTable([
    { key: 'target_group', label: t('col.target_group'), value: (u) => u.key, fmt: (v) => groupName(v) },
    { key: 'population', label: t('col.population'), num: true },
    { key: 'target_pct', label: t('col.target_pct'), num: true, fmt: (v) => (v === null ? '—' : pct(v)) },
    { key: 'target_count', label: t('col.target_count'), num: true },
    { key: 'learners', label: t('col.learners'), num: true, def: 'def.learners_cum' },
    { key: 'certified_learners', label: t('col.certified_learners'), num: true, def: 'def.certified_cum' },
    { key: 'pct_of_target', label: t('col.pct_of_target'), num: true, value: (u) => u.pct, fmt: (v) => pct(v) },
    { key: 'expected_pct', label: t('col.expected_pct'), num: true, value: (u) => u.expectedPct, fmt: (v) => pct(v) },
    { key: 'status', label: t('col.status'), value: status, fmt: statusBadge },
  ], units, { rowClass: (u) => (u.lagging ? 'lag' : ''), rowKey: (u) => u.key });
  pn.sub.textContent = cumulativeLabel(ctxp.ref);
  pn.setNote([t('ui.lag_rule'), t('ui.cumulative_rule')].join(' '));
  pn.done();
}

export { statusBadge };

/** Courses in the period: learners and certified learners. */
export async function coursesPanel(pn, params) {
  await guard(pn, 'by_course', async () => {
    const r = await query('by_course', params);
    const rows = r.objects.slice().sort((a, b) => b.learners - a.learners);
    pn.setCSV('by_course', params);
    hbars(pn.chart, rows.map((x) => ({ label: courseName(x.course_id), value: Number(x.learners) })));
    pn.setTable([{ key: 'course_id', label: t('col.course_name'), fmt: (v) => courseName(v) }, ...cols(['learners', 'lesson_completions', 'passes', 'fails', 'certificates', 'certified_learners'])], rows);
    pn.sub.textContent = t('col.learners');
    pn.setNote([t('ui.rows_distinct'), ignoredNote('by_course', params)].filter(Boolean).join(' '));
  });
  return pn;
}

/** The course funnel: started → completed → passed → certified. */
export async function funnelPanel(pn, params) {
  await guard(pn, 'funnel', async () => {
    const r = await query('funnel', params);
    pn.setCSV('funnel', params);
    const stages = r.objects.map((x, i, all) => ({
      stage: x.stage, label: t('stage.' + x.stage), value: Number(x.learners),
      shareNum: i ? (Number(all[i - 1].learners) > 0 ? (100 * Number(x.learners)) / Number(all[i - 1].learners) : null) : null,
    }));
    for (const s of stages) s.share = s.shareNum === null ? '' : pct(s.shareNum);
    funnel(pn.chart, stages);
    pn.setTable([
      { key: 'stage', label: t('col.stage'), value: (s) => s.stage, fmt: (v) => { const c = el('span', 'defined', t('stage.' + v)); c.title = t('def.stage.' + v); return c; } },
      { key: 'learners', label: t('col.learners'), num: true, value: (s) => s.value },
      { key: 'conversion', label: t('col.conversion'), num: true, value: (s) => s.shareNum, fmt: (v) => (v === null ? '' : pct(v)) },
    ], stages);
    pn.setNote([t('ui.funnel_rule'), ignoredNote('funnel', params)].filter(Boolean).join(' '));
  });
}

/** A link to a commune's page (province users only; an empty or unknown code has none). */
export function communeLink(code, name) {
  const label = communeLabel(code, name);
  if (ctx.role !== 'province' || !code || code === 'unknown') return label;
  return link('/dashboard/commune/' + encodeURIComponent(code), label);
}

/** "Chart: the first n of m rows" when a chart shows fewer rows than its table. */
export function chartTop(n, m) {
  return m > n ? t('ui.chart_top', n, m) : '';
}

/**
 * Load the course dimension's names in the page's language (the courses
 * query); without it courses show as their IRIs.
 */
export async function loadCourseNames() {
  if (!allowed('courses')) return;
  const r = await query('courses', { lang: ctx.locale });
  setCourseNames(new Map(r.objects.map((c) => [c.course_id, c.name])));
}

/** Commune reference rows by code (the communes query; empty when missing). */
export async function loadCommunes(extra = {}) {
  if (!allowed('communes')) return new Map();
  const r = await query('communes', extra);
  return new Map(r.objects.map((c) => [c.commune, c]));
}

export { areaNames };
