/* target.h: a joint target, checked, and the arithmetic of its progress.
 *
 * A target is {"title", "metric", "filters": {"area": [...], "strand",
 * "ethnic_group"}, "reference_group", "direction": "increase"|"decrease",
 * "baseline": {"value", "period"}, "target": {"value", "due"}, "owners":
 * {"lead": partner id, "contributors": [partner ids]}, "review":
 * "monthly"|"quarterly"|"annually", "tolerance", "state":
 * "active"|"retired"}. The metric is one of the catalogue below, or
 * "indicator:<code>" (the value of an outcome indicator of
 * api/codes/indicator.csv) or "indicator_gap:<code>" (the indicator's
 * value for filters.ethnic_group minus its value for reference_group).
 *
 * Values are per review period: the series has one value per month,
 * quarter or year after the baseline period, and the baseline value is
 * given in the same terms.
 *
 * Progress: the trajectory is the straight line from the baseline value at
 * the end of the baseline period to the target value on the due date. At
 * the end of the latest complete period, progress is the share of the
 * distance from baseline to target covered, expected the share of the time
 * elapsed. The status is green when progress >= expected (on or ahead of
 * the trajectory), amber when behind by less than the tolerance (a share
 * of the whole distance, default 0.10), red otherwise, and not_enough_data
 * when the latest complete period has no publishable value (none yet,
 * suppressed, or no data). Shares are compared with a margin of 1e-9 so
 * that a value exactly on a boundary is not moved across it by rounding.
 *
 * Everything here is pure: no I/O, no clock. Messages never repeat a
 * submitted value. */
#ifndef HUB_TARGET_H
#define HUB_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#include "codes.h"
#include "input.h"

#define TARGET_TITLE_MAX 200
#define TARGET_AREAS_MAX 50
#define TARGET_CONTRIBUTORS_MAX 20
#define TARGET_PERIODS_MAX 120 /* the longest series: ten years of months */
#define TARGET_TOLERANCE_DEFAULT 0.10

typedef enum {
    METRIC_REPORTS_COUNT,
    METRIC_REPORTING_RATE,      /* reports per 1,000 residents */
    METRIC_DISPROPORTIONALITY,  /* a group's rate over the reference group's */
    METRIC_REPEAT_RATE,         /* percent of reports with repeat: yes */
    METRIC_CROSS_AGENCY_REPEAT, /* subjects in reports of more than one partner */
    METRIC_ANSWERED_IN_TIME,    /* percent of referrals due that were answered in time */
    METRIC_OUTCOME_RECORDED,    /* percent of accepted referrals with an outcome */
    METRIC_MEDIAN_DAYS,         /* median days from report to first outcome */
    METRIC_VICTIM_SATISFIED,    /* percent satisfied of those who said */
    METRIC_INDICATOR,           /* indicator:<code> */
    METRIC_INDICATOR_GAP,       /* indicator_gap:<code> */
} metric_kind_t;

typedef enum { TARGET_GREEN, TARGET_AMBER, TARGET_RED, TARGET_NOT_ENOUGH_DATA } target_status_t;

typedef struct target_def {
    const char *title;
    const char *metric; /* as given */
    metric_kind_t kind;
    const char *indicator; /* the code, for the indicator metrics */
    int nareas;
    const char *areas[TARGET_AREAS_MAX];
    const char *strand;          /* or NULL */
    const char *ethnic_group;    /* or NULL */
    const char *reference_group; /* for the ratio and the gap, else NULL */
    bool increase;
    double baseline;
    char baseline_period[8];
    double target;
    char due[11];
    long long lead;
    int ncontributors;
    long long contributors[TARGET_CONTRIBUTORS_MAX];
    const char *review; /* monthly, quarterly or annually */
    double tolerance;
    bool retired;
} target_def_t;

/* One review period of a target's series. */
typedef struct target_period {
    char code[8];   /* YYYY-MM, YYYY-Qn or YYYY */
    char start[11]; /* first day, YYYY-MM-DD */
    char end[11];   /* last day */
} target_period_t;

typedef struct target_progress {
    double progress; /* share of the distance covered (may be < 0 or > 1) */
    double expected; /* share of the time elapsed, 0..1 */
    target_status_t status;
} target_progress_t;

/* Checks in->root as a whole target definition against the code lists
 * (strand, ethnic_group, ethnic_high_level_group, indicator); today is
 * "YYYY-MM-DD". Strings in out point into in->root. True with out filled,
 * else the problems are noted in in. Whether the owners are partners of
 * the partnership is for the database to say. */
bool target_parse(const codes_t *codes, input_t *in, const char *today, target_def_t *out);

/* The metric's kind from its name; false when not in the catalogue. For
 * the indicator metrics *indicator points at the code within name. */
bool target_metric_kind(const char *name, metric_kind_t *kind, const char **indicator);

/* Is the metric's value a percentage (0..100)? */
bool target_metric_is_percent(metric_kind_t kind);

/* The review periods after the baseline period that have ended by today
 * and begin on or before due, oldest first; at most max. Returns how many. */
int target_periods(const target_def_t *t, const char *today, target_period_t *out, int max);

/* Progress and status at as_of ("YYYY-MM-DD", the end of the latest
 * complete period), given the value then (have_value false: none). */
void target_assess(const target_def_t *t, bool have_value, double value, const char *as_of,
                   target_progress_t *out);

const char *target_status_name(target_status_t status);

/* Days since 1970-01-01 of a valid "YYYY-MM-DD". */
long target_day_number(const char *date);

#endif
