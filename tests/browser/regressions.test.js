// Browser tests of defects a tester found (each failed before its fix): interviews counted over
// every page, an expired session, bulletin dates, escalated-then-closed interviews, 404 messages,
// a 390 px phone, console errors, the address bar matching what is shown, and the audit position
// in the URL. Own server and browser (scripts/test-browser runs the files one after another).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Server, TOKENS, launchBrowser, signIn, screenshot, repo } from './harness.js';

const zh = JSON.parse(readFileSync(path.join(repo, 'server/dashboard/i18n/zh.json'), 'utf8'));
const en = JSON.parse(readFileSync(path.join(repo, 'server/dashboard/i18n/en.json'), 'utf8'));

let server;
let browser;
let page;
const pageErrors = [];

before(async () => {
  server = await Server.start();
  browser = await launchBrowser({ width: 1366, height: 768 });
  page = await browser.context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
}, { timeout: 900000 });

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function signOutIfIn() {
  if (await page.isVisible('#signout')) { await page.click('#signout'); await page.waitForSelector('#signin:not([hidden])'); }
}

async function messageText() {
  return page.$eval('#message', (m) => (m.hidden ? '' : m.textContent));
}

// A zh string with its {params} filled, as i18n.js t() does.
function zhText(key, params = {}) {
  return zh[key].replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
}

test('interviews: counts by status cover every page of the API, not the first', async () => {
  await signOutIfIn();
  await signIn(page, server, TOKENS.admin.token);
  // The view lists the twin the affiliation switch names (Party by default).
  const all = (await server.api('/api/v1/interviews?jurisdiction=000000&affiliation=party&limit=10000')).json;
  assert.equal(all.next, null);
  assert.ok(all.interviews.length > 120, `the demo has interviews: ${all.interviews.length}`);
  const want = {};
  for (const iv of all.interviews) want[iv.status] = (want[iv.status] || 0) + 1;
  // A server whose max_page is 50: whatever limit the page asks for, it gets pages of at most 50.
  await page.route('**/api/v1/interviews?*', (route) => {
    const url = new URL(route.request().url());
    url.searchParams.set('limit', String(Math.min(50, Number(url.searchParams.get('limit') || 100))));
    route.continue({ url: url.toString() });
  });
  try {
    await page.goto(`${server.url}/#interviews/000000`);
    await page.waitForSelector('#iv-summary[data-complete=true]', { timeout: 30000 });
    const shown = await page.$$eval('#iv-summary .pill[data-status]', (ps) => Object.fromEntries(ps.map((p) => [p.dataset.status, Number(p.querySelector('b').textContent.replace(/\D/g, ''))])));
    for (const s of ['scheduled', 'held', 'rectifying', 'escalated', 'closed']) assert.equal(shown[s], want[s] || 0, `${s}: ${JSON.stringify(shown)} vs ${JSON.stringify(want)}`);
    assert.equal(await page.$eval('#iv-summary', (e) => Number(e.dataset.total)), all.interviews.length);
    // The list is paged on the page too, and says how much is shown.
    assert.equal(await page.$$eval('#interviews tbody tr[data-status]', (t) => t.length), Math.min(200, all.interviews.length));
    if (all.interviews.length > 200) {
      assert.equal(await page.isVisible('#iv-more'), true);
      await page.click('#iv-more');
      await page.waitForFunction((n) => document.querySelectorAll('#interviews tbody tr[data-status]').length === n, Math.min(400, all.interviews.length));
    }
  } finally {
    await page.unroute('**/api/v1/interviews?*');
  }
});

test('interviews: an escalated interview closed later shows the escalation and the conclusion', async () => {
  const all = (await server.api('/api/v1/interviews?jurisdiction=000000&affiliation=party&limit=10000')).json.interviews;
  const iv = all.find((x) => x.status === 'closed' && x.escalated_to && x.escalation_reason && x.conclusion);
  assert.ok(iv, 'the demo has an escalated interview that was closed');
  await page.goto(`${server.url}/#interviews/${iv.jurisdiction}`);
  await page.waitForSelector(`#interviews tr[data-id="${iv.id}"]`, { timeout: 20000 });
  const text = await page.textContent(`#interviews tr[data-id="${iv.id}"] td.outcome`);
  assert.ok(text.includes(iv.escalation_reason), text);
  assert.ok(text.includes(zh['iv.escalated_to']), text);
  assert.ok(text.includes(iv.conclusion), text);
  assert.ok(text.includes(iv.closed_on), text);
});

test('bulletins show their date in the heading and in the list of rounds', async () => {
  const list = (await server.api('/api/v1/bulletins')).json.bulletins;
  assert.ok(list.length > 0);
  await page.goto(`${server.url}/#bulletins/000000`);
  await page.waitForSelector('#bulletin-body .bulletin-asof', { timeout: 20000 });
  const last = list[list.length - 1];
  assert.ok(last.as_of_date);
  const heading = await page.textContent('#bulletin-body .bulletin-asof');
  assert.ok(heading.includes(zhText('bulletin.asof', { date: last.as_of_date })), heading);
  const dates = await page.$$eval('#bulletin-list li[data-round]', (ls) => ls.map((l) => l.textContent));
  assert.deepEqual(dates.map((d, i) => d.includes(list[i].as_of_date)), list.map(() => true), dates.join(' | '));
});

test('404: a mistyped code says there is no such jurisdiction, not that the server lacks the call', async () => {
  await page.goto(`${server.url}/#overview/119999`);
  await page.waitForFunction(() => !document.querySelector('#message').hidden, null, { timeout: 20000 });
  const text = await messageText();
  assert.equal(text, zhText('error.no_jurisdiction', { code: '119999' }));
  assert.ok(!text.includes(zh['error.not_available']));
  await screenshot(page, 'no-such-jurisdiction');
});

test('an expired or revoked token returns to sign-in with a translated message and no stored token', async () => {
  await page.goto(`${server.url}/#overview/000000`);
  await page.waitForFunction(() => document.querySelector('#view-overview').dataset.code === '000000', null, { timeout: 20000 });
  // The server stops accepting the tab's token (here: it is replaced by one the server never knew).
  await page.evaluate(() => sessionStorage.setItem('gongjian.token', 'revoked-browser-token'));
  // Any request with it signs out, and one of the overview's may still be on its way: by the time
  // a click would land the tabs may be hidden already. Going to the ledger by its URL works either way.
  await page.evaluate(() => { location.hash = '#ledger/000000'; });
  await page.waitForSelector('#signin:not([hidden])', { timeout: 10000 });
  assert.equal(await page.isVisible('#app'), false);
  assert.equal((await page.textContent('#signin-error')).trim(), zh['signin.expired']);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('gongjian.token')), null);
  await screenshot(page, 'session-expired');
  // A reload with a stale stored token says the same.
  await page.evaluate(() => sessionStorage.setItem('gongjian.token', 'revoked-browser-token'));
  await page.reload();
  await page.waitForSelector('#signin:not([hidden])', { timeout: 10000 });
  await page.waitForFunction(() => document.querySelector('#signin-error').textContent.length > 0);
  assert.equal((await page.textContent('#signin-error')).trim(), zh['signin.expired']);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('gongjian.token')), null);
});

test('a province leader: no failed request or console error on any view; out-of-scope and audit URLs corrected', async () => {
  const failures = [];
  const onResponse = (r) => { if (r.status() >= 400) failures.push(`${r.status()} ${r.url()}`); };
  const onConsole = (m) => { if (m.type() === 'error') failures.push('console: ' + m.text()); };
  page.on('response', onResponse);
  page.on('console', onConsole);
  try {
    await signOutIfIn();
    await signIn(page, server, TOKENS.leader.token);
    await page.waitForFunction(() => document.querySelector('#view-overview').dataset.code === '630000', null, { timeout: 20000 });
    const city = (await server.api('/api/v1/jurisdictions/630000', { token: TOKENS.leader.token })).json.children[0].code;
    for (const h of [`#overview/${city}`, '#ledger/630000', '#bulletins/630000', '#interviews/630000', '#overview/630000']) {
      await page.goto(`${server.url}/${h}`);
      await page.waitForTimeout(1200);
    }
    assert.deepEqual(failures, [], 'no 4xx (favicon, jurisdictions above the scope) and no console errors');
  } finally {
    page.off('response', onResponse);
    page.off('console', onConsole);
  }
  // Beijing is outside a Qinghai leader's scope: the URL says what is shown, and the page says why.
  await page.goto(`${server.url}/#overview/110000`);
  await page.waitForFunction(() => location.hash === '#overview/630000', null, { timeout: 10000 });
  assert.equal(await messageText(), zhText('route.out_of_scope', { code: '110000', scope: '630000' }));
  await page.waitForFunction(() => document.querySelector('#view-overview').dataset.code === '630000', null, { timeout: 20000 });
  // The audit view is for auditors and admins.
  await page.goto(`${server.url}/#audit/630000`);
  await page.waitForFunction(() => location.hash === '#overview/630000', null, { timeout: 10000 });
  assert.equal(await messageText(), zh['route.auditors_only']);
  assert.equal(await page.isVisible('#view-audit'), false);
  await screenshot(page, 'auditors-only');
});

test('audit: the position is in the URL and survives a reload; before a jurisdiction existed says so', async () => {
  await signOutIfIn();
  await signIn(page, server, TOKENS.auditor.token);
  await page.goto(`${server.url}/#audit/630000`);
  await page.waitForFunction(() => document.querySelector('#view-audit').dataset.position, null, { timeout: 20000 });
  const head = (await server.api('/api/v1/log?from=1&limit=1', { token: TOKENS.auditor.token })).json.head;
  const p = Math.floor(head * 0.5);
  await page.fill('#audit-pos', String(p));
  await page.dispatchEvent('#audit-pos', 'change');
  await page.waitForFunction((pos) => document.querySelector('#audit-rankings').dataset.asOf === String(pos), p, { timeout: 30000 });
  assert.equal(await page.evaluate(() => location.hash), `#audit/630000?at=${p}`);
  await page.reload();
  await page.waitForFunction((pos) => document.querySelector('#view-audit').dataset.position === String(pos)
    && document.querySelector('#audit-rankings').dataset.asOf === String(pos), p, { timeout: 30000 });
  assert.equal(await page.inputValue('#audit-pos'), String(p));
  // Position 2: Qinghai was not registered yet. The table is about position 2 and says why it is empty.
  await page.goto(`${server.url}/#audit/630000?at=2`);
  await page.waitForFunction(() => document.querySelector('#audit-rankings').dataset.asOf === '2', null, { timeout: 30000 });
  const text = await page.textContent('#audit-rankings tbody');
  assert.ok(text.includes(zhText('error.not_yet', { name: '青海省', p: 2 })), text);
  assert.ok(!text.includes(zh['error.not_available']), text);
  await screenshot(page, 'audit-before-registered');
});

test('phone, 390x844: every view fits the width in Chinese and English; the map fits its panel', async () => {
  await signOutIfIn();
  await signIn(page, server, TOKENS.auditor.token);
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    const city = (await server.api('/api/v1/jurisdictions/630000')).json.children[0].code;
    for (const lang of ['zh', 'en']) {
      if ((await page.evaluate(() => document.documentElement.lang)) !== (lang === 'zh' ? 'zh-CN' : 'en')) {
        await page.click('#lang');
        await page.waitForFunction((l) => document.documentElement.lang === l, lang === 'zh' ? 'zh-CN' : 'en');
      }
      for (const h of ['#overview/000000', `#overview/${city}`, '#ledger/000000', '#bulletins/000000', '#interviews/000000', '#audit/000000']) {
        await page.goto(`${server.url}/${h}`);
        await page.waitForTimeout(1500);
        const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
        assert.ok(scroll <= width, `${lang} ${h}: document ${scroll} px wide in a ${width} px viewport`);
        // No raw i18n keys on the page.
        const raw = await page.evaluate((keys) => keys.filter((k) => document.body.innerText.includes(k)), Object.keys(zh).filter((k) => k.includes('.')));
        assert.deepEqual(raw, [], `${lang} ${h}`);
        if (h === '#overview/000000') {
          const fit = await page.evaluate(() => {
            const chart = window.__gongjian.charts.map;
            const geo = chart.getModel().getSeriesByIndex(0).coordinateSystem;
            const r = geo.getViewRect();
            return { x: r.x, y: r.y, w: r.width, h: r.height, W: chart.getWidth(), H: chart.getHeight(), regions: geo.regions.map((g) => g.name) };
          });
          assert.ok(fit.x >= 0 && fit.y >= 0 && fit.x + fit.w <= fit.W + 0.5 && fit.y + fit.h <= fit.H + 0.5, JSON.stringify(fit));
          assert.ok(fit.regions.includes('南海诸岛'));
          if (lang === 'zh') await screenshot(page, 'phone-overview');
        }
        if (lang === 'zh' && h === '#interviews/000000') await screenshot(page, 'phone-interviews');
        if (lang === 'en' && h === '#audit/000000') await screenshot(page, 'phone-audit-english');
      }
    }
    await page.click('#lang');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  } finally {
    await page.setViewportSize({ width: 1366, height: 768 });
  }
  assert.deepEqual(pageErrors, []);
  void en;
});
