// Key-figure cards: learners, lesson completions and certificates in the
// period; the last complete month and its quarter against like periods
// (compare.js), the month in progress on its own; and the cumulative
// progress against the year's targets.
import { el, fill } from './dom.js';
import { ctx, t } from './i18n.js';
import { query, allowed } from './api.js';
import { num, pct, ratio } from './fmt.js';
import { paceFraction } from './period.js';
import { plan, hasData, judge, periodHasData } from './compare.js';
import { aggregate, absoluteTarget, vneidGroups, LAG_SHARE } from './progress.js';

const first = (r) => (r && r.objects[0]) || null;

/**
 * One comparison line: "label: value ▲ x % vs previous" (state ok), or
 * "label: value — no data for previous to compare with" (noprev), or
 * "label: no data yet" (nodata). Its data-* attributes carry the ranges,
 * the values and the state, for people and tests.
 */
function cmpLine(kind, c, cur, prev, withData) {
  const j = judge(cur, prev, hasData(c.cur, withData), hasData(c.prev, withData));
  const p = el('p', 'line cmp ' + j.state, c.cur.label + ': ');
  Object.assign(p.dataset, { cmp: kind, state: j.state, from: c.cur.from, to: c.cur.to, prevFrom: c.prev.from, prevTo: c.prev.to });
  if (j.state === 'nodata') {
    p.append(el('b', '', t('ui.nodata_yet')));
    return p;
  }
  p.dataset.v = String(cur);
  p.append(el('b', '', num(cur)));
  if (j.state === 'noprev') {
    p.append(' — ', t('ui.noprev', c.prev.label));
    return p;
  }
  p.dataset.prev = String(prev);
  p.append(' ', el('span', 'delta ' + j.delta.cls, j.delta.text), ' ', c.vs);
  return p;
}

/** The month in progress: its figure so far, never compared. */
function runningLine(r, value, withData) {
  const has = hasData(r, withData);
  const p = el('p', 'line cmp running ' + (has ? 'ok' : 'nodata'), r.label + ': ');
  Object.assign(p.dataset, { cmp: 'running', state: has ? 'running' : 'nodata', from: r.from, to: r.to });
  if (!has) {
    p.append(el('b', '', t('ui.nodata_yet')));
    return p;
  }
  p.dataset.v = String(value);
  p.append(el('b', '', num(value)), ' — ', t('ui.running_note'));
  return p;
}

function meter(share, lagging) {
  const m = el('div', 'meter ' + (lagging ? 'lag' : 'ok'));
  const s = el('span');
  s.style.width = Math.max(0, Math.min(100, share || 0)).toFixed(1) + '%';
  m.append(s);
  return m;
}

/**
 * Render the cards into container for the filter state; extra adds
 * parameters (the commune). progress is the loaded progress rows (or
 * null), targets the targets rows (or null).
 */
export async function renderKPIs(container, f, extra, progress, targets) {
  try {
    await draw(container, f, extra, progress, targets);
  } catch (err) {
    fill(container, el('p', 'error', t('ui.error', err.message || String(err))));
    document.body.dataset.failed = '1';
  }
}

async function draw(container, f, extra, progress, targets) {
  const p = f.period();
  const base = { group: f.state.group, ...extra };
  const cmp = plan(p, ctx.now);
  const ranges = [cmp.month.cur, cmp.month.prev, cmp.quarter.cur, cmp.quarter.prev, cmp.running || cmp.month.cur];
  const earliest = ranges.reduce((a, r) => (r.from < a ? r.from : a), p.from < ctx.now ? p.from : ctx.now);
  // Months with any statement in the scope (the whole province, or the
  // commune; not narrowed by the group): a period without any has no data
  // yet, whatever the filters.
  const [cur, trend, ...got] = await Promise.all([
    query('summary', { ...base, from: p.from, to: p.to }),
    query('trend', { commune: extra.commune, from: earliest, to: ctx.now }),
    ...ranges.map((r) => query('summary', { ...base, from: r.from, to: r.to })),
  ]);
  const c = first(cur);
  if (!c) {
    fill(container, el('p', 'muted', t('ui.nodata')));
    return;
  }
  const withData = new Set((trend ? trend.objects : []).filter((x) => Number(x.statements) > 0).map((x) => x.month));
  const [mm, pmm, qq, pqq, run] = got.map(first);
  const periodHas = periodHasData(p, ctx.now, withData);
  let units = null;
  if (progress) units = aggregate(progress.rows, () => 'all', { year: p.year, ref: p.ref, targets })[0] || null;
  // Learners outside every commune's progress (no commune known, a code
  // not in the reference data): the summary's learners since the campaign
  // began minus the progress rows' (which count each learner once).
  const whole = !extra.commune && !f.state.group && !f.state.area;
  let outside = null;
  if (units && whole) {
    const since = first(await query('summary', { to: p.ref }));
    if (since) outside = Math.max(0, Number(since.learners) - units.learners);
  }
  const vneid = !extra.commune && allowed('vneid') ? await query('vneid', { to: p.ref, group: f.state.group }) : null;
  const cards = [];
  for (const [key, col] of [['learners', 'learners'], ['lessons', 'lesson_completions'], ['certificates', 'certificates']]) {
    const card = el('div', 'kpi');
    card.dataset.kpi = col;
    card.dataset.v = String(c[col]);
    card.dataset.state = periodHas ? 'ok' : 'nodata';
    const h = el('h3', 'defined', t('kpi.' + key));
    h.title = t('def.' + col);
    card.append(h, periodHas ? el('div', 'big', num(c[col])) : el('div', 'big nodata', t('ui.nodata_yet')));
    const v = (o) => (o ? Number(o[col]) : 0);
    card.append(cmpLine('month', cmp.month, v(mm), v(pmm), withData));
    card.append(cmpLine('quarter', cmp.quarter, v(qq), v(pqq), withData));
    if (cmp.running) card.append(runningLine(cmp.running, v(run), withData));
    if (col === 'learners') {
      if (units && units.target_count > 0) {
        const tgt = el('div', 'target');
        tgt.dataset.kpi = 'learners_cum';
        tgt.dataset.v = String(units.targeted_learners);
        tgt.append(meter(units.reachPct, false));
        tgt.append(el('p', 'line', t('kpi.learners_cum') + ': ', el('b', '', num(units.targeted_learners)), ' / ' + num(units.target_count) + ' (' + pct(units.reachPct) + ')'));
        card.append(tgt);
        if (outside) {
          const o = el('p', 'line muted', t('ui.unattributed', num(outside)));
          o.dataset.kpi = 'learners_outside';
          o.dataset.v = String(outside);
          card.append(o);
        }
      } else if (progress === null) {
        card.append(el('p', 'line muted', t('ui.unavailable', 'progress')));
      }
    } else if (col === 'certificates') {
      if (units && units.target_count > 0) {
        const tgt = el('div', 'target');
        tgt.dataset.kpi = 'certified_cum';
        tgt.dataset.v = String(units.targeted_certified);
        tgt.append(meter(units.pct, units.lagging));
        tgt.append(el('p', 'line', t('kpi.certified_cum') + ': ', el('b', '', num(units.targeted_certified)), ' / ' + num(units.target_count) + ' (' + pct(units.pct) + ')'));
        tgt.append(el('p', 'line', t('ui.target_of', p.year, num(units.target_count))));
        if (units.lagging) tgt.append(el('span', 'badge lag', t('ui.lagging')));
        card.append(tgt);
      }
      // The VNeID target names its groups (citizens): compare it with
      // the same groups' VNeID confirmations, or, while none has arrived,
      // with the same groups' certified learners, labelled as such.
      const abs = !extra.commune ? absoluteTarget(targets, p.year, f.state.group) : null;
      if (progress && abs) {
        const groups = vneidGroups(targets, p.year, f.state.group);
        const confirmed = vneid ? vneid.objects.filter((r) => groups.includes(r.target_group)).reduce((s, r) => s + Number(r.confirmed_learners), 0) : 0;
        const certified = progress.rows.filter((r) => groups.includes(r.target_group)).reduce((s, r) => s + Number(r.certified_learners || 0), 0);
        const value = confirmed > 0 ? confirmed : certified;
        const share = ratio(value, abs);
        const frac = paceFraction(p.year, p.ref);
        const v = el('div', 'target');
        v.dataset.kpi = confirmed > 0 ? 'vneid_confirmed' : 'vneid_certified';
        v.dataset.v = String(value);
        v.append(meter(share, value < LAG_SHARE * frac * abs));
        const label = t(confirmed > 0 ? 'ui.vneid_confirmed' : 'ui.vneid_proxy', groups.map((g) => t('group.' + g)).join(', '));
        v.append(el('p', 'line', label + ': ', el('b', '', num(value)), ' / ' + num(abs) + ' (' + pct(share) + ')'));
        card.append(v);
      }
    } else {
      card.append(el('p', 'line muted', t('ui.no_target')));
    }
    cards.push(card);
  }
  fill(container, ...cards);
}
