// Browser tests of the dashboard (issue 6) in headless Chromium against the real server with demo
// data. Run by scripts/test-browser (`node --test tests/browser/`). One server and one browser
// for the file; the tests run in order (the live test writes events, the ones after it expect
// the log to have grown).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Server, TOKENS, launchBrowser, signIn, screenshot } from './harness.js';

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

// What the dashboard shows for a value (src/format.js fmtValue, zh locale).
function shown(indicator, v) {
  if (!v || v.value === null || v.value === undefined) return '—';
  const rates = ['standalone_formation_rate', 'organization_coverage_rate', 'work_coverage_rate', 'ledger_progress',
    'union_coverage_rate', 'womens_federation_coverage_rate'];
  if (rates.includes(indicator)) return (v.value * 100).toFixed(1) + '%';
  return Math.round(v.value).toLocaleString('zh-CN');
}

async function tableRows(selector) {
  return page.$$eval(`${selector} tbody tr[data-code]`, (trs) => trs.map((tr) => ({
    code: tr.dataset.code, rank: Number(tr.dataset.rank), value: tr.querySelector('td.value').textContent.trim(),
  })));
}

async function waitRankings(code, indicator = 'ledger_progress') {
  await page.waitForFunction(([c, i]) => {
    const v = document.querySelector('#view-overview');
    const t = document.querySelector('#rankings');
    return v && v.dataset.code === c && t.dataset.indicator === i && t.dataset.position && document.querySelectorAll('#rankings tbody tr[data-code]').length > 0;
  }, [code, indicator], { timeout: 20000 });
}

test('sign-in: a bad token is refused; a leader lands on their own jurisdiction', async () => {
  await page.goto(server.url + '/');
  await page.waitForSelector('#token-input', { state: 'visible' });
  await screenshot(page, 'signin');
  await page.fill('#token-input', 'not-a-token');
  await page.click('#signin-button');
  await page.waitForFunction(() => document.querySelector('#signin-error').textContent.length > 0);
  assert.equal(await page.isVisible('#app'), false);

  await page.fill('#token-input', TOKENS.leader.token);
  await page.click('#signin-button');
  await waitRankings('630000');
  const crumb = await page.textContent('#crumbs .crumb.current');
  assert.equal(crumb.trim(), '青海省');
  // The leader's scope is a province: nothing above it is a link.
  assert.equal(await page.$$eval('#crumbs a.crumb', (a) => a.length), 0);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('gongjian.token')), TOKENS.leader.token);
  await screenshot(page, 'overview-province');
  await page.click('#signout');
  await page.waitForSelector('#signin:not([hidden])');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('gongjian.token')), null);
});

test('rankings render with the demo numbers the API gives', async () => {
  await signIn(page, server, TOKENS.admin.token);
  await waitRankings('000000');
  const api = await server.api('/api/v1/rankings/000000?indicator=ledger_progress&affiliation=party&top=5&bottom=5');
  assert.equal(api.status, 200, api.text);
  const rows = await tableRows('#rankings');
  assert.ok(api.json.lines.length >= 3, 'the demo has provinces');
  assert.equal(rows.length, api.json.lines.length);
  for (let i = 0; i < rows.length; i++) {
    const want = api.json.lines[i];
    assert.deepEqual(rows[i], { code: want.code, rank: want.rank, value: shown('ledger_progress', want.value) });
  }
  const red = await page.$$eval('#redlist li[data-code]', (lis) => lis.map((li) => li.dataset.code));
  const black = await page.$$eval('#blacklist li[data-code]', (lis) => lis.map((li) => li.dataset.code));
  assert.deepEqual(red, api.json.red_list);
  assert.deepEqual(black, api.json.black_list);
  // Indicator cards: the ledger progress card shows the API's value.
  const ind = await server.api('/api/v1/indicators/000000?affiliation=party');
  const lp = ind.json.indicators.find((x) => x.indicator === 'ledger_progress');
  await page.waitForSelector('#cards .card[data-indicator=ledger_progress]');
  assert.equal((await page.textContent('#cards .card[data-indicator=ledger_progress] .card-value')).trim(), shown('ledger_progress', lp.value));
  // The baseline is the existing base the campaign opened on (the demo's pre-campaign
  // organizations): the coverage cards show their rise on it ("较基数 +x.x 个百分点"), not "—".
  for (const name of ['organization_coverage_rate', 'work_coverage_rate']) {
    const x = ind.json.indicators.find((i) => i.indicator === name);
    assert.ok(x.baseline.value > 0, `${name} has a baseline: ${JSON.stringify(x.baseline)}`);
    const pp = ((x.value.value - x.baseline.value) * 100).toFixed(1);
    const since = (await page.textContent(`#cards .card[data-indicator=${name}] .card-deltas span:first-child`)).trim();
    assert.equal(since, `较基数 +${pp} 个百分点`);
  }
  await page.waitForTimeout(500);
  await screenshot(page, 'overview-national');
});

test('the map of China renders coloured by the indicator, labelled 示意图, with 南海诸岛', async () => {
  await waitRankings('000000');
  await page.waitForFunction(() => window.__gongjian.charts.map && window.__gongjian.charts.map.getOption());
  const info = await page.evaluate(() => {
    const chart = window.__gongjian.charts.map;
    const opt = chart.getOption();
    const series = opt.series[0];
    const canvas = document.querySelector('#map canvas');
    const ctx = canvas.getContext('2d');
    const img = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let coloured = 0;
    const colours = new Set();
    for (let i = 0; i < img.length; i += 4 * 7) {
      const [r, g, b, a] = [img[i], img[i + 1], img[i + 2], img[i + 3]];
      if (a > 200 && r > 180 && r - b > 50) { coloured++; colours.add(`${r >> 4},${g >> 4},${b >> 4}`); }
    }
    const model = chart.getModel().getSeriesByIndex(0);
    const regions = model.coordinateSystem ? model.coordinateSystem.regions.map((r) => r.name) : [];
    return { map: series.map, data: series.data.filter((d) => d && d.code).map((d) => ({ code: d.code, value: d.value })), inRange: opt.visualMap[0].inRange.color,
      title: opt.title[0].text, coloured, distinct: colours.size, regions };
  });
  assert.equal(info.map, 'china');
  assert.ok(info.title.includes('示意图'));
  assert.ok(info.regions.includes('南海诸岛'), 'ECharts keeps the South China Sea islands inset of the china map');
  const api = await server.api('/api/v1/rankings/000000?indicator=ledger_progress&affiliation=party');
  assert.deepEqual(info.data.map((d) => d.code).sort(), api.json.lines.map((l) => l.code).sort());
  for (const d of info.data) {
    const line = api.json.lines.find((l) => l.code === d.code);
    assert.equal(d.value, line.value.value);
  }
  assert.ok(info.inRange.length >= 2);
  assert.ok(info.coloured > 200, `coloured pixels on the map canvas: ${info.coloured}`);
  assert.ok(info.distinct >= 2, `distinct colours: ${info.distinct}`);
});

test('drill-down by clicking a row, breadcrumbs back up', async () => {
  await waitRankings('000000');
  const first = await page.$eval('#rankings tbody tr[data-code]', (tr) => ({ code: tr.dataset.code, name: tr.querySelector('.name').textContent }));
  await page.click(`#rankings tbody tr[data-code="${first.code}"]`);
  await waitRankings(first.code);
  assert.equal((await page.textContent('#crumbs .crumb.current')).trim(), first.name.trim());
  const children = await server.api(`/api/v1/rankings/${first.code}?indicator=ledger_progress&affiliation=party`);
  assert.deepEqual((await tableRows('#rankings')).map((r) => r.code), children.json.lines.map((l) => l.code));
  // One more level down, then back to the top through the breadcrumbs.
  const city = children.json.lines[0].code;
  await page.click(`#rankings tbody tr[data-code="${city}"]`);
  await waitRankings(city);
  const crumbs = await page.$$eval('#crumbs .crumb', (cs) => cs.map((c) => c.dataset.code));
  assert.deepEqual(crumbs, ['000000', first.code, city]);
  assert.equal(await page.isVisible('#tiles'), true, 'below the national level the children are tiles');
  assert.ok(await page.$$eval('#tiles .tile', (ts) => ts.length) > 0);
  await screenshot(page, 'overview-city-tiles');
  await page.click(`#crumbs a.crumb[data-code="${first.code}"]`);
  await waitRankings(first.code);
  await page.click('#crumbs a.crumb[data-code="000000"]');
  await waitRankings('000000');
});

test('the action plan (行动计划) under the overview: targets, days left, leader and progress as the API gives them', async () => {
  // The demo sets plans for provinces, cities and counties, none for the nation.
  await waitRankings('000000');
  await page.waitForFunction(() => document.querySelector('#plan').dataset.code === '000000', null, { timeout: 20000 });
  const national = await server.api('/api/v1/jurisdictions/000000/plan');
  assert.equal(national.status, 200, national.text);
  assert.equal(national.json.plan, null);
  assert.equal(await page.isVisible('#plan .plan-none'), true);

  const province = (await server.api('/api/v1/rankings/000000?indicator=ledger_progress&affiliation=party')).json.lines[0].code;
  const answered = page.waitForResponse((r) => r.url().includes(`/api/v1/jurisdictions/${province}/plan`) && r.status() === 200);
  await page.click(`#rankings tbody tr[data-code="${province}"]`);
  const url = new URL((await answered).url());
  await page.waitForFunction((c) => document.querySelector('#plan').dataset.code === c, province, { timeout: 20000 });
  // The same question asked of the API directly.
  const api = await server.api(url.pathname + url.search);
  assert.equal(api.status, 200, api.text);
  const plan = api.json.plan;
  assert.ok(plan && plan.targets.length > 0, `the demo plans every province: ${api.text}`);
  const zhInt = (n) => Number(n).toLocaleString('zh-CN');
  const rows = await page.$$eval('#plan-targets tbody tr', (trs) => trs.map((tr) => ({
    type: tr.dataset.type, mode: tr.dataset.mode, daysLeft: Number(tr.dataset.daysLeft),
    count: tr.children[2].textContent.trim(), deadline: tr.children[3].textContent.trim() })));
  assert.deepEqual(rows, plan.targets.map((x) => ({ type: x.type, mode: x.mode, daysLeft: x.days_left, count: zhInt(x.count), deadline: x.deadline })));
  const progress = await page.$$eval('#plan-progress tbody tr', (trs) => trs.map((tr) => ({
    type: tr.dataset.type, planned: tr.querySelector('.planned').textContent.trim(), struck: tr.querySelector('.struck').textContent.trim() })));
  assert.deepEqual(progress, plan.progress.map((x) => ({ type: x.type, planned: zhInt(x.planned),
    struck: `${zhInt(x.struck_off.value)} / ${zhInt(x.formation_targets.value)}` })));
  assert.ok(api.json.leader, 'the demo assigns every level a leader');
  assert.equal((await page.textContent('#plan .plan-leader-name')).trim(), api.json.leader.name);
  assert.equal((await page.textContent('#plan .plan-department')).trim(), api.json.leader.lead_department);
  await page.locator('#plan-panel').scrollIntoViewIfNeeded();
  await screenshot(page, 'overview-plan');
  await page.click('#crumbs a.crumb[data-code="000000"]');
  await waitRankings('000000');
});

test('an event recorded through the API moves the ranking on the open page within 2 seconds', async () => {
  // A county with several offices, ranked by members disclosed (亮身份): members recorded as hidden
  // and then disclosed in the last office lift it to the top.
  const indicator = 'members_disclosed';
  let county = null, ranking = null;
  const provinces = (await server.api('/api/v1/jurisdictions/000000')).json.children;
  search: for (const p of provinces) {
    for (const c of (await server.api(`/api/v1/jurisdictions/${p.code}`)).json.children) {
      for (const k of (await server.api(`/api/v1/jurisdictions/${c.code}`)).json.children) {
        if (k.children < 3) continue;
        const r = (await server.api(`/api/v1/rankings/${k.code}?indicator=${indicator}&affiliation=party`)).json;
        const last = r.lines[r.lines.length - 1];
        const orgs = (await server.api(`/api/v1/organizations?jurisdiction=${last.code}&limit=20`)).json.organizations || [];
        if (orgs.some((o) => o.in_scope)) { county = k.code; ranking = r; break search; }
      }
    }
  }
  assert.ok(county, 'a county with three or more offices and an organization in its last office');
  const last = ranking.lines[ranking.lines.length - 1];
  const top = ranking.lines[0];
  const org = (await server.api(`/api/v1/organizations?jurisdiction=${last.code}&limit=20`)).json.organizations.find((o) => o.in_scope);
  const needed = Math.round(top.value.value - last.value.value) + 1;

  await page.goto(`${server.url}/#overview/${county}?indicator=${indicator}`);
  await waitRankings(county, indicator);
  assert.equal(await page.$eval(`#rankings tr[data-code="${last.code}"]`, (tr) => Number(tr.dataset.rank)), ranking.lines.length);
  await page.evaluate(() => { window.__reloaded = false; window.addEventListener('beforeunload', () => { window.__reloaded = true; }); window.__marker = 42; });

  const base = 9_000_000_000 + Math.floor(Math.random() * 1_000_000) * 1000;
  const commands = [];
  for (let i = 0; i < needed; i++) {
    commands.push({ type: 'record_member', command_id: `browser-rec-${base + i}`, member: base + i, org: org.id, affiliation: 'party',
      standing: 'formal', status: 'hidden', member_name: `测试党员${i}`, relationship_held_at: '', admitted_on: '2010-01-01', recorded_on: '2016-10-01' });
    commands.push({ type: 'disclose_member_identity', command_id: `browser-dis-${base + i}`, member: base + i, disclosed_on: '2016-10-02' });
  }
  const res = await server.api('/api/v1/commands:batch', { method: 'POST', body: { commands } });
  const acknowledged = Date.now();
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.failed, 0, res.text);
  await page.waitForFunction((code) => {
    const tr = document.querySelector(`#rankings tr[data-code="${code}"]`);
    return tr && tr.dataset.rank === '1';
  }, last.code, { timeout: 2000, polling: 50 });
  const elapsed = Date.now() - acknowledged;
  assert.ok(elapsed <= 2000, `moved after ${elapsed} ms`);
  assert.equal(await page.evaluate(() => window.__marker), 42, 'no reload');
  const after = (await server.api(`/api/v1/rankings/${county}?indicator=${indicator}&affiliation=party`)).json;
  assert.equal(after.lines[0].code, last.code);
  await page.waitForTimeout(1500);  // the rows' move animation (600 ms) is over
  await screenshot(page, 'rankings-live-moved');
});

test('ledger, bulletins and interviews views render from the API', async () => {
  await page.goto(`${server.url}/#ledger/000000`);
  await page.waitForSelector('#ledger tbody tr[data-target]', { timeout: 20000 });
  const ledger = await server.api('/api/v1/ledger/000000?limit=100');
  assert.equal(await page.$$eval('#ledger tbody tr[data-target]', (t) => t.length), ledger.json.targets.length);
  const struck = await page.$$eval('#ledger tbody tr.struck', (t) => t.length);
  assert.equal(struck, ledger.json.targets.filter((t) => t.status === 'struck_off').length);
  await page.waitForTimeout(1500);  // jurisdiction names resolve lazily
  await screenshot(page, 'ledger');
  await page.selectOption('#ledger-filter', 'overdue');
  await page.waitForFunction(() => [...document.querySelectorAll('#ledger tbody tr[data-target]')].every((tr) => tr.dataset.overdue === 'true'));

  await page.goto(`${server.url}/#bulletins/000000`);
  await page.waitForSelector('#bulletin-body table tbody tr', { timeout: 20000 });
  const list = await server.api('/api/v1/bulletins');
  assert.equal(await page.$$eval('#bulletin-list li[data-round]', (l) => l.length), list.json.bulletins.length);
  const round = list.json.bulletins[list.json.bulletins.length - 1];
  const b = await server.api(`/api/v1/bulletins/${round.campaign}/${round.round}?parent=000000`);
  const issued = b.json.rankings[0].lines.map((l) => l.jurisdiction);
  assert.deepEqual(await page.$$eval('#bulletin-body table:first-of-type tbody tr', (t) => t.map((tr) => tr.dataset.code)), issued);
  await screenshot(page, 'bulletins');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.isVisible('#tabs'), false, 'print hides the navigation');
  await screenshot(page, 'bulletins-print');
  await page.emulateMedia({ media: 'screen' });

  await page.goto(`${server.url}/#interviews/000000`);
  await page.waitForSelector('#interviews tbody tr[data-status]', { timeout: 20000 });
  await page.waitForSelector('#iv-summary[data-complete=true]', { timeout: 20000 });
  const ivs = await server.api('/api/v1/interviews?jurisdiction=000000&affiliation=party&limit=5000');
  assert.equal(ivs.json.next, null, 'the demo has fewer interviews than one page');
  assert.equal(await page.$eval('#iv-summary', (e) => Number(e.dataset.total)), ivs.json.interviews.length);
  // The list shows 200 at a time.
  assert.equal(await page.$$eval('#interviews tbody tr[data-status]', (t) => t.length), Math.min(200, ivs.json.interviews.length));
  await page.waitForTimeout(2500);  // jurisdiction names resolve lazily
  await screenshot(page, 'interviews');
});

// Bureaus and League committees both publish (§13): with the switch on League, a bulletin shows
// the League ranking it froze, and the interviews are the League ones (§14).
test('the League switch shows a bulletin\'s League ranking and the League interviews', async () => {
  const list = await server.api('/api/v1/bulletins');
  const round = list.json.bulletins[list.json.bulletins.length - 1];
  assert.deepEqual(round.affiliations, ['party', 'league']);
  const party = await server.api(`/api/v1/bulletins/${round.campaign}/${round.round}?parent=000000`);
  const league = await server.api(`/api/v1/bulletins/${round.campaign}/${round.round}?parent=000000&affiliation=league`);
  assert.equal(league.status, 200, league.text);
  const issued = league.json.rankings[0].lines.map((l) => l.jurisdiction);
  assert.notDeepEqual(issued, party.json.rankings[0].lines.map((l) => l.jurisdiction), 'the demo\'s twins rank differently');

  await page.goto(`${server.url}/#bulletins/000000`);
  await page.waitForSelector('#bulletin-body[data-affiliation=party] table tbody tr', { timeout: 20000 });
  await page.selectOption('#affiliation', 'league');
  await page.waitForSelector('#bulletin-body[data-affiliation=league] table tbody tr', { timeout: 20000 });
  assert.match(page.url(), /affiliation=league/);
  assert.deepEqual(await page.$$eval('#bulletin-body table:first-of-type tbody tr', (t) => t.map((tr) => tr.dataset.code)), issued);
  assert.ok((await page.textContent('#bulletin-body h3')).includes('团组织'));
  const worst = issued[issued.length - 1];
  const black = league.json.rankings[0].black_list;
  if (black.includes(worst)) assert.ok(await page.isVisible(`#bulletin-body tr[data-code="${worst}"] .pill.black`));

  await page.goto(`${server.url}/#interviews/000000?affiliation=league`);
  await page.waitForSelector('#interviews[data-affiliation=league] tbody tr[data-status]', { timeout: 20000 });
  await page.waitForSelector('#iv-summary[data-complete=true]', { timeout: 20000 });
  const ivs = await server.api('/api/v1/interviews?jurisdiction=000000&affiliation=league&limit=5000');
  assert.ok(ivs.json.interviews.length > 0, 'the demo calls League laggards');
  assert.equal(await page.$eval('#iv-summary', (e) => Number(e.dataset.total)), ivs.json.interviews.length);
  assert.ok((await page.textContent('#iv-sub')).includes('团组织'));
  await page.selectOption('#affiliation', 'party');
  await page.waitForSelector('#interviews[data-affiliation=party]', { timeout: 20000 });
});

test('audit replay: the slider shows the state at a past position as the API answers as_of', async () => {
  await page.click('#signout');
  await signIn(page, server, TOKENS.auditor.token);
  await page.goto(`${server.url}/#audit/000000`);
  await page.waitForFunction(() => document.querySelector('#view-audit').dataset.position, null, { timeout: 20000 });
  const head = (await server.api('/api/v1/log?from=1&limit=1', { token: TOKENS.auditor.token })).json.head;
  const p = Math.floor(head * 0.4);
  await page.fill('#audit-pos', String(p));
  await page.dispatchEvent('#audit-pos', 'change');
  await page.waitForFunction((pos) => document.querySelector('#audit-rankings').dataset.asOf === String(pos)
    && document.querySelector('#view-audit').dataset.position === String(pos), p, { timeout: 30000 });
  const api = await server.api(`/api/v1/rankings/000000?indicator=ledger_progress&affiliation=party&as_of=${p}`, { token: TOKENS.auditor.token });
  assert.equal(api.json.as_of, p);
  const rows = await tableRows('#audit-rankings');
  assert.deepEqual(rows, api.json.lines.map((l) => ({ code: l.code, rank: l.rank, value: shown('ledger_progress', l.value) })));
  const now = await server.api('/api/v1/rankings/000000?indicator=ledger_progress&affiliation=party', { token: TOKENS.auditor.token });
  assert.notDeepEqual(api.json.lines.map((l) => l.value), now.json.lines.map((l) => l.value), 'the past differs from now');
  // The event at that position is highlighted with its hash from the log.
  const ev = (await server.api(`/api/v1/log?from=${p}&limit=1`, { token: TOKENS.auditor.token })).json.events[0];
  const current = await page.$eval('#audit-events tr.current', (tr) => ({ pos: tr.dataset.position, hash: tr.querySelector('.hash').title }));
  assert.deepEqual(current, { pos: String(p), hash: ev.hash });
  // One step forward.
  await page.click('#view-audit button[data-step="1"]');
  await page.waitForFunction((pos) => document.querySelector('#view-audit').dataset.position === String(pos + 1), p);
  await page.click('#verify');
  await page.waitForFunction(() => document.querySelector('#verify-result').dataset.intact !== undefined, null, { timeout: 60000 });
  assert.equal(await page.$eval('#verify-result', (e) => e.dataset.intact), 'true');
  await screenshot(page, 'audit');
});

test('language switch: English and back to Chinese', async () => {
  await page.goto(`${server.url}/#overview/000000`);
  await waitRankings('000000');
  assert.equal(await page.textContent('#tabs a[data-view=overview]'), '挂图作战');
  await page.click('#lang');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  await waitRankings('000000');
  assert.equal(await page.textContent('#tabs a[data-view=overview]'), 'Progress map');
  // The cards are re-rendered in English once the view has re-read them.
  await page.waitForFunction(() => document.querySelector('#cards .card[data-indicator=ledger_progress] .card-name').textContent.trim() === 'Ledger progress');
  assert.equal(await page.evaluate(() => localStorage.getItem('gongjian.lang')), 'en');
  await page.waitForTimeout(300);
  await screenshot(page, 'overview-english');
  await page.click('#lang');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  assert.equal(await page.textContent('#tabs a[data-view=overview]'), '挂图作战');
});

test('wall display: 2560x1440 renders the overview without page errors', async () => {
  await page.setViewportSize({ width: 2560, height: 1440 });
  await page.goto(`${server.url}/#overview/000000`);
  await waitRankings('000000');
  await page.waitForTimeout(500);
  await screenshot(page, 'overview-wall');
  await page.setViewportSize({ width: 1366, height: 768 });
  assert.deepEqual(pageErrors, []);
});
