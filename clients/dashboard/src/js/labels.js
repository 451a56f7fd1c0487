// Human labels for the protocol's codes, from GET /v1/codes/<list> (no
// credential needed). A code without a label is shown tidied
// ("not_stated" -> "Not stated") rather than hidden.

import { apiGet } from './api.js';

const LISTS = ['strand', 'ethnic_group', 'ethnic_high_level_group', 'outcome', 'journey_stage', 'self_assessment', 'indicator'];
const labels = new Map();

export async function labelsLoad() {
  const answers = await Promise.allSettled(LISTS.map((list) => apiGet('codes/' + list)));
  answers.forEach((answer, i) => {
    const map = new Map();
    if (answer.status === 'fulfilled') {
      for (const row of answer.value.codes || []) map.set(row.code, row.label);
    }
    labels.set(LISTS[i], map);
  });
}

export function label(list, code) {
  const map = labels.get(list);
  if (map && map.has(code)) return map.get(code);
  if (code === null || code === undefined) return '';
  const text = String(code).replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// The codes of a list in the protocol's order (e.g. the strand filter).
export function codes(list) {
  return [...(labels.get(list) || new Map()).keys()];
}

// A label cut to fit a chart axis on a phone; the table has it whole.
export function shorten(text) {
  return text.length > 28 ? text.slice(0, 26) + '…' : text;
}
