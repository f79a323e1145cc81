// Progress towards the year's targets, from the progress and targets named
// queries. A target is a share of a group's population reaching the
// digital-skills level, counted as certified learners (the progress
// query's definition). The numbers (populations, target counts, learners,
// certified learners) are the queries'; this module only sums rows to the
// level shown (a commune, a group) and derives presentation: the
// percentage of the target reached, the pace expected by the reference
// month, and whether a unit lags.
import { query } from './api.js';
import { ratio } from './fmt.js';
import { paceFraction } from './period.js';

/** Below this share of the expected pace a unit is highlighted as lagging. */
export const LAG_SHARE = 0.8;

/** The targets query's rows (all years), or null when unavailable. */
export async function loadTargets() {
  const r = await query('targets', {});
  return r ? r.objects : null;
}

const SKILLED = 'skilled-share';
const VNEID = 'vneid-certified';

/** Share-of-population target (0–100) of group in year, 0 when none. */
function pctTarget(targets, year, group) {
  if (!targets) return 0;
  const row = targets.find((t) => Number(t.year) === year && t.target_group === group && t.metric === SKILLED);
  return row ? Number(row.value) : 0;
}

/** The number of people to certify on VNeID in year (optionally for one group), or null. */
export function absoluteTarget(targets, year, group) {
  if (!targets) return null;
  const rows = targets.filter((t) => Number(t.year) === year && t.metric === VNEID && (!group || t.target_group === group));
  return rows.length ? rows.reduce((s, t) => s + Number(t.value), 0) : null;
}

/**
 * People expected to be reached by the reference month: the population
 * times a share that moves linearly from last year's target to this
 * year's over the year's months (from the campaign's first month in its
 * first year).
 */
function expectedPeople(row, year, frac, targets) {
  const prev = pctTarget(targets, year - 1, row.target_group);
  const cur = Number(row.target_pct) || 0;
  return (Number(row.population) * (prev + (cur - prev) * frac)) / 100;
}

/**
 * Sum progress rows by key(row). Returns one unit per key:
 * {key, name, area_types, population, target_count, learners,
 *  certified_learners, expected, pct, expectedPct, lagging}, where pct is
 * certified learners as a percentage of the target count, expectedPct the
 * pace expected by the reference month, and lagging means below
 * LAG_SHARE of that pace.
 */
export function aggregate(rows, key, { year, ref, targets }) {
  const frac = paceFraction(year, ref);
  const units = new Map();
  for (const r of rows) {
    if (!(Number(r.target_pct) > 0)) continue; // absolute targets are not shares of a population
    const k = key(r);
    let u = units.get(k);
    if (!u) {
      u = { key: k, name: r.name || '', area_types: r.area_types || '', commune: r.commune, target_group: r.target_group,
        population: 0, target_count: 0, learners: 0, certified_learners: 0, expected: 0, target_pct: Number(r.target_pct) };
      units.set(k, u);
    }
    if (u.target_pct !== Number(r.target_pct)) u.target_pct = null; // differs between the rows summed
    u.population += Number(r.population) || 0;
    u.target_count += Number(r.target_count) || 0;
    u.learners += Number(r.learners) || 0;
    u.certified_learners += Number(r.certified_learners) || 0;
    u.expected += expectedPeople(r, year, frac, targets);
  }
  for (const u of units.values()) {
    u.pct = ratio(u.certified_learners, u.target_count);
    u.reachPct = ratio(u.learners, u.target_count);
    u.expectedPct = ratio(u.expected, u.target_count);
    u.lagging = u.expected > 0 && u.certified_learners < LAG_SHARE * u.expected;
  }
  return [...units.values()];
}

/** Keep rows of communes with area type a (rows carry area_types). */
export function byArea(rows, a) {
  if (!a) return rows;
  return rows.filter((r) => String(r.area_types || '').split(',').includes(a));
}

/** Progress rows cumulative to the end of month ref (null when the query is missing). */
export async function loadProgress(ref, f, extra = {}) {
  const r = await query('progress', { to: ref, group: f.state.group, area_type: f.state.area, ...extra });
  if (!r) return null;
  return { result: r, rows: byArea(r.objects, f.state.area) };
}
