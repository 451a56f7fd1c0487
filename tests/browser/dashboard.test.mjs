// The dashboard in headless Chromium against a real hubd (run.sh starts it
// and sets the environment below). Plain node and playwright-core: each
// check runs in a fresh browser context (so a fresh sessionStorage), prints
// "ok - NAME" or "not ok - NAME" with the reason indented below, and saves
// a full-page screenshot as BROWSER_OUT/NN-name.png whatever its result.
// The hooks it uses are listed in clients/dashboard/TESTIDS.md.
//
//   BROWSER_URL                 https://127.0.0.1:PORT of the hubd
//   BROWSER_TOKEN_POLICE        a partner token (submit, read)
//   BROWSER_TOKEN_COORDINATOR   the council's read, coordinate token
//   BROWSER_TOKEN_PUBLIC        a public token of the same partnership
//   BROWSER_OUT                 where the screenshots go
//   BROWSER_EXECUTABLE          the browser (default /usr/bin/chromium)
//
// Timings are printed as "# ..." lines, never asserted. Exits 0 when every
// check ran (whatever their results), 1 when the run itself broke.

import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.log(`not ok - environment: ${name} is not set`);
    process.exit(1);
  }
  return value;
};
const BASE = env('BROWSER_URL') + '/dashboard/';
const TOKEN = {
  police: env('BROWSER_TOKEN_POLICE'),
  coordinator: env('BROWSER_TOKEN_COORDINATOR'),
  public: env('BROWSER_TOKEN_PUBLIC'),
};
const OUT = env('BROWSER_OUT');
mkdirSync(OUT, { recursive: true });

// The policy hubd sends with every dashboard file (the static contract).
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; " +
  "form-action 'none'; frame-ancestors 'none'";
const STEP_MS = 20000; // the longest wait for one page state
const tid = (id) => `[data-testid="${id}"]`;

// Everything the pages said that matters across checks.
const cspViolations = []; // securitypolicyviolation events and "Refused to ..." console errors
const pageErrors = []; // uncaught exceptions
const otherConsoleErrors = []; // e.g. the browser's line for a 401 answer: shown, not failed

const browser = await chromium.launch({
  executablePath: process.env.BROWSER_EXECUTABLE || '/usr/bin/chromium',
  headless: true,
  // Chromium's sandbox needs user namespaces, which root in a container
  // lacks; a container's /dev/shm (64 MB in docker) is too small for it.
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});

async function newPage(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport });
  await context.exposeBinding('__cspViolation', (_source, text) => cspViolations.push(text));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__cspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile || e.documentURI}`),
    );
  });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    else otherConsoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  return page;
}

// ---- the checks' frame ---------------------------------------------------------
let n = 0;
let failures = 0;
class Failure extends Error {}
function expect(condition, message) {
  if (!condition) throw new Failure(message);
}

// check NAME FN: runs FN(page) on a fresh page (or the one FN's options
// give), then screenshots it.
async function check(name, fn, viewport) {
  n += 1;
  const file = join(OUT, `${String(n).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 60)}.png`);
  let page;
  try {
    page = await newPage(viewport);
    await fn(page);
    console.log(`ok - ${name}`);
  } catch (err) {
    failures += 1;
    console.log(`not ok - ${name}`);
    console.log(`    ${(err instanceof Failure ? err.message : String(err)).split('\n').slice(0, 4).join('\n    ')}`);
  }
  if (page) {
    await page.screenshot({ path: file, fullPage: true }).catch((e) => console.log(`    (no screenshot: ${e.message})`));
    await page.context().close();
  }
}

// ---- page helpers --------------------------------------------------------------
const state = (page) => page.evaluate(() => document.body.dataset.state);
const text = (page, sel) => page.locator(sel).first().textContent().then((t) => (t || '').trim());

// settle: waits until the page is not loading, and returns the state
// (ready, error or signin); with view, until that view shows.
async function settle(page, view) {
  await page.waitForFunction(
    (v) => {
      const s = document.body.dataset.state;
      if (v) {
        const el = document.querySelector(`[data-testid="view-${v}"]`);
        if (!el || el.hidden) return false;
      }
      return s === 'ready' || s === 'error' || s === 'signin';
    },
    view,
    { timeout: STEP_MS },
  );
  return state(page);
}

// ready: settle, and fail with the page's own message unless ready.
async function ready(page, view) {
  const s = await settle(page, view);
  if (s !== 'ready') {
    const status = await text(page, tid('status')).catch(() => '');
    const signin = await text(page, tid('signin-error')).catch(() => '');
    throw new Failure(`page state ${s}${view ? ` in view ${view}` : ''}: ${status || signin || 'no message'}`);
  }
}

async function signIn(page, token, url = BASE) {
  await page.goto(url);
  await page.locator(tid('signin-token')).waitFor({ state: 'visible' });
  await page.fill(tid('signin-token'), token);
  await page.click(tid('signin-submit'));
}

async function go(page, view) {
  await page.click(tid(`nav-${view}`));
  await ready(page, view);
}

// The text of a table's body cells, row by row (a table inside a details).
const tableText = (page, id) =>
  page.evaluate((id) => {
    const t = document.querySelector(`[data-testid="${id}"] table`) || document.querySelector(`table[data-testid="${id}"]`);
    if (!t) return null;
    return [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.cells].map((c) => c.textContent.trim()).join(' | ')).join('\n');
  }, id);

// Every chart of the overview: its name, whether its canvas has any
// painted pixel, and its table's row count.
const charts = (page, viewId = 'view-overview') =>
  page.evaluate((viewId) => {
    const view = document.querySelector(`[data-testid="${viewId}"]`);
    return [...view.querySelectorAll('figure[data-testid^="chart-"]')].map((f) => {
      const canvas = f.querySelector('canvas');
      let painted = false;
      if (canvas && canvas.width && canvas.height) {
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < data.length; i += 4 * 7) if (data[i]) { painted = true; break; }
      }
      return {
        name: f.dataset.testid,
        canvas: !!canvas,
        painted,
        rows: f.querySelectorAll('table tbody tr').length,
      };
    });
  }, viewId);

// The last complete quarter before today (UTC), as YYYY-Qn.
function lastQuarter() {
  const d = new Date();
  let y = d.getUTCFullYear();
  let q = Math.floor(d.getUTCMonth() / 3); // the current quarter is q + 1
  if (q === 0) { y -= 1; q = 4; }
  return `${y}-Q${q}`;
}

// ---- the checks ----------------------------------------------------------------
await check('/dashboard/ answers text/html with the CSP, nosniff, no-referrer, no-cache and a strong ETag', async (page) => {
  const response = await page.goto(BASE);
  expect(response && response.status() === 200, `status ${response && response.status()}`);
  const hd = response.headers();
  expect((hd['content-type'] || '').startsWith('text/html'), `content-type ${hd['content-type']}`);
  expect(hd['content-security-policy'] === CSP, `content-security-policy: ${hd['content-security-policy']}`);
  expect(hd['x-content-type-options'] === 'nosniff', `x-content-type-options: ${hd['x-content-type-options']}`);
  expect(hd['referrer-policy'] === 'no-referrer', `referrer-policy: ${hd['referrer-policy']}`);
  expect(/no-cache/.test(hd['cache-control'] || ''), `cache-control: ${hd['cache-control']}`);
  expect(/^"[^"]+"$/.test(hd['etag'] || ''), `etag (strong): ${hd['etag']}`);
});

await check('a bad token gets the clear sign-in error, and is not kept', async (page) => {
  await signIn(page, 'hub_this-is-not-a-token-0123456789abcdef');
  const s = await settle(page);
  expect(s === 'signin', `state ${s}, expected signin`);
  const message = await text(page, tid('signin-error'));
  expect(await page.locator(tid('signin-error')).isVisible(), 'the sign-in error is hidden');
  expect(/not accepted/i.test(message), `sign-in error: "${message}"`);
  const kept = await page.evaluate(() => Object.keys(sessionStorage).length + Object.keys(localStorage).length);
  expect(kept === 0, `${kept} items left in web storage`);
  expect(await page.locator(tid('nav')).isHidden(), 'the navigation shows');
});

let renderFromSubmit = null;
let renderFromLoad = null;
let navigation = null;
await check('a partner signs in: the overview draws its charts and tables', async (page) => {
  await signIn(page, TOKEN.police);
  const submitted = await page.evaluate(() => performance.now());
  await ready(page, 'overview');
  const mark = await page.evaluate(() => performance.getEntriesByName('dashboard-rendered').map((e) => e.startTime));
  expect(mark.length === 1, `performance mark dashboard-rendered: ${mark.length} entries`);
  renderFromSubmit = mark[0] - submitted;
  const list = await charts(page);
  expect(list.length >= 3, `${list.length} charts`);
  const blank = list.filter((c) => !c.canvas || !c.painted).map((c) => c.name);
  expect(blank.length === 0, `charts without a painted canvas: ${blank.join(', ')}`);
  const empty = list.filter((c) => c.rows === 0).map((c) => c.name);
  expect(empty.length === 0, `charts with an empty table: ${empty.join(', ')}`);
  expect((await text(page, tid('whoami'))).includes('Demo Constabulary'), 'whoami does not name the partner');
  // Time to first complete render from a page load, signed in already
  // (the token is in this tab's sessionStorage).
  await page.reload();
  await ready(page, 'overview');
  [renderFromLoad, navigation] = await page.evaluate(() => [
    performance.getEntriesByName('dashboard-rendered')[0]?.startTime,
    performance.getEntriesByType('navigation')[0]?.toJSON(),
  ]);
});

await check('the token is in sessionStorage, not localStorage nor a cookie', async (page) => {
  await signIn(page, TOKEN.police);
  await ready(page, 'overview');
  const where = await page.evaluate((t) => ({
    session: Object.keys(sessionStorage).filter((k) => sessionStorage.getItem(k) === t).length,
    local: Object.keys(localStorage).filter((k) => (localStorage.getItem(k) || '').includes(t)).length,
    cookie: document.cookie,
  }), TOKEN.police);
  expect(where.session === 1, `sessionStorage holds it ${where.session} times`);
  expect(where.local === 0, 'localStorage holds it');
  expect(where.cookie === '' && (await page.context().cookies()).length === 0, 'a cookie is set');
});

await check('each view renders with data: targets', async (page) => {
  await signIn(page, TOKEN.police);
  await ready(page, 'overview');
  await go(page, 'targets');
  const cards = await page.locator(`${tid('view-targets')} ${tid('target-card')}`).count();
  expect(cards === 6, `${cards} target cards, expected the demo's 6`);
  const statuses = await page.locator(`${tid('view-targets')} ${tid('target-status')}`).allTextContents();
  expect(statuses.every((s) => s.trim() !== ''), 'a target status is empty');
});

await check('each view renders with data: journey', async (page) => {
  await signIn(page, TOKEN.police);
  await ready(page, 'overview');
  await go(page, 'journey');
  const cells = await page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="journey-table"] td')].map((c) => c.textContent.trim().toLowerCase()),
  );
  const stages = cells.filter((c) => /resisting|intending|starting|developing|achieving/.test(c));
  expect(stages.length >= 4 * 8, `${stages.length} cells name a stage (4 partners x 8 questions at least)`);
});

await check('each view renders with data: partner', async (page) => {
  await signIn(page, TOKEN.police);
  await ready(page, 'overview');
  await go(page, 'partner');
  expect((await text(page, tid('partner-name'))).includes('Demo Constabulary'), 'partner-name does not name it');
  const rows = await tableText(page, 'table-own-reports');
  expect(rows && rows.split('\n').length > 0 && rows.trim() !== '', 'the own reports table is empty');
  const list = await charts(page, 'view-partner');
  const blank = list.filter((c) => !c.painted).map((c) => c.name);
  expect(list.length >= 1 && blank.length === 0, `${list.length} charts; unpainted: ${blank.join(', ')}`);
});

await check('changing a filter (strand) changes the charts\' tables', async (page) => {
  await signIn(page, TOKEN.police);
  await ready(page, 'overview');
  const before = await tableText(page, 'table-reports-by-strand');
  expect(before, 'no reports-by-strand table');
  const strands = await page.locator(`${tid('filter-strand')} option`).evaluateAll((o) => o.map((x) => x.value).filter(Boolean));
  expect(strands.includes('race'), `strand options: ${strands.join(', ')}`);
  await page.selectOption(tid('filter-strand'), 'race');
  await page.click(tid('filter-apply'));
  await ready(page, 'overview');
  const after = await tableText(page, 'table-reports-by-strand');
  expect(after && after !== before, 'the table is the same after filtering on race');
  expect(!/disability|religion|sexual|transgender/i.test(after), 'other strands remain in the table');
});

// A small area and strand give counts under the minimum cell: the table
// says "suppressed" there, never 0, and the rule is explained.
async function findSuppressed(page) {
  const strands = [''].concat(await page.locator(`${tid('filter-strand')} option`).evaluateAll((o) => o.map((x) => x.value).filter(Boolean)));
  await page.fill(tid('filter-area'), 'E01099001');
  for (const strand of strands) {
    await page.selectOption(tid('filter-strand'), strand);
    await page.click(tid('filter-apply'));
    await ready(page, 'overview');
    if ((await page.locator('td[data-suppressed="true"]').count()) > 0) return strand || 'all';
  }
  return null;
}

await check('a suppressed cell shows as suppressed (not 0), with the rule explained', async (page) => {
  await signIn(page, TOKEN.police);
  await ready(page, 'overview');
  const found = await findSuppressed(page);
  expect(found, 'no suppressed cell for area E01099001 with any strand');
  const cells = await page.locator('td[data-suppressed="true"]').allTextContents();
  const wrong = cells.filter((c) => c.trim().toLowerCase() !== 'suppressed');
  expect(wrong.length === 0, `suppressed cells reading ${JSON.stringify(wrong.slice(0, 3))}`);
  const rule = await text(page, tid('disclosure'));
  expect(/suppress/i.test(rule) && /\d/.test(rule), `disclosure rule: "${rule}"`);
  const legend = page.locator(tid('suppressed-legend')).first();
  expect((await legend.count()) === 1 && (await legend.isVisible()), 'no visible suppressed-legend');
  // Open the table holding the first one, for the screenshot.
  await page.locator('td[data-suppressed="true"]').first().evaluate((td) => {
    const d = td.closest('details');
    if (d) d.open = true;
    td.scrollIntoView();
  });
  console.log(`# suppressed cells for area E01099001, strand ${found}: ${cells.length}`);
});

await check('the coordinator sees the targets board, each card with its status in words', async (page) => {
  await signIn(page, TOKEN.coordinator);
  await ready(page, 'overview');
  await go(page, 'targets');
  const cards = await page.locator(`${tid('view-targets')} ${tid('target-card')}`).evaluateAll((cs) =>
    cs.map((c) => {
      const s = c.querySelector('[data-testid="target-status"]');
      return { id: c.dataset.targetId, status: s && s.dataset.status, text: s ? s.textContent.trim() : '' };
    }),
  );
  expect(cards.length === 6, `${cards.length} cards, expected 6`);
  const words = { green: /on track/i, amber: /slightly behind/i, red: /behind/i, not_enough_data: /not enough data/i };
  const bad = cards.filter((c) => !words[c.status] || !words[c.status].test(c.text));
  expect(bad.length === 0, `cards whose status text does not match: ${JSON.stringify(bad.slice(0, 3))}`);
  console.log(`# target statuses: ${cards.map((c) => c.status).join(' ')}`);
});

await check('a public credential sees only disclosure-controlled statistics', async (page) => {
  await signIn(page, TOKEN.public);
  await ready(page, 'overview');
  expect(/public/i.test(await text(page, tid('whoami'))), 'whoami does not say public');
  const list = await charts(page);
  expect(list.length >= 1 && list.some((c) => c.rows > 0), 'no statistics shown');
  const found = await findSuppressed(page);
  expect(found, 'no suppressed cell for area E01099001 with any strand');
  // No count table shows a count from 1 to 4: those are suppressed.
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="table-reports-by-strand"] tbody td, [data-testid="table-repeat"] tbody td')]
      .map((c) => c.textContent.trim())
      .filter((t) => /^[1-4]$/.test(t)),
  );
  expect(small.length === 0, `counts under 5 shown: ${small.join(', ')}`);
});

await check('a public credential: targets, journey and own figures say not available', async (page) => {
  await signIn(page, TOKEN.public);
  await ready(page, 'overview');
  for (const view of ['targets', 'journey', 'partner']) {
    await page.click(tid(`nav-${view}`));
    await settle(page, view);
    const box = page.locator(tid(`${view}-unavailable`));
    expect((await box.count()) === 1 && (await box.isVisible()), `${view}: no visible ${view}-unavailable`);
    expect(/not available/i.test(await box.textContent()), `${view}: "${await box.textContent()}"`);
  }
  expect((await page.locator(tid('target-card')).count()) === 0, 'a target card is shown');
});

for (const view of ['overview', 'targets', 'journey', 'partner']) {
  await check(`at 375 px wide the ${view} view has no horizontal scroll`, async (page) => {
    await signIn(page, TOKEN.police);
    await ready(page, 'overview');
    if (view !== 'overview') await go(page, view);
    const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    expect(scroll <= width, `scrollWidth ${scroll} > clientWidth ${width}`);
  }, { width: 375, height: 812 });
}

await check('keyboard: Tab reaches the navigation and Enter switches the view', async (page) => {
  await signIn(page, TOKEN.police);
  await ready(page, 'overview');
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  let focused = null;
  for (let i = 0; i < 40 && focused !== 'nav-targets'; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement && document.activeElement.dataset.testid);
  }
  expect(focused === 'nav-targets', `Tab never reached nav-targets (last: ${focused})`);
  await page.keyboard.press('Enter');
  await ready(page, 'targets');
  expect((await page.getAttribute(tid('nav-targets'), 'aria-current')) === 'page', 'nav-targets is not aria-current');
  expect(await page.locator(tid('view-overview')).isHidden(), 'the overview still shows');
});

const period = lastQuarter();
await check(`report.html?period=${period} renders the targets and the furthest behind`, async (page) => {
  await signIn(page, TOKEN.police);
  await ready(page, 'overview');
  await page.goto(`${BASE}report.html?period=${period}`);
  await ready(page);
  const rows = await page.locator(tid('report-target-row')).count();
  expect(rows === 6, `${rows} target rows, expected 6`);
  expect((await text(page, tid('report-period'))).includes(period.slice(0, 4)), 'report-period does not name the period');
  const behind = page.locator(tid('report-behind'));
  expect((await behind.count()) === 1 && (await behind.isVisible()), 'no visible report-behind');
  expect(((await behind.textContent()) || '').trim() !== '', 'report-behind is empty');
  expect((await text(page, tid('disclosure'))) !== '', 'the report has no disclosure rule');
});

await check('no Content-Security-Policy violations and no uncaught script errors', async () => {
  expect(cspViolations.length === 0, `CSP: ${cspViolations.slice(0, 3).join(' / ')}`);
  expect(pageErrors.length === 0, `uncaught: ${pageErrors.slice(0, 3).join(' / ')}`);
});

await browser.close();
if (renderFromLoad != null) console.log(`# dashboard first complete render: ${Math.round(renderFromLoad)} ms from navigation start (page load, token in the tab)`);
if (renderFromSubmit != null) console.log(`# dashboard first complete render after sign-in: ${Math.round(renderFromSubmit)} ms from submitting the token`);
if (navigation) {
  console.log(
    `# navigation timing: response end ${Math.round(navigation.responseEnd)} ms, DOMContentLoaded ${Math.round(navigation.domContentLoadedEventEnd)} ms, load ${Math.round(navigation.loadEventEnd)} ms`,
  );
}
if (otherConsoleErrors.length) console.log(`# other console errors (not failures): ${otherConsoleErrors.length}, e.g. ${otherConsoleErrors[0]}`);
console.log(`# ${n - failures} passed, ${failures} failed; screenshots in ${OUT}`);
process.exit(0);
