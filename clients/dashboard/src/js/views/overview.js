// The partnership overview: reports over time by strand; rates per 1,000
// and disproportionality by ethnic group with their intervals; repeat
// victimisation across agencies; the referral funnel and the share answered
// in time; outcomes and satisfaction. All joint, disclosure-controlled.

import { apiGet } from '../api.js';
import { h, formatNumber, formatShare } from '../dom.js';
import { statsParams } from '../filters.js';
import { label, shorten } from '../labels.js';
import { chartFigure, lineChart, barChart, intervalChart } from '../charts.js';
import { dataTable, countCell, shareCell, chartValue, notComputed, disclosureNote, scrollBox } from '../table.js';

export async function load(ctx) {
  const f = ctx.filters;
  const [reports, rates, repeat, referrals, outcomes] = await Promise.all([
    apiGet('stats/reports', statsParams(f, { group: 'month,strand' })),
    apiGet('stats/rates', statsParams(f, { group: f.groups || 'ethnic_group_high' })),
    apiGet('stats/repeat', statsParams(f)),
    apiGet('stats/referrals', statsParams(f)),
    apiGet('stats/outcomes', statsParams(f)),
  ]);
  return { reports, rates, repeat, referrals, outcomes };
}

export function draw(root, data) {
  const { reports, rates, repeat, referrals, outcomes } = data;
  fillRange(reports);
  root.appendChild(h('p', { class: 'period', testid: 'overview-period' },
    'Reports that occurred from ' + reports.from + ' to ' + reports.to +
    '. Figures refreshed ' + new Date(reports.freshness.refreshed_at).toLocaleString('en-GB') + '.'));
  root.appendChild(disclosureNote([reports.disclosure, rates.disclosure, repeat.disclosure, referrals.disclosure, outcomes.disclosure]));

  const grid = h('div', { class: 'grid' });
  root.appendChild(grid);
  drawReportsByStrand(grid, reports);
  drawRates(grid, rates);
  drawRepeat(grid, repeat);
  drawReferrals(grid, referrals);
  drawOutcomes(grid, outcomes);
}

// The month inputs show the range the hub used when the user left them empty.
function fillRange(reports) {
  const from = document.getElementById('filter-from');
  const to = document.getElementById('filter-to');
  if (from && !from.value && /^\d{4}-\d{2}$/.test(reports.from)) from.value = reports.from;
  if (to && !to.value && /^\d{4}-\d{2}$/.test(reports.to)) to.value = reports.to;
}

// Cells of a month x strand table: months in order, the strands that have
// anything to show (a strand of zeros only would be an empty line).
export function reportsSeries(answer, timeKey = 'month') {
  const months = [...new Set(answer.cells.map((c) => c[timeKey]))];
  const strands = [...new Set(answer.cells.map((c) => c.strand))].filter((s) =>
    answer.cells.some((c) => c.strand === s && (c.suppressed || c.count > 0)));
  const cell = new Map(answer.cells.map((c) => [c[timeKey] + '|' + c.strand, c]));
  return { months, strands, cell };
}

export function drawReportsByStrand(grid, answer, name = 'reports-by-strand', title = 'Reports over time by strand') {
  const { months, strands, cell } = reportsSeries(answer);
  const table = dataTable({
    caption: title + ' (' + answer.from + ' to ' + answer.to + ')',
    head: ['Month', ...strands.map((s) => label('strand', s))],
    rows: months.map((m) => [m, ...strands.map((s) => countCell(cell.get(m + '|' + s)))]),
  });
  const { figure, canvas } = chartFigure(name, title, table);
  figure.appendChild(h('p', { class: 'note' }, 'A report with several strands counts once under each. Total: ',
    answer.total.suppressed ? 'suppressed' : formatNumber(answer.total.count), '.'));
  grid.appendChild(figure);
  lineChart(canvas, months,
    strands.map((s) => ({ label: label('strand', s), data: months.map((m) => chartValue(cell.get(m + '|' + s))) })),
    'Reports');
  if (strands.length === 0) figure.appendChild(h('p', { class: 'note' }, 'No reports in this period.'));
}

function groupOf(g) {
  return g.ethnic_group_high !== undefined ? label('ethnic_high_level_group', g.ethnic_group_high) : label('ethnic_group', g.ethnic_group);
}

function interval(iv) {
  if (!iv) return notComputed('not computed');
  return formatNumber(round(iv.value)) + ' (' + formatNumber(round(iv.lo)) + ' to ' + formatNumber(round(iv.hi)) + ')';
}

function round(x) {
  return Math.round(x * 100) / 100;
}

function groupNote(g) {
  if (g.suppressed) return 'count suppressed: no rate';
  return g.not_computed || '';
}

function drawRates(grid, answer) {
  const groups = answer.groups;
  const names = groups.map(groupOf);
  const ref = answer.groups.some((g) => g.ethnic_group !== undefined) ? label('ethnic_group', answer.reference) : label('ethnic_high_level_group', answer.reference);

  const rateTable = dataTable({
    caption: 'Reports per 1,000 residents by ethnic group, with 95% intervals',
    head: ['Ethnic group', 'Reports', 'Residents (Census 2021)', 'Rate per 1,000 (95% interval)', 'Note'],
    rows: groups.map((g, i) => [names[i], countCell(g), g.population === undefined ? '' : g.population, interval(g.rate), groupNote(g)]),
  });
  const tall = groups.length > 8; // the 19 detailed groups need the room
  const rate = chartFigure('rates', 'Reports per 1,000 residents by ethnic group (95% intervals)', rateTable, { tall });
  rate.figure.appendChild(h('p', { class: 'note' }, answer.method || ''));
  grid.appendChild(rate.figure);
  intervalChart(rate.canvas, names.map((n) => shorten(n)), groups.map((g) => g.rate || null), { valueLabel: 'Rate per 1,000' });

  const ratioTable = dataTable({
    caption: 'Disproportionality: each group\u2019s rate over the rate of ' + ref + ', with 95% intervals',
    head: ['Ethnic group', 'Rate ratio (95% interval)', 'Note'],
    rows: groups.map((g, i) => [names[i], g.ratio ? interval(g.ratio) : notComputed(g.ethnic_group_high === answer.reference || g.ethnic_group === answer.reference ? 'reference group' : groupNote(g) || 'not computed'), groupNote(g)]),
  });
  const ratio = chartFigure('disproportionality', 'Disproportionality against ' + ref + ' (1 = the same rate)', ratioTable, { tall });
  grid.appendChild(ratio.figure);
  intervalChart(ratio.canvas, names.map((n) => shorten(n)), groups.map((g) => g.ratio || null), { valueLabel: 'Rate ratio', reference: 1 });
}

function drawRepeat(grid, answer) {
  const ca = answer.cross_agency;
  const ar = answer.as_reported;
  const rows = [
    ['Reports', countCell(ar.reports), ''],
    ['Reports marked as a repeat', countCell(ar.repeat_yes), shareCell(ar.repeat_share)],
  ];
  const bars = [];
  if (ca) {
    rows.push(
      ['Distinct subjects', countCell(ca.subjects), ''],
      ['Subjects known to one partner', countCell(ca.one_partner), ''],
      ['Subjects known to more than one partner', countCell(ca.multi_partner), shareCell(ca.multi_partner_share)],
      ['… of more than one kind of agency', countCell(ca.multi_kind), shareCell(ca.multi_kind_share)],
    );
    bars.push(['Distinct subjects', ca.subjects], ['One partner', ca.one_partner], ['More than one partner', ca.multi_partner], ['More than one kind', ca.multi_kind]);
  }
  const table = dataTable({ caption: 'Repeat victimisation, as reported and across agencies', head: ['Measure', 'Count', 'Share'], rows });
  const { figure, canvas } = chartFigure('repeat', 'Repeat victimisation across agencies', table);
  if (ca && ca.method) figure.appendChild(h('p', { class: 'note' }, ca.method));
  grid.appendChild(figure);
  barChart(canvas, bars.map((b) => b[0]), [{ label: 'Subjects', data: bars.map((b) => chartValue(b[1])) }], { horizontal: true });
}

const FUNNEL = [
  ['reports', 'Reports'],
  ['referred_reports', 'Reports referred'],
  ['referrals', 'Referrals made'],
  ['accepted', 'Accepted'],
  ['declined', 'Declined'],
  ['open', 'Open'],
  ['accepted_with_outcome', 'Accepted, outcome recorded'],
];
const FUNNEL_SHARE = { referred_reports: 'referred_share', accepted: 'accepted_share', accepted_with_outcome: 'outcome_recorded_share' };

export function drawReferrals(grid, answer, name = 'referrals', title = 'The referral funnel') {
  const funnel = answer.funnel;
  const table = dataTable({
    caption: title,
    head: ['Stage', 'Count', 'Share'],
    rows: FUNNEL.map(([key, text]) => [text, countCell(funnel[key]), FUNNEL_SHARE[key] ? shareCell(funnel[FUNNEL_SHARE[key]]) : '']),
  });
  const { figure, canvas } = chartFigure(name, title, table);
  grid.appendChild(figure);
  barChart(canvas, FUNNEL.map((s) => s[1]), [{ label: 'Count', data: FUNNEL.map(([key]) => chartValue(funnel[key])) }], { horizontal: true });

  const t = answer.timeliness;
  const share = t.in_time_share;
  const text = share.suppressed ? 'suppressed' : share.value === null ? 'none due yet' : formatShare(share.value);
  const box = h('section', { class: 'figure-text', 'aria-label': 'Answered in time' },
    h('p', { testid: name === 'referrals' ? 'answered-in-time' : name + '-answered-in-time', class: 'headline', dataset: share.suppressed ? { suppressed: 'true' } : {} },
      'Referrals answered within the agreed time: ', h('strong', { class: share.suppressed ? 'suppressed' : '' }, text)),
    scrollBox(dataTable({
      caption: 'Answers against the agreed time',
      head: ['Referrals', 'Count'],
      rows: [
        ['Due (answered, or past their due date)', countCell(t.due)],
        ['Answered in time', countCell(t.answered_in_time)],
        ['Answered late', countCell(t.answered_late)],
        ['Overdue (open past the due date)', countCell(t.overdue)],
        ['Not yet due', countCell(t.not_yet_due)],
      ],
    })));
  figure.appendChild(box);
}

export function drawOutcomes(grid, answer) {
  const groupKey = answer.group[1] || 'ethnic_group_high';
  const list = groupKey === 'ethnic_group' ? 'ethnic_group' : 'ethnic_high_level_group';
  const outcomes = answer.row_totals.map((r) => r.outcome);
  const groups = answer.column_totals.map((c) => c[groupKey]);
  const cell = new Map(answer.cells.map((c) => [c.outcome + '|' + c[groupKey], c]));
  const rowTotal = new Map(answer.row_totals.map((r) => [r.outcome, r]));

  const table = dataTable({
    caption: 'Outcomes recorded, by ethnic group',
    head: ['Outcome', ...groups.map((g) => label(list, g)), 'All'],
    rows: [
      ...outcomes.map((o) => [label('outcome', o), ...groups.map((g) => countCell(cell.get(o + '|' + g))), countCell(rowTotal.get(o))]),
      ['All outcomes', ...answer.column_totals.map(countCell), countCell(answer.total)],
    ],
  });
  const { figure, canvas } = chartFigure('outcomes', 'Outcomes recorded, by ethnic group', table, { tall: true });
  grid.appendChild(figure);
  barChart(canvas, outcomes.map((o) => shorten(label('outcome', o))),
    groups.map((g) => ({ label: label(list, g), data: outcomes.map((o) => chartValue(cell.get(o + '|' + g))) })),
    { horizontal: true, stacked: true });

  const s = answer.satisfaction;
  const median = answer.days_to_outcome && answer.days_to_outcome.median;
  const satTable = dataTable({
    caption: 'Victim satisfaction with the outcome',
    head: ['Answer', 'Outcomes'],
    rows: [
      ['Satisfied', countCell(s.yes)],
      ['Not satisfied', countCell(s.no)],
      ['Unanswered (unknown or not given)', countCell(s.unanswered)],
      ['Satisfied, of those who answered', shareCell(s.satisfied_share)],
      ['Median days from report to first outcome', median ? (median.suppressed ? countCell(median) : median.value) : notComputed('no outcomes')],
    ],
  });
  const sat = chartFigure('satisfaction', 'Victim satisfaction with the outcome', satTable);
  grid.appendChild(sat.figure);
  barChart(sat.canvas, ['Satisfied', 'Not satisfied', 'Unanswered'],
    [{ label: 'Outcomes', data: [chartValue(s.yes), chartValue(s.no), chartValue(s.unanswered)], color: ['#009E73', '#D55E00', '#999999'] }]);
}
