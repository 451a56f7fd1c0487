// The printable progress report (report.html?period=YYYY|YYYY-Qn|YYYY-MM)
// for members and non-executives: the targets, what changed since the
// previous period, where the partnership is furthest behind, and the
// headline statistics. Same token as the dashboard (sessionStorage).

import { apiGet, ApiError, tokenGet } from './api.js';
import { h, clear, setState, announce, formatNumber } from './dom.js';
import { periodParse, periodPrevious, periodLastQuarter } from './period.js';
import { entryAt, trajectoryValue, behindOrder } from './progress.js';
import { statusOf, partnerName } from './views/targets.js';
import { dataTable, countCell, shareCell, suppressed, notComputed, disclosureNote, scrollBox } from './table.js';

function el(id) {
  return document.getElementById(id);
}

function optional(promise) {
  return promise.catch((err) => {
    if (err instanceof ApiError && err.status === 403) return null;
    throw err;
  });
}

function round(x) {
  return Math.round(x * 100) / 100;
}

function valueOf(entry) {
  if (!entry) return notComputed('no period ended yet');
  if (entry.suppressed) return suppressed();
  if (entry.no_value) return notComputed(entry.reason || 'no value');
  return round(entry.value);
}

function changeOf(at, before) {
  if (!at || !before) return notComputed('no earlier period');
  if (at.suppressed || before.suppressed) return suppressed();
  if (typeof at.value !== 'number' || typeof before.value !== 'number') return notComputed('no value');
  const d = round(at.value - before.value);
  return (d > 0 ? '+' : '') + formatNumber(d);
}

function targetRows(targets, period, ctx) {
  const table = h('table', { testid: 'report-targets' });
  table.appendChild(h('caption', {}, 'Each target in ' + period.text + ': its value for the last review period ended by then (status: as of the latest ended period)'));
  table.appendChild(h('thead', {}, h('tr', {}, ['Target', 'Status', 'Value', 'Expected on trajectory', 'Change since its previous review', 'Target', 'Lead'].map((t) => h('th', { scope: 'col' }, t)))));
  const body = h('tbody');
  for (const t of targets) {
    const { at, before } = entryAt((t.progress && t.progress.series) || [], period);
    const expected = at ? trajectoryValue(t, at.end) : null;
    const status = statusOf(t);
    // Cells built by the same renderer as every table, so a suppressed
    // value looks the same here.
    const row = dataTable({ caption: '', head: [], rows: [[
      t.title,
      h('span', { class: 'status-label', dataset: { status: status.code } }, status.symbol + ' ' + status.text),
      valueOf(at),
      expected === null ? notComputed('no trajectory') : round(expected),
      changeOf(at, before),
      formatNumber(t.target.value) + ' by ' + t.target.due,
      partnerName(ctx, t.owners.lead),
    ]] }).querySelector('tbody tr');
    row.dataset.testid = 'report-target-row';
    row.dataset.targetId = t.id;
    row.title = at ? 'Value for ' + at.period : '';
    body.appendChild(row);
  }
  table.appendChild(body);
  return scrollBox(table);
}

// The targets furthest behind their trajectory, most behind first.
function behindList(targets) {
  const gaps = behindOrder(targets);
  if (!gaps.length) return h('p', {}, 'No target is behind its trajectory.');
  return h('ol', {}, gaps.map(({ target: t, gap }) => h('li', { dataset: { targetId: t.id } },
    h('strong', {}, t.title), ': ' + formatNumber(Math.round(gap)) + ' points behind (' +
    formatNumber(Math.round(t.progress.progress_pct)) + '% of the way, ' + formatNumber(Math.round(t.progress.expected_progress_pct)) + '% expected by ' + t.progress.as_of + ').')));
}

async function headlines(period, previous) {
  const ask = (p) => Promise.all([
    apiGet('stats/reports', { group: 'year', from: p.text, to: p.text }).catch(() => null),
    apiGet('stats/referrals', { from: p.text, to: p.text }).catch(() => null),
    apiGet('stats/outcomes', { from: p.text, to: p.text }).catch(() => null),
    apiGet('stats/repeat', { from: p.text, to: p.text }).catch(() => null),
  ]);
  const [now, then] = await Promise.all([ask(period), ask(previous)]);
  const pick = (answers, f) => (answers.every(Boolean) ? f(...answers) : notComputed('not available'));
  const measures = [
    ['Reports', (r) => countCell(r.total)],
    ['Repeat victims known to more than one partner', (r, f, o, rep) => (rep.cross_agency ? countCell(rep.cross_agency.multi_partner) : notComputed('not given'))],
    ['Referrals answered in time', (r, f) => shareCell(f.timeliness.in_time_share)],
    ['Accepted referrals with an outcome recorded', (r, f) => shareCell(f.funnel.outcome_recorded_share)],
    ['Victims satisfied, of those who answered', (r, f, o) => shareCell(o.satisfaction.satisfied_share)],
  ];
  const table = dataTable({
    caption: 'Headline statistics (reports that occurred in the period)',
    head: ['Measure', period.text, previous.text],
    rows: measures.map(([name, f]) => [name, pick(now, f), pick(then, f)]),
  });
  return { table: scrollBox(table), disclosures: [...now, ...then].filter(Boolean).map((a) => a.disclosure) };
}

async function render() {
  const asked = new URLSearchParams(location.search).get('period');
  const period = periodParse(asked) || periodLastQuarter();
  const previous = periodPrevious(period);
  el('period-input').value = period.text;

  const me = await optional(apiGet('me'));
  const ctx = { partners: new Map() };
  const [partners, targets, heads] = await Promise.all([
    me ? optional(apiGet('partners')) : null,
    me ? optional(apiGet('targets')) : null,
    headlines(period, previous),
  ]);
  if (partners) for (const p of partners.partners) ctx.partners.set(p.id, p.name);

  el('report-partnership').textContent = me ? me.partnership.name : 'statistics for the public';
  el('report-period').textContent = period.text + ' (' + period.start + ' to ' + period.end + '), compared with ' + previous.text;
  document.title = 'Progress report ' + period.text + (me ? ': ' + me.partnership.name : '');

  const box = el('report-targets-box');
  clear(box);
  const behind = el('report-behind');
  clear(behind);
  if (targets) {
    el('report-asof').textContent = ' Target progress as of ' + targets.as_of + '.';
    box.appendChild(targets.targets.length ? targetRows(targets.targets, period, ctx) : h('p', {}, 'The partnership has no active targets.'));
    behind.appendChild(behindList(targets.targets));
  } else {
    box.appendChild(h('p', { class: 'notice' }, 'Targets are not available for public credentials.'));
    behind.appendChild(h('p', { class: 'notice' }, 'Not available for public credentials.'));
  }
  const headBox = el('report-headlines');
  clear(headBox);
  headBox.appendChild(heads.table);
  const disclosure = el('report-disclosure');
  clear(disclosure);
  disclosure.appendChild(disclosureNote([...(targets ? [targets.disclosure] : []), ...heads.disclosures]));
  el('report').hidden = false;
  if (asked && !periodParse(asked)) return 'The period asked for is not written YYYY, YYYY-Qn or YYYY-MM: this is ' + period.text + '.';
  return '';
}

async function start() {
  el('print').addEventListener('click', () => window.print());
  // The CSP has form-action 'none', so the form never submits: it reloads
  // the page with the period in the query string instead.
  el('report-period-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const period = periodParse(el('period-input').value.trim());
    if (period) location.search = '?period=' + encodeURIComponent(period.text);
    else announce('A period is written YYYY, YYYY-Qn or YYYY-MM.');
  });
  if (!tokenGet()) {
    el('report-signin').hidden = false;
    setState('signin');
    return;
  }
  setState('loading');
  announce('Loading…');
  try {
    announce(await render());
    setState('ready');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      el('report-signin').hidden = false;
      announce('The token is no longer accepted.');
      setState('signin');
      return;
    }
    announce('The report could not be loaded.', err.detail || err.message);
    setState('error');
  }
}

start();
