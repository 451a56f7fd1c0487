// A target's progress as the report reads it: the series entry of a
// period, the value on the trajectory, and which targets are furthest
// behind. Pure functions (tested in clients/dashboard/test/).

import { periodParse } from './period.js';

// The series entry a period's report speaks of: the latest that ended by
// the period's end, and the one before it (null when there is none).
export function entryAt(series, period) {
  const ended = series.filter((e) => e.end <= period.end);
  return { at: ended[ended.length - 1] || null, before: ended[ended.length - 2] || null };
}

function days(date) {
  return Date.parse(date + 'T00:00:00Z') / 86400000;
}

// The value on a target's straight trajectory (baseline at the end of its
// period, target on its due date) at `date`, as GET /v1/targets/{id}
// defines expected_value.
export function trajectoryValue(target, date) {
  const base = periodParse(target.baseline.period);
  if (!base) return null;
  const span = days(target.target.due) - days(base.end);
  if (span <= 0) return null;
  const share = Math.max(0, Math.min(1, (days(date) - days(base.end)) / span));
  return target.baseline.value + (target.target.value - target.baseline.value) * share;
}

// Targets behind their trajectory, most behind first, with the gap in
// points (expected progress minus progress, both percent of the distance
// from baseline to target). Targets on or ahead, or without both figures,
// are left out.
export function behindOrder(targets) {
  return targets
    .map((t) => {
      const p = t.progress || {};
      const known = typeof p.progress_pct === 'number' && typeof p.expected_progress_pct === 'number';
      return { target: t, gap: known ? p.expected_progress_pct - p.progress_pct : null };
    })
    .filter((g) => g.gap !== null && g.gap > 0)
    .sort((a, b) => b.gap - a.gap);
}
