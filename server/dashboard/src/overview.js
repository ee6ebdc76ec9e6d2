// The overview: indicator cards, the action plan (行动计划: targets with back-scheduled deadlines,
// 倒排工期, its leader and lead department, progress by type), live rankings (red and black
// lists), the progress map (挂图作战) and the campaign's time series, for the jurisdiction looked at.
import * as api from './api.js';
import { t, tEnum } from './i18n.js';
import { esc, fmtValue, fmtDelta, deltaClass, fmtPlain, fmtInt, colourFor, textOn, SCALE, NO_DATA } from './format.js';
import { setPosition } from './app.js';
import { campaignToday } from './ledger.js';

const CARD_INDICATORS = ['ledger_progress', 'standalone_formation_rate', 'organization_coverage_rate',
  'work_coverage_rate', 'should_form_not_formed', 'members_disclosed'];
const TREND_INDICATORS = ['ledger_progress', 'standalone_formation_rate', 'organization_coverage_rate', 'work_coverage_rate'];

let ctx = null;
let unsubscribe = null;
let refreshTimer = null;
let pollTimer = null;
let lastRankings = null;
let mapChart = null;
let trendChart = null;
let resizeBound = false;

const $ = (sel) => document.querySelector(sel);

export async function show(c) {
  ctx = c;
  const { state } = c;
  bindResize();
  const jobs = [loadCards(), loadPlan(), loadRankings(), loadTrend()];
  subscribeLive();
  const results = await Promise.allSettled(jobs);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) c.showMessage(c.errorText(failed.reason));
  $('#view-overview').dataset.code = state.code;
}

export function leave() {
  if (unsubscribe) unsubscribe();
  unsubscribe = null;
  clearTimeout(refreshTimer);
  clearInterval(pollTimer);
  pollTimer = null;
}

function bindResize() {
  if (resizeBound) return;
  resizeBound = true;
  window.addEventListener('resize', () => {
    if (mapChart) { mapChart.resize(); layoutMap(); }
    if (trendChart) { trendChart.resize(); layoutTrend(); }
  });
  // Print: charts are canvases; redraw at the printed size.
  window.addEventListener('beforeprint', () => { mapChart && mapChart.resize(); trendChart && trendChart.resize(); });
}

// ---- cards ------------------------------------------------------------------------------------

export function renderCards(el, ind) {
  el.innerHTML = CARD_INDICATORS.map((name) => {
    const l = ind.byName[name];
    if (!l) return '';
    const dBase = fmtDelta(name, l.current, l.baseline);
    const dLast = fmtDelta(name, l.current, l.lastBulletin);
    const detail = l.rate && l.current.defined ? `${l.current.num.toLocaleString()} / ${l.current.den.toLocaleString()}` : '';
    return `<div class="card" data-indicator="${name}">
      <div class="card-name">${esc(t('ind.' + name))}</div>
      <div class="card-value">${fmtValue(name, l.current)}</div>
      <div class="card-detail muted">${esc(detail)}</div>
      <div class="card-deltas">
        <span class="${deltaClass(name, l.current, l.baseline)}" title="${esc(t('card.since_baseline'))}">${esc(t('card.baseline'))} ${esc(dBase || '—')}</span>
        <span class="${deltaClass(name, l.current, l.lastBulletin)}" title="${esc(t('card.since_bulletin'))}">${esc(t('card.bulletin'))} ${esc(dLast || '—')}</span>
      </div></div>`;
  }).join('');
}

async function loadCards() {
  const { state } = ctx;
  const seq = state.renderSeq;
  const ind = await api.indicators(state.code, { affiliation: state.affiliation });
  if (seq !== state.renderSeq) return;
  renderCards($('#cards'), ind);
  setPosition(ind.position);
}

// ---- action plan (行动计划, 倒排工期) --------------------------------------------------------------

function fmtMeasure(m) {
  if (!m) return '—';
  const since = m.sinceBaseline === null ? '' : ` <span class="muted small">(${esc(t('plan.since_baseline', { d: (m.sinceBaseline > 0 ? '+' : '') + fmtInt(m.sinceBaseline) }))})</span>`;
  return `${fmtInt(m.value)}${since}`;
}

export function renderPlan(el, p) {
  const leader = p.leader
    ? `<span>${esc(t('plan.leader'))}: <b class="plan-leader-name">${esc(p.leader.name)}</b></span> · <span>${esc(t('plan.department'))}: <b class="plan-department">${esc(p.leader.department)}</b></span>`
    : `<span class="muted">${esc(t('plan.no_leader'))}</span>`;
  $('#plan-sub').textContent = p.plan
    ? `${t('plan.set_on', { date: p.plan.setOn })}${p.plan.revisions > 1 ? ' ' + t('plan.revisions', { n: p.plan.revisions }) : ''}`
    : '';
  if (!p.plan) {
    el.innerHTML = `<p class="plan-leader">${leader}</p><p class="muted plan-none">${esc(t('plan.none'))}</p>`;
    return;
  }
  const targets = p.plan.targets.map((x) => {
    const past = x.daysLeft !== null && x.daysLeft < 0;
    const left = x.daysLeft === null ? '—' : past ? t('plan.overdue', { n: fmtInt(-x.daysLeft) }) : t('plan.days', { n: fmtInt(x.daysLeft) });
    return `<tr data-type="${esc(x.type)}" data-mode="${esc(x.mode)}" data-days-left="${x.daysLeft ?? ''}" class="${past ? 'past' : ''}">
      <td>${esc(tEnum('type', x.type))}</td><td>${esc(tEnum('mode', x.mode))}</td><td class="num">${fmtInt(x.count)}</td>
      <td>${esc(x.deadline)}</td><td class="num days-left">${esc(left)}</td></tr>`;
  }).join('');
  const progress = p.plan.progress.map((x) => `<tr data-type="${esc(x.type)}">
      <td>${esc(tEnum('type', x.type))}</td><td class="num planned">${fmtInt(x.planned)}</td>
      <td class="num struck">${x.struckOff ? fmtInt(x.struckOff.value) : '—'} / ${x.targets ? fmtInt(x.targets.value) : '—'}</td>
      <td class="num covered">${fmtMeasure(x.covered)}</td><td class="num standalone">${fmtMeasure(x.standalone)}</td></tr>`).join('');
  el.innerHTML = `<p class="plan-leader">${leader}</p>
    <div class="plan-grid">
      <div class="table-wrap"><table id="plan-targets" class="plan">
        <thead><tr><th>${esc(t('plan.type'))}</th><th>${esc(t('plan.mode'))}</th><th class="num">${esc(t('plan.count'))}</th>
          <th>${esc(t('plan.deadline'))}</th><th class="num">${esc(t('plan.days_left'))}</th></tr></thead>
        <tbody>${targets}</tbody></table></div>
      <div class="table-wrap"><table id="plan-progress" class="plan">
        <caption>${esc(t('plan.progress'))}</caption>
        <thead><tr><th>${esc(t('plan.type'))}</th><th class="num">${esc(t('plan.planned'))}</th><th class="num">${esc(t('plan.struck_off'))}</th>
          <th class="num">${esc(t('plan.covered'))}</th><th class="num">${esc(t('plan.standalone'))}</th></tr></thead>
        <tbody>${progress}</tbody></table></div>
    </div>
    <p class="muted small">${esc(t('plan.by_type_note'))}</p>`;
}

async function loadPlan() {
  const { state } = ctx;
  const seq = state.renderSeq;
  const p = await api.plan(state.code, { campaign: state.campaign ? state.campaign.id : undefined, today: campaignToday(state) });
  if (seq !== state.renderSeq) return;
  const el = $('#plan');
  renderPlan(el, p);
  el.dataset.code = p.code;
  el.dataset.position = String(p.position ?? '');
}

// ---- rankings ---------------------------------------------------------------------------------

function arrow(line, hasBulletin) {
  if (!hasBulletin || !line.previousRank) return '<span class="chg none">–</span>';
  if (line.change > 0) return `<span class="chg up" title="${esc(t('rank.up'))}">▲${line.change}</span>`;
  if (line.change < 0) return `<span class="chg down" title="${esc(t('rank.down'))}">▼${-line.change}</span>`;
  return `<span class="chg same" title="${esc(t('rank.same'))}">＝</span>`;
}

function listItems(lines, indicator) {
  return lines.map((l) => `<li data-code="${esc(l.code)}"><a href="#overview/${esc(l.code)}">${esc(l.name)}</a>
    <span class="num">${fmtValue(indicator, l.value)}</span></li>`).join('') || `<li class="muted">${esc(t('none'))}</li>`;
}

export function renderRankings(r) {
  const { state } = ctx;
  const indicator = r.indicator || state.indicator;
  lastRankings = r;
  const tbody = $('#rankings tbody');
  // FLIP: remember where each row was, re-render, then animate from the old place to the new.
  const before = new Map();
  for (const tr of tbody.querySelectorAll('tr[data-code]')) before.set(tr.dataset.code, tr.getBoundingClientRect().top);
  const red = new Set(r.top.map((l) => l.code));
  const black = new Set(r.bottom.map((l) => l.code));
  tbody.innerHTML = r.lines.map((l) => {
    const cls = [red.has(l.code) ? 'red' : '', black.has(l.code) ? 'black' : ''].join(' ').trim();
    return `<tr data-code="${esc(l.code)}" data-rank="${l.rank}" class="${cls}" tabindex="0">
      <td class="rank">${l.rank}</td><td>${arrow(l, r.hasLastBulletin)}</td>
      <td class="name">${esc(l.name)}</td>
      <td class="num value">${fmtValue(indicator, l.value)}</td>
      <td class="num ${deltaClass(indicator, l.value, l.lastBulletinValue)}">${esc(fmtDelta(indicator, l.value, l.lastBulletinValue))}</td></tr>`;
  }).join('') || `<tr><td colspan="5" class="muted">${esc(t('rank.no_children'))}</td></tr>`;
  for (const tr of tbody.querySelectorAll('tr[data-code]')) {
    const old = before.get(tr.dataset.code);
    if (old === undefined) continue;
    const dy = old - tr.getBoundingClientRect().top;
    if (Math.abs(dy) < 1) continue;
    tr.style.transform = `translateY(${dy}px)`;
    tr.style.transition = 'none';
    tr.classList.add('moved');
    requestAnimationFrame(() => requestAnimationFrame(() => {
      tr.style.transition = 'transform 600ms ease';
      tr.style.transform = '';
    }));
    setTimeout(() => tr.classList.remove('moved'), 2000);
  }
  tbody.onclick = (ev) => {
    const tr = ev.target.closest('tr[data-code]');
    if (tr) ctx.go({ code: tr.dataset.code });
  };
  tbody.onkeydown = (ev) => {
    const tr = ev.target.closest('tr[data-code]');
    if (tr && ev.key === 'Enter') ctx.go({ code: tr.dataset.code });
  };
  // The lists as the API gives them: they never overlap, and may be empty (a single child, or
  // children without a value, are on neither).
  const top = r.top;
  const bottom = r.bottom;
  $('#redlist').innerHTML = listItems(top, indicator);
  $('#blacklist').innerHTML = listItems(bottom, indicator);
  $('#rankings-sub').textContent = `${t('ind.' + indicator)} · ${t('aff.' + (r.affiliation || state.affiliation))}`;
  const table = $('#rankings');
  table.dataset.indicator = indicator;
  if (r.position !== null && r.position !== undefined) {
    table.dataset.position = String(r.position);
    setPosition(r.position);
  }
  renderMap(r);
}

async function loadRankings() {
  const { state } = ctx;
  const seq = state.renderSeq;
  const r = await api.rankings(state.code, { indicator: state.indicator, affiliation: state.affiliation, top: 5, bottom: 5 });
  if (seq !== state.renderSeq) return;
  renderRankings(r);
}

// Live: the `rankings` topic pushes the ranking of this jurisdiction when it changes. A message
// carrying lines is rendered as is; one without is a signal to re-read. Should the server not
// offer the topic, the `events` topic (or, failing that, polling) triggers a re-read.
function subscribeLive() {
  const { state } = ctx;
  if (unsubscribe) unsubscribe();
  clearInterval(pollTimer);
  pollTimer = null;
  const code = state.code, indicator = state.indicator, affiliation = state.affiliation;
  const live = state.live;
  if (!live) return;
  const onRankings = (m) => {
    if (m.type === 'error') { fallbackToEvents(); return; }
    if (m.type === 'subscribed' || m.type === 'unsubscribed' || m.type === 'live') return;
    if (m.type === 'lagging') { scheduleRefresh(); return; }
    const payload = m.rankings ?? m.ranking ?? m.data ?? m;
    const r = api.normRankings({ ...payload, position: m.position ?? payload.position }, { parent: code, indicator, affiliation });
    if (r.lines.length && (!r.parent || r.parent === code)) {
      if (ctx.state.code === code) renderRankings(r);
      scheduleRefresh(true);
    } else {
      scheduleRefresh();
    }
  };
  const fallbackToEvents = () => {
    if (unsubscribe) unsubscribe();
    unsubscribe = live.subscribe({ topic: 'events' }, (m) => {
      if (m.type === 'error') { if (unsubscribe) unsubscribe(); unsubscribe = null; startPolling(); return; }
      if (m.type === 'event' || m.type === 'lagging') scheduleRefresh();
    });
  };
  unsubscribe = live.subscribe({ topic: 'rankings', jurisdiction: code, indicator, affiliation, top: 5, bottom: 5 }, onRankings);
}

function startPolling() {
  clearInterval(pollTimer);
  pollTimer = setInterval(() => scheduleRefresh(), 1500);
}

// Coalesces re-reads: at most one in flight, at most one every 300 ms.
let refreshing = false, refreshAgain = false;
function scheduleRefresh(cardsOnly = false) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    if (refreshing) { refreshAgain = true; return; }
    refreshing = true;
    try {
      if (!cardsOnly) await loadRankings();
      await loadCards();
      await loadPlan();
    } catch (e) {
      console.warn('refresh failed', e);
    } finally {
      refreshing = false;
      if (refreshAgain) { refreshAgain = false; scheduleRefresh(); }
    }
  }, cardsOnly ? 1000 : 150);
}

// ---- map (挂图作战) ----------------------------------------------------------------------------

let geoNames = null;  // province code -> the map's region name (短名: 北京, 广东 …)
function provinceRegionNames() {
  if (geoNames) return geoNames;
  geoNames = new Map();
  const m = window.echarts && window.echarts.getMap && window.echarts.getMap('china');
  const features = m && (m.geoJSON || m.geoJson) ? (m.geoJSON || m.geoJson).features : [];
  for (const f of features) if (f.id) geoNames.set(String(f.id), f.properties.name);
  return geoNames;
}

function renderMap(r) {
  const { state } = ctx;
  const indicator = r.indicator || state.indicator;
  const invert = !api.higherIsBetter(indicator);
  const values = r.lines.map((l) => (l.value.defined ? l.value.value : null)).filter((v) => v !== null);
  let min = values.length ? Math.min(...values) : 0, max = values.length ? Math.max(...values) : 1;
  if (min === max) { min = Math.min(0, min); max = Math.max(max, min + (api.isRate(indicator) ? 0.01 : 1)); }
  $('#map-sub').textContent = `${t('ind.' + indicator)} · ${t('map.schematic')}`;
  const national = state.code === '000000' && window.echarts && window.echarts.getMap && window.echarts.getMap('china');
  $('#map').hidden = !national;
  $('#tiles').hidden = !!national;
  $('#tiles-legend').hidden = !!national;
  if (national) renderChinaMap(r, indicator, min, max, invert);
  else renderTiles(r, indicator, min, max, invert);
}

function renderChinaMap(r, indicator, min, max, invert) {
  const names = provinceRegionNames();
  const el = $('#map');
  if (!mapChart || mapChart.isDisposed() || mapChart.getDom() !== el) {
    mapChart = window.echarts.init(el, null, { renderer: 'canvas' });
    window.__gongjian.charts.map = mapChart;
    mapChart.on('click', (p) => { if (p.data && p.data.code) ctx.go({ code: p.data.code }); });
  }
  const data = r.lines.map((l) => ({
    name: names.get(l.code) || l.name.replace(/(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$/, ''),
    value: l.value.defined ? l.value.value : null, code: l.code, fullName: l.name, rank: l.rank,
  }));
  const colours = invert ? [...SCALE].reverse() : SCALE;
  mapChart.setOption({
    animation: false,
    title: { text: t('map.schematic_full'), left: 8, bottom: 6, textStyle: { fontSize: 12, color: '#666', fontWeight: 'normal' } },
    tooltip: { trigger: 'item', formatter: (p) => {
      if (!p.data) return `${esc(p.name)}<br>${esc(t('map.no_data'))}`;
      return `${esc(p.data.fullName)}<br>${esc(t('ind.' + indicator))}: ${fmtPlain(indicator, p.data.value)}<br>${esc(t('rank.rank'))}: ${p.data.rank}`;
    } },
    visualMap: { type: 'continuous', min, max, left: 8, top: 8, calculable: false, itemHeight: 110, itemWidth: 12,
      inRange: { color: colours }, text: [fmtPlain(indicator, max), fmtPlain(indicator, min)], textStyle: { fontSize: 11 },
      formatter: (v) => fmtPlain(indicator, v) },
    series: [{ type: 'map', map: 'china', roam: false, zoom: 1, layoutCenter: ['50%', '50%'], layoutSize: '90%', selectedMode: false,
      label: { show: true, fontSize: 9, color: '#333' },
      itemStyle: { areaColor: NO_DATA, borderColor: '#999', borderWidth: 0.5 },
      emphasis: { label: { show: true, fontWeight: 'bold' }, itemStyle: { areaColor: '#ffd666' } },
      data }],
  }, { notMerge: true });
  el.dataset.regions = String(data.length);
  el.dataset.indicator = indicator;
  mapChart.resize();
  layoutMap();
}

// Fits the whole map (新疆 to 台湾, 黑龙江 to the 南海诸岛 inset) inside the panel whatever its
// width: ECharts sized by top/bottom alone keeps the aspect and overflows a narrow panel. The
// legend goes across the top of a narrow panel, beside the map on a wide one; the 示意图 note
// stays below the map.
let mapAspect = null;  // width / height of the map as ECharts draws it (its bounding box × aspectScale)
function layoutMap() {
  if (!mapChart || mapChart.isDisposed()) return;
  const W = mapChart.getWidth(), H = mapChart.getHeight();
  if (!W || !H) return;
  if (mapAspect === null) {
    const geo = mapChart.getModel().getSeriesByIndex(0)?.coordinateSystem;
    const rect = geo && geo.getBoundingRect && geo.getBoundingRect();
    mapAspect = rect && rect.height ? rect.width / rect.height * (geo.aspectScale ?? 0.75) : 1.2;
  }
  const narrow = W < 520;
  const top = narrow ? 44 : 12, bottom = 28, left = narrow ? 4 : 70, right = narrow ? 4 : 8;
  const w = Math.max(40, W - left - right), h = Math.max(40, H - top - bottom);
  // layoutSize is the longer side of the map's box.
  const size = mapAspect > 1 ? Math.min(w, h * mapAspect) : Math.min(h, w / mapAspect);
  mapChart.setOption({
    visualMap: narrow ? { orient: 'horizontal', left: 8, top: 4, itemHeight: Math.min(160, W - 140), itemWidth: 10 }
      : { orient: 'vertical', left: 8, top: 8, itemHeight: 110, itemWidth: 12 },
    series: [{ layoutCenter: [left + w / 2, top + h / 2], layoutSize: Math.floor(size) }],
  });
}

function renderTiles(r, indicator, min, max, invert) {
  const el = $('#tiles');
  el.innerHTML = r.lines.map((l) => {
    const v = l.value.defined ? l.value.value : null;
    return `<a class="tile" href="#overview/${esc(l.code)}" data-code="${esc(l.code)}" style="background:${colourFor(v, min, max, invert)};color:${textOn(v, min, max, invert)}">
      <span class="tile-name">${esc(l.name)}</span><span class="tile-value">${fmtValue(indicator, l.value)}</span>
      <span class="tile-rank">${esc(t('rank.rank'))} ${l.rank}</span></a>`;
  }).join('') || `<p class="muted">${esc(t('rank.no_children'))}</p>`;
  const steps = [0, 0.25, 0.5, 0.75, 1].map((f) => min + (max - min) * f);
  $('#tiles-legend').innerHTML = `<span>${fmtPlain(indicator, invert ? max : min)}</span>
    <span class="bar">${steps.map((s) => `<i style="background:${colourFor(s, min, max, invert)}"></i>`).join('')}</span>
    <span>${fmtPlain(indicator, invert ? min : max)}</span> <span class="muted">${esc(t('map.tiles_note'))}</span>`;
}

// ---- time series -------------------------------------------------------------------------------

async function loadTrend() {
  const { state } = ctx;
  const seq = state.renderSeq;
  const el = $('#trend');
  let points;
  try {
    const [hist, ind] = await Promise.all([api.indicatorHistory(state.code, { affiliation: state.affiliation }),
      api.indicators(state.code, { affiliation: state.affiliation })]);
    points = hist;
    // The campaign's baseline (its first day) as the first point.
    const base = {};
    for (const l of ind.lines) if (l.baseline.defined) base[l.name] = l.baseline.value;
    if (Object.keys(base).length) points = [{ date: state.campaign ? state.campaign.startsOn : t('card.baseline'), values: base, round: null }, ...points];
  } catch (e) {
    el.innerHTML = `<p class="muted">${esc(ctx.errorText(e))}</p>`;
    if (trendChart) { trendChart.dispose(); trendChart = null; }
    return;
  }
  if (seq !== state.renderSeq) return;
  if (!trendChart || trendChart.isDisposed() || trendChart.getDom() !== el) {
    el.innerHTML = '';
    trendChart = window.echarts.init(el, null, { renderer: 'canvas' });
    window.__gongjian.charts.trend = trendChart;
  }
  const xs = points.map((p) => p.date || (p.label === 'now' ? t('trend.now') : String(p.position)));
  trendChart.setOption({
    animation: false,
    color: ['#c8102e', '#d48806', '#1d39c4', '#389e0d'],
    tooltip: { trigger: 'axis', valueFormatter: (v) => (v === null || v === undefined ? '—' : (v * 100).toFixed(1) + '%') },
    legend: { top: 0, left: 'center', data: TREND_INDICATORS.map((i) => t('ind.' + i)) },
    grid: { left: 48, right: 16, top: legendHeight(el.clientWidth), bottom: 28 },
    xAxis: { type: 'category', data: xs, boundaryGap: false },
    yAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v) => Math.round(v * 100) + '%' } },
    series: TREND_INDICATORS.map((i) => ({ name: t('ind.' + i), type: 'line', showSymbol: false, connectNulls: true,
      data: points.map((p) => (p.values[i] === undefined ? null : p.values[i])),
      markLine: i === TREND_INDICATORS[0] ? { symbol: 'none', silent: true, lineStyle: { color: '#bbb', type: 'dashed' },
        label: { show: false }, data: points.filter((p) => p.round).map((p, k) => ({ xAxis: xs[points.indexOf(p)], name: String(k) })) } : undefined })),
  }, { notMerge: true });
  trendChart.resize();
}

// The legend wraps onto more lines in a narrow panel (or in English): the plot starts below it.
// Item widths as ECharts lays them out: 25 px symbol, 5 px gap, the text, 10 px between items.
function legendHeight(width) {
  const c = legendHeight.ctx || (legendHeight.ctx = document.createElement('canvas').getContext('2d'));
  c.font = `12px ${getComputedStyle(document.body).fontFamily}`;
  const avail = Math.max(100, width - 10);
  let lines = 1, x = 0;
  for (const name of TREND_INDICATORS.map((i) => t('ind.' + i))) {
    const w = 30 + c.measureText(name).width;
    if (x > 0 && x + w > avail) { lines++; x = 0; }
    x += w + 10;
  }
  return 8 + lines * 24;
}

function layoutTrend() {
  if (!trendChart || trendChart.isDisposed()) return;
  trendChart.setOption({ grid: { top: legendHeight(trendChart.getWidth()) } });
}

export function currentRankings() { return lastRankings; }
export { tEnum };
