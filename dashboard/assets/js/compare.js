// Like-with-like comparisons for the key-figure cards. A month that has
// not ended is never compared with a whole month: the cards compare the
// last complete month with the month before, and the quarter of that
// month — whole when it is complete, else its complete months so far —
// with the same months of the quarter before. The month in progress is
// shown on its own, without a comparison. A period without any
// statement in the scope (the province, or the commune) has "no data
// yet", which is not a drop to zero.
import { t } from './i18n.js';
import { addMonths, quarterOf, previousQuarterToDate, split } from './period.js';
import { month as monthLabel, delta } from './fmt.js';

/** The months from a to b, inclusive ("YYYY-MM"). */
export function months(a, b) {
  const out = [];
  for (let m = a; m <= b; m = addMonths(m, 1)) out.push(m);
  return out;
}

const quarterLabel = (q) => t('ui.quarter_label', q.q, q.year);

/** "quý 4/2026 (tháng 10–11)": the first months of a quarter. */
function partOfQuarter(q, to) {
  const a = split(q.from)[1];
  const b = split(to)[1];
  return a === b ? t('ui.quarter_month', quarterLabel(q), a) : t('ui.quarter_months', quarterLabel(q), a, b);
}

/**
 * The comparisons of period p ({from, to}) when the current month is now:
 * {running, month, quarter}. month and quarter are {cur, prev} ranges
 * ({from, to, label}) and a vs label saying what cur is compared with;
 * running is the current month's range while it lies in the period (or
 * null).
 */
export function plan(p, now) {
  const last = p.to < addMonths(now, -1) ? p.to : addMonths(now, -1);
  const running = p.from <= now && now <= p.to ? { from: now, to: now, label: t('ui.running', monthLabel(now)) } : null;
  const pm = addMonths(last, -1);
  const month = {
    cur: { from: last, to: last, label: monthLabel(last) },
    prev: { from: pm, to: pm, label: monthLabel(pm) },
  };
  month.vs = t('ui.vs', month.prev.label);
  const q = quarterOf(last);
  const pq = quarterOf(addMonths(q.from, -3));
  // The same months of the quarter before (all of it once q is complete).
  const same = previousQuarterToDate(last);
  let quarter;
  if (!same.partial) {
    quarter = { cur: { from: q.from, to: q.to, label: quarterLabel(q) }, prev: { from: same.from, to: same.to, label: quarterLabel(pq) } };
    quarter.vs = t('ui.vs', quarter.prev.label);
  } else {
    quarter = { cur: { from: q.from, to: last, label: partOfQuarter(q, last) }, prev: { from: same.from, to: same.to, label: partOfQuarter(pq, same.to) } };
    quarter.vs = t('ui.vs_same', quarter.prev.label);
  }
  return { running, month, quarter };
}

/** Whether any month of range r is in the set of months with data. */
export function hasData(r, withData) {
  return months(r.from, r.to).some((m) => withData.has(m));
}

/**
 * How to show a value against the previous one: state "nodata" (no data
 * yet for the period: no number, no change), "noprev" (nothing to compare
 * with) or "ok" with the change (a fall to zero is a real −100 %).
 */
export function judge(cur, prev, hasCur, hasPrev) {
  if (!hasCur) return { state: 'nodata' };
  if (!hasPrev) return { state: 'noprev' };
  return { state: 'ok', delta: delta(cur, prev) };
}

/**
 * Whether period p ({from, to}) has data by month now: any month of it up
 * to now with a statement in the scope. A period that has not started, or
 * whose months so far have none, has "no data yet" (not a total of 0).
 */
export function periodHasData(p, now, withData) {
  const to = p.to < now ? p.to : now;
  return p.from <= to && hasData({ from: p.from, to }, withData);
}
