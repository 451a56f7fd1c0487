#include "target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indicator.h"
#include "report.h"
#include "util.h"

/* Shares closer than this are equal (see target.h). */
#define SHARE_EPSILON 1e-9
/* The furthest a due date may lie after the baseline period, in years. */
#define TARGET_YEARS_MAX 10
/* Magnitude of any value: far beyond any real count, rate or gap. */
#define VALUE_MAX 1e12

static const struct {
    const char *name;
    metric_kind_t kind;
} catalogue[] = {
    {"reports_count", METRIC_REPORTS_COUNT},
    {"reporting_rate_per_1000", METRIC_REPORTING_RATE},
    {"disproportionality_ratio", METRIC_DISPROPORTIONALITY},
    {"repeat_rate", METRIC_REPEAT_RATE},
    {"cross_agency_repeat_subjects", METRIC_CROSS_AGENCY_REPEAT},
    {"referrals_answered_in_time_pct", METRIC_ANSWERED_IN_TIME},
    {"outcome_recorded_pct", METRIC_OUTCOME_RECORDED},
    {"median_days_to_outcome", METRIC_MEDIAN_DAYS},
    {"victim_satisfied_pct", METRIC_VICTIM_SATISFIED},
};

#define INDICATOR_PREFIX "indicator:"
#define GAP_PREFIX "indicator_gap:"

bool
target_metric_kind(const char *name, metric_kind_t *kind, const char **indicator)
{
    *indicator = NULL;
    for (size_t i = 0; i < ARRAY_LEN(catalogue); i++)
        if (strcmp(name, catalogue[i].name) == 0) {
            *kind = catalogue[i].kind;
            return true;
        }
    if (strncmp(name, INDICATOR_PREFIX, strlen(INDICATOR_PREFIX)) == 0) {
        *kind = METRIC_INDICATOR;
        *indicator = name + strlen(INDICATOR_PREFIX);
    } else if (strncmp(name, GAP_PREFIX, strlen(GAP_PREFIX)) == 0) {
        *kind = METRIC_INDICATOR_GAP;
        *indicator = name + strlen(GAP_PREFIX);
    } else {
        return false;
    }
    return **indicator != '\0';
}

bool
target_metric_is_percent(metric_kind_t kind)
{
    return kind == METRIC_REPEAT_RATE || kind == METRIC_ANSWERED_IN_TIME ||
           kind == METRIC_OUTCOME_RECORDED || kind == METRIC_VICTIM_SATISFIED;
}

const char *
target_status_name(target_status_t status)
{
    static const char *const names[] = {"green", "amber", "red", "not_enough_data"};
    return names[status];
}

/* ---- dates ---------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (the usual era
 * arithmetic: years start in March, so the leap day is the last day). */
static long
days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

long
target_day_number(const char *date)
{
    return days_from_civil(atoi(date), atoi(date + 5), atoi(date + 8));
}

static int
month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

/* Months are counted from year 0 (y * 12 + m - 1) to step through them. */
static int
month_index(const char *date)
{
    return atoi(date) * 12 + atoi(date + 5) - 1;
}

/* Formats through a roomy buffer: the compiler cannot see that a month
 * index from a checked date gives a four-digit year. */
static void
format_date(int y, int m, int d, char out[11])
{
    char buf[40];
    snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
    memcpy(out, buf, 10);
    out[10] = '\0';
}

static void
month_first(int idx, char out[11])
{
    format_date(idx / 12, idx % 12 + 1, 1, out);
}

static void
month_last(int idx, char out[11])
{
    format_date(idx / 12, idx % 12 + 1, month_days(idx / 12, idx % 12 + 1), out);
}

/* The number of months of a period written YYYY, YYYY-Qn or YYYY-MM. */
static int
period_months(const char *period)
{
    return strlen(period) == 4 ? 12 : period[5] == 'Q' ? 3 : 1;
}

static void
period_last_day(const char *period, char out[11])
{
    char start[11];
    indicator_period_start(period, start);
    month_last(month_index(start) + period_months(period) - 1, out);
}

static int
review_months(const char *review)
{
    return strcmp(review, "monthly") == 0 ? 1 : strcmp(review, "quarterly") == 0 ? 3 : 12;
}

int
target_periods(const target_def_t *t, const char *today, target_period_t *out, int max)
{
    char start[11];
    indicator_period_start(t->baseline_period, start);
    int step = review_months(t->review);
    /* The first whole review period after the baseline period. */
    int idx = month_index(start) + period_months(t->baseline_period);
    idx = (idx + step - 1) / step * step;
    long today_n = target_day_number(today), due_n = target_day_number(t->due);
    int n = 0;
    for (; n < max; idx += step) {
        target_period_t *p = &out[n];
        month_first(idx, p->start);
        month_last(idx + step - 1, p->end);
        if (target_day_number(p->end) >= today_n || target_day_number(p->start) > due_n)
            break;
        /* The code is the start date's year and month, or year and quarter. */
        memcpy(p->code, p->start, 7);
        p->code[step == 12 ? 4 : 7] = '\0';
        if (step == 3) {
            p->code[5] = 'Q';
            p->code[6] = (char)('1' + idx % 12 / 3);
        }
        n++;
    }
    return n;
}

/* ---- progress --------------------------------------------------------------- */

void
target_assess(const target_def_t *t, bool have_value, double value, const char *as_of,
              target_progress_t *out)
{
    char base_end[11];
    period_last_day(t->baseline_period, base_end);
    long b = target_day_number(base_end), d = target_day_number(t->due);
    long a = target_day_number(as_of);
    double expected = d > b ? (double)(a - b) / (double)(d - b) : 1.0;
    out->expected = expected < 0 ? 0 : expected > 1 ? 1 : expected;
    out->progress = 0;
    if (!have_value) {
        out->status = TARGET_NOT_ENOUGH_DATA;
        return;
    }
    /* target_parse keeps target != baseline, the sign saying the direction. */
    out->progress = (value - t->baseline) / (t->target - t->baseline);
    double behind = out->expected - out->progress;
    if (behind <= SHARE_EPSILON)
        out->status = TARGET_GREEN;
    else if (behind < t->tolerance - SHARE_EPSILON)
        out->status = TARGET_AMBER;
    else
        out->status = TARGET_RED;
}

/* ---- checking a definition -------------------------------------------------- */

/* A code of list (or, with also, of that list too, or one of the extra
 * words), or NULL with the problem noted. */
static const char *
group_member(input_t *in, const codes_t *codes, const char *key, bool indicator_groups)
{
    json_t *v = json_object_get(in->root, key);
    if (v == NULL)
        return NULL;
    char ptr[INPUT_POINTER_MAX];
    input_pointer(in, key, ptr, sizeof(ptr));
    const char *s = json_string_value(v);
    if (s != NULL && code_list_find(codes_list(codes, "ethnic_group"), s) >= 0)
        return s;
    if (s != NULL && indicator_groups &&
        (strcmp(s, INDICATOR_ALL_GROUPS) == 0 ||
         code_list_find(codes_list(codes, "ethnic_high_level_group"), s) >= 0))
        return s;
    input_error(in, ptr,
                indicator_groups
                    ? "Expected an ONS 2021 ethnic group code, a high-level group or \"all\" "
                      "(GET /v1/codes/ethnic_group)."
                    : "Expected an ONS 2021 ethnic group code (GET /v1/codes/ethnic_group).");
    return NULL;
}

static void
parse_filters(const codes_t *codes, input_t *in, target_def_t *out, bool indicator)
{
    input_t f;
    if (!input_object(in, "filters", false, &f))
        return;
    static const char *const allowed[] = {"area", "strand", "ethnic_group", NULL};
    input_only(&f, allowed);
    json_t *areas = json_object_get(f.root, "area");
    if (areas != NULL) {
        char ptr[INPUT_POINTER_MAX];
        input_pointer(&f, "area", ptr, sizeof(ptr));
        if (!json_is_array(areas) || json_array_size(areas) < 1 ||
            json_array_size(areas) > TARGET_AREAS_MAX) {
            input_error(&f, ptr, "Expected an array of 1 to 50 GSS area codes.");
        } else {
            size_t i;
            json_t *a;
            json_array_foreach(areas, i, a)
            {
                const char *s = json_string_value(a);
                if (s == NULL || !indicator_area_valid(s)) {
                    char item[INPUT_POINTER_MAX + 24];
                    snprintf(item, sizeof(item), "%s/%zu", ptr, i);
                    input_error(&f, item,
                                "Expected the GSS code of an LSOA, ward or local "
                                "authority.");
                } else {
                    out->areas[out->nareas++] = s;
                }
            }
        }
    }
    out->strand = report_code_member(&f, codes, "strand", "strand", false);
    out->ethnic_group = group_member(&f, codes, "ethnic_group", indicator);
}

static void
parse_owners(input_t *in, target_def_t *out)
{
    input_t o;
    if (!input_object(in, "owners", true, &o))
        return;
    static const char *const allowed[] = {"lead", "contributors", NULL};
    input_only(&o, allowed);
    input_integer(&o, "lead", 1, INT64_MAX, true, false, &out->lead, NULL);
    json_t *c = json_object_get(o.root, "contributors");
    if (c == NULL)
        return;
    char ptr[INPUT_POINTER_MAX];
    input_pointer(&o, "contributors", ptr, sizeof(ptr));
    if (!json_is_array(c) || json_array_size(c) > TARGET_CONTRIBUTORS_MAX) {
        input_error(&o, ptr, "Expected an array of at most 20 partner ids.");
        return;
    }
    size_t i;
    json_t *v;
    json_array_foreach(c, i, v)
    {
        long long id = json_is_integer(v) ? json_integer_value(v) : 0;
        bool repeated = id == out->lead;
        for (int k = 0; k < out->ncontributors; k++)
            repeated |= out->contributors[k] == id;
        char item[INPUT_POINTER_MAX + 24];
        snprintf(item, sizeof(item), "%s/%zu", ptr, i);
        if (id < 1)
            input_error(&o, item, "Expected a partner id.");
        else if (repeated)
            input_error(&o, item, "Each owner partner once: the lead is not also a contributor.");
        else
            out->contributors[out->ncontributors++] = id;
    }
}

bool
target_parse(const codes_t *codes, input_t *in, const char *today, target_def_t *out)
{
    memset(out, 0, sizeof(*out));
    if (!json_is_object(in->root)) {
        input_error(in, "", "Expected a JSON object.");
        return false;
    }
    static const char *const allowed[] = {"title",     "metric",    "filters", "reference_group",
                                          "direction", "baseline",  "target",  "owners",
                                          "review",    "tolerance", "state",   NULL};
    input_only(in, allowed);
    report_guard(in, in->root);
    out->title = input_string(in, "title", 1, TARGET_TITLE_MAX, true);
    out->metric = input_string(in, "metric", 1, 80, true);
    bool known =
        out->metric != NULL && target_metric_kind(out->metric, &out->kind, &out->indicator);
    if (known && out->indicator != NULL &&
        code_list_find(codes_list(codes, "indicator"), out->indicator) < 0)
        known = false;
    if (out->metric != NULL && !known)
        input_error(in, "/metric",
                    "Not a metric of the catalogue: reports_count, reporting_rate_per_1000, "
                    "disproportionality_ratio, repeat_rate, cross_agency_repeat_subjects, "
                    "referrals_answered_in_time_pct, outcome_recorded_pct, "
                    "median_days_to_outcome, victim_satisfied_pct, indicator:<code> or "
                    "indicator_gap:<code> with a code of GET /v1/codes/indicator.");
    bool indicator = known && out->indicator != NULL;
    parse_filters(codes, in, out, indicator);
    out->reference_group = group_member(in, codes, "reference_group", indicator);

    static const char *const directions[] = {"increase", "decrease", NULL};
    const char *direction = input_choice(in, "direction", directions, true);
    out->increase = direction != NULL && strcmp(direction, "increase") == 0;
    static const char *const reviews[] = {"monthly", "quarterly", "annually", NULL};
    out->review = input_choice(in, "review", reviews, true);
    static const char *const states[] = {"active", "retired", NULL};
    const char *state = input_choice(in, "state", states, false);
    out->retired = state != NULL && strcmp(state, "retired") == 0;
    out->tolerance = TARGET_TOLERANCE_DEFAULT;
    if (json_object_get(in->root, "tolerance") != NULL)
        input_number(in, "tolerance", 0.01, 0.5, false, &out->tolerance);

    /* Values: a percentage stays within 0..100, a gap may be negative. */
    double lo = known && out->kind == METRIC_INDICATOR_GAP ? -VALUE_MAX : 0;
    double hi = known && target_metric_is_percent(out->kind) ? 100 : VALUE_MAX;
    input_t b, t;
    bool have_base = false, have_target = false;
    const char *period = NULL, *due = NULL;
    if (input_object(in, "baseline", true, &b)) {
        static const char *const m[] = {"value", "period", NULL};
        input_only(&b, m);
        have_base = input_number(&b, "value", lo, hi, true, &out->baseline);
        period = input_string(&b, "period", 4, 7, true);
        char start[11];
        if (period != NULL && !indicator_period_start(period, start))
            input_error(&b, "/baseline/period", "Expected a period: YYYY, YYYY-Qn or YYYY-MM.");
        else if (period != NULL && strcmp(start, today) > 0)
            input_error(&b, "/baseline/period", "The baseline period has not begun.");
        else if (period != NULL)
            snprintf(out->baseline_period, sizeof(out->baseline_period), "%s", period);
    }
    if (input_object(in, "target", true, &t)) {
        static const char *const m[] = {"value", "due", NULL};
        input_only(&t, m);
        have_target = input_number(&t, "value", lo, hi, true, &out->target);
        due = input_string(&t, "due", 10, 10, true);
        if (due != NULL && !report_date_valid(due))
            input_error(&t, "/target/due", "Expected a date: YYYY-MM-DD.");
        else if (due != NULL)
            snprintf(out->due, sizeof(out->due), "%s", due);
    }
    if (out->baseline_period[0] && out->due[0]) {
        char base_end[11];
        period_last_day(out->baseline_period, base_end);
        long span = target_day_number(out->due) - target_day_number(base_end);
        if (span <= 0)
            input_error(in, "/target/due", "The due date comes after the baseline period.");
        else if (span > TARGET_YEARS_MAX * 366L)
            input_error(in, "/target/due", "The due date is within ten years of the baseline.");
    }
    if (have_base && have_target && direction != NULL &&
        (out->increase ? out->target <= out->baseline : out->target >= out->baseline))
        input_error(in, "/target/value",
                    out->increase ? "To increase, the target value is above the baseline value."
                                  : "To decrease, the target value is below the baseline value.");
    parse_owners(in, out);

    /* What each metric needs of the groups. */
    if (known) {
        bool ratio = out->kind == METRIC_DISPROPORTIONALITY,
             gap = out->kind == METRIC_INDICATOR_GAP;
        if ((ratio || gap) && out->ethnic_group == NULL &&
            !json_object_get(json_object_get(in->root, "filters"), "ethnic_group"))
            input_error(in, "/filters/ethnic_group",
                        "This metric compares the group filters.ethnic_group with "
                        "reference_group: the group is required.");
        if (gap && out->reference_group == NULL && !json_object_get(in->root, "reference_group"))
            input_error(in, "/reference_group",
                        "The gap is measured against this group: "
                        "it is required.");
        if (!ratio && !gap && json_object_get(in->root, "reference_group"))
            input_error(in, "/reference_group",
                        "Only disproportionality_ratio and indicator_gap:<code> take a "
                        "reference group.");
        if (ratio && out->reference_group == NULL && !json_object_get(in->root, "reference_group"))
            out->reference_group = "white_british";
        if (out->ethnic_group != NULL && out->reference_group != NULL &&
            strcmp(out->ethnic_group, out->reference_group) == 0)
            input_error(in, "/reference_group", "The reference group differs from the group.");
        if ((ratio || out->kind == METRIC_REPORTING_RATE) && out->ethnic_group != NULL &&
            strcmp(out->ethnic_group, "not_stated") == 0)
            input_error(in, "/filters/ethnic_group",
                        "Rates need a population: not_stated has none.");
    }
    return !input_failed(in);
}
