// A commune or ward (drill-down): its key figures, progress per target
// group, monthly trend, courses, community teams, digital ambassadors
// with their mentees against the "at least 5" norm, and the yearly report
// appendix to download.
import { el, link, fill } from '../dom.js';
import { ctx, t } from '../i18n.js';
import { query } from '../api.js';
import { Filters } from '../filters.js';
import { Panel } from '../panel.js';
import { num, areas as areaNames } from '../fmt.js';
import { hbars, legend } from '../charts.js';
import { renderKPIs } from '../kpis.js';
import { loadTargets, loadProgress } from '../progress.js';
import { trendPanel, coursesPanel, groupTargetsPanel, guard, loadCommunes, loadCourseNames, chartTop } from '../views.js';
import { years } from '../period.js';

/** The norm: each digital ambassador guides at least this many people. */
const NORM = 5;

export default async function commune(app, loaded) {
  const code = ctx.code;
  const extra = { commune: code };
  const facts = el('p', 'facts');
  facts.id = 'facts';
  app.append(facts);
  const f = new Filters(app, ['year', 'quarter', 'group'], () => load());
  const kpis = el('div', 'kpis');
  kpis.id = 'kpis';
  const grid = el('div', 'grid');
  app.append(kpis, grid);
  const progP = new Panel(grid, { id: 'targets', title: t('p.commune_progress') });
  const trendP = new Panel(grid, { id: 'trend', title: t('p.trend') });
  const courseP = new Panel(grid, { id: 'by_course', title: t('p.courses') });
  const teamP = new Panel(grid, { id: 'teams', title: t('p.teams') });
  const mentorP = new Panel(grid, { id: 'mentors', title: t('p.mentors'), wide: true });
  const reportP = new Panel(grid, { id: 'report', title: t('ui.report'), tableOnly: true });
  reportBox(reportP, code);

  const [targets, names] = await Promise.all([loadTargets(), loadCommunes(extra), loadCourseNames()]);
  const info = names.get(code);
  if (info) {
    document.getElementById('title').textContent = `${t('page.commune')} ${info.name} (${code})`;
    document.title = `${info.name} — ${t('app.title')}`;
    fill(facts, el('span', '', t('col.district') + ': ', el('b', '', info.district || '—')),
      el('span', '', t('col.area_types') + ': ', el('b', '', areaNames(info.area_types) || '—')),
      el('span', '', t('col.population') + ': ', el('b', '', num(info.population))));
  }

  async function load() {
    const p = f.period();
    const params = f.params(extra);
    const progress = await loadProgress(p.ref, f, extra);
    // Teams and ambassadors over the period, like the other panels
    // (the commune report counts them over its year too).
    const period = { ...extra, from: p.from, to: p.to };
    await Promise.all([
      teams(teamP, period, p.label),
      mentors(mentorP, period, p.label),
      renderKPIs(kpis, f, extra, progress, targets),
      groupTargetsPanel(progP, progress, { year: p.year, ref: p.ref, targets }),
      trendPanel(trendP, params),
      coursesPanel(courseP, params),
    ]);
    loaded();
  }
  await load();
}

function reportBox(pn, code) {
  const sel = el('select');
  sel.id = 'report-year';
  for (const y of years()) {
    const o = el('option', '', String(y));
    o.value = String(y);
    sel.append(o);
  }
  const csv = link('#', t('ui.report_csv'), 'btn primary');
  csv.id = 'report-csv';
  csv.setAttribute('download', '');
  const html = link('#', t('ui.report_html'), 'btn');
  html.id = 'report-html';
  html.target = '_blank';
  html.rel = 'noopener';
  const update = () => {
    const base = `/dashboard/report/${encodeURIComponent(code)}?year=${sel.value}&lang=${ctx.lang}`;
    csv.href = base + '&format=csv';
    html.href = base;
  };
  sel.addEventListener('change', update);
  update();
  pn.csv.hidden = true;
  fill(pn.tableWrap, el('div', 'reportbox', el('label', '', t('filter.year') + ' ', sel), csv, html));
}

async function teams(pn, extra, label) {
  await guard(pn, 'teams', async () => {
    const r = await query('teams', extra);
    const rows = r.objects.slice().sort((a, b) => String(a.name).localeCompare(String(b.name), ctx.locale));
    pn.setCSV('teams', extra);
    hbars(pn.chart, rows.map((x) => ({ label: String(x.name || x.team).replace(/^Tổ công nghệ số cộng đồng\s+/i, ''), value: Number(x.learners) })));
    pn.sub.textContent = `${t('col.learners')} · ${num(rows.length)} · ${label}`;
    pn.setTable([
      { key: 'name', label: t('col.name') },
      { key: 'members', label: t('col.members'), num: true },
      { key: 'learners', label: t('col.learners'), num: true },
    ], rows);
  });
}

async function mentors(pn, extra, label) {
  await guard(pn, 'mentors', async () => {
    const [r, m] = await Promise.all([query('mentors', extra), query('mentoring', extra)]);
    const rows = r.objects.slice().sort((a, b) => b.mentees - a.mentees || String(a.label).localeCompare(String(b.label)));
    pn.setCSV('mentors', extra);
    const meets = (x) => Number(x.mentees) >= NORM;
    hbars(pn.chart, rows.slice(0, 30).map((x) => ({ label: x.label || x.mentor, value: Number(x.mentees), cls: meets(x) ? 'ok' : 'lag' })),
      { marker: NORM, markerLabel: '≥ ' + NORM });
    pn.setLegend(legend([{ cls: 'ok', label: t('ui.met') }, { cls: 'lag', label: t('ui.not_met') }]));
    const ok = rows.filter(meets).length;
    // Distinct mentees: a person guided by two ambassadors counts once.
    const own = m ? m.objects.find((x) => x.commune === extra.commune) : null;
    pn.sub.textContent = [t('ui.mentors_meeting_norm', num(ok), num(rows.length)), own ? t('ui.mentees_distinct', num(own.mentees)) : '', label].filter(Boolean).join(' · ');
    pn.el.dataset.meets = String(ok);
    if (own) pn.el.dataset.mentees = String(own.mentees);
    pn.setTable([
      { key: 'label', label: t('col.label') },
      { key: 'team', label: t('col.team') },
      { key: 'mentees', label: t('col.mentees'), num: true },
      { key: 'meets_norm', label: t('col.meets_norm'), value: (x) => (meets(x) ? 1 : 0), fmt: (v) => el('span', 'badge ' + (v ? 'ok' : 'lag'), t(v ? 'ui.met' : 'ui.not_met')) },
    ], rows, { rowClass: (x) => (meets(x) ? '' : 'lag') });
    pn.setNote([t('ui.norm'), chartTop(30, rows.length)].filter(Boolean).join(' '));
  });
}
