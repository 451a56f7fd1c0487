// The partner's own view: the caller's own reports (scope=own: exact, its
// own data), its referrals made and received, and the targets it leads or
// contributes to.

import { apiGet, ApiError } from '../api.js';
import { h, formatShare } from '../dom.js';
import { statsParams } from '../filters.js';
import { drawReportsByStrand, drawReferrals } from './overview.js';
import { targetCards, sparklinesDraw } from './targets.js';
import { dataTable, countCell, notComputed, disclosureNote, scrollBox } from '../table.js';

function optional(promise) {
  return promise.catch((err) => {
    if (err instanceof ApiError && err.status === 403) return null;
    throw err;
  });
}

export async function load(ctx) {
  if (ctx.isPublic || !ctx.me.partner) return { unavailable: true };
  const id = ctx.me.partner.id;
  const f = ctx.filters;
  const [reports, referrals, journey, targets] = await Promise.all([
    apiGet('stats/reports', statsParams(f, { group: 'month,strand', scope: 'own' })),
    apiGet('stats/referrals', statsParams(f, { scope: 'own' })),
    optional(apiGet('self-assessments/journey', { partner: id })),
    optional(apiGet('targets', { owner: id })),
  ]);
  return { reports, referrals, journey, targets };
}

export function draw(root, data, ctx) {
  if (data.unavailable) {
    root.appendChild(h('p', { testid: 'partner-unavailable', class: 'notice' }, ctx.isPublic
      ? 'The partner\u2019s own view is not available for public credentials: they are not a partner and see only the disclosure-controlled statistics of the overview.'
      : 'The partner\u2019s own view is not available to this credential: it belongs to no partner.'));
    return;
  }
  root.appendChild(h('p', { class: 'period' }, h('strong', { testid: 'partner-name' }, ctx.me.partner.name),
    ': your own figures, exact (no disclosure control: they are yours), for reports that occurred from ' + data.reports.from + ' to ' + data.reports.to + '.'));
  root.appendChild(disclosureNote([data.reports.disclosure]));

  const grid = h('div', { class: 'grid' });
  root.appendChild(grid);
  drawReportsByStrand(grid, data.reports, 'own-reports', 'Your reports over time by strand');
  drawReferrals(grid, data.referrals, 'own-funnel', 'Your referral funnel (reports you own, referrals you received)');
  grid.appendChild(referralsInOut(data.journey));

  const section = h('section', { testid: 'own-targets', class: 'own-targets', 'aria-labelledby': 'h-own-targets' }, h('h3', { id: 'h-own-targets' }, 'Targets you lead or contribute to'));
  root.appendChild(section);
  if (data.targets) section.appendChild(targetCards(data.targets.targets, ctx, 'You lead or contribute to no active target.'));
  else section.appendChild(h('p', { class: 'notice' }, 'Your credential may not read targets.'));
  sparklinesDraw();
}

// Referrals out (made) and in (received) over the last twelve months, from
// the journey view's live evidence beside question 5.
function referralsInOut(journey) {
  const box = h('section', { class: 'chart', 'aria-labelledby': 'h-inout' }, h('h3', { id: 'h-inout' }, 'Referrals made and received'));
  const partner = journey && journey.partners && journey.partners[0];
  const q5 = partner && partner.questions.find((q) => q.question === 'q5');
  const e = q5 && q5.evidence;
  if (!e) {
    box.appendChild(h('p', { testid: 'own-referrals', class: 'notice' }, 'No referral figures for your organisation.'));
    return box;
  }
  const share = e.share_answered_in_time === null ? notComputed('none due') : formatShare(e.share_answered_in_time);
  box.appendChild(scrollBox(dataTable({
    testid: 'own-referrals',
    caption: 'Your referrals since ' + e.since,
    head: ['Referrals', 'Count'],
    rows: [
      ['Made (out)', e.made],
      ['Received (in)', e.received],
      ['Received and due', e.due],
      ['Answered in time', e.answered_in_time],
      ['Share answered in time', share],
    ].map(([a, b]) => [a, typeof b === 'number' || typeof b === 'string' || (b && b.notComputed) ? b : countCell(b)]),
  })));
  return box;
}
