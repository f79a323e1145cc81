// Months, quarters and the expected pace towards a year's target. Months
// are "YYYY-MM" strings, as the named queries take them.
import { ctx, t } from './i18n.js';
import { month as monthLabel } from './fmt.js';

const pad = (n) => String(n).padStart(2, '0');
export const ym = (y, m) => `${y}-${pad(m)}`;
export const split = (s) => s.split('-').map(Number);

/** Month s plus n months. */
export function addMonths(s, n) {
  const [y, m] = split(s);
  const i = y * 12 + (m - 1) + n;
  return ym(Math.floor(i / 12), (i % 12) + 1);
}

/** The quarter (1–4) of month s, with its first and last month. */
export function quarterOf(s) {
  const [y, m] = split(s);
  const q = Math.floor((m - 1) / 3) + 1;
  return { q, year: y, from: ym(y, 3 * q - 2), to: ym(y, 3 * q) };
}

/**
 * The months "this quarter" at month ref is compared with: the same
 * months of the previous quarter (its first month up to ref − 3), so that
 * a quarter to date is never set against a whole quarter. partial tells
 * whether ref is not yet the quarter's last month.
 */
export function previousQuarterToDate(ref) {
  const q = quarterOf(ref);
  return { from: addMonths(q.from, -3), to: addMonths(ref, -3), partial: ref < q.to };
}

const minMonth = (a, b) => (a < b ? a : b);

/**
 * The period a filter state selects: from/to months, the reference month
 * (the period's last month, but not after the current month) for "this
 * month / this quarter" comparisons and the expected pace, and a label.
 */
export function period(state) {
  const y = Number(state.year);
  const q = Number(state.quarter || 0);
  const from = q ? ym(y, 3 * q - 2) : ym(y, 1);
  const to = q ? ym(y, 3 * q) : ym(y, 12);
  let ref = minMonth(to, ctx.now);
  if (ref < from) ref = to;
  const label = q ? t('ui.quarter_label', q, y) : t('ui.year_label', y);
  return { year: y, quarter: q, from, to, ref, label };
}

/** Years to choose from: the campaign's first year to the current one. */
export function years() {
  const first = split(ctx.campaignStart)[0];
  const last = Math.max(first, split(ctx.now)[0]);
  const out = [];
  for (let y = last; y >= first; y--) out.push(y);
  return out;
}

/** The number of days in month s. */
export function daysIn(s) {
  const [y, m] = split(s);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * Share (0–1) of the way through year's target period at month ref: the
 * first campaign year runs from the campaign's first month, later years
 * from January. A month counts whole once it has ended; the month in
 * progress (ref is today's month) counts only its days so far, today
 * included: on 7 December a year is 11 + 7/31 months through, not 12.
 */
export function paceFraction(year, ref, today = ctx.today) {
  const [sy, sm] = split(ctx.campaignStart);
  const start = year === sy ? sm : 1;
  const months = 12 - start + 1;
  const [ry, rm] = split(ref);
  if (ry < year) return 0;
  if (ry > year) return 1;
  let elapsed = rm - start + 1;
  if (today && today.slice(0, 7) === ref) elapsed -= 1 - Number(today.slice(8, 10)) / daysIn(ref);
  return Math.min(1, Math.max(0, elapsed / months));
}

/**
 * What a cumulative figure to month ref covers: "to the end of" a month
 * that has ended, "to date" (today's date) while ref is the month in
 * progress.
 */
export function cumulativeLabel(ref, today = ctx.today) {
  if (today && today.slice(0, 7) === ref) {
    const [y, m, d] = split(today);
    const date = new Intl.DateTimeFormat(ctx.locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
    return t('ui.cumulative_today', date);
  }
  return t('ui.cumulative', monthLabel(ref));
}
