// Audit replay (审计回放): a slider and step buttons over the log's positions; the rankings and
// indicators of the jurisdiction as of that position; the events around it with actor, time,
// position and hash; and a button that re-checks the hash chain on the server.
import * as api from './api.js';
import { t, tEnum } from './i18n.js';
import { esc, fmtValue, fmtTime } from './format.js';
import { renderCards } from './overview.js';
import { replaceHash } from './app.js';

const $ = (sel) => document.querySelector(sel);
let ctx = null;
let headPos = 1;
let timer = null;
let loadSeq = 0;

function clamp(p) { return Math.max(1, Math.min(headPos, Math.round(Number(p) || 1))); }

// The position is kept in the hash (#audit/<code>?at=P), so a reload, a bookmark or a shared link
// opens the same moment.
function setPos(p, immediate) {
  p = clamp(p);
  $('#audit-slider').value = String(p);
  $('#audit-pos').value = String(p);
  ctx.state.auditAt = p;
  if (ctx.state.view === 'audit') replaceHash({ view: 'audit', at: p });
  clearTimeout(timer);
  timer = setTimeout(() => load(p).catch((e) => ctx.showMessage(ctx.errorText(e))), immediate ? 0 : 200);
}

async function load(p) {
  const { state } = ctx;
  const my = ++loadSeq;
  const [r, ind, events] = await Promise.allSettled([
    api.rankings(state.code, { indicator: state.indicator, affiliation: state.affiliation, asOf: p, top: 5, bottom: 5 }),
    api.indicators(state.code, { affiliation: state.affiliation, asOf: p }),
    api.log(Math.max(1, p - 7), 15),
  ]);
  if (my !== loadSeq) return;
  const view = $('#view-audit');
  if (r.status === 'fulfilled') {
    const rk = r.value;
    const ind2 = rk.indicator || state.indicator;
    $('#audit-rankings tbody').innerHTML = rk.lines.map((l) => {
      const chg = !l.previousRank ? '–' : l.change > 0 ? `<span class="chg up">▲${l.change}</span>` : l.change < 0 ? `<span class="chg down">▼${-l.change}</span>` : '＝';
      return `<tr data-code="${esc(l.code)}" data-rank="${l.rank}"><td class="rank">${l.rank}</td><td>${chg}</td><td>${esc(l.name)}</td><td class="num value">${fmtValue(ind2, l.value)}</td></tr>`;
    }).join('') || `<tr><td colspan="4" class="muted">${esc(t('rank.no_children'))}</td></tr>`;
    $('#audit-rankings').dataset.asOf = String(rk.position ?? p);
  } else {
    // E.g. 404: the jurisdiction was not registered yet at p. The table still says which position it is about.
    $('#audit-rankings tbody').innerHTML = `<tr><td colspan="4" class="muted">${esc(ctx.errorText(r.reason))}</td></tr>`;
    $('#audit-rankings').dataset.asOf = String(p);
  }
  if (ind.status === 'fulfilled') renderCards($('#audit-cards'), ind.value);
  else $('#audit-cards').innerHTML = `<p class="muted">${esc(ctx.errorText(ind.reason))}</p>`;
  if (events.status === 'fulfilled') {
    const evs = events.value.events;
    const at = evs.find((e) => e.position === p);
    $('#audit-asof').textContent = t('audit.asof', { p: p.toLocaleString(), time: at ? fmtTime(at.time_ms) : '' });
    $('#audit-events tbody').innerHTML = evs.map((e) => `<tr class="${e.position === p ? 'current' : e.position > p ? 'future' : ''}" data-position="${e.position}">
      <td class="num"><a href="javascript:void 0" data-goto="${e.position}">${e.position}</a></td><td>${esc(fmtTime(e.time_ms))}</td>
      <td>${esc(e.actor.user || '')}<br><span class="muted small">${esc(tEnum('role', e.actor.role || ''))} ${esc(e.actor.jurisdiction || '')}</span></td>
      <td>${esc(tEnum('event', e.type))}</td><td class="small">${esc(e.stream)}</td>
      <td class="hash" title="${esc(e.hash)}">${esc(e.hash.slice(0, 16))}…</td></tr>`).join('');
    $('#audit-events tbody').onclick = (ev) => { const a = ev.target.closest('[data-goto]'); if (a) setPos(a.dataset.goto, true); };
  } else {
    $('#audit-events tbody').innerHTML = `<tr><td colspan="6" class="muted">${esc(ctx.errorText(events.reason))}</td></tr>`;
  }
  view.dataset.position = String(p);
}

export async function show(c) {
  ctx = c;
  headPos = Math.max(1, Number(await api.head()) || 1);
  const slider = $('#audit-slider');
  slider.max = String(headPos);
  $('#audit-pos').max = String(headPos);
  $('#audit-head').textContent = t('audit.head', { p: headPos.toLocaleString() });
  slider.oninput = () => setPos(slider.value, false);
  $('#audit-pos').onchange = (e) => setPos(e.target.value, true);
  for (const b of document.querySelectorAll('#view-audit [data-step]')) b.onclick = () => setPos(Number(slider.value) + Number(b.dataset.step), true);
  $('#verify').onclick = verify;
  $('#audit-date').onchange = async (e) => {
    if (!e.target.value) return;
    try { setPos(await api.positionAtDate(c.state.code, e.target.value), true); } catch (err) { c.showMessage(c.errorText(err)); }
  };
  const current = Number(c.state.auditAt || $('#view-audit').dataset.position || 0);
  setPos(current > 0 ? current : headPos, true);
  await new Promise((resolve) => setTimeout(resolve, 0));
}

async function verify() {
  const out = $('#verify-result');
  out.className = 'verify running';
  out.textContent = t('audit.verifying');
  try {
    const v = await api.verify(1, 0);
    out.className = 'verify ' + (v.intact ? 'ok' : 'bad');
    out.dataset.intact = String(v.intact);
    out.textContent = v.intact
      ? t('audit.intact', { n: Number(v.checked).toLocaleString(), last: Number(v.lastChecked).toLocaleString(), hash: (v.headHash || '').slice(0, 16) })
      : t('audit.broken', { p: v.firstBad, problem: v.problem });
  } catch (e) {
    out.className = 'verify bad';
    out.textContent = ctx.errorText(e);
  }
}
