// The journey to race equality: each partner's self-assessed stage per
// question at each assessment, as a grid (a table whose cells are shaded by
// stage AND name it), with the overall stage first.

import { apiGet, ApiError } from '../api.js';
import { h } from '../dom.js';
import { label } from '../labels.js';
import { unavailable } from './targets.js';
import { scrollBox } from '../table.js';

export async function load(ctx, params = {}) {
  if (ctx.isPublic) return { unavailable: true };
  try {
    return await apiGet('self-assessments/journey', params);
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return { unavailable: true };
    throw err;
  }
}

export function draw(root, answer, ctx) {
  if (answer.unavailable) {
    root.appendChild(unavailable('journey-unavailable', 'The journey view is', ctx.isPublic));
    return;
  }
  const partners = answer.partners.filter((p) => p.overall.length > 0);
  if (!partners.length) {
    root.appendChild(h('p', { testid: 'journey-empty', class: 'notice' }, 'No partner has recorded a self-assessment yet.'));
    return;
  }
  root.appendChild(h('p', { class: 'note' }, answer.overall_rule));
  root.appendChild(stageLegend(answer.stages));
  root.appendChild(journeyTable(partners, 'journey-table'));
  root.appendChild(questionKey(partners[0].questions.map((q) => q.question)));
}

// The questions in full: the grid names them Q1 to Q8 to stay narrow.
function questionKey(questions) {
  return h('details', { class: 'question-key', open: true }, h('summary', {}, 'The questions'),
    h('dl', { class: 'facts' }, questions.map((q) => [h('dt', {}, q.toUpperCase()), h('dd', {}, label('self_assessment', q))])));
}

function stageLegend(stages) {
  return h('p', { class: 'stage-legend' }, 'Stages, from first to last: ',
    stages.map((s, i) => [h('span', { class: 'stage stage-' + (i + 1) }, (i + 1) + ' ' + label('journey_stage', s)), ' ']));
}

function stageCell(entry) {
  if (!entry) return h('td', { class: 'stage-none' }, '–');
  return h('td', { class: 'stage stage-' + entry.rank, dataset: { rank: entry.rank } }, entry.rank + ' ' + label('journey_stage', entry.stage));
}

// One table: a group of rows per partner (its name heading the group,
// so no column is spent on it on a phone), a row per question with the
// overall stage first, and a column per assessment date of every partner
// shown.
export function journeyTable(partners, testid) {
  const dates = [...new Set(partners.flatMap((p) => p.overall.map((o) => o.assessed_on)))].sort();
  const table = h('table', { testid, class: 'journey' });
  table.appendChild(h('caption', {}, 'Self-assessed stage per question at each assessment'));
  table.appendChild(h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Question'),
    dates.map((d) => h('th', { scope: 'col' }, d)))));
  for (const p of partners) {
    const body = h('tbody');
    body.appendChild(h('tr', { class: 'group' }, h('th', { scope: 'rowgroup', colspan: dates.length + 1 }, p.name)));
    const rows = [{ name: 'Overall', series: p.overall }, ...p.questions.map((q) => ({ name: q.question.toUpperCase(), title: label('self_assessment', q.question), series: q.series }))];
    for (const row of rows) {
      const at = new Map(row.series.map((e) => [e.assessed_on, e]));
      const tr = h('tr', {}, h('th', { scope: 'row', title: row.title || null }, row.name));
      for (const d of dates) tr.appendChild(stageCell(at.get(d)));
      body.appendChild(tr);
    }
    table.appendChild(body);
  }
  return scrollBox(table);
}
