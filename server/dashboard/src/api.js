// The one module that knows the server's HTTP and WebSocket API (docs/api.md). Every other module
// works with the normalized shapes returned here, so a change of the wire format changes only
// this file. Normalizers accept the documented shape and tolerate close variants (a value as a
// {numerator, denominator} object or a plain number; `as_of` as a number or an object).

const TOKEN_KEY = 'gongjian.token';

export class ApiError extends Error {
  // `about` says what was asked for ({jurisdiction, asOf}), so a 404 can be told apart: a route the
  // server does not offer (its error names the field `path`), or a jurisdiction that does not
  // exist (at all, or not yet at the position asked for).
  constructor(status, body, about = {}) {
    const err = (body && body.error) || {};
    super(err.message || `HTTP ${status}`);
    this.status = status;
    this.code = err.code || (status === 404 ? 'not_found' : 'http_' + status);
    this.kind = err.kind || '';
    this.rule = err.rule || '';
    this.field = err.field || '';
    this.jurisdiction = about.jurisdiction ?? null;
    this.asOf = about.asOf ?? null;
  }
  get noRoute() { return this.status === 404 && this.field === 'path'; }
}

// Called once for any 401 (the token is unknown, expired or revoked): the page signs out.
let unauthenticated = () => {};
export function onUnauthenticated(f) { unauthenticated = f; }

export function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }
export function setToken(t) { if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY); }

async function request(path, options = {}) {
  return (await requestText(path, options)).json;
}

// The answer's JSON and its text (for numbers JSON.parse would round, see bigCursor).
async function requestText(path, { method = 'GET', params = {}, body, about } = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  }
  const headers = { Authorization: 'Bearer ' + token() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let json = null;
  const text = await res.text();
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!res.ok) {
    const e = new ApiError(res.status, json, about);
    if (res.status === 401) unauthenticated(e);
    throw e;
  }
  return { json, text };
}

// A top-level `next` cursor exactly as sent. Interview ids are 64-bit and may exceed 2^53, where
// JSON.parse rounds them: a rounded cursor repeats or skips interviews at page boundaries. The
// top-level `next` is the last one in the text (items come before it and carry none).
function bigCursor(text, parsed) {
  const all = [...String(text).matchAll(/"next"\s*:\s*(\d+|null)/g)];
  if (!all.length) return parsed ?? null;
  const v = all[all.length - 1][1];
  return v === 'null' ? null : v;
}

// ---- value helpers --------------------------------------------------------------------------

// A value as {num, den, value, defined}: value is a number (a ratio for rates) or null when
// undefined (a ratio over zero).
export function normValue(v) {
  if (v === null || v === undefined) return { num: null, den: null, value: null, defined: false };
  if (typeof v === 'number') return { num: v, den: 1, value: v, defined: true };
  if (typeof v === 'object') {
    if ('numerator' in v || 'denominator' in v) {
      const num = Number(v.numerator ?? 0), den = Number(v.denominator ?? 1);
      const defined = v.defined !== undefined ? !!v.defined : den !== 0;
      const value = defined ? (typeof v.value === 'number' ? v.value : num / den) : null;
      return { num, den, value, defined };
    }
    if ('value' in v) return normValue(v.value);
  }
  return { num: null, den: null, value: null, defined: false };
}

// The log position an answer reflects: every query body carries `position` (and `as_of`, the
// same number when a past position was asked for, else null).
export function bodyPosition(j) {
  if (!j) return null;
  if (typeof j.position === 'number') return j.position;
  return positionOf(j.as_of);
}

export function positionOf(asOf) {
  if (asOf === null || asOf === undefined) return null;
  if (typeof asOf === 'number') return asOf;
  if (typeof asOf === 'object') return asOf.position ?? asOf.log_position ?? null;
  const n = Number(asOf);
  return Number.isFinite(n) ? n : null;
}

const RATE_INDICATORS = new Set(['standalone_formation_rate', 'organization_coverage_rate', 'work_coverage_rate',
  'ledger_progress', 'union_coverage_rate', 'womens_federation_coverage_rate']);
export function isRate(indicator) { return RATE_INDICATORS.has(indicator); }
export function higherIsBetter(indicator) { return indicator !== 'should_form_not_formed'; }

export const INDICATORS = ['ledger_progress', 'standalone_formation_rate', 'organization_coverage_rate',
  'work_coverage_rate', 'should_form_not_formed', 'eligible', 'orgs_in_scope', 'orgs_surveyed',
  'members_disclosed', 'pocket_members_disclosed', 'hidden_members_disclosed', 'transfers_completed',
  'members_developed', 'instructors_assigned', 'orgs_with_instructor', 'union_coverage_rate',
  'womens_federation_coverage_rate', 'formation_targets', 'formation_targets_struck_off'];

function list(x, ...keys) {
  if (Array.isArray(x)) return x;
  if (!x || typeof x !== 'object') return [];
  for (const k of keys) if (Array.isArray(x[k])) return x[k];
  return [];
}

// ---- who am I ---------------------------------------------------------------------------------

export async function whoami() {
  const j = await request('/api/v1/whoami');
  return { name: j.name || '', role: j.role || '', scope: j.scope || j.jurisdiction || '000000' };
}

export async function health() {
  const res = await fetch('/readyz');
  return res.ok ? res.json() : null;
}

// ---- jurisdictions ----------------------------------------------------------------------------

function normJurisdictionRef(x) {
  if (typeof x === 'string') return { code: x, name: x, level: '' };
  return { code: String(x.code ?? x.jurisdiction ?? ''), name: x.name ?? x.jurisdiction_name ?? String(x.code ?? ''),
    level: x.level ?? '', leader: x.leader ?? x.responsible_leader ?? '' };
}

const jurisdictionCache = new Map();  // code -> {code, name, level, parent} (names and parents never change)

async function jurisdictionOnly(code, asOf) {
  const j = await request(`/api/v1/jurisdictions/${encodeURIComponent(code)}`, { params: { as_of: asOf }, about: { jurisdiction: code, asOf } });
  const self = normJurisdictionRef(j);
  const out = { ...self, parent: j.parent ? String(j.parent) : null, children: list(j, 'children').map(normJurisdictionRef),
    position: bodyPosition(j) };
  jurisdictionCache.set(out.code, { code: out.code, name: out.name, level: out.level, parent: out.parent });
  for (const c of out.children) if (!jurisdictionCache.has(c.code)) jurisdictionCache.set(c.code, { ...c, parent: out.code });
  return out;
}

// A jurisdiction with its children and its path from the top, as far up as `visible(code)` allows
// (the token's scope: nothing above it is asked for, which the server would refuse with 403).
export async function jurisdiction(code, { asOf, visible = () => true } = {}) {
  const out = await jurisdictionOnly(code, asOf);
  const path = [{ code: out.code, name: out.name, level: out.level }];
  let parent = out.parent;
  while (parent && visible(parent)) {
    let p = jurisdictionCache.get(parent);
    if (!p || p.parent === undefined) {
      try { p = await jurisdictionOnly(parent); } catch { break; }  // 403 above the token's scope
    }
    path.unshift({ code: p.code, name: p.name, level: p.level });
    parent = p.parent;
  }
  return { ...out, path };
}

export function jurisdictionName(code) { const j = jurisdictionCache.get(code); return j ? j.name : ''; }

// Names of jurisdictions not seen yet (a few requests at a time, at most `cap` of them); calls
// `done` once they are known. Codes the token may not read are skipped.
export async function resolveNames(codes, done, cap = 300) {
  const wanted = [...new Set(codes.map(String))].filter((c) => c && !jurisdictionCache.has(c)).slice(0, cap);
  if (!wanted.length) return;
  let next = 0;
  const worker = async () => {
    while (next < wanted.length) {
      const code = wanted[next++];
      try { await jurisdictionOnly(code); } catch { /* out of scope or gone */ }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  done();
}

// ---- indicators -------------------------------------------------------------------------------

function normIndicatorLine(name, x) {
  const cur = normValue(x && typeof x === 'object' && ('current' in x || 'value' in x) ? (x.current ?? x.value) : x);
  const base = normValue(x && x.baseline);
  const last = normValue(x && (x.last_bulletin ?? x.at_last_bulletin));
  return { name, current: cur, baseline: base, lastBulletin: last, rate: x && x.rate !== undefined ? !!x.rate : isRate(name) };
}

export async function indicators(code, { affiliation = 'party', asOf } = {}) {
  const j = await request(`/api/v1/indicators/${encodeURIComponent(code)}`, { params: { affiliation, as_of: asOf }, about: { jurisdiction: code, asOf } });
  let lines = [];
  const src = j.indicators ?? j.values ?? [];
  if (Array.isArray(src)) lines = src.map((x) => normIndicatorLine(x.name ?? x.indicator ?? x.which, x));
  else lines = Object.entries(src).map(([k, v]) => normIndicatorLine(k, v));
  const byName = Object.fromEntries(lines.map((l) => [l.name, l]));
  return { code: j.code ?? code, name: j.name ?? '', affiliation: j.affiliation ?? affiliation, lines, byName,
    position: bodyPosition(j), date: j.date ?? j.as_of_date ?? null };
}

// A time series of indicators over the campaign: [{position, time_ms, date, label, values: {name: number|null}}].
// The server gives the values at each bulletin of the campaign plus the current ones.
export async function indicatorHistory(code, { affiliation = 'party' } = {}) {
  const j = await request(`/api/v1/indicators/${encodeURIComponent(code)}/history`, { params: { affiliation }, about: { jurisdiction: code } });
  const points = [...list(j, 'bulletins', 'points', 'series', 'history')];
  if (j.current && (j.current.indicators || j.current.values)) points.push({ ...j.current, label: 'now' });
  return points.map((p) => {
    const values = {};
    const src = p.indicators ?? p.values ?? {};
    if (Array.isArray(src)) for (const x of src) values[x.name ?? x.indicator ?? x.which] = normValue(x.value ?? x).value;
    else for (const [k, v] of Object.entries(src)) values[k] = normValue(v).value;
    return { position: p.log_position ?? p.position ?? null, time_ms: p.timestamp_ms ?? p.time_ms ?? null,
      date: typeof p.as_of === 'string' ? p.as_of : (p.date ?? null), label: p.label ?? p.kind ?? (p.round !== undefined ? 'round ' + p.round : ''),
      round: p.round ?? null, values };
  });
}

// ---- rankings ---------------------------------------------------------------------------------

function normRankingLine(x) {
  const rank = Number(x.rank ?? 0);
  const prev = Number(x.previous_rank ?? x.rank_at_last_bulletin ?? 0);
  let change = x.rank_change ?? x.change;
  if (change === undefined || change === null) change = prev ? prev - rank : 0;
  return {
    code: String(x.code ?? x.jurisdiction ?? ''), name: x.name ?? x.jurisdiction_name ?? String(x.code ?? ''),
    rank, previousRank: prev, change: Number(change),
    value: normValue(x.value ?? x.values?.[0]),
    lastBulletinValue: normValue(x.value_at_last_bulletin ?? x.last_bulletin),
    baselineValue: normValue(x.value_at_baseline ?? x.baseline),
  };
}

export function normRankings(j, fallback = {}) {
  const r = j.ranking && typeof j.ranking === 'object' && !Array.isArray(j.ranking) ? { ...j, ...j.ranking } : j;
  const lines = list(r, 'lines', 'ranking', 'entries', 'rows', 'children').map(normRankingLine).sort((a, b) => a.rank - b.rank);
  // red_list / black_list are the codes of the top and bottom lines.
  const byCode = new Map(lines.map((l) => [l.code, l]));
  const pick = (xs) => xs.map((x) => (typeof x === 'string' || typeof x === 'number' ? byCode.get(String(x)) : normRankingLine(x))).filter(Boolean);
  const top = pick(list(r, 'red_list', 'top', 'red'));
  const bottom = pick(list(r, 'black_list', 'bottom', 'black'));
  return {
    parent: String(r.parent ?? r.jurisdiction ?? fallback.parent ?? ''),
    indicator: r.indicator ?? r.by ?? fallback.indicator,
    affiliation: r.affiliation ?? fallback.affiliation,
    lines, top, bottom,
    hasLastBulletin: r.has_last_bulletin ?? lines.some((l) => l.previousRank > 0),
    position: bodyPosition(j),
  };
}

export async function rankings(code, { indicator = 'ledger_progress', affiliation = 'party', top = 5, bottom = 5, asOf } = {}) {
  const j = await request(`/api/v1/rankings/${encodeURIComponent(code)}`,
    { params: { indicator, affiliation, top, bottom, as_of: asOf }, about: { jurisdiction: code, asOf } });
  return normRankings(j, { parent: code, indicator, affiliation });
}

// The log position of the last event at or before a China-time date's end (as_of_time).
export async function positionAtDate(code, date) {
  const j = await request(`/api/v1/jurisdictions/${encodeURIComponent(code)}`, { params: { as_of_time: `${date}T23:59:59+08:00` } });
  return bodyPosition(j);
}

// ---- ledger -----------------------------------------------------------------------------------

// A jurisdiction's action plan (行动计划) for a campaign (default: the open one, else the latest):
// {campaign, leader, today, plan: null | {setOn, position, targets, progress, revisions}}.
export async function plan(code, { campaign, today, asOf } = {}) {
  const j = await request(`/api/v1/jurisdictions/${encodeURIComponent(code)}/plan`,
    { params: { campaign, today, as_of: asOf }, about: { jurisdiction: code, asOf } });
  return normPlan(j, code);
}

export function normPlan(j, code = '') {
  const measure = (m) => (m === null || m === undefined ? null
    : { value: Number(m.value ?? m), sinceBaseline: m.since_baseline === null || m.since_baseline === undefined ? null : Number(m.since_baseline) });
  const p = j.plan;
  return {
    code: j.code ?? code, campaign: j.campaign ? { id: j.campaign.id, name: j.campaign.name ?? '', closed: !!j.campaign.closed } : null,
    leader: j.leader ? { name: j.leader.name ?? '', department: j.leader.lead_department ?? '', assignedOn: j.leader.assigned_on ?? '' } : null,
    today: j.today ?? '', position: bodyPosition(j),
    plan: p ? {
      setOn: p.set_on ?? '', position: p.position ?? null, revisions: list(p, 'revisions').length,
      targets: list(p, 'targets').map((x) => ({ type: x.type ?? '', mode: x.mode ?? '', count: Number(x.count ?? 0),
        deadline: x.deadline ?? '', daysLeft: x.days_left === undefined || x.days_left === null ? null : Number(x.days_left) })),
      progress: list(p, 'progress').map((x) => ({ type: x.type ?? '', planned: Number(x.planned ?? 0),
        targets: measure(x.formation_targets), struckOff: measure(x.struck_off), covered: measure(x.organization_covered),
        standalone: measure(x.standalone) })),
    } : null,
  };
}

export async function ledger(code, { status, overdue, cursor, limit = 100, asOf, today } = {}) {
  const j = await request(`/api/v1/ledger/${encodeURIComponent(code)}`,
    { params: { status, overdue: overdue ? 'true' : undefined, cursor, limit, as_of: asOf, today }, about: { jurisdiction: code, asOf } });
  const lines = list(j, 'targets', 'lines', 'entries', 'items').map((x) => {
    const e = x.entry ?? x;
    const so = e.struck_off && typeof e.struck_off === 'object' ? e.struck_off : null;
    return {
      target: e.target ?? e.id, org: e.org, orgName: e.org_name ?? '', jurisdiction: e.jurisdiction ?? '',
      jurisdictionName: e.jurisdiction_name ?? '', type: e.type ?? e.branch_type ?? '', mode: e.planned_mode ?? e.mode ?? '',
      deadline: e.deadline ?? '', person: e.person_responsible ?? '', designatedOn: e.designated_on ?? '',
      status: e.status ?? 'open', overdue: !!(x.overdue ?? e.overdue), reason: e.reason ?? null, reasonNote: e.reason_note ?? '',
      struckOffOn: so ? so.on : (e.struck_off_on ?? ''), struckOffBy: so ? (so.by?.user ?? '') : (e.struck_off_by?.user ?? ''),
      struckOffAt: so ? so.at : (e.struck_off_at ?? null), struckOffBranch: so ? so.branch : null,
      withdrawnOn: e.withdrawn_on ?? '',
    };
  });
  return { lines, next: j.next ?? '', position: bodyPosition(j), today: j.today ?? j.date ?? null,
    total: j.total ?? null, counts: j.counts ?? null };
}

// ---- interviews -------------------------------------------------------------------------------

// One page of interviews; `next` is the cursor of the following page (null at the end). The server
// caps `limit` at its max_page and gives no total, so counting needs every page.
export async function interviews(code, { status, affiliation, asOf, limit = 1000, cursor } = {}) {
  const { json: j, text } = await requestText('/api/v1/interviews', { params: { jurisdiction: code, status, affiliation, as_of: asOf, limit, cursor }, about: { jurisdiction: code, asOf } });
  return { position: bodyPosition(j), next: bigCursor(text, j.next), lines: list(j, 'interviews', 'lines', 'items').map(normInterview) };
}

// Every interview, page by page: onPage(lines of this page, answer) after each, so a view can show
// what it has while the rest loads; stops early (null) when `cancelled()` turns true. Pages are
// read at the head, not `as_of` the first page's position: a past position is replayed from a
// snapshot on every request, too slow to repeat per page; the cursor is the interview id, so an
// interview added meanwhile is never counted twice.
export async function allInterviews(code, { status, affiliation, pageSize = 1000, onPage = () => {}, cancelled = () => false } = {}) {
  const all = [];
  let cursor, position = null;
  for (;;) {
    const page = await interviews(code, { status, affiliation, limit: pageSize, cursor });
    if (cancelled()) return null;
    position = page.position ?? position;
    all.push(...page.lines);
    onPage(page.lines, page);
    if (page.next === null || page.next === undefined || page.next === '' || !page.lines.length) break;
    cursor = page.next;
  }
  return { position, lines: all };
}

export function normInterview(x) {
  const items = list(x, 'items', 'rectification_items').map((it, i) => ({
    index: it.item ?? it.index ?? i, problem: it.problem ?? '', requirement: it.requirement ?? '', deadline: it.deadline ?? '',
    done: !!(it.done ?? it.done_on), doneOn: typeof it.done_on === 'string' ? it.done_on : '',
  }));
  return {
    id: x.interview ?? x.id, campaign: x.campaign, jurisdiction: String(x.jurisdiction ?? ''),
    jurisdictionName: x.jurisdiction_name ?? x.name ?? '', person: x.responsible_person ?? '',
    reasons: list(x, 'reasons'), round: x.round ?? null, scheduledAt: x.scheduled_at_ms ?? null, place: x.place ?? '',
    affiliation: x.affiliation ?? 'party',
    heldAt: x.held_at_ms ?? null, answer: x.answer ?? '', pledge: x.pledge ?? '', status: x.status ?? 'scheduled',
    items, conclusion: x.conclusion ?? '', closedOn: x.closed_on ?? '', escalation: x.escalation_reason ?? '',
    escalatedOn: x.escalated_on ?? '', escalatedTo: x.escalated_to ?? '', position: x.scheduled_at_position ?? x.position ?? null,
  };
}

// ---- bulletins --------------------------------------------------------------------------------

export async function campaigns() {
  const j = await request('/api/v1/campaigns');
  return list(j, 'campaigns').map((c) => ({ id: c.id, name: c.name ?? '', startsOn: c.starts_on, endsOn: c.ends_on,
    status: c.status, cadence: c.bulletin_cadence_days, rankingIndicator: c.ranking_indicator }));
}

// A bulletin's date ("统计截至"): the server sends `as_of_date`; `as_of` is the query's position
// (null for now), a date string only from older servers.
function bulletinDate(b) {
  return b.as_of_date ?? (typeof b.as_of === 'string' ? b.as_of : null) ?? b.date ?? null;
}

export async function bulletins(campaign) {
  const j = await request('/api/v1/bulletins', { params: { campaign } });
  // `affiliations`: the twins the round ranked (rounds from before League rankings: Party only).
  return list(j, 'bulletins', 'rounds').map((b) => ({ campaign: b.campaign ?? campaign, round: b.round, asOf: bulletinDate(b),
    position: positionOf(b.log_position ?? b.position), rankings: b.rankings_count ?? (Array.isArray(b.rankings) ? b.rankings.length : null),
    affiliations: Array.isArray(b.affiliations) ? b.affiliations : ['party'] }));
}

export async function bulletin(campaign, round, { parent, affiliation = 'party' } = {}) {
  const j = await request(`/api/v1/bulletins/${encodeURIComponent(campaign)}/${encodeURIComponent(round)}`, { params: { parent, affiliation } });
  const b = j.bulletin ?? j;
  const rankingsList = list(b, 'rankings').map((r) => ({
    parent: String(r.parent ?? ''), parentName: r.parent_name ?? '', by: r.by ?? r.indicator, affiliation: r.affiliation,
    // The red and black lists as the API computes them (never overlapping; unmeasured lines on neither).
    red: new Set(list(r, 'red_list').map(String)), black: new Set(list(r, 'black_list').map(String)),
    lines: list(r, 'lines').map((l) => {
      // values: {indicator: {numerator, denominator, value}} (or a list of {which, ...})
      const values = Array.isArray(l.values) ? l.values : Object.entries(l.values ?? {}).map(([k, v]) => ({ which: k, ...v }));
      const main = values.find((v) => (v.which ?? v.indicator) === (r.by ?? r.indicator)) ?? values[0];
      const code = String(l.jurisdiction ?? l.code ?? '');
      return { code, name: l.name ?? l.jurisdiction_name ?? jurisdictionName(code), rank: l.rank,
        previousRank: l.previous_rank ?? 0, value: normValue(main), values: values.map((v) => ({ which: v.which ?? v.indicator, value: normValue(v) })) };
    }).sort((a, b2) => a.rank - b2.rank),
  }));
  return { campaign: b.campaign ?? campaign, round: b.round ?? round, asOf: bulletinDate(b), affiliation: b.affiliation ?? affiliation,
    affiliations: Array.isArray(b.affiliations) ? b.affiliations : ['party'],
    position: positionOf(b.log_position ?? b.position), issuedAt: b.issued_at_ms ?? b.timestamp_ms ?? null, rankings: rankingsList };
}

// ---- audit, the log, verification -------------------------------------------------------------

export function normEvent(e) {
  return { position: e.position, stream: e.stream ?? '', version: e.version, type: e.type ?? '', time_ms: e.timestamp_ms ?? null,
    actor: e.actor ?? {}, commandId: e.command_id ?? '', hash: e.hash ?? '', summary: e.summary ?? e.payload ?? null };
}

export async function log(from = 1, limit = 20) {
  const j = await request('/api/v1/log', { params: { from, limit } });
  return { from: j.from, next: j.next, head: j.head, events: list(j, 'events').map(normEvent) };
}

export async function audit(params = {}) {
  const j = await request('/api/v1/audit', { params });
  return { next: j.next ?? null, position: bodyPosition(j), lines: list(j, 'lines', 'events', 'entries').map(normEvent) };
}

export async function verify(from = 1, to = 0) {
  const j = await request('/api/v1/verify', { method: 'POST', params: { from, to } });
  return { intact: !!j.intact, checked: j.checked, lastChecked: j.last_checked, firstBad: j.first_bad, problem: j.problem ?? '',
    headHash: j.head_hash ?? '', from: j.from, to: j.to };
}

export async function head() {
  const r = await health();
  if (r && typeof r.head === 'number') return r.head;
  const j = await request('/api/v1/log', { params: { from: 1, limit: 1 } });
  return j.head;
}

// ---- WebSocket --------------------------------------------------------------------------------

// One WebSocket with topic subscriptions that survive reconnects. `subscribe(msg, onMessage)`
// returns an unsubscribe function; messages of a topic go to its handler. For the `events` topic
// the last position seen is resent as `after` on reconnect, so nothing is missed or repeated.
export class Live {
  constructor() {
    this.ws = null;
    this.subs = new Map();  // topic -> {msg, handler, lastPosition}
    this.onstatus = () => {};
    this.onrefused = () => {};  // the upgrade failed (the browser does not say why: maybe a 401)
    this.closed = false;
    this.retry = 500;
  }
  connect() {
    if (this.ws || this.closed) return;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/ws?access_token=${encodeURIComponent(token())}`);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.retry = 500;
      this.onstatus('open');
      for (const [topic, s] of this.subs) this._send(this._subscribeMessage(topic, s));
    };
    ws.onmessage = (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch { return; }
      const s = this.subs.get(m.topic);
      if (!s) return;
      if (typeof m.position === 'number' && m.type === 'event') s.lastPosition = m.position;
      s.handler(m);
    };
    ws.onclose = () => {
      this.ws = null;
      this.onstatus('closed');
      if (this.closed) return;
      if (!opened) this.onrefused();
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(this.retry * 2, 10000);
    };
  }
  _subscribeMessage(topic, s) {
    const msg = { ...s.msg };
    if (topic === 'events' && s.lastPosition !== null) msg.after = s.lastPosition;
    return msg;
  }
  _send(obj) { if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(obj)); }
  subscribe(msg, handler) {
    const topic = msg.topic;
    const old = this.subs.get(topic);
    if (old) this._send({ op: 'unsubscribe', topic });
    const s = { msg: { op: 'subscribe', ...msg }, handler, lastPosition: msg.after ?? null };
    this.subs.set(topic, s);
    this.connect();
    this._send(this._subscribeMessage(topic, s));
    return () => {
      if (this.subs.get(topic) === s) { this.subs.delete(topic); this._send({ op: 'unsubscribe', topic }); }
    };
  }
  close() { this.closed = true; if (this.ws) this.ws.close(); }
}
