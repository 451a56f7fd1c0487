// Tables: the accessible alternative of every chart, and the one place that
// decides how a suppressed figure looks. A suppressed cell is never shown
// as 0 or left blank: it says "suppressed" and the legend says why.

import { h, formatNumber, formatShare } from './dom.js';

// A figure the API withheld (disclosure control). `reason` is `small` or
// `secondary` when the API gives it.
export function suppressed(reason) {
  return { suppressed: true, reason: reason || '' };
}

// A figure the API did not compute (e.g. a population under the minimum).
export function notComputed(reason) {
  return { notComputed: true, reason: reason || 'not computed' };
}

// StatsCount ({count} or {suppressed, reason}) to a table cell value.
export function countCell(c) {
  if (!c) return notComputed('not given');
  if (c.suppressed) return suppressed(c.reason);
  return c.count;
}

// StatsShare ({value} or {suppressed}) to a table cell value, as a percentage.
export function shareCell(s) {
  if (!s) return notComputed('not given');
  if (s.suppressed) return suppressed(s.reason);
  if (s.value === null || s.value === undefined) return notComputed('nothing to divide');
  return formatShare(s.value);
}

// StatsCount / StatsShare to a chart value: a suppressed figure is a gap
// (null), never 0.
export function chartValue(c) {
  if (!c || c.suppressed) return null;
  if (typeof c.count === 'number') return c.count;
  if (typeof c.value === 'number') return c.value;
  return null;
}

function cellContent(td, value) {
  if (value && value.suppressed) {
    td.dataset.suppressed = 'true';
    td.classList.add('suppressed');
    td.textContent = 'suppressed';
    if (value.reason === 'small') td.title = 'Suppressed: a small count';
    else if (value.reason === 'secondary') td.title = 'Suppressed so that a small count cannot be worked out';
  } else if (value && value.notComputed) {
    td.classList.add('not-computed');
    td.textContent = '–';
    td.title = value.reason;
    td.appendChild(h('span', { class: 'visually-hidden' }, ' ' + value.reason));
  } else if (typeof value === 'number') {
    td.classList.add('num');
    td.textContent = formatNumber(value);
  } else if (value instanceof Node) {
    td.appendChild(value);
  } else {
    td.textContent = value === null || value === undefined ? '' : String(value);
  }
}

// A real table: caption, column headers (th scope=col) and, by default, the
// first cell of each row as its header (th scope=row).
export function dataTable({ caption, head, rows, rowHeaders = true, testid }) {
  const table = h('table', { testid });
  table.appendChild(h('caption', {}, caption));
  const headRow = h('tr');
  for (const label of head) headRow.appendChild(h('th', { scope: 'col' }, label));
  table.appendChild(h('thead', {}, headRow));
  const body = h('tbody');
  for (const row of rows) {
    const tr = h('tr');
    row.forEach((value, i) => {
      const cell = i === 0 && rowHeaders ? h('th', { scope: 'row' }) : h('td');
      cellContent(cell, value);
      tr.appendChild(cell);
    });
    body.appendChild(tr);
  }
  table.appendChild(body);
  return table;
}

// A table that may be wider than a phone: it scrolls inside its own box so
// the page itself never scrolls sideways.
export function scrollBox(table) {
  return h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': table.caption ? table.caption.textContent : 'table' }, table);
}

// The rule in force, from the responses' `disclosure` blocks (one line per
// distinct rule), and the legend of the suppressed marker.
export function disclosureNote(disclosures) {
  const rules = [...new Set(disclosures.filter(Boolean).map((d) => d.rule).filter(Boolean))];
  const box = h('aside', { class: 'disclosure', testid: 'disclosure', 'aria-label': 'Disclosure control' });
  box.appendChild(h('h3', {}, 'How small numbers are protected'));
  for (const rule of rules) box.appendChild(h('p', {}, rule));
  box.appendChild(
    h('p', { testid: 'suppressed-legend', class: 'legend' },
      h('span', { class: 'suppressed marker' }, 'suppressed'),
      ' means the figure is withheld: it rests on a count too small to publish, or would let one be worked out. It is not zero. In charts a suppressed figure is a gap.'),
  );
  return box;
}
