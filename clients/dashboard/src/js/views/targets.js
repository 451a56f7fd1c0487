// The targets board: one card per target with its status in colour AND
// words, progress against the trajectory, the owner partners and a
// sparkline of its series (suppressed periods are gaps).

import { apiGet, ApiError } from '../api.js';
import { h, formatNumber } from '../dom.js';
import { sparkline } from '../charts.js';
import { dataTable, suppressed, notComputed, disclosureNote, scrollBox } from '../table.js';
import { label } from '../labels.js';

// The metric catalogue of POST /v1/targets, in words.
const METRICS = {
  reports_count: 'Reports',
  reporting_rate_per_1000: 'Reports per 1,000 residents',
  disproportionality_ratio: 'Disproportionality ratio',
  repeat_rate: 'Reports marked as a repeat (%)',
  cross_agency_repeat_subjects: 'Subjects known to more than one partner',
  referrals_answered_in_time_pct: 'Referrals answered in time (%)',
  outcome_recorded_pct: 'Accepted referrals with an outcome (%)',
  median_days_to_outcome: 'Median days to an outcome',
  victim_satisfied_pct: 'Victims satisfied (%)',
};

export function metricText(metric) {
  if (METRICS[metric]) return METRICS[metric];
  const [kind, code] = String(metric).split(':');
  if (kind === 'indicator') return label('indicator', code);
  if (kind === 'indicator_gap') return 'Gap in: ' + label('indicator', code);
  return label('', metric);
}

// The words beside each colour: status is never told by colour alone.
export const STATUS = {
  green: { text: 'On track', symbol: '\u2713', color: '#009E73' },
  amber: { text: 'Slightly behind', symbol: '!', color: '#E69F00' },
  red: { text: 'Behind', symbol: '\u2715', color: '#D55E00' },
  not_enough_data: { text: 'Not enough data', symbol: '?', color: '#6b6b6b' },
};

export function statusOf(target) {
  const code = (target.progress && target.progress.status) || 'not_enough_data';
  return { code, ...(STATUS[code] || STATUS.not_enough_data) };
}

// A view this credential may not see. Public credentials are the usual
// case; a token without the read role gets the same notice.
export function unavailable(testid, what, isPublic = true) {
  return h('p', { testid, class: 'notice' }, isPublic
    ? what + ' not available for public credentials: they show only the disclosure-controlled statistics of the overview.'
    : what + ' not available to this credential: its roles do not allow it.');
}

export async function load(ctx, params = {}) {
  if (ctx.isPublic) return { unavailable: true };
  try {
    return await apiGet('targets', params);
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return { unavailable: true };
    throw err;
  }
}

export function draw(root, answer, ctx) {
  if (answer.unavailable) {
    root.appendChild(unavailable('targets-unavailable', 'Targets are', ctx.isPublic));
    return;
  }
  root.appendChild(h('p', { class: 'period' }, 'Progress as of ' + answer.as_of +
    '. Each bar fills with the share of the way from baseline to target covered; the black tick marks where the straight trajectory to the due date expects it by now.'));
  root.appendChild(targetCards(answer.targets, ctx));
  root.appendChild(disclosureNote([answer.disclosure]));
  sparklinesDraw();
}

const pending = [];

export function sparklinesDraw() {
  for (const drawOne of pending.splice(0)) drawOne();
}

export function partnerName(ctx, id) {
  return ctx.partners.get(id) || 'Partner ' + id;
}

export function targetCards(targets, ctx, emptyText = 'The partnership has no active targets yet.') {
  if (!targets.length) return h('p', { testid: 'targets-empty', class: 'notice' }, emptyText);
  const list = h('ul', { class: 'cards' });
  for (const t of targets) list.appendChild(h('li', {}, targetCard(t, ctx)));
  return list;
}

function seriesCell(entry) {
  if (entry.suppressed) return suppressed();
  if (entry.no_value) return notComputed(entry.reason === 'population_below_minimum' ? 'population under 100' : 'no data');
  return entry.value;
}

function percent(x) {
  return x === null || x === undefined ? 'not known' : formatNumber(Math.round(x)) + '%';
}

function targetCard(t, ctx) {
  const p = t.progress || {};
  const status = statusOf(t);
  const series = p.series || [];
  const current = p.current || {};
  const currentText = current.suppressed ? 'suppressed' : current.value === undefined || current.value === null ? 'no value' : formatNumber(current.value);

  const card = h('article', { testid: 'target-card', class: 'card status-' + status.code, dataset: { targetId: t.id }, 'aria-labelledby': 'target-' + t.id + '-title' });
  card.appendChild(h('h3', { id: 'target-' + t.id + '-title' }, t.title));
  card.appendChild(h('p', { testid: 'target-status', class: 'status-label', dataset: { status: status.code } },
    h('span', { class: 'status-symbol', 'aria-hidden': 'true' }, status.symbol), ' ', status.text));

  // Progress: a bar for the share covered and a tick for where the
  // trajectory says it should be; the numbers are also written out.
  const bar = h('div', { class: 'progress', 'aria-hidden': 'true' });
  const fill = h('div', { class: 'progress-fill' });
  const tick = h('div', { class: 'progress-expected' });
  const clamp = (x) => Math.max(0, Math.min(100, x || 0));
  fill.style.width = clamp(p.progress_pct) + '%';
  fill.style.backgroundColor = status.color;
  tick.style.left = clamp(p.expected_progress_pct) + '%';
  bar.append(fill, tick);
  card.appendChild(bar);

  card.appendChild(h('dl', { class: 'facts' },
    h('dt', {}, 'Progress'), h('dd', { testid: 'target-progress' }, percent(p.progress_pct) + ' of the way from baseline to target'),
    h('dt', {}, 'Expected by now'), h('dd', { testid: 'target-expected' }, percent(p.expected_progress_pct) +
      (p.expected_value !== undefined && p.expected_value !== null ? ' (a value of ' + formatNumber(Math.round(p.expected_value * 100) / 100) + ')' : '')),
    h('dt', {}, 'Latest'), h('dd', { class: current.suppressed ? 'suppressed' : '' }, currentText + (current.period ? ' in ' + current.period : '')),
    h('dt', {}, 'Measure'), h('dd', {}, metricText(t.metric) + ', to ' + t.direction + ', reviewed ' + t.review),
    h('dt', {}, 'Baseline → target'), h('dd', {}, formatNumber(t.baseline.value) + ' (' + t.baseline.period + ') → ' + formatNumber(t.target.value) + ' by ' + t.target.due),
    h('dt', {}, 'Owners'), h('dd', { testid: 'target-owners' }, ownersText(t.owners, ctx))));

  const canvas = h('canvas', { testid: 'target-sparkline', role: 'img', 'aria-label': 'Trend of ' + t.title + '; the figures are in the table below.' });
  card.appendChild(h('div', { class: 'spark-box' }, canvas));
  card.appendChild(h('details', { testid: 'table-target-series' }, h('summary', {}, 'Table: value per review period (' + t.review + ')'),
    scrollBox(dataTable({ caption: t.title + ': value per period', head: ['Period', 'Value'], rows: series.map((e) => [e.period, seriesCell(e)]) }))));
  // Drawn by sparklinesDraw once the card is in the page: Chart.js sizes
  // a chart from its box, which a detached element does not have.
  pending.push(() => sparkline(canvas, series.map((e) => e.period), series.map((e) => (typeof e.value === 'number' && !e.suppressed ? e.value : null)), status.color));
  return card;
}

function ownersText(owners, ctx) {
  if (!owners) return '';
  const lead = 'Lead: ' + partnerName(ctx, owners.lead);
  const rest = (owners.contributors || []).map((id) => partnerName(ctx, id));
  return rest.length ? lead + '; with ' + rest.join(', ') : lead;
}
