// Reporting periods written as the API writes them: YYYY, YYYY-Qn, YYYY-MM.

const PERIOD = /^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$/;

// { kind, year, index, start: 'YYYY-MM-DD', end: 'YYYY-MM-DD', text } or null.
export function periodParse(text) {
  const m = PERIOD.exec(text || '');
  if (!m) return null;
  const year = Number(m[1]);
  if (m[2]) return make('quarter', year, Number(m[2]));
  if (m[3]) return make('month', year, Number(m[3]));
  return make('year', year, 1);
}

function pad(n) {
  return String(n).padStart(2, '0');
}

function make(kind, year, index) {
  const months = kind === 'year' ? [1, 12] : kind === 'quarter' ? [index * 3 - 2, index * 3] : [index, index];
  const lastDay = new Date(Date.UTC(year, months[1], 0)).getUTCDate();
  const text = kind === 'year' ? String(year) : kind === 'quarter' ? year + '-Q' + index : year + '-' + pad(index);
  return { kind, year, index, text, start: year + '-' + pad(months[0]) + '-01', end: year + '-' + pad(months[1]) + '-' + pad(lastDay) };
}

// The period just before, of the same kind.
export function periodPrevious(p) {
  const per = p.kind === 'year' ? 1 : p.kind === 'quarter' ? 4 : 12;
  return p.index > 1 ? make(p.kind, p.year, p.index - 1) : make(p.kind, p.year - 1, per);
}

// The last quarter that has ended by `today`.
export function periodLastQuarter(today = new Date()) {
  const q = Math.floor(today.getUTCMonth() / 3) + 1;
  return periodPrevious(make('quarter', today.getUTCFullYear(), q));
}
