// Key-figure cards: learners, lesson completions and certificates in the
// period, this month and this quarter against the previous ones, and the
// cumulative progress against the year's targets.
import { el, fill } from './dom.js';
import { ctx, t } from './i18n.js';
import { query, allowed } from './api.js';
import { num, pct, delta, month, ratio } from './fmt.js';
import { addMonths, quarterOf, paceFraction, previousQuarterToDate } from './period.js';
import { aggregate, absoluteTarget, vneidGroups, LAG_SHARE } from './progress.js';

const first = (r) => (r && r.objects[0]) || null;

function line(label, value, d, vs) {
  const p = el('p', 'line', label + ': ', el('b', '', value));
  if (d) p.append(' ', el('span', 'delta ' + d.cls, d.text), ' ', vs);
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
  const q = quarterOf(p.ref);
  // Quarter to date against the same months of the previous quarter.
  const pq = previousQuarterToDate(p.ref);
  const [cur, m, pm, qd, pqd] = await Promise.all([
    query('summary', { ...base, from: p.from, to: p.to }),
    query('summary', { ...base, from: p.ref, to: p.ref }),
    query('summary', { ...base, from: addMonths(p.ref, -1), to: addMonths(p.ref, -1) }),
    query('summary', { ...base, from: q.from, to: p.ref }),
    query('summary', { ...base, from: pq.from, to: pq.to }),
  ]);
  const c = first(cur);
  if (!c) {
    fill(container, el('p', 'muted', t('ui.nodata')));
    return;
  }
  const mm = first(m), pmm = first(pm), qq = first(qd), pqq = first(pqd);
  // "This quarter" is quarter-to-date when the reference month is not the
  // quarter's last: say so.
  const qLabel = p.ref < q.to ? t('ui.qtd', t('ui.quarter_label', q.q, q.year), month(p.ref)) : t('ui.quarter_label', q.q, q.year);
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
    const h = el('h3', 'defined', t('kpi.' + key));
    h.title = t('def.' + col);
    card.append(h, el('div', 'big', num(c[col])));
    const v = (o) => (o ? Number(o[col]) : 0);
    card.append(line(month(p.ref), num(v(mm)), delta(v(mm), v(pmm)), t('ui.prev_month')));
    card.append(line(qLabel, num(v(qq)), delta(v(qq), v(pqq)), t(pq.partial ? 'ui.prev_qtd' : 'ui.prev_quarter')));
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
