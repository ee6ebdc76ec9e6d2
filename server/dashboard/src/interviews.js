// Accountability interviews (约谈): scheduled, held, rectification items, closed or escalated;
// who is interviewed and why.
import * as api from './api.js';
import { t, tEnum } from './i18n.js';
import { esc, fmtTime, fmtInt } from './format.js';
import { setPosition } from './app.js';

const $ = (sel) => document.querySelector(sel);
const STATUSES = ['scheduled', 'held', 'rectifying', 'escalated', 'closed'];

let unsubscribe = null;
let timer = null;

export function leave() {
  if (unsubscribe) unsubscribe();
  unsubscribe = null;
  clearTimeout(timer);
}

// Live: the `interviews` topic sends every interview in scope, then `live`, then each one that
// changes; after `live` a change re-reads the list (coalesced, at most once a second).
function follow(ctx) {
  const { state } = ctx;
  leave();
  if (!state.live) return;
  const code = state.code;
  let live = false;
  unsubscribe = state.live.subscribe({ topic: 'interviews', jurisdiction: code }, (m) => {
    if (m.type === 'live') { live = true; return; }
    if (!live || m.type !== 'interview' || state.code !== code || state.view !== 'interviews') return;
    clearTimeout(timer);
    timer = setTimeout(() => render(ctx).catch(() => {}), 1000);
  });
}

export async function show(ctx) {
  follow(ctx);
  await render(ctx);
}

async function render(ctx) {
  const { state } = ctx;
  const seq = state.renderSeq;
  const r = await api.interviews(state.code);
  if (seq !== state.renderSeq) return;
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  for (const iv of r.lines) counts[iv.status] = (counts[iv.status] || 0) + 1;
  $('#iv-summary').innerHTML = STATUSES.map((s) => `<span class="pill iv-${s}">${esc(tEnum('iv.status', s))} <b>${fmtInt(counts[s])}</b></span>`).join('');
  $('#iv-sub').textContent = state.jurisdiction ? state.jurisdiction.name : '';
  const lines = [...r.lines].sort((a, b) => (b.round ?? 0) - (a.round ?? 0) || String(a.jurisdiction).localeCompare(String(b.jurisdiction)));
  $('#interviews tbody').innerHTML = lines.map((iv) => {
    const done = iv.items.filter((i) => i.done).length;
    const items = iv.items.length ? `<details><summary>${done}/${iv.items.length}</summary><ul>${iv.items.map((i) =>
      `<li class="${i.done ? 'done' : ''}">${esc(i.problem)} — ${esc(i.requirement)} (${esc(i.deadline)})${i.done ? ' ✓ ' + esc(i.doneOn) : ''}</li>`).join('')}</ul></details>` : '—';
    // What was said at the interview, then how it ended: struck off with a conclusion, or
    // passed to the level above with the reason.
    const said = [iv.answer && `${t('iv.answer')}: ${esc(iv.answer)}`, iv.pledge && `${t('iv.pledge')}: ${esc(iv.pledge)}`];
    let ended = '';
    if (iv.escalatedTo) {
      ended = `${t('iv.escalated_to')} ${esc(api.jurisdictionName(iv.escalatedTo) || iv.escalatedTo)} ${esc(iv.escalatedOn)}` +
        (iv.escalation ? `<br>${t('iv.escalated_because')}: ${esc(iv.escalation)}` : '');
    }
    if (iv.status === 'closed' && (iv.conclusion || iv.closedOn)) ended = `${esc(iv.conclusion)} ${esc(iv.closedOn)}`;
    const outcome = [...said, ended].filter(Boolean).join('<br>');
    return `<tr class="iv-${esc(iv.status)}" data-status="${esc(iv.status)}">
      <td>${esc(iv.round ?? '')}</td><td class="jname" data-code="${esc(iv.jurisdiction)}">${esc(iv.jurisdictionName || api.jurisdictionName(iv.jurisdiction) || iv.jurisdiction)}</td><td>${esc(iv.person)}</td>
      <td>${iv.reasons.map((x) => esc(tEnum('iv.reason', x))).join('，')}</td>
      <td>${esc(fmtTime(iv.heldAt ?? iv.scheduledAt))}${iv.place ? '<br><span class="muted small">' + esc(iv.place) + '</span>' : ''}</td>
      <td><span class="pill iv-${esc(iv.status)}">${esc(tEnum('iv.status', iv.status))}</span></td><td>${items}</td><td class="small">${outcome}</td></tr>`;
  }).join('') || `<tr><td colspan="8" class="muted">${esc(t('none'))}</td></tr>`;
  setPosition(r.position);
  api.resolveNames(lines.map((iv) => iv.jurisdiction), () => {
    if (seq !== state.renderSeq) return;
    for (const td of document.querySelectorAll('#interviews td.jname')) td.textContent = api.jurisdictionName(td.dataset.code) || td.dataset.code;
  });
}
