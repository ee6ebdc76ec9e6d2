// The dashboard's shell: sign-in, the jurisdiction being looked at (breadcrumbs), the indicator
// and affiliation chosen, the views (tabs) and the live connection. Routes are hashes:
//   #<view>/<jurisdiction code>?indicator=..&affiliation=..   e.g. #overview/110000
//   #audit/<code>?at=<log position>                          an audit moment, to bookmark or share
// A route the user may not see is corrected in the address bar (history.replaceState) with a
// message saying why, so the URL always names what is shown.
import * as api from './api.js';
import { loadLang, savedLang, currentLang, t, applyStatic } from './i18n.js';
import { esc } from './format.js';
import * as overview from './overview.js';
import * as ledgerView from './ledger.js';
import * as bulletinsView from './bulletins.js';
import * as interviewsView from './interviews.js';
import * as auditView from './audit.js';

const VIEWS = { overview, ledger: ledgerView, bulletins: bulletinsView, interviews: interviewsView, audit: auditView };

// Shared state; the views read it and the tests look at it through window.__gongjian.
export const state = {
  me: null,              // {name, role, scope}
  code: '000000',        // the jurisdiction looked at
  jurisdiction: null,    // api.jurisdiction() of code
  view: 'overview',
  indicator: 'ledger_progress',
  affiliation: 'party',
  live: null,            // api.Live
  campaign: null,        // the campaign shown: the open one, else the latest
  auditAt: null,         // the audit view's log position (in the hash as ?at=)
  renderSeq: 0,
};
window.__gongjian = { state, charts: {}, api };

const $ = (sel) => document.querySelector(sel);

export function showMessage(text) {
  const el = $('#message');
  el.textContent = text || '';
  el.hidden = !text;
}

export function errorText(e) {
  if (e instanceof api.ApiError) {
    if (e.status === 404) {
      if (e.noRoute) return t('error.not_available');
      if (e.jurisdiction && e.asOf) {
        return t('error.not_yet', { name: api.jurisdictionName(e.jurisdiction) || e.jurisdiction, p: Number(e.asOf).toLocaleString() });
      }
      if (e.jurisdiction) return t('error.no_jurisdiction', { code: e.jurisdiction });
      return t('error.not_found');
    }
    if (e.status === 401) return t('signin.expired');
    if (e.status === 403) return t('error.forbidden');
    return `${t('error.server')} (${e.code}): ${e.message}`;
  }
  return t('error.network') + ': ' + (e && e.message ? e.message : e);
}

function canAudit() {
  const r = state.me && state.me.role;
  return r === 'auditor' || r === 'admin';
}

function parseHash() {
  const h = location.hash.replace(/^#\/?/, '');
  const [pathPart, query = ''] = h.split('?');
  const [view, code] = pathPart.split('/');
  const q = new URLSearchParams(query);
  const at = Number(q.get('at'));
  return { view: VIEWS[view] ? view : 'overview', code: code && /^\d{6,12}$/.test(code) ? code : null,
    indicator: q.get('indicator'), affiliation: q.get('affiliation'), at: Number.isInteger(at) && at > 0 ? at : null };
}

// The hash naming a view; the audit view keeps its position (`at`).
export function hashFor({ view = state.view, code = state.code, indicator = state.indicator, affiliation = state.affiliation,
  at = view === 'audit' ? state.auditAt : null } = {}) {
  const q = new URLSearchParams();
  if (indicator !== 'ledger_progress') q.set('indicator', indicator);
  if (affiliation !== 'party') q.set('affiliation', affiliation);
  if (view === 'audit' && at) q.set('at', String(at));
  const qs = q.toString();
  return `#${view}/${code}${qs ? '?' + qs : ''}`;
}

export function go(where = {}) {
  const target = hashFor(where);
  if (location.hash === target) route(); else location.hash = target;
}

// Rewrites the address bar to what is shown, without a new history entry or a hashchange.
export function replaceHash(where = {}) {
  const target = hashFor(where);
  if (location.hash !== target) history.replaceState(null, '', target);
}

// Scope check mirroring the server's (docs/api.md "Roles and scopes"): may the user look at `code`?
function inScope(code) {
  const s = state.me ? state.me.scope : '000000';
  if (!state.me || state.me.role === 'auditor' || s === '000000') return true;
  if (s.endsWith('0000')) return code.startsWith(s.slice(0, 2));
  if (s.endsWith('00')) return code.startsWith(s.slice(0, 4));
  return code.startsWith(s);
}

function renderCrumbs() {
  const nav = $('#crumbs');
  const path = state.jurisdiction ? state.jurisdiction.path : [{ code: state.code, name: state.code }];
  nav.innerHTML = path.map((p, i) => {
    const last = i === path.length - 1;
    const name = esc(p.name || p.code);
    if (last || !inScope(p.code)) return `<span class="crumb${last ? ' current' : ''}" data-code="${esc(p.code)}">${name}</span>`;
    return `<a class="crumb" href="${esc(hashFor({ code: p.code }))}" data-code="${esc(p.code)}">${name}</a>`;
  }).join('<span class="sep">›</span>');
}

function renderIndicatorSelect() {
  const sel = $('#indicator');
  sel.innerHTML = api.INDICATORS.map((i) => `<option value="${i}">${esc(t('ind.' + i))}</option>`).join('');
  sel.value = state.indicator;
  $('#affiliation').value = state.affiliation;
}

function renderUser() {
  const me = state.me;
  $('#user').textContent = me ? `${me.name} · ${t('role.' + me.role)} · ${me.scope}` : '';
  $('#tab-audit').hidden = !canAudit();
  for (const a of document.querySelectorAll('#tabs a')) {
    a.classList.toggle('active', a.dataset.view === state.view);
    a.href = hashFor({ view: a.dataset.view });
  }
}

let routing = Promise.resolve();
function route() {
  routing = routing.then(doRoute, doRoute);
  return routing;
}

async function doRoute() {
  if (!state.me) return;
  const r = parseHash();
  let code = r.code || state.me.scope || '000000';
  const notices = [];
  if (!inScope(code)) {
    notices.push(t('route.out_of_scope', { code, scope: state.me.scope }));
    code = state.me.scope;
  }
  let view = r.view;
  if (view === 'audit' && !canAudit()) {
    notices.push(t('route.auditors_only'));
    view = 'overview';
  }
  if (view === 'audit' && r.at) state.auditAt = r.at;
  const changedCode = code !== state.code || !state.jurisdiction;
  state.view = view;
  state.code = code;
  if (r.indicator && api.INDICATORS.includes(r.indicator)) state.indicator = r.indicator;
  else if (!r.indicator) state.indicator = 'ledger_progress';
  state.affiliation = r.affiliation === 'league' ? 'league' : 'party';
  const seq = ++state.renderSeq;
  if (notices.length || !r.code) replaceHash({ view, code, indicator: state.indicator, affiliation: state.affiliation });
  showMessage(notices.join(' '));
  for (const [name, mod] of Object.entries(VIEWS)) {
    const el = document.getElementById('view-' + name);
    const active = name === view;
    if (!active && !el.hidden && mod.leave) mod.leave();
    el.hidden = !active;
  }
  renderIndicatorSelect();
  renderUser();
  let missing = null;
  if (changedCode) {
    try {
      state.jurisdiction = await api.jurisdiction(code, { visible: inScope });
    } catch (e) {
      state.jurisdiction = null;
      missing = e;
    }
  }
  if (seq !== state.renderSeq) return;
  if (!state.jurisdiction) {
    // No such jurisdiction (a mistyped code), or it could not be read: say so instead of views
    // full of errors, with the way back to the user's own jurisdiction.
    const scope = state.me.scope;
    $('#crumbs').innerHTML = `<a class="crumb" href="${esc(hashFor({ code: scope }))}" data-code="${esc(scope)}">${esc(api.jurisdictionName(scope) || scope)}</a>` +
      `<span class="sep">›</span><span class="crumb current" data-code="${esc(code)}">${esc(code)}</span>`;
    document.getElementById('view-' + view).hidden = true;
    if (missing) showMessage([...notices, errorText(missing)].join(' '));
    return;
  }
  renderCrumbs();
  try {
    await VIEWS[view].show({ state, seq, go, showMessage, errorText });
  } catch (e) {
    showMessage(errorText(e));
    console.error(e);
  }
}

function setLive(status) {
  const el = $('#live');
  el.dataset.state = status;
  el.textContent = status === 'open' ? t('live.on') : t('live.off');
}

export function setPosition(p) {
  if (p === null || p === undefined) return;
  $('#position').textContent = t('foot.position', { p: Number(p).toLocaleString() });
  $('#position').dataset.position = String(p);
}

async function signIn(tokenText) {
  api.setToken(tokenText);
  try {
    state.me = await api.whoami();
  } catch (e) {
    api.setToken('');
    state.me = null;
    throw e;
  }
  try {
    const cs = await api.campaigns();
    state.campaign = cs.find((c) => c.status === 'open') || cs[cs.length - 1] || null;
  } catch { state.campaign = null; }
  $('#signin').hidden = true;
  $('#app').hidden = false;
  state.live = new api.Live();
  state.live.onstatus = setLive;
  // A WebSocket refused before it opened may be a token no longer accepted: a cheap request tells
  // (and a 401 signs out through api.onUnauthenticated).
  state.live.onrefused = () => { api.whoami().catch(() => {}); };
  state.live.connect();
  await route();
}

// Any 401 once signed in: the token expired or was revoked. Back to the sign-in form, saying so.
function sessionExpired() {
  if (!state.me) return;  // signing in: the form reports it
  signOut({ keepHash: true });  // signing in again returns to the same view
  $('#signin-error').textContent = t('signin.expired');
}

function signOut({ keepHash = false } = {}) {
  api.setToken('');
  $('#signin-error').textContent = '';
  if (state.live) state.live.close();
  state.live = null;
  state.me = null;
  state.jurisdiction = null;
  for (const mod of Object.values(VIEWS)) if (mod.leave) mod.leave();
  $('#app').hidden = true;
  $('#signin').hidden = false;
  $('#token-input').value = '';
  if (!keepHash) history.replaceState(null, '', location.pathname);
}

async function switchLang() {
  await loadLang(currentLang() === 'zh' ? 'en' : 'zh');
  if (state.me) {
    renderIndicatorSelect();
    renderUser();
    setLive(state.live && state.live.ws && state.live.ws.readyState === 1 ? 'open' : 'closed');
    state.jurisdiction = state.jurisdiction;  // names come from the server; nothing to translate
    await route();
  }
}

async function main() {
  await loadLang(savedLang());
  document.querySelectorAll('.lang-switch').forEach((b) => b.addEventListener('click', switchLang));
  api.onUnauthenticated(sessionExpired);
  $('#signin-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('#signin-error').textContent = '';
    try {
      await signIn($('#token-input').value.trim());
    } catch (e) {
      $('#signin-error').textContent = e instanceof api.ApiError && e.status === 401 ? t('signin.bad') : errorText(e);
    }
  });
  $('#signout').addEventListener('click', () => signOut());
  $('#indicator').addEventListener('change', (e) => go({ indicator: e.target.value }));
  $('#affiliation').addEventListener('change', (e) => go({ affiliation: e.target.value }));
  window.addEventListener('hashchange', () => route());
  if (api.token()) {
    try {
      await signIn(api.token());
    } catch (e) {
      $('#signin').hidden = false;
      // The token kept from earlier in this tab is no longer accepted.
      $('#signin-error').textContent = e instanceof api.ApiError && e.status === 401 ? t('signin.expired') : errorText(e);
    }
  } else {
    $('#signin').hidden = false;
  }
  applyStatic(document);
  document.body.dataset.ready = 'true';
}

main();
