package main_test

import (
	"encoding/json"
	"fmt"
	"strings"
)

// contrastJS measures, in the browser, the contrast of every piece of text
// on the page against what is drawn behind it (WCAG 2.x relative
// luminance), from computed styles:
//
//   - HTML text: the element's color (its alpha times the opacities of it
//     and its ancestors) over its own and its ancestors' background colors
//     composited bottom up on white;
//   - SVG text (the charts): the fill over whatever is painted under each
//     of five points along the middle of each of its lines (the shapes found by
//     elementsFromPoint, composited over the HTML background under the
//     chart), and against its stroke when it has one (a halo sits right
//     behind the glyphs); the worst point counts.
//
// Text needs 4.5:1, large text (24 px, or 18.66 px bold) 3:1 (WCAG 2.1
// AA, 1.4.3). It returns the number of HTML and SVG texts measured, the
// chart texts it found nothing under (the test fails on them too, so that
// no label escapes the check), and every failure.
const contrastJS = `(() => {
  const parse = (s) => {
    const m = s && s.match(/^rgba?\(([^)]+)\)$/);
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => {
    const a = top.a + bottom.a * (1 - top.a);
    const mix = (x, y) => (x * top.a + y * bottom.a * (1 - top.a)) / a;
    return { r: mix(top.r, bottom.r), g: mix(top.g, bottom.g), b: mix(top.b, bottom.b), a };
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const hex = (c) => '#' + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  const WHITE = { r: 255, g: 255, b: 255, a: 1 };
  // The background behind an HTML element, or null over an image.
  const htmlBg = (el) => {
    const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const cs = getComputedStyle(e);
      const c = parse(cs.backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
      if (cs.backgroundImage !== 'none') return null;
    }
    let bg = WHITE;
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  };
  const opacity = (el) => { let o = 1; for (let e = el; e && e.nodeType === 1; e = e.parentElement) o *= Number(getComputedStyle(e).opacity); return o; };
  const need = (cs) => { const px = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700; return px >= 24 || (px >= 18.66 && bold) ? 3 : 4.5; };
  const shown = (el) => el.getClientRects().length > 0 && !el.closest('[hidden]') && getComputedStyle(el).visibility === 'visible';
  const failures = [];
  let html = 0, svgText = 0;
  const unmeasured = [];
  const fail = (el, fg, bg, r, n, where) => failures.push({ text: el.textContent.trim().slice(0, 60), fg: hex(fg), bg: hex(bg), ratio: Math.round(r * 100) / 100, need: n, where });
  // HTML text.
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') || ['SCRIPT', 'STYLE', 'OPTION', 'TITLE', 'NOSCRIPT'].includes(el.tagName) || !shown(el)) continue;
    if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const cs = getComputedStyle(el);
    const bg = htmlBg(el);
    let fg = parse(cs.color);
    if (!bg || !fg) continue;
    fg = over({ ...fg, a: fg.a * opacity(el) }, bg);
    html++;
    const r = ratio(fg, bg), n = need(cs);
    if (r < n) fail(el, fg, bg, r, n, el.tagName.toLowerCase() + '.' + [...el.classList].join('.'));
  }
  // SVG text, against what is painted under it.
  const shapes = ['rect', 'circle', 'ellipse', 'path', 'polygon'];
  for (const el of document.querySelectorAll('svg text')) {
    if (!shown(el) || !el.textContent.trim()) continue;
    const cs = getComputedStyle(el);
    let fg = parse(cs.fill);
    if (!fg) continue;
    el.scrollIntoView({ block: 'center', inline: 'center' });
    fg = { ...fg, a: fg.a * Number(cs.fillOpacity) * opacity(el) };
    const backs = [];
    const lines = el.querySelectorAll('tspan').length ? [...el.querySelectorAll('tspan')] : [el];
    for (const [f, box] of lines.flatMap((l) => [0.1, 0.3, 0.5, 0.7, 0.9].map((f) => [f, l.getBoundingClientRect()]))) {
      const stack = document.elementsFromPoint(box.left + f * box.width, box.top + box.height / 2);
      const mine = stack.filter((e) => e === el || el.contains(e));
      if (!mine.length) continue;
      const at = stack.indexOf(mine[mine.length - 1]);
      const painted = [];
      let base = null;
      for (const e of stack.slice(at + 1)) {
        if (e instanceof SVGElement && e.tagName !== 'svg') {
          if (!shapes.includes(e.tagName)) continue;
          const s = getComputedStyle(e);
          const c = parse(s.fill);
          if (c && c.a > 0 && Number(s.fillOpacity) > 0) painted.push({ ...c, a: c.a * Number(s.fillOpacity) * opacity(e) });
          continue;
        }
        base = htmlBg(e);
        break;
      }
      if (!base) continue;
      let bg = base;
      for (let i = painted.length - 1; i >= 0; i--) bg = over(painted[i], bg);
      backs.push(bg);
    }
    if (!backs.length) { unmeasured.push(el.textContent.trim().slice(0, 60)); continue; }
    const stroke = parse(cs.stroke);
    if (stroke && stroke.a > 0 && parseFloat(cs.strokeWidth) > 0) backs.push(over(stroke, backs[0]));
    svgText++;
    const n = need(cs);
    let worst = null;
    for (const bg of backs) {
      const r = ratio(over(fg, bg), bg);
      if (!worst || r < worst.r) worst = { r, bg };
    }
    if (worst.r < n) fail(el, over(fg, worst.bg), worst.bg, worst.r, n, 'svg text.' + [...el.classList].join('.'));
  }
  window.scrollTo(0, 0);
  return JSON.stringify({ html, svg: svgText, unmeasured, failures });
})()`

// contrastReport is contrastJS's answer.
type contrastReport struct {
	HTML       int      `json:"html"`
	SVG        int      `json:"svg"`
	Unmeasured []string `json:"unmeasured"` // chart texts with nothing found under them
	Failures   []struct {
		Text  string  `json:"text"`
		FG    string  `json:"fg"`
		BG    string  `json:"bg"`
		Ratio float64 `json:"ratio"`
		Need  float64 `json:"need"`
		Where string  `json:"where"`
	} `json:"failures"`
}

// checkContrast fails the test for every text of the page below WCAG AA
// contrast; charts says the page must have chart text to measure.
func (b *browser) checkContrast(page string, charts bool) contrastReport {
	b.t.Helper()
	var r contrastReport
	if err := json.Unmarshal([]byte(eval[string](b, contrastJS)), &r); err != nil {
		b.t.Fatalf("%s: contrast report: %v", page, err)
	}
	if r.HTML == 0 || (charts && r.SVG == 0) {
		b.t.Errorf("%s: measured the contrast of %d HTML and %d chart texts: nothing to check", page, r.HTML, r.SVG)
	}
	// A chart text the browser's hit test does not find (covered, or
	// outside every shape and panel) would escape the check.
	if len(r.Unmeasured) > 0 {
		b.t.Errorf("%s: could not measure what is under %d chart texts: %q", page, len(r.Unmeasured), r.Unmeasured)
	}
	var lines []string
	for _, f := range r.Failures {
		lines = append(lines, fmt.Sprintf("%q (%s): %s on %s = %.2f:1, needs %.1f:1", f.Text, f.Where, f.FG, f.BG, f.Ratio, f.Need))
	}
	if len(lines) > 0 {
		b.t.Errorf("%s: %d texts below WCAG AA contrast:\n  %s", page, len(lines), strings.Join(lines, "\n  "))
	}
	return r
}
