// Bulletins (每15天通报一轮): each round's rankings exactly as issued (frozen in the log), printable;
// the Party or the League rankings as the affiliation switch says (both twins are published).
import * as api from './api.js';
import { t, tEnum } from './i18n.js';
import { esc, fmtValue } from './format.js';

const $ = (sel) => document.querySelector(sel);
let ctx = null;
let selected = null;
// The rounds' dates (`as_of_date`) from the list, should one round's answer lack its own.
const datesByRound = new Map();

function rankingTable(r, nameOf) {
  const lines = r.lines;
  return `<h3>${esc(nameOf(r.parent))} · ${esc(t('ind.' + r.by))} · ${esc(tEnum('aff', r.affiliation))}</h3>
  <table class="rankings bulletin-table"><thead><tr><th>${esc(t('rank.rank'))}</th><th>${esc(t('bulletin.previous'))}</th>
  <th>${esc(t('rank.name'))}</th><th class="num">${esc(t('rank.value'))}</th><th>${esc(t('bulletin.list'))}</th></tr></thead><tbody>
  ${lines.map((l) => {
    const chg = l.previousRank ? l.previousRank - l.rank : 0;
    const arrow = !l.previousRank ? '–' : chg > 0 ? `<span class="chg up">▲${chg}</span>` : chg < 0 ? `<span class="chg down">▼${-chg}</span>` : '＝';
    const list = r.red.has(l.code) ? `<span class="pill red">${esc(t('rank.red'))}</span>` : (r.black.has(l.code) ? `<span class="pill black">${esc(t('rank.black'))}</span>` : '');
    return `<tr data-code="${esc(l.code)}"><td class="rank">${l.rank}</td><td>${l.previousRank || '–'} ${arrow}</td><td>${esc(l.name || nameOf(l.code))}</td>
      <td class="num">${fmtValue(r.by, l.value)}</td><td>${list}</td></tr>`;
  }).join('')}</tbody></table>`;
}

function campaignId(state) { return state.campaign ? state.campaign.id : 1; }

async function open(round) {
  const { state } = ctx;
  selected = round;
  for (const li of document.querySelectorAll('#bulletin-list li')) li.classList.toggle('active', li.dataset.round === String(round));
  const affiliation = state.affiliation;
  const b = await api.bulletin(campaignId(state), round, { parent: state.code, affiliation });
  const names = new Map((state.jurisdiction?.path ?? []).map((p) => [p.code, p.name]));
  for (const c of state.jurisdiction?.children ?? []) names.set(c.code, c.name);
  const nameOf = (code) => names.get(code) || code;
  let rankings = b.rankings.filter((r) => r.parent === state.code && r.affiliation === affiliation);
  if (!rankings.length) rankings = b.rankings.filter((r) => r.affiliation === affiliation).slice(0, 3);
  // Rounds issued before League rankings were frozen have none to show.
  const none = b.affiliations.includes(affiliation) ? t('bulletin.none_here') : t('bulletin.twin_not_ranked', { twin: t('aff.' + affiliation) });
  $('#bulletin-body').innerHTML = `<header class="bulletin-head">
      <h2>${esc(t('bulletin.heading', { round: b.round }))}</h2>
      <p class="bulletin-asof">${esc(t('bulletin.asof', { date: b.asOf || datesByRound.get(String(b.round)) || '' }))}${b.position ? ' · ' + esc(t('bulletin.position', { p: b.position })) : ''}</p></header>
    ${rankings.map((r) => rankingTable(r, nameOf)).join('') || `<p class="muted">${esc(none)}</p>`}
    <p class="muted small">${esc(t('bulletin.frozen'))}</p>`;
  $('#bulletin-body').dataset.round = String(b.round);
  $('#bulletin-body').dataset.affiliation = affiliation;
}

export async function show(c) {
  ctx = c;
  const list = await api.bulletins(campaignId(c.state));
  for (const b of list) datesByRound.set(String(b.round), b.asOf);
  const ul = $('#bulletin-list');
  ul.innerHTML = list.map((b) => `<li data-round="${esc(b.round)}" data-date="${esc(b.asOf ?? '')}"><a href="javascript:void 0">${esc(t('bulletin.round', { round: b.round }))}</a>
    <span class="muted small">${esc(b.asOf ?? '')}</span></li>`).join('') || `<li class="muted">${esc(t('bulletin.empty'))}</li>`;
  ul.onclick = (ev) => {
    const li = ev.target.closest('li[data-round]');
    if (li) open(li.dataset.round).catch((e) => c.showMessage(c.errorText(e)));
  };
  $('#print').onclick = () => window.print();
  if (list.length) {
    const keep = list.find((b) => String(b.round) === String(selected));
    await open(keep ? keep.round : list[list.length - 1].round);
  } else {
    $('#bulletin-body').innerHTML = '';
  }
}
