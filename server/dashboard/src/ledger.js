// The ledger (对账销号): the formation targets under the jurisdiction, with status and deadline;
// overdue items highlighted, struck-off items greyed.
import * as api from './api.js';
import { t, tEnum } from './i18n.js';
import { esc, fmtInt } from './format.js';
import { setPosition } from './app.js';

let ctx = null;
let next = '';
const $ = (sel) => document.querySelector(sel);

function rows(lines) {
  return lines.map((l) => {
    const cls = l.status === 'struck_off' ? 'struck' : l.status === 'withdrawn' ? 'withdrawn' : l.overdue ? 'overdue' : '';
    const status = l.overdue && l.status === 'open' ? `${tEnum('status', 'open')} · ${t('ledger.overdue')}` : tEnum('status', l.status);
    const struck = l.status === 'struck_off' ? `${esc(l.struckOffOn)}${l.struckOffBy ? ' · ' + esc(l.struckOffBy) : ''}`
      : l.status === 'withdrawn' ? esc(l.withdrawnOn) : (l.reason ? esc(tEnum('reason', l.reason)) : '');
    return `<tr class="${cls}" data-target="${esc(l.target)}" data-status="${esc(l.status)}" data-overdue="${l.overdue}">
      <td>${esc(l.target)}</td><td>${esc(l.orgName || l.org)}</td><td class="jname" data-code="${esc(l.jurisdiction)}">${esc(l.jurisdictionName || api.jurisdictionName(l.jurisdiction) || l.jurisdiction)}</td>
      <td>${esc(tEnum('type', l.type))}</td><td>${esc(tEnum('mode', l.mode))}</td><td>${esc(l.person)}</td>
      <td>${esc(l.deadline)}</td><td class="status">${esc(status)}</td><td>${struck}</td></tr>`;
  }).join('');
}

// Overdue is judged on the campaign's today: the real date while the campaign runs, its last day
// once it is over (a finished campaign's open items stay overdue as they were at its end). The
// action plan's days left count from the same day.
export function campaignToday(state) {
  const now = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);  // China date
  const end = state.campaign && state.campaign.endsOn;
  return end && end < now ? end : undefined;
}

async function load(append) {
  const { state } = ctx;
  const seq = state.renderSeq;
  const f = $('#ledger-filter').value;
  const q = { limit: 100, cursor: append ? next : undefined, today: campaignToday(state) };
  if (f === 'overdue') { q.overdue = true; q.status = 'open'; } else if (f) q.status = f;
  const page = await api.ledger(state.code, q);
  if (seq !== state.renderSeq) return;
  const tbody = $('#ledger tbody');
  const shown = append ? tbody.querySelectorAll('tr[data-target]').length + page.lines.length : page.lines.length;
  if (append) tbody.insertAdjacentHTML('beforeend', rows(page.lines));
  else tbody.innerHTML = rows(page.lines) || `<tr><td colspan="9" class="muted">${esc(t('none'))}</td></tr>`;
  next = page.next || '';
  $('#ledger-more').hidden = !next;
  const total = page.total !== null && page.total !== undefined ? t('ledger.total', { n: fmtInt(page.total) }) : '';
  $('#ledger-count').textContent = `${t('ledger.shown', { n: fmtInt(shown) })} ${total}`;
  $('#ledger-sub').textContent = state.jurisdiction ? state.jurisdiction.name : '';
  setPosition(page.position);
  api.resolveNames(page.lines.map((l) => l.jurisdiction), () => {
    if (seq !== state.renderSeq) return;
    for (const td of document.querySelectorAll('#ledger td.jname')) td.textContent = api.jurisdictionName(td.dataset.code) || td.dataset.code;
  });
}

export async function show(c) {
  ctx = c;
  $('#ledger-filter').onchange = () => load(false).catch((e) => c.showMessage(c.errorText(e)));
  $('#ledger-more').onclick = () => load(true).catch((e) => c.showMessage(c.errorText(e)));
  await load(false);
}
