// The filters of the overview and the partner's own view, checked here so
// a mistyped area gets a plain message instead of a round trip.

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const GSS = /^[EWSN]\d{8}$/;
const MAX_AREAS = 100;

// { filters: {from, to, area, strand} } or { error: 'message' }.
export function filtersFromForm(form) {
  const from = form.elements.from.value.trim();
  const to = form.elements.to.value.trim();
  const strand = form.elements.strand.value;
  const groups = form.elements.groups && form.elements.groups.value === 'ethnic_group' ? 'ethnic_group' : 'ethnic_group_high';
  const areas = form.elements.area.value.split(',').map((a) => a.trim().toUpperCase()).filter(Boolean);

  if (from && !MONTH.test(from)) return { error: 'From is a month written YYYY-MM.' };
  if (to && !MONTH.test(to)) return { error: 'To is a month written YYYY-MM.' };
  if (from && to && from > to) return { error: 'From must not be after To.' };
  if (areas.length > MAX_AREAS) return { error: 'At most ' + MAX_AREAS + ' areas.' };
  const bad = areas.find((a) => !GSS.test(a));
  if (bad) return { error: 'Areas are GSS codes such as E01000001 (a letter and eight digits), separated by commas.' };
  return { filters: { from, to, area: areas.join(','), strand, groups } };
}

// The query parameters every statistics endpoint takes (`groups` is the
// rates' grouping, not a filter: the overview passes it itself).
export function statsParams(filters, extra = {}) {
  return Object.assign({ from: filters.from, to: filters.to, area: filters.area, strand: filters.strand }, extra);
}
