// The dashboard's API adapter (server/dashboard/src/api.js) against the JSON shapes the server
// writes (server/src/query_json.cc), without a browser: a change of the wire format shows here first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normRankings, normValue, normInterview, bodyPosition } from '../../server/dashboard/src/api.js';

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

test('interviews: rectification items, escalation target', () => {
  const iv = normInterview({ id: 3, campaign: 1, jurisdiction: '110101', responsible_person: '王', reasons: ['ranked_last'], round: 2,
    scheduled_at: '2016-08-01T00:00:00.000Z', scheduled_at_ms: 1470009600000, status: 'escalated',
    rectification_items: [{ index: 0, problem: 'p', requirement: 'r', deadline: '2016-08-20', done: true }], escalated_to: '110100',
    scheduled_at_position: 1234 });
  assert.equal(iv.id, 3);
  assert.equal(iv.items.length, 1);
  assert.equal(iv.items[0].done, true);
  assert.equal(iv.escalatedTo, '110100');
  assert.equal(iv.position, 1234);
});
