// The dashboard's pure logic, with node's own test runner (no dependency):
// periods, a target's progress as the report reads it, the filters' checks
// and the suppressed-figure rule. `make dashboard` runs these first.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { periodParse, periodPrevious, periodLastQuarter } from '../src/js/period.js';
import { entryAt, trajectoryValue, behindOrder } from '../src/js/progress.js';

test('periodParse reads YYYY, YYYY-Qn and YYYY-MM with their first and last days', () => {
  assert.deepEqual([periodParse('2026-Q3').start, periodParse('2026-Q3').end], ['2026-07-01', '2026-09-30']);
  assert.deepEqual([periodParse('2024-02').start, periodParse('2024-02').end], ['2024-02-01', '2024-02-29']);
  assert.deepEqual([periodParse('2025-02').end, periodParse('2026-12').end], ['2025-02-28', '2026-12-31']);
  assert.deepEqual([periodParse('2026').start, periodParse('2026').end], ['2026-01-01', '2026-12-31']);
  assert.equal(periodParse('2026-Q4').text, '2026-Q4');
});

test('periodParse refuses anything else', () => {
  for (const bad of ['', null, undefined, '26', '2026-Q5', '2026-Q0', '2026-13', '2026-00', '2026-1', '2026-Q1x', ' 2026', '2026-07-01']) {
    assert.equal(periodParse(bad), null, String(bad));
  }
});

test('periodPrevious steps back one period of the same kind, across years', () => {
  assert.equal(periodPrevious(periodParse('2026-Q1')).text, '2025-Q4');
  assert.equal(periodPrevious(periodParse('2026-Q3')).text, '2026-Q2');
  assert.equal(periodPrevious(periodParse('2026-01')).text, '2025-12');
  assert.equal(periodPrevious(periodParse('2026-10')).text, '2026-09');
  assert.equal(periodPrevious(periodParse('2026')).text, '2025');
});

test('periodLastQuarter is the last quarter that has ended', () => {
  assert.equal(periodLastQuarter(new Date('2026-11-23T12:00:00Z')).text, '2026-Q3');
  assert.equal(periodLastQuarter(new Date('2026-01-01T00:00:00Z')).text, '2025-Q4');
  assert.equal(periodLastQuarter(new Date('2026-09-30T23:59:59Z')).text, '2026-Q2');
});

const series = [
  { period: '2026-Q1', end: '2026-03-31', value: 1.6 },
  { period: '2026-Q2', end: '2026-06-30', suppressed: true },
  { period: '2026-Q3', end: '2026-09-30', value: 1.9 },
];

test('entryAt: the latest entry ended by the period, and the one before', () => {
  const q3 = entryAt(series, periodParse('2026-Q3'));
  assert.equal(q3.at.period, '2026-Q3');
  assert.equal(q3.before.period, '2026-Q2');
  const year = entryAt(series, periodParse('2026'));
  assert.equal(year.at.period, '2026-Q3');
  const q1 = entryAt(series, periodParse('2026-Q1'));
  assert.equal(q1.at.period, '2026-Q1');
  assert.equal(q1.before, null);
  const before = entryAt(series, periodParse('2025-Q4'));
  assert.deepEqual(before, { at: null, before: null });
});

test('trajectoryValue: a straight line from the end of the baseline period to the due date', () => {
  const target = { baseline: { value: 300, period: '2025' }, target: { value: 420, due: '2027-12-31' } };
  // 273 of 730 days: the API's expected_value for this target was 344.88.
  assert.equal(Math.round(trajectoryValue(target, '2026-09-30') * 100) / 100, 344.88);
  assert.equal(trajectoryValue(target, '2025-12-31'), 300);
  assert.equal(trajectoryValue(target, '2027-12-31'), 420);
  assert.equal(trajectoryValue(target, '2030-01-01'), 420, 'held at the target after the due date');
  const down = { baseline: { value: 12, period: '2025-Q4' }, target: { value: 6, due: '2026-12-31' } };
  assert.ok(trajectoryValue(down, '2026-06-30') < 12 && trajectoryValue(down, '2026-06-30') > 6);
  assert.equal(trajectoryValue({ baseline: { value: 1, period: 'nope' }, target: { value: 2, due: '2027-01-01' } }, '2026-01-01'), null);
});

test('behindOrder: only targets behind, most behind first', () => {
  const t = (id, progress, expected) => ({ id, progress: { progress_pct: progress, expected_progress_pct: expected } });
  const order = behindOrder([t(1, 64, 37), t(2, 58, 60), t(3, -12, 60), t(4, null, 50), { id: 5 }, t(6, 30, 30)]);
  assert.deepEqual(order.map((g) => g.target.id), [3, 2]);
  assert.deepEqual(order.map((g) => g.gap), [72, 2]);
});
