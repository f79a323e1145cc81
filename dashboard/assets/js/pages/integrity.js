// Integrity signals ("box-ticking"): communes and courses whose lessons are
// completed implausibly fast, and accounts completing bursts of lessons
// within one hour, with the counts behind each flag.
import { el } from '../dom.js';
import { ctx, t } from '../i18n.js';
import { query } from '../api.js';
import { Filters, ignoredNote } from '../filters.js';
import { Panel } from '../panel.js';
import { num, pct, course as courseName, communeLabel } from '../fmt.js';
import { hbars, legend } from '../charts.js';
import { guard, communeLink, loadCommunes, loadCourseNames, chartTop } from '../views.js';

/** A commune/course pair is flagged when at least FAST_SHARE % of its
 * lesson completions were too fast, and at least FAST_MIN of them. */
const FAST_SHARE = 25;
const FAST_MIN = 5;

export default async function integrity(app, loaded) {
  const extra = ctx.role === 'commune' ? { commune: ctx.commune } : {};
  app.append(el('p', 'lead', t('page.integrity_intro')));
  const f = new Filters(app, ['year', 'quarter', 'group', 'threshold'], () => load());
  const grid = el('div', 'grid');
  app.append(grid);
  const fastP = new Panel(grid, { id: 'fast_completions', title: t('p.fast'), wide: true });
  const burstP = new Panel(grid, { id: 'bursts', title: t('p.bursts'), wide: true });
  const [names] = await Promise.all([loadCommunes(extra), loadCourseNames()]);
  const name = (c) => communeLabel(c, (names.get(c) || {}).name);

  async function load() {
    const params = f.params(extra);
    await Promise.all([fast(fastP, params, name), bursts(burstP, params, name)]);
    loaded();
  }
  await load();
}

async function fast(pn, params, name) {
  await guard(pn, 'fast_completions', async () => {
    const r = await query('fast_completions', params);
    const rows = r.objects.map((x) => {
      const share = Number(x.completions) > 0 ? (100 * Number(x.fast_completions)) / Number(x.completions) : 0;
      return { ...x, share, flagged: share >= FAST_SHARE && Number(x.fast_completions) >= FAST_MIN };
    }).sort((a, b) => b.flagged - a.flagged || b.share - a.share);
    const flagged = rows.filter((x) => x.flagged);
    const unchecked = rows.reduce((s, x) => s + Number(x.unchecked || 0), 0);
    const completions = rows.reduce((s, x) => s + Number(x.completions || 0), 0);
    pn.setCSV('fast_completions', params);
    const shown = flagged.length ? flagged : rows;
    hbars(pn.chart, shown.slice(0, 25).map((x) => ({
      label: `${name(x.commune)} · ${courseName(x.course_id)}`, value: x.share, cls: x.flagged ? 'lag' : '',
      text: `${pct(x.share)} (${num(x.fast_completions)}/${num(x.completions)})`,
    })), { max: 100, marker: FAST_SHARE, fmt: (v) => pct(v) });
    pn.setLegend(legend([{ cls: 'lag', label: t('ui.flagged') }]));
    pn.sub.textContent = `${t('ui.flagged')}: ${num(flagged.length)} / ${num(rows.length)}`;
    pn.el.dataset.flagged = String(flagged.length);
    pn.el.dataset.unchecked = String(unchecked);
    pn.setTable([
      { key: 'commune', label: t('col.name'), fmt: (v) => communeLink(v, name(v)) },
      { key: 'course_id', label: t('col.course_name'), fmt: (v) => courseName(v) },
      { key: 'completions', label: t('col.completions'), num: true },
      { key: 'fast_completions', label: t('col.fast_completions'), num: true },
      { key: 'unchecked', label: t('col.unchecked'), num: true },
      { key: 'fast_share', label: t('col.fast_share'), num: true, value: (x) => x.share, fmt: (v) => pct(v) },
      { key: 'flag', label: t('col.flag'), value: (x) => (x.flagged ? 1 : 0), fmt: (v) => (v ? el('span', 'badge lag', t('ui.flagged')) : '') },
    ], rows, { rowClass: (x) => (x.flagged ? 'lag' : '') });
    pn.setNote([t('ui.fast_rule', FAST_SHARE, FAST_MIN), t('ui.fast_basis', num(unchecked), num(completions)), chartTop(25, shown.length),
      ignoredNote('fast_completions', params)].filter(Boolean).join(' '));
  });
}

async function bursts(pn, params, name) {
  await guard(pn, 'bursts', async () => {
    const r = await query('bursts', params);
    const rows = r.objects.slice().sort((a, b) => b.completions - a.completions);
    pn.setCSV('bursts', params);
    hbars(pn.chart, rows.slice(0, 25).map((x) => ({ label: `${name(x.commune)} · ${x.hour}`, value: Number(x.completions), cls: 'lag' })));
    // The query returns the largest bursts up to its limit and counts
    // them all: say both when it left some out (the CSV has them all).
    pn.sub.textContent = rows.length < r.total ? t('ui.bursts_capped', num(r.total), num(rows.length)) : `${t('col.bursts')}: ${num(r.total)}`;
    pn.el.dataset.flagged = String(r.total);
    pn.el.dataset.shown = String(rows.length);
    pn.setTable([
      { key: 'commune', label: t('col.name'), fmt: (v) => communeLink(v, name(v)) },
      { key: 'hour', label: t('col.hour') },
      { key: 'learner', label: t('col.learner') },
      { key: 'completions', label: t('col.completions'), num: true },
    ], rows);
    pn.setNote([t('ui.burst_rule', params.threshold || 20), chartTop(25, rows.length), ignoredNote('bursts', params)].filter(Boolean).join(' '));
  });
}
