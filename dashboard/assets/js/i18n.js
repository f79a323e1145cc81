// Labels and page context, handed over by the server as JSON in the page
// (no extra request): t(key, ...args) translates with {0}, {1} placeholders.
const read = (id) => JSON.parse(document.getElementById(id).textContent || '{}');

const dict = read('hv-i18n');

/** Page context: language, role, the user's commune, current month, query catalogue. */
export const ctx = read('hv-ctx');

/** Translate key, replacing {0}, {1}, … with args. */
export function t(key, ...args) {
  let s = Object.prototype.hasOwnProperty.call(dict, key) ? dict[key] : key;
  args.forEach((a, i) => { s = s.split(`{${i}}`).join(String(a)); });
  return s;
}

/** Whether the dictionary has key (tooltips are optional). */
export const hasLabel = (key) => Object.prototype.hasOwnProperty.call(dict, key);
