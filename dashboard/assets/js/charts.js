// SVG charts drawn at the container's real width (so text stays readable
// on a phone and a projector) and redrawn when it changes size. Each chart
// has a <title> per mark for hover and screen readers; the numbers also
// sit in the panel's table.
import { svg, el } from './dom.js';
import { num } from './fmt.js';

const observed = new WeakMap();

/** Draw with draw(width) now and again whenever container's width changes. */
function responsive(container, draw) {
  const render = () => {
    const w = Math.max(280, Math.floor(container.clientWidth || 600));
    container.replaceChildren(draw(w));
  };
  render();
  if (!observed.has(container) && 'ResizeObserver' in window) {
    let last = container.clientWidth;
    const ro = new ResizeObserver(() => {
      if (Math.abs(container.clientWidth - last) > 8) {
        last = container.clientWidth;
        observed.get(container)();
      }
    });
    ro.observe(container);
  }
  observed.set(container, render);
}

/**
 * The chart text scale: 1 up to a 16 px root font, larger with it (the
 * projector layout sets 19 px), so that chart text grows with the page's
 * text. The stylesheet sizes chart text the same way (max(13px, .8125rem)).
 */
const scale = () => Math.max(1, parseFloat(getComputedStyle(document.documentElement).fontSize) / 16 || 1);

const measurer = document.createElement('canvas').getContext('2d');

/** Width in px of s in the page's font at px size and weight. */
function textWidth(s, px, weight = 400) {
  if (!measurer) return String(s).length * px * 0.56;
  measurer.font = `${weight} ${px}px ${getComputedStyle(document.body).fontFamily}`;
  return measurer.measureText(String(s)).width;
}

/** s cut with an ellipsis to fit maxW. */
function fit(s, px, maxW, weight) {
  s = String(s);
  if (textWidth(s, px, weight) <= maxW) return s;
  let lo = 0, hi = s.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (textWidth(s.slice(0, mid) + '…', px, weight) <= maxW) lo = mid;
    else hi = mid - 1;
  }
  return s.slice(0, Math.max(1, lo)).trimEnd() + '…';
}

/** s on at most two lines of maxW, broken between words; the rest is cut. */
function wrap(s, px, maxW) {
  s = String(s);
  if (textWidth(s, px) <= maxW) return [s];
  const words = s.split(/\s+/);
  let first = '';
  let i = 0;
  for (; i < words.length; i++) {
    const next = first ? first + ' ' + words[i] : words[i];
    if (first && textWidth(next, px) > maxW) break;
    first = next;
  }
  if (i === words.length) return [fit(first, px, maxW)];
  return [fit(first, px, maxW), fit(words.slice(i).join(' '), px, maxW)];
}

/**
 * Horizontal bars. items: [{label, value, cls?, title?, text?, marker?}];
 * opts: {max?, fmt?, marker? (a value drawn as a dashed line), markerLabel?}.
 * An item's own marker is drawn as a tick across its bar (a unit's own
 * expected pace). Long labels take two lines.
 */
export function hbars(container, items, opts = {}) {
  const fmt = opts.fmt || num;
  responsive(container, (w) => {
    const k = scale();
    const px = 13 * k;
    const labelW = Math.min(Math.round(w * 0.38), Math.round(280 * k));
    const labels = items.map((it) => wrap(it.label, px, labelW - 4));
    const rowH = (i) => Math.round((labels[i].length > 1 ? 40 : 26) * k);
    const barH = Math.round(18 * k);
    const top = Math.round((opts.marker != null ? 18 : 4) * k);
    const texts = items.map((it) => it.text ?? fmt(it.value));
    const valueW = Math.ceil(Math.max(24, ...texts.map((x) => textWidth(x, px, 600)))) + 8;
    const plotW = Math.max(40, w - labelW - valueW - 12);
    const max = Math.max(opts.max || 0, opts.marker || 0, ...items.map((i) => Math.max(i.value || 0, i.marker || 0)), 1);
    const h = top + items.reduce((sum, _, i) => sum + rowH(i), 0) + 6;
    const root = svg('svg', { viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: 'img' });
    const x0 = labelW + 6;
    let y = top;
    items.forEach((it, i) => {
      const mid = y + rowH(i) / 2;
      y += rowH(i);
      const bw = Math.max(0, (plotW * (it.value || 0)) / max);
      const g = svg('g', { class: 'row' });
      g.append(svg('title', {}, `${it.label}: ${texts[i]}`));
      const label = svg('text', { x: labelW, y: mid + px * 0.35 - (labels[i].length - 1) * px * 0.6, 'text-anchor': 'end', class: 'label' });
      labels[i].forEach((line, j) => label.append(svg('tspan', { x: labelW, dy: j ? px * 1.2 : 0 }, line)));
      g.append(label);
      g.append(svg('rect', { x: x0, y: mid - barH / 2, width: bw.toFixed(1), height: barH, rx: 3, class: 'bar ' + (it.cls || '') }));
      g.append(svg('text', { x: x0 + bw + 5, y: mid + px * 0.35, class: 'value' }, texts[i]));
      if (it.marker != null) {
        const mx = x0 + (plotW * it.marker) / max;
        g.append(svg('line', { x1: mx, x2: mx, y1: mid - rowH(i) / 2 + 1, y2: mid + rowH(i) / 2 - 1, class: 'pace' }));
      }
      root.append(g);
    });
    if (opts.marker != null) {
      const mx = x0 + (plotW * opts.marker) / max;
      root.append(svg('line', { x1: mx, x2: mx, y1: top - 4 * k, y2: h - 2, class: 'pace' }));
      if (opts.markerLabel) {
        const half = textWidth(opts.markerLabel, 12 * k) / 2 + 2;
        const lx = Math.min(Math.max(mx, half), w - half);
        root.append(svg('text', { x: lx, y: top - 7 * k, 'text-anchor': 'middle', class: 'small' }, opts.markerLabel));
      }
    }
    return root;
  });
}

/**
 * Line chart over months. labels: x labels; series: [{name, values, cls: 's1'|'s2'}].
 */
export function lines(container, labels, series, opts = {}) {
  const fmt = opts.fmt || num;
  responsive(container, (w) => {
    const k = scale();
    const small = 12 * k;
    const h = Math.round(Math.min(340 * k, Math.max(220 * k, w * 0.42)));
    const ticks = [0, 1, 2, 3, 4].map((i) => fmt((niceMax(Math.max(1, ...series.flatMap((s) => s.values))) * i) / 4));
    const m = { l: Math.ceil(Math.max(...ticks.map((x) => textWidth(x, small)))) + 12, r: 14, t: Math.round(12 * k), b: Math.round(36 * k) };
    const pw = w - m.l - m.r;
    const ph = h - m.t - m.b;
    const max = Math.max(1, ...series.flatMap((s) => s.values));
    const nice = niceMax(max);
    const x = (i) => m.l + (labels.length <= 1 ? pw / 2 : (pw * i) / (labels.length - 1));
    const y = (v) => m.t + ph - (ph * v) / nice;
    const root = svg('svg', { viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: 'img' });
    for (let k = 0; k <= 4; k++) {
      const v = (nice * k) / 4;
      root.append(svg('line', { x1: m.l, x2: w - m.r, y1: y(v), y2: y(v), class: 'grid-line' }));
      root.append(svg('text', { x: m.l - 6, y: y(v) + small * 0.35, 'text-anchor': 'end', class: 'small' }, fmt(v)));
    }
    root.append(svg('line', { x1: m.l, x2: w - m.r, y1: y(0), y2: y(0), class: 'axis' }));
    const longest = Math.max(1, ...labels.map((l) => textWidth(l, small)));
    const every = Math.max(1, Math.ceil(labels.length / Math.max(1, Math.floor(pw / (longest + 16)))));
    const shown = labels.map((_, i) => i).filter((i) => i % every === 0);
    if (labels.length > 1 && shown[shown.length - 1] !== labels.length - 1) shown[shown.length - 1] = labels.length - 1;
    for (const i of shown) {
      const anchor = labels.length > 1 && i === labels.length - 1 ? 'end' : labels.length > 1 && i === 0 ? 'start' : 'middle';
      root.append(svg('text', { x: x(i), y: h - m.b + small * 1.5, 'text-anchor': anchor, class: 'small' }, labels[i]));
    }
    // A last point that is not final yet (the month in progress) hangs on
    // a dashed segment: its value is a part, not a fall.
    const partial = opts.partialLast && labels.length > 1;
    for (const s of series) {
      const pt = (v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      const whole = partial ? s.values.slice(0, -1) : s.values;
      const d = whole.map((v, i) => `${i ? 'L' : 'M'}${pt(v, i)}`).join('');
      root.append(svg('path', { d, class: 'line-' + s.cls }));
      if (partial) {
        const n = s.values.length - 1;
        root.append(svg('path', { d: `M${pt(s.values[n - 1], n - 1)}L${pt(s.values[n], n)}`, class: 'line-' + s.cls + ' partial' }));
      }
      s.values.forEach((v, i) => {
        const c = svg('circle', { cx: x(i), cy: y(v), r: 3.5 * k, class: 'dot-' + s.cls });
        c.append(svg('title', {}, `${s.name} — ${labels[i]}: ${fmt(v)}`));
        root.append(c);
      });
    }
    return root;
  });
}

/** A legend for series or bar classes: [{cls, label}]. */
export function legend(items) {
  const l = el('div', 'legend');
  for (const it of items) l.append(el('span', '', el('i', it.cls), it.label));
  return l;
}

/**
 * Funnel: stages [{label, value, share?}], each bar centred and as wide as
 * its value, with its label (value and share of the previous stage) in ink
 * on the panel above it, so the text never sits on a coloured bar.
 */
export function funnel(container, stages, opts = {}) {
  const fmt = opts.fmt || num;
  responsive(container, (w) => {
    const k = scale();
    const px = 13 * k;
    const rowH = Math.round(56 * k);
    const barH = Math.round(24 * k);
    const h = stages.length * rowH + 4;
    const max = Math.max(1, ...stages.map((s) => s.value));
    const root = svg('svg', { viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: 'img' });
    const cx = w / 2;
    const plot = w - 20;
    stages.forEach((s, i) => {
      const bw = Math.max(2, (plot * s.value) / max);
      const y = 2 + i * rowH;
      const g = svg('g', { class: 'stage' });
      g.dataset.stage = s.stage || String(i);
      g.append(svg('title', {}, `${s.label}: ${fmt(s.value)}${s.share ? ' (' + s.share + ')' : ''}`));
      const txt = `${s.label}: ${fmt(s.value)}${s.share ? ' · ' + s.share : ''}`;
      g.append(svg('text', { x: cx, y: y + px * 1.2, 'text-anchor': 'middle', class: 'value' }, fit(txt, px, w - 8, 600)));
      g.append(svg('rect', { x: cx - bw / 2, y: y + px * 1.2 + 7 * k, width: bw, height: barH, rx: 4, class: 'bar s' + ((i % 4) + 1) }));
      root.append(g);
    });
    return root;
  });
}

function niceMax(v) {
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const f of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (f * p >= v) return f * p;
  return 10 * p;
}
