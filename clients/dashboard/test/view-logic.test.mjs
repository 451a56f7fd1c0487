// The filters' checks and the rule that a suppressed figure is never a
// number: not 0 in a table, a gap (null) in a chart.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filtersFromForm, statsParams } from '../src/js/filters.js';
import { countCell, shareCell, chartValue } from '../src/js/table.js';

const form = (from, to, area, strand = '', groups = 'ethnic_group_high') =>
  ({ elements: { from: { value: from }, to: { value: to }, area: { value: area }, strand: { value: strand }, groups: { value: groups } } });

test('filters: months, areas and strand pass through, tidied', () => {
  const { filters, error } = filtersFromForm(form('2026-01', '2026-06', ' e01099001, E01099002 ,', 'race'));
  assert.equal(error, undefined);
  assert.deepEqual(filters, { from: '2026-01', to: '2026-06', area: 'E01099001,E01099002', strand: 'race', groups: 'ethnic_group_high' });
  assert.deepEqual(filtersFromForm(form('', '', '')).filters, { from: '', to: '', area: '', strand: '', groups: 'ethnic_group_high' });
  assert.equal(filtersFromForm(form('', '', '', '', 'ethnic_group')).filters.groups, 'ethnic_group');
  assert.equal(filtersFromForm(form('', '', '', '', 'area')).filters.groups, 'ethnic_group_high', 'only the two groupings');
});

test('filters: a malformed month, a reversed range or a bad area is refused with a message', () => {
  for (const [f, t, a] of [['2026-13', '', ''], ['', '26-01', ''], ['2026-06', '2026-01', ''], ['', '', 'E0109900'], ['', '', 'E01099001;DROP'], ['', '', 'X01099001']]) {
    const result = filtersFromForm(form(f, t, a));
    assert.ok(result.error, JSON.stringify([f, t, a]));
    assert.equal(result.filters, undefined);
  }
  const many = Array.from({ length: 101 }, (_, i) => 'E01' + String(i).padStart(6, '0')).join(',');
  assert.match(filtersFromForm(form('', '', many)).error, /At most/);
});

test('statsParams: the filters plus what the view adds', () => {
  assert.deepEqual(statsParams({ from: '2026-01', to: '', area: 'E01099001', strand: '' }, { scope: 'own' }),
    { from: '2026-01', to: '', area: 'E01099001', strand: '', scope: 'own' });
});

test('a suppressed count is never a number: suppressed in tables, a gap in charts', () => {
  const small = { strand: 'race', suppressed: true, reason: 'small' };
  assert.deepEqual(countCell(small), { suppressed: true, reason: 'small' });
  assert.equal(chartValue(small), null);
  assert.equal(chartValue({ suppressed: true }), null);
  assert.deepEqual(shareCell({ suppressed: true }), { suppressed: true, reason: '' });
  // A published zero stays 0.
  assert.equal(countCell({ count: 0 }), 0);
  assert.equal(chartValue({ count: 0 }), 0);
  assert.equal(chartValue({ value: 0.5 }), 0.5);
  assert.equal(shareCell({ value: 0.5 }), '50%');
  assert.equal(shareCell({ value: null }).notComputed, true);
});
