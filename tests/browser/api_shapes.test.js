// The dashboard's API adapter (server/dashboard/src/api.js) against the JSON shapes the server
// writes (server/src/query_json.cc), without a browser: a change of the wire format shows here first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normRankings, normValue, normInterview, normPlan, bodyPosition } from '../../server/dashboard/src/api.js';

test('values: {numerator, denominator, value}, undefined ratios, plain numbers', () => {
  assert.deepEqual(normValue({ numerator: 3, denominator: 4, value: 0.75 }), { num: 3, den: 4, value: 0.75, defined: true });
  assert.deepEqual(normValue({ numerator: 0, denominator: 0, value: null }), { num: 0, den: 0, value: null, defined: false });
  assert.equal(normValue(7).value, 7);
  assert.equal(normValue(null).defined, false);
});

test('rankings: lines in rank order, red and black lists from codes, position from the body', () => {
  const body = {
    jurisdiction: '000000', name: '全国', indicator: 'ledger_progress', tie_break: 'standalone_formation_rate', affiliation: 'party',
    has_last_bulletin: true,
    lines: [
      { rank: 2, code: '310000', name: '上海市', value: { numerator: 1, denominator: 2, value: 0.5 }, value_at_last_bulletin: { numerator: 1, denominator: 4, value: 0.25 },
        value_at_baseline: { numerator: 0, denominator: 4, value: 0 }, rank_at_last_bulletin: 1, rank_change: -1 },
      { rank: 1, code: '110000', name: '北京市', value: { numerator: 3, denominator: 4, value: 0.75 }, value_at_last_bulletin: { numerator: 1, denominator: 4, value: 0.25 },
        value_at_baseline: { numerator: 0, denominator: 4, value: 0 }, rank_at_last_bulletin: 2, rank_change: 1 },
    ],
    red_list: ['110000', '310000'], black_list: ['310000', '110000'], position: 99, as_of: null,
  };
  const r = normRankings(body);
  assert.equal(r.parent, '000000');
  assert.deepEqual(r.lines.map((l) => [l.rank, l.code, l.change, l.previousRank]), [[1, '110000', 1, 2], [2, '310000', -1, 1]]);
  assert.deepEqual(r.top.map((l) => l.code), ['110000', '310000']);
  assert.deepEqual(r.bottom.map((l) => l.code), ['310000', '110000']);
  assert.equal(r.position, 99);
  assert.equal(r.hasLastBulletin, true);
  // A WebSocket push is the same body with type/topic added.
  assert.equal(normRankings({ ...body, type: 'ranking', topic: 'rankings' }).lines.length, 2);
});

test('positions: `position` of the body, else `as_of`', () => {
  assert.equal(bodyPosition({ position: 5, as_of: null }), 5);
  assert.equal(bodyPosition({ as_of: 7 }), 7);
  assert.equal(bodyPosition({}), null);
});

test('interviews: place, what was said, rectification items with their dates, escalation', () => {
  const iv = normInterview({ id: 3, campaign: 1, jurisdiction: '110101', responsible_person: '王', reasons: ['ranked_last'], round: 2,
    scheduled_at: '2016-08-01T00:00:00.000Z', scheduled_at_ms: 1470009600000, place: '上级市场监管部门约谈室', status: 'escalated',
    held_at: '2016-08-02T00:00:00.000Z', held_at_ms: 1470096000000, answer: '摸排不细', pledge: '月底前完成', conclusion: null, closed_on: null,
    rectification_items: [{ index: 0, problem: 'p', requirement: 'r', deadline: '2016-08-20', done: true, done_on: '2016-08-18' },
      { index: 1, problem: 'q', requirement: 's', deadline: '2016-08-25', done: false, done_on: null }],
    escalated_to: '110100', escalation_reason: '整改逾期且排名未提升', escalated_on: '2016-08-31', scheduled_at_position: 1234 });
  assert.equal(iv.id, 3);
  assert.equal(iv.place, '上级市场监管部门约谈室');
  assert.equal(iv.heldAt, 1470096000000);
  assert.deepEqual([iv.answer, iv.pledge, iv.conclusion], ['摸排不细', '月底前完成', '']);
  assert.deepEqual(iv.items.map((i) => [i.done, i.doneOn]), [[true, '2016-08-18'], [false, '']]);
  assert.deepEqual([iv.escalatedTo, iv.escalation, iv.escalatedOn], ['110100', '整改逾期且排名未提升', '2016-08-31']);
  assert.equal(iv.position, 1234);
  // Not held yet: the server sends nulls.
  const fresh = normInterview({ id: 4, status: 'scheduled', held_at_ms: null, answer: null, pledge: null, escalated_to: null,
    escalation_reason: null, escalated_on: null, rectification_items: [] });
  assert.deepEqual([fresh.heldAt, fresh.answer, fresh.pledge, fresh.escalatedTo, fresh.escalation], [null, '', '', '', '']);
});

test('action plan: targets with days left, leader and lead department, progress by type; no plan is null', () => {
  // As GET /api/v1/jurisdictions/110101/plan?today=2016-08-21 wrote it, with a union line (no standalone count,
  // no baseline) put in place of the League one.
  const body = JSON.parse(`{"code":"110101","name":"东城区","level":"county","campaign":{"id":1,"name":"百日攻坚","starts_on":"2026-12-07","ends_on":"2027-03-01","closed":false},"leader":{"name":"王五","lead_department":"个体私营经济监督管理科","assigned_on":"2016-07-05","position":6},"today":"2016-08-21","plan":{"set_on":"2016-07-06","position":7,"actor":"example-admin","targets":[{"type":"party","mode":"standalone","count":2,"deadline":"2016-08-31","days_left":10},{"type":"league","mode":"joint","count":1,"deadline":"2016-10-31","days_left":71}],"progress":[{"type":"party","planned":2,"formation_targets":{"value":0,"since_baseline":0},"struck_off":{"value":0,"since_baseline":0},"organization_covered":{"value":0,"since_baseline":0},"standalone":{"value":0,"since_baseline":0}},{"type":"trade_union","planned":1,"formation_targets":{"value":3,"since_baseline":null},"struck_off":{"value":1,"since_baseline":null},"organization_covered":{"value":2,"since_baseline":null},"standalone":null}],"revisions":[{"set_on":"2016-07-06","position":7,"actor":"example-admin"}]},"position":7,"as_of":null}`);
  const p = normPlan(body);
  assert.equal(p.code, '110101');
  assert.deepEqual(p.campaign, { id: 1, name: '百日攻坚', closed: false });
  assert.deepEqual(p.leader, { name: '王五', department: '个体私营经济监督管理科', assignedOn: '2016-07-05' });
  assert.equal(p.position, 7);
  assert.equal(p.plan.setOn, '2016-07-06');
  assert.equal(p.plan.revisions, 1);
  assert.deepEqual(p.plan.targets[1], { type: 'league', mode: 'joint', count: 1, deadline: '2016-10-31', daysLeft: 71 });
  assert.deepEqual(p.plan.progress[1], { type: 'trade_union', planned: 1, targets: { value: 3, sinceBaseline: null },
    struckOff: { value: 1, sinceBaseline: null }, covered: { value: 2, sinceBaseline: null }, standalone: null });
  const none = normPlan({ code: '000000', campaign: null, leader: null, today: '2016-08-21', plan: null, position: 3, as_of: null });
  assert.equal(none.plan, null);
  assert.equal(none.leader, null);
  assert.equal(none.campaign, null);
});
