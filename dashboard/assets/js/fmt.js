// Number, month and label formatting in the page's locale (vi-VN or en-US).
import { ctx, t } from './i18n.js';

const intFmt = new Intl.NumberFormat(ctx.locale, { maximumFractionDigits: 0 });
const decFmt = (d) => new Intl.NumberFormat(ctx.locale, { maximumFractionDigits: d, minimumFractionDigits: 0 });

/** An integer with thousands separators ("1.234" in vi, "1,234" in en). */
export function num(v) {
  if (v === null || v === undefined || v === '' || !Number.isFinite(Number(v))) return '—';
  return intFmt.format(Number(v));
}

/**
 * A percentage with at most d decimals ("12,5%"). A share that is not 0
 * but rounds to it reads "< 0,1%", one below 100 that rounds to 100 reads
 * "> 99,9%", so that neither looks like none or all (docs/dashboard.md).
 */
export function pct(v, d = 1) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const step = 10 ** -d;
  if (v > 0 && v < step / 2) return '< ' + decFmt(d).format(step) + '%';
  if (v < 100 && v >= 100 - step / 2) return '> ' + decFmt(d).format(100 - step) + '%';
  return decFmt(d).format(v) + '%';
}

/** A ratio a/b as a percentage, or null when b is 0. */
export function ratio(a, b) {
  return b > 0 ? (100 * a) / b : null;
}

/** "2025-10" → "tháng 10/2025" / "2025-10". */
export function month(ym) {
  if (!ym) return '';
  const [y, m] = ym.split('-');
  return t('ui.month_label', String(Number(m)), y);
}

/** Change from prev to cur: { text: "▲ 5,2%", cls: "up" }. */
export function delta(cur, prev) {
  if (prev === null || prev === undefined) return { text: '—', cls: '' };
  if (prev === 0) return cur > 0 ? { text: '▲', cls: 'up' } : { text: '±0', cls: '' };
  const d = (100 * (cur - prev)) / prev;
  if (Math.abs(d) < 0.05) return { text: '±0%', cls: '' };
  return { text: (d > 0 ? '▲ ' : '▼ ') + pct(Math.abs(d)), cls: d > 0 ? 'up' : 'down' };
}

let courseNames = new Map();

/** Use these course names (IRI → name in the page's language). */
export function setCourseNames(names) {
  courseNames = names;
}

/**
 * A course by its name in the page's language (the courses query: the
 * activity definitions' names, vi-VN, then en-US), else by its IRI.
 */
export function course(iri) {
  if (!iri) return t('group.');
  return courseNames.get(iri) || String(iri);
}

export const group = (g) => t('group.' + (g || ''));
/** A commune's name, or what an empty or unknown code means. */
export const communeLabel = (code, name) => name || (code === 'unknown' ? t('commune.unknown') : code || t('commune.none'));
export const area = (a) => t('area.' + a);
export const areas = (list) => String(list || '').split(',').filter(Boolean).map(area).join(', ');
