// Progress towards the year's targets, from the progress and targets named
// queries. A target is a share of a group's population reaching the
// digital-skills level, counted as certified learners (the progress
// query's definition). The numbers (populations, target counts, learners,
// certified learners) are the queries'; this module only sums rows to the
// level shown (a commune, a group) and derives presentation: the
// percentage of the target reached, the pace expected by the reference
// month, and whether a unit lags.
//
// Sums are exact: the progress query counts each learner once, in the
// commune and group of their latest month, so its rows add up to distinct
// people at every level (docs/analytics.md).
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

const VNEID = 'vneid-certified';

/** The groups with a VNeID target in year (of group, when given). */
export function vneidGroups(targets, year, group) {
  if (!targets) return [];
  return [...new Set(targets.filter((t) => Number(t.year) === year && t.metric === VNEID && (!group || t.target_group === group)).map((t) => t.target_group))];
}

/** The number of people to certify on VNeID in year (optionally for one group), or null. */
export function absoluteTarget(targets, year, group) {
  if (!targets) return null;
  const rows = targets.filter((t) => Number(t.year) === year && t.metric === VNEID && (!group || t.target_group === group));
  return rows.length ? rows.reduce((s, t) => s + Number(t.value), 0) : null;
}

const has = (v) => v !== null && v !== undefined && v !== '';

/**
 * People a row is expected to have certified by the reference month, on
 * its own target path: the share moves linearly over the year (from the
 * campaign's first month in its first year) from last year's target of
 * the same commune and group (its own, else the province's; 0 when there
 * was none) to this year's. A path never starts above this year's target,
 * so the pace never asks for more than the target. null without a target.
 */
export function expectedPeople(row, frac) {
  if (!has(row.target_count)) return null;
  const cur = Number(row.target_pct) || 0;
  const prev = has(row.prev_target_pct) ? Number(row.prev_target_pct) : 0;
  const start = Math.min(prev, cur);
  return (Number(row.population) * (start + (cur - start) * frac)) / 100;
}

/**
 * Sum progress rows by key(row). Returns one unit per key:
 * {key, name, area_types, population, target_count, learners,
 *  certified_learners, expected, hasTarget, pct, reachPct, expectedPct,
 *  lagging}. Rows without a target still count in the unit's population,
 * learners and certified learners, but not in its target: pct (certified
 * learners of the rows with a target, as a percentage of their target
 * count) is null for a unit without any target, which is then neither
 * on track nor lagging. expectedPct is the unit's own pace by the
 * reference month; lagging means below LAG_SHARE of it.
 */
export function aggregate(rows, key, { year, ref }) {
  const frac = paceFraction(year, ref);
  const units = new Map();
  for (const r of rows) {
    const k = key(r);
    let u = units.get(k);
    if (!u) {
      u = { key: k, name: r.name || '', area_types: r.area_types || '', commune: r.commune, target_group: r.target_group,
        population: 0, target_count: 0, learners: 0, certified_learners: 0, expected: 0, hasTarget: false,
        targeted_learners: 0, targeted_certified: 0, target_pct: has(r.target_pct) ? Number(r.target_pct) : null };
      units.set(k, u);
    }
    const tp = has(r.target_pct) ? Number(r.target_pct) : null;
    if (u.target_pct !== tp) u.target_pct = null; // differs between the rows summed
    u.population += Number(r.population) || 0;
    u.learners += Number(r.learners) || 0;
    u.certified_learners += Number(r.certified_learners) || 0;
    if (has(r.target_count)) {
      u.hasTarget = true;
      u.target_count += Number(r.target_count) || 0;
      u.targeted_learners += Number(r.learners) || 0;
      u.targeted_certified += Number(r.certified_learners) || 0;
      u.expected += expectedPeople(r, frac);
    }
  }
  for (const u of units.values()) {
    if (!u.hasTarget) u.target_count = null;
    u.pct = u.hasTarget ? ratio(u.targeted_certified, u.target_count) : null;
    u.reachPct = u.hasTarget ? ratio(u.targeted_learners, u.target_count) : null;
    u.expectedPct = u.hasTarget ? ratio(u.expected, u.target_count) : null;
    u.lagging = u.hasTarget && u.expected > 0 && u.targeted_certified < LAG_SHARE * u.expected;
  }
  return [...units.values()];
}

/**
 * Rank units: those with a target by the share of it reached (then key),
 * numbered 1, 2, …; those without a target after them, unranked (rank
 * null).
 */
export function rank(units) {
  const ranked = units.filter((u) => u.hasTarget).sort((a, b) => (b.pct ?? -1) - (a.pct ?? -1) || a.key.localeCompare(b.key));
  ranked.forEach((u, i) => { u.rank = i + 1; });
  const unranked = units.filter((u) => !u.hasTarget).sort((a, b) => a.key.localeCompare(b.key));
  for (const u of unranked) u.rank = null;
  return [...ranked, ...unranked];
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
