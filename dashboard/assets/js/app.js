// Entry point: runs the module of the page the server rendered
// (<body data-page>). Each completed load bumps <body data-loads>, so
// people and tests can tell when the numbers on screen are current.
import { el, fill } from './dom.js';
import { t } from './i18n.js';
import overview from './pages/overview.js';
import communes from './pages/communes.js';
import commune from './pages/commune.js';
import courses from './pages/courses.js';
import integrity from './pages/integrity.js';

const pages = { overview, communes, commune, courses, integrity };

function loaded() {
  document.body.dataset.loads = String(Number(document.body.dataset.loads || 0) + 1);
}

async function main() {
  const app = document.getElementById('app');
  const page = pages[document.body.dataset.page];
  if (!page) return;
  fill(app);
  try {
    await page(app, loaded);
  } catch (err) {
    app.append(el('p', 'error', t('ui.error', err && err.message ? err.message : String(err))));
    document.body.dataset.failed = '1';
    loaded();
  }
}

main();
