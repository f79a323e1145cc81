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

const charWidth = 7.2;
const clip = (s, px) => {
  const max = Math.max(4, Math.floor(px / charWidth));
  s = String(s);
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
};

/**
 * Horizontal bars. items: [{label, value, cls?, title?, text?, marker?}];
 * opts: {max?, fmt?, marker? (a value drawn as a dashed line), markerLabel?}.
 * An item's own marker is drawn as a tick across its bar (a unit's own
 * expected pace).
 */
export function hbars(container, items, opts = {}) {
  const fmt = opts.fmt || num;
  responsive(container, (w) => {
    const rowH = 26;
    const top = opts.marker != null ? 18 : 4;
    const labelW = Math.min(240, Math.round(w * 0.36));
    const valueW = 86;
    const plotW = Math.max(40, w - labelW - valueW - 12);
    const max = Math.max(opts.max || 0, opts.marker || 0, ...items.map((i) => Math.max(i.value || 0, i.marker || 0)), 1);
    const h = top + items.length * rowH + 6;
    const root = svg('svg', { viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: 'img' });
    const x0 = labelW + 6;
    items.forEach((it, i) => {
      const y = top + i * rowH;
      const bw = Math.max(0, (plotW * (it.value || 0)) / max);
      const g = svg('g', { class: 'row' });
      g.append(svg('title', {}, `${it.label}: ${it.text ?? fmt(it.value)}`));
      g.append(svg('text', { x: labelW, y: y + 17, 'text-anchor': 'end', class: 'label' }, clip(it.label, labelW)));
      g.append(svg('rect', { x: x0, y: y + 4, width: bw.toFixed(1), height: rowH - 8, rx: 3, class: 'bar ' + (it.cls || '') }));
      g.append(svg('text', { x: x0 + bw + 5, y: y + 17, class: 'value' }, it.text ?? fmt(it.value)));
      if (it.marker != null) {
        const mx = x0 + (plotW * it.marker) / max;
        g.append(svg('line', { x1: mx, x2: mx, y1: y + 1, y2: y + rowH - 1, class: 'pace' }));
      }
      root.append(g);
    });
    if (opts.marker != null) {
      const mx = x0 + (plotW * opts.marker) / max;
      root.append(svg('line', { x1: mx, x2: mx, y1: 12, y2: h - 2, class: 'pace' }));
      if (opts.markerLabel) root.append(svg('text', { x: mx, y: 10, 'text-anchor': 'middle', class: 'small' }, opts.markerLabel));
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
    const h = Math.round(Math.min(340, Math.max(220, w * 0.42)));
    const m = { l: 64, r: 14, t: 12, b: 42 };
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
      root.append(svg('text', { x: m.l - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'small' }, fmt(v)));
    }
    root.append(svg('line', { x1: m.l, x2: w - m.r, y1: y(0), y2: y(0), class: 'axis' }));
    const longest = Math.max(1, ...labels.map((l) => String(l).length));
    const every = Math.max(1, Math.ceil(labels.length / Math.max(1, Math.floor(pw / (longest * 6.5 + 12)))));
    const shown = labels.map((_, i) => i).filter((i) => i % every === 0);
    if (labels.length > 1 && shown[shown.length - 1] !== labels.length - 1) shown[shown.length - 1] = labels.length - 1;
    for (const i of shown) {
      const anchor = labels.length > 1 && i === labels.length - 1 ? 'end' : labels.length > 1 && i === 0 ? 'start' : 'middle';
      root.append(svg('text', { x: x(i), y: h - m.b + 18, 'text-anchor': anchor, class: 'small' }, labels[i]));
    }
    for (const s of series) {
      const d = s.values.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('');
      root.append(svg('path', { d, class: 'line-' + s.cls }));
      s.values.forEach((v, i) => {
        const c = svg('circle', { cx: x(i), cy: y(v), r: 3.5, class: 'dot-' + s.cls });
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
 * Funnel: stages [{label, value}], each bar centred and as wide as its
 * value; the share of the previous stage is written beside it.
 */
export function funnel(container, stages, opts = {}) {
  const fmt = opts.fmt || num;
  responsive(container, (w) => {
    const rowH = 46;
    const h = stages.length * rowH + 8;
    const max = Math.max(1, ...stages.map((s) => s.value));
    const root = svg('svg', { viewBox: `0 0 ${w} ${h}`, width: w, height: h, role: 'img' });
    const cx = w / 2;
    const plot = w - 20;
    stages.forEach((s, i) => {
      const bw = Math.max(2, (plot * s.value) / max);
      const y = 4 + i * rowH;
      const g = svg('g');
      g.append(svg('title', {}, `${s.label}: ${fmt(s.value)}${s.share ? ' (' + s.share + ')' : ''}`));
      g.append(svg('rect', { x: cx - bw / 2, y, width: bw, height: rowH - 10, rx: 4, class: 'bar s' + ((i % 4) + 1) }));
      const txt = `${s.label}: ${fmt(s.value)}${s.share ? ' · ' + s.share : ''}`;
      g.append(svg('text', { x: cx, y: y + rowH / 2 + 1, 'text-anchor': 'middle', class: 'value', fill: '#fff', stroke: '#000', 'stroke-width': 3, 'paint-order': 'stroke' }, txt));
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
