// Campaign overview (province): key figures against the year's targets,
// progress by target group, the monthly trend and activity by group.
import { el } from '../dom.js';
import { t } from '../i18n.js';
import { Filters } from '../filters.js';
import { Panel } from '../panel.js';
import { renderKPIs } from '../kpis.js';
import { loadTargets, loadProgress } from '../progress.js';
import { trendPanel, byGroupPanel, groupTargetsPanel } from '../views.js';

export default async function overview(app, loaded) {
  const f = new Filters(app, ['year', 'quarter', 'group', 'area'], () => load());
  const kpis = el('div', 'kpis');
  kpis.id = 'kpis';
  const grid = el('div', 'grid');
  app.append(kpis, grid);
  const targetsP = new Panel(grid, { id: 'targets', title: t('p.groups_target') });
  const trendP = new Panel(grid, { id: 'trend', title: t('p.trend') });
  const groupP = new Panel(grid, { id: 'by_group', title: t('p.by_group') });
  const targets = await loadTargets();

  async function load() {
    const p = f.period();
    const params = f.params();
    const progress = await loadProgress(p.ref, f);
    await Promise.all([
      renderKPIs(kpis, f, {}, progress, targets),
      groupTargetsPanel(targetsP, progress, { year: p.year, ref: p.ref, targets }),
      trendPanel(trendP, params),
      byGroupPanel(groupP, params),
    ]);
    loaded();
  }
  await load();
}
