// Hand-computed checks of the dashboard's presentation logic (progress
// sums, each unit's own pace, ranking without a target, percentages),
// run in headless Chromium by js_test.go. The page gives the English
// dictionary and a context whose campaign starts in 2025-05.
import { pct } from '/assets/js/fmt.js';
import { paceFraction, previousQuarterToDate } from '/assets/js/period.js';
import { aggregate, rank, expectedPeople, absoluteTarget, vneidGroups } from '/assets/js/progress.js';

const failures = [];
const near = (a, b) => a !== null && b !== null && Math.abs(a - b) < 1e-9;
function check(what, got, want) {
  const ok = typeof want === 'number' && typeof got === 'number' ? near(got, want) : JSON.stringify(got) === JSON.stringify(want);
  if (!ok) failures.push(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

// Percentages: small shares are not shown as 0, nor near-complete ones as 100.
check('pct(0.005)', pct(0.005), '< 0.1%');
check('pct(0.04)', pct(0.04), '< 0.1%');
check('pct(0.05)', pct(0.05), '0.1%');
check('pct(0)', pct(0), '0%');
check('pct(12.34)', pct(12.34), '12.3%');
check('pct(99.96)', pct(99.96), '> 99.9%');
check('pct(100)', pct(100), '100%');
check('pct(null)', pct(null), '—');

// The pace: the first year runs from May (8 months), later years from January.
check('paceFraction(2025, 2025-05)', paceFraction(2025, '2025-05'), 1 / 8);
check('paceFraction(2025, 2025-12)', paceFraction(2025, '2025-12'), 1);
check('paceFraction(2026, 2026-01)', paceFraction(2026, '2026-01'), 1 / 12);

// "This quarter" to date is compared with the same months of the previous
// quarter: February 2026 (Q1 to date: Jan–Feb) against Oct–Nov 2025, not
// the whole of Q4; at a quarter's last month, the whole previous quarter.
check('previousQuarterToDate(2026-02)', previousQuarterToDate('2026-02'), { from: '2025-10', to: '2025-11', partial: true });
check('previousQuarterToDate(2026-01)', previousQuarterToDate('2026-01'), { from: '2025-10', to: '2025-10', partial: true });
check('previousQuarterToDate(2026-06)', previousQuarterToDate('2026-06'), { from: '2026-01', to: '2026-03', partial: false });

// Progress rows in January 2026 (1/12 of the year):
//  A citizens: 1000 people, 90 % this year (900 people), 80 % last year;
//    expected 1000 × (80 + 10/12) % = 808.33 people = 89.81 % of 900.
//  B citizens: 100 people, its own 70 % this year (70 people), the
//    province's 80 % last year: the path starts at 70 (never above this
//    year's target), so 70 people are expected, 100 % (not 113 %).
//  C workers: no target (null): counted, never ranked or lagging.
const rows = [
  { commune: 'A', name: 'Xã A', target_group: 'citizen', population: 1000, target_pct: 90, prev_target_pct: 80, target_count: 900, learners: 500, certified_learners: 400 },
  { commune: 'B', name: 'Xã B', target_group: 'citizen', population: 100, target_pct: 70, prev_target_pct: 80, target_count: 70, learners: 60, certified_learners: 10 },
  { commune: 'C', name: 'Xã C', target_group: 'worker', population: 50, target_pct: null, prev_target_pct: null, target_count: null, learners: 5, certified_learners: 1 },
];
const cp = { year: 2026, ref: '2026-01' };
check('expectedPeople(A)', expectedPeople(rows[0], 1 / 12), 1000 * (80 + 10 / 12) / 100);
check('expectedPeople(B)', expectedPeople(rows[1], 1 / 12), 70);
check('expectedPeople(C)', expectedPeople(rows[2], 1 / 12), null);
const units = rank(aggregate(rows, (r) => r.commune, cp));
check('ranking order', units.map((u) => u.key), ['A', 'B', 'C']);
check('ranks', units.map((u) => u.rank), [1, 2, null]);
check('A pct', units[0].pct, 400 / 900 * 100);
check('A expectedPct', units[0].expectedPct, (1000 * (80 + 10 / 12) / 100) / 900 * 100);
check('A lagging (400 < 0.8 × 808.33)', units[0].lagging, true);
check('B expectedPct never above 100', units[1].expectedPct, 100);
check('B lagging (10 < 56)', units[1].lagging, true);
check('C has no target', [units[2].hasTarget, units[2].pct, units[2].target_count, units[2].lagging], [false, null, null, false]);
check('C still counts', [units[2].population, units[2].learners, units[2].certified_learners], [50, 5, 1]);
// The province: every row's people, but only targeted rows against the target.
const all = aggregate(rows, () => 'all', cp)[0];
check('province population', all.population, 1150);
check('province learners', all.learners, 565);
check('province target', all.target_count, 970);
check('province certified towards the target', all.targeted_certified, 410);
check('province pct', all.pct, 410 / 970 * 100);
check('province expectedPct', all.expectedPct, (1000 * (80 + 10 / 12) / 100 + 70) / 970 * 100);

// Both rules at once in the month in progress: the page's today is
// 2026-03-10, so March counts 10 of its 31 days (2 + 10/31 months of 12),
// and each unit's pace still follows its own path, never above its target.
const f = (2 + 10 / 31) / 12;
check('paceFraction(2026, 2026-03) on 2026-03-10', paceFraction(2026, '2026-03'), f);
const running = rank(aggregate(rows, (r) => r.commune, { year: 2026, ref: '2026-03' }));
check('A expectedPct in the running month', running[0].expectedPct, (1000 * (80 + 10 * f) / 100) / 900 * 100);
check('B expectedPct in the running month never above 100', running[1].expectedPct, 100);

// The VNeID target names its groups: compare like with like.
const targets = [
  { year: 2026, target_group: 'citizen', metric: 'vneid-certified', value: 500000 },
  { year: 2026, target_group: 'citizen', metric: 'skilled-share', value: 100 },
];
check('VNeID groups', vneidGroups(targets, 2026, ''), ['citizen']);
check('VNeID groups of students', vneidGroups(targets, 2026, 'student'), []);
check('VNeID target', absoluteTarget(targets, 2026, ''), 500000);

document.body.dataset.failures = JSON.stringify(failures);
document.body.dataset.done = '1';
