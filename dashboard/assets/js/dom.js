// Tiny DOM helpers (no framework).

/** Create an element with a class and children (strings or nodes). */
export function el(tag, cls, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

const SVG = 'http://www.w3.org/2000/svg';

/** Create an SVG element with attributes. */
export function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** A link. */
export function link(href, text, cls) {
  const a = el('a', cls, text);
  a.href = href;
  return a;
}

/** Replace the children of parent. */
export function fill(parent, ...children) {
  parent.replaceChildren();
  for (const c of children) if (c) parent.append(c);
}
