// Accountability interviews (约谈): scheduled, held, rectification items, closed or escalated;
// who is interviewed and why. Party or League interviews as the affiliation switch says (a League
// laggard is called by the League committee above it).
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

// Live: the `interviews` topic sends every interview in scope of the switch's twin, then `live`,
// then each one that changes; after `live` a change re-reads the list (coalesced, at most once a
// second). Each show subscribes again, so switching the twin asks the server for the other one.
function follow(ctx) {
  const { state } = ctx;
  leave();
  if (!state.live) return;
  const code = state.code;
  let live = false;
  unsubscribe = state.live.subscribe({ topic: 'interviews', jurisdiction: code, affiliation: state.affiliation }, (m) => {
    if (m.type === 'live') { live = true; return; }
    if (!live || m.type !== 'interview' || state.code !== code || state.view !== 'interviews') return;
    if ((m.interview?.affiliation ?? 'party') !== state.affiliation) return;
    clearTimeout(timer);
    timer = setTimeout(() => render(ctx).catch(() => {}), 1000);
  });
}

export async function show(ctx) {
  follow(ctx);
  await render(ctx);
}

// Every interview in the subtree is read page by page (the server caps a page and gives no total),
// so the counts by status are of all of them; they grow as pages arrive, marked as loading until
// the last. The table shows the first SHOW_STEP rows (newest round first) and more on demand: a
// national list runs to thousands of rows.
const SHOW_STEP = 200;
let shown = SHOW_STEP;
let shownCode = null;
let lastLines = [];
let renderId = 0;

function renderSummary(lines, complete) {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  for (const iv of lines) counts[iv.status] = (counts[iv.status] || 0) + 1;
  const el = $('#iv-summary');
  el.innerHTML = STATUSES.map((s) => `<span class="pill iv-${s}" data-status="${s}">${esc(tEnum('iv.status', s))} <b>${fmtInt(counts[s])}</b></span>`).join('') +
    `<span class="muted small">${esc(complete ? t('iv.total', { n: fmtInt(lines.length) }) : t('iv.loading', { n: fmtInt(lines.length) }))}</span>`;
  el.dataset.complete = String(complete);
  el.dataset.total = String(lines.length);
}

function row(iv) {
  const done = iv.items.filter((i) => i.done).length;
  const items = iv.items.length ? `<details><summary>${done}/${iv.items.length}</summary><ul>${iv.items.map((i) =>
    `<li class="${i.done ? 'done' : ''}">${esc(i.problem)} — ${esc(i.requirement)} (${esc(i.deadline)})${i.done ? ' ✓ ' + esc(i.doneOn) : ''}</li>`).join('')}</ul></details>` : '—';
  // What was said at the interview, then how it went on: passed to the level above with the
  // reason, and/or closed with a conclusion (an escalated interview can be closed later; both stay).
  const said = [iv.answer && `${esc(t('iv.answer'))}: ${esc(iv.answer)}`, iv.pledge && `${esc(t('iv.pledge'))}: ${esc(iv.pledge)}`];
  let escalated = '';
  if (iv.escalatedTo) {
    escalated = `<span class="iv-escalation">${esc(t('iv.escalated_to'))} ${esc(api.jurisdictionName(iv.escalatedTo) || iv.escalatedTo)} ${esc(iv.escalatedOn)}` +
      (iv.escalation ? `<br>${esc(t('iv.escalated_because'))}: ${esc(iv.escalation)}` : '') + '</span>';
  }
  const closed = iv.status === 'closed' && (iv.conclusion || iv.closedOn)
    ? `<span class="iv-conclusion">${esc(t('iv.conclusion'))}: ${esc(iv.conclusion)} ${esc(iv.closedOn)}</span>` : '';
  const outcome = [...said, escalated, closed].filter(Boolean).join('<br>');
  const label = (k) => `data-label="${esc(t(k))}"`;
  return `<tr class="iv-${esc(iv.status)}" data-status="${esc(iv.status)}" data-id="${esc(iv.id)}">
    <td ${label('iv.round')}>${esc(iv.round ?? '')}</td><td class="jname" ${label('iv.jurisdiction')} data-code="${esc(iv.jurisdiction)}">${esc(iv.jurisdictionName || api.jurisdictionName(iv.jurisdiction) || iv.jurisdiction)}</td><td ${label('iv.person')}>${esc(iv.person)}</td>
    <td ${label('iv.reasons')}>${iv.reasons.map((x) => esc(tEnum('iv.reason', x))).join('，')}</td>
    <td ${label('iv.when')}>${esc(fmtTime(iv.heldAt ?? iv.scheduledAt))}${iv.place ? '<br><span class="muted small">' + esc(iv.place) + '</span>' : ''}</td>
    <td ${label('iv.status')}><span class="pill iv-${esc(iv.status)}">${esc(tEnum('iv.status', iv.status))}</span></td><td ${label('iv.items')}>${items}</td><td class="small outcome" ${label('iv.outcome')}>${outcome}</td></tr>`;
}

function sorted(lines) {
  return [...lines].sort((a, b) => (b.round ?? 0) - (a.round ?? 0) || String(a.jurisdiction).localeCompare(String(b.jurisdiction)));
}

function renderTable(ctx, lines, complete) {
  const { state } = ctx;
  const seq = state.renderSeq;
  const visible = sorted(lines).slice(0, shown);
  $('#interviews tbody').innerHTML = visible.map(row).join('') ||
    `<tr><td colspan="8" class="muted">${esc(complete ? t('none') : t('iv.loading', { n: 0 }))}</td></tr>`;
  const more = $('#iv-more');
  more.hidden = !(lines.length > visible.length);
  $('#iv-shown').textContent = lines.length ? t('iv.shown', { n: fmtInt(visible.length), total: fmtInt(lines.length) }) : '';
  api.resolveNames(visible.map((iv) => iv.jurisdiction), () => {
    if (seq !== state.renderSeq) return;
    for (const td of document.querySelectorAll('#interviews td.jname')) td.textContent = api.jurisdictionName(td.dataset.code) || td.dataset.code;
  });
}

async function render(ctx) {
  const { state } = ctx;
  const seq = state.renderSeq;
  const my = ++renderId;
  const code = state.code;
  const affiliation = state.affiliation;
  const shownKey = code + '|' + affiliation;
  if (shownCode !== shownKey) { shown = SHOW_STEP; shownCode = shownKey; lastLines = []; }
  $('#iv-sub').textContent = (state.jurisdiction ? state.jurisdiction.name + ' · ' : '') + t('aff.' + affiliation);
  $('#interviews').dataset.affiliation = affiliation;
  $('#iv-more').onclick = () => { shown += SHOW_STEP; renderTable(ctx, lastLines, $('#iv-summary').dataset.complete === 'true'); };
  const stale = () => seq !== state.renderSeq || my !== renderId;
  const loaded = [];
  let first = true;
  const all = await api.allInterviews(code, {
    affiliation,
    cancelled: stale,
    onPage: (lines, page) => {
      loaded.push(...lines);
      const complete = page.next === null || page.next === undefined || page.next === '' || !lines.length;
      renderSummary(loaded, complete);
      // The table is drawn from the first page at once and redrawn when the list is complete.
      if (first || complete) { lastLines = loaded; renderTable(ctx, loaded, complete); }
      first = false;
      setPosition(page.position);
    },
  });
  if (!all) return;
  lastLines = all.lines;
}
