// Progress by target group and by commune/ward (province): the ranking of
// communes towards their targets with the lagging ones highlighted, and
// the period's activity per group and per commune.
import { el } from '../dom.js';
import { t } from '../i18n.js';
import { query } from '../api.js';
import { Filters, ignoredNote } from '../filters.js';
import { Panel } from '../panel.js';
import { num, pct, areas as areaNames, communeLabel } from '../fmt.js';
import { hbars, legend } from '../charts.js';
import { aggregate, rank, loadTargets, loadProgress } from '../progress.js';
import { cumulativeLabel } from '../period.js';
import { byGroupPanel, groupTargetsPanel, guard, communeLink, loadCommunes, progressBars, status, statusBadge, chartTop } from '../views.js';

export default async function communes(app, loaded) {
  const f = new Filters(app, ['year', 'quarter', 'group', 'area'], () => load());
  const grid = el('div', 'grid');
  app.append(grid);
  const rankP = new Panel(grid, { id: 'ranking', title: t('p.ranking'), wide: true });
  const targetsP = new Panel(grid, { id: 'targets', title: t('p.groups_target') });
  const groupP = new Panel(grid, { id: 'by_group', title: t('p.by_group') });
  const communeP = new Panel(grid, { id: 'by_commune', title: t('p.by_commune'), wide: true });
  const [targets, names] = await Promise.all([loadTargets(), loadCommunes()]);

  async function load() {
    const p = f.period();
    const params = f.params();
    const progress = await loadProgress(p.ref, f);
    const cp = { year: p.year, ref: p.ref, targets };
    await Promise.all([
      ranking(rankP, progress, cp),
      groupTargetsPanel(targetsP, progress, cp),
      byGroupPanel(groupP, params),
      byCommune(communeP, params, f.state.area, names),
    ]);
    loaded();
  }

  await load();
}

/**
 * Communes ranked by the share of their target reached (cumulative); a
 * commune without any target stays in the list, unranked, after the
 * others. Each row carries its own expected pace (a tick on its bar).
 */
async function ranking(pn, progress, cp) {
  if (!progress) {
    pn.unavailable('progress');
    return;
  }
  pn.ready();
  const units = rank(aggregate(progress.rows, (r) => r.commune, cp));
  pn.setCSV('progress', progress.result.params);
  hbars(pn.chart, progressBars(units, (u) => `${u.rank ?? '–'}. ${u.name || u.key}`),
    { max: Math.max(100, ...units.map((u) => u.pct || 0)), fmt: (v) => pct(v) });
  pn.setLegend(legend([{ cls: 'ok', label: t('ui.on_track') }, { cls: 'lag', label: t('ui.lagging') }, { cls: 'pace', label: t('ui.pace') }]));
  pn.setTable([
    { key: 'rank', label: t('col.rank'), num: true },
    { key: 'commune', label: t('col.name'), value: (u) => u.key, fmt: (v, u) => communeLink(v, u.name) },
    { key: 'area_types', label: t('col.area_types'), fmt: (v) => areaNames(v) },
    { key: 'population', label: t('col.population'), num: true },
    { key: 'target_count', label: t('col.target_count'), num: true },
    { key: 'learners', label: t('col.learners'), num: true, def: 'def.learners_cum' },
    { key: 'certified_learners', label: t('col.certified_learners'), num: true, def: 'def.certified_cum' },
    { key: 'pct_of_target', label: t('col.pct_of_target'), num: true, value: (u) => u.pct, fmt: (v) => pct(v) },
    { key: 'expected_pct', label: t('col.expected_pct'), num: true, value: (u) => u.expectedPct, fmt: (v) => pct(v) },
    { key: 'status', label: t('col.status'), value: status, fmt: statusBadge },
  ], units, { rowClass: (u) => (u.lagging ? 'lag' : ''), rowKey: (u) => u.key });
  const lagging = units.filter((u) => u.lagging).length;
  const untargeted = units.filter((u) => !u.hasTarget).length;
  pn.sub.textContent = [cumulativeLabel(cp.ref), t('ui.commune_count', num(units.length)), t('ui.lagging_count', num(lagging)),
    untargeted ? t('ui.untargeted_count', num(untargeted)) : ''].filter(Boolean).join(' · ');
  pn.setNote([t('ui.lag_rule'), t('ui.cumulative_rule')].join(' '));
  pn.el.dataset.lagging = String(lagging);
  pn.el.dataset.untargeted = String(untargeted);
  pn.done();
}

/** The period's activity per commune (names from the communes query). */
async function byCommune(pn, params, area, names) {
  await guard(pn, 'by_commune', async () => {
    const r = await query('by_commune', params);
    let rows = r.objects.map((x) => ({ ...x, name: (names.get(x.commune) || {}).name || '', area_types: (names.get(x.commune) || {}).area_types || '' }));
    if (area && names.size) rows = rows.filter((x) => String(x.area_types).split(',').includes(area));
    rows.sort((a, b) => b.lesson_completions - a.lesson_completions);
    pn.setCSV('by_commune', params);
    hbars(pn.chart, rows.slice(0, 30).map((x) => ({ label: communeLabel(x.commune, x.name), value: Number(x.lesson_completions) })));
    pn.sub.textContent = t('col.lesson_completions');
    const keys = ['statements', 'learners', 'lesson_completions', 'passes', 'fails', 'certificates', 'certified_learners'];
    pn.setTable([
      { key: 'commune', label: t('col.name'), fmt: (v, x) => communeLink(v, x.name) },
      ...keys.map((k) => ({ key: k, label: t('col.' + k), num: true })),
    ], rows);
    pn.setNote([chartTop(30, rows.length), t('ui.rows_distinct'), t('ui.commune_rows'),
      ignoredNote('by_commune', { ...params, area_type: names.size ? '' : params.area_type })].filter(Boolean).join(' '));
  });
}
