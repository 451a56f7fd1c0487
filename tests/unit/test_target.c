/* test_target.c: hub/target.h — the trajectory and status rules at their
 * boundaries, the review periods of a series, the metric catalogue, and
 * the checking of a definition (valid ones, and the pointer of each
 * refusal). The date is fixed (TODAY), never the clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../hub/target.h"

#define TODAY "2026-11-23"

#include "codes_fixture.h"

/* A plan from 100 at the end of 2025 to 200 on 2026-12-31: 365 days, so
 * 2026-07-02 (day 183) is a little past half way. */
static target_def_t
plan(double baseline, double target)
{
    target_def_t t = {0};
    snprintf(t.baseline_period, sizeof(t.baseline_period), "2025");
    snprintf(t.due, sizeof(t.due), "2026-12-31");
    t.baseline = baseline;
    t.target = target;
    t.increase = target > baseline;
    t.review = "quarterly";
    t.tolerance = 0.10;
    return t;
}

static target_status_t
status_at(const target_def_t *t, double value, const char *as_of, target_progress_t *p)
{
    target_assess(t, true, value, as_of, p);
    return p->status;
}

/* Exactly on the trajectory is green; a hair behind is amber; behind by
 * exactly the tolerance is red (amber is "by less than"). 2026-06-30 is
 * day 181 of 365 after the baseline's end. */
static void
test_status_boundaries_increase(void **state)
{
    (void)state;
    target_def_t t = plan(100, 200);
    target_progress_t p;
    double expected = 181.0 / 365.0;
    double on = 100 + 100 * expected;
    assert_int_equal(status_at(&t, on, "2026-06-30", &p), TARGET_GREEN);
    assert_true(fabs(p.expected - expected) < 1e-12);
    assert_true(fabs(p.progress - expected) < 1e-12);
    assert_int_equal(status_at(&t, on + 5, "2026-06-30", &p), TARGET_GREEN);
    assert_int_equal(status_at(&t, on - 0.001, "2026-06-30", &p), TARGET_AMBER);
    assert_int_equal(status_at(&t, on - 9.999, "2026-06-30", &p), TARGET_AMBER);
    assert_int_equal(status_at(&t, on - 10, "2026-06-30", &p), TARGET_RED);
    assert_int_equal(status_at(&t, on - 10.001, "2026-06-30", &p), TARGET_RED);
    /* Falling below the baseline is negative progress. */
    assert_int_equal(status_at(&t, 90, "2026-06-30", &p), TARGET_RED);
    assert_true(fabs(p.progress + 0.1) < 1e-12);
}

/* The same rule when the target is to go down (e.g. days to outcome):
 * progress is measured along the distance, whatever its sign. */
static void
test_status_boundaries_decrease(void **state)
{
    (void)state;
    target_def_t t = plan(40, 20); /* distance -20 */
    target_progress_t p;
    /* At the due date the whole distance is expected. */
    assert_int_equal(status_at(&t, 20, "2026-12-31", &p), TARGET_GREEN);
    assert_true(fabs(p.expected - 1) < 1e-12);
    assert_int_equal(status_at(&t, 19, "2026-12-31", &p), TARGET_GREEN);
    assert_int_equal(status_at(&t, 21.9, "2026-12-31", &p), TARGET_AMBER);
    assert_int_equal(status_at(&t, 22, "2026-12-31", &p), TARGET_RED);
    assert_int_equal(status_at(&t, 45, "2026-12-31", &p), TARGET_RED);
}

/* Time is measured from the end of the baseline period and clamped to
 * 0..1: before it nothing is expected, after the due date everything. */
static void
test_expected_clamped(void **state)
{
    (void)state;
    target_def_t t = plan(100, 200);
    target_progress_t p;
    assert_int_equal(status_at(&t, 100, "2025-12-31", &p), TARGET_GREEN);
    assert_true(p.expected == 0);
    assert_int_equal(status_at(&t, 100, "2025-06-30", &p), TARGET_GREEN);
    assert_true(p.expected == 0);
    assert_int_equal(status_at(&t, 195, "2027-06-30", &p), TARGET_AMBER);
    assert_true(p.expected == 1);
}

/* A custom tolerance moves the amber/red line. */
static void
test_tolerance(void **state)
{
    (void)state;
    target_def_t t = plan(0, 100);
    t.tolerance = 0.25;
    target_progress_t p;
    assert_int_equal(status_at(&t, 76, "2026-12-31", &p), TARGET_AMBER);
    assert_int_equal(status_at(&t, 75, "2026-12-31", &p), TARGET_RED);
}

static void
test_no_value(void **state)
{
    (void)state;
    target_def_t t = plan(100, 200);
    target_progress_t p;
    target_assess(&t, false, 0, "2026-06-30", &p);
    assert_int_equal(p.status, TARGET_NOT_ENOUGH_DATA);
    assert_string_equal(target_status_name(p.status), "not_enough_data");
    assert_string_equal(target_status_name(TARGET_GREEN), "green");
    assert_string_equal(target_status_name(TARGET_AMBER), "amber");
    assert_string_equal(target_status_name(TARGET_RED), "red");
}

static void
test_day_number(void **state)
{
    (void)state;
    assert_int_equal(target_day_number("1970-01-01"), 0);
    assert_int_equal(target_day_number("2000-03-01") - target_day_number("2000-02-28"), 2);
    assert_int_equal(target_day_number("2100-03-01") - target_day_number("2100-02-28"), 1);
    assert_int_equal(target_day_number("2026-11-23"), 20780);
}

/* ---- periods ----------------------------------------------------------------- */

static void
test_periods_quarterly(void **state)
{
    (void)state;
    target_def_t t = plan(100, 200);
    target_period_t p[TARGET_PERIODS_MAX];
    /* 2026 Q1-Q3 have ended by TODAY; Q4 has not. */
    int n = target_periods(&t, TODAY, p, TARGET_PERIODS_MAX);
    assert_int_equal(n, 3);
    assert_string_equal(p[0].code, "2026-Q1");
    assert_string_equal(p[0].start, "2026-01-01");
    assert_string_equal(p[0].end, "2026-03-31");
    assert_string_equal(p[2].code, "2026-Q3");
    assert_string_equal(p[2].end, "2026-09-30");
    /* A period that ends on today has not ended. */
    assert_int_equal(target_periods(&t, "2026-09-30", p, TARGET_PERIODS_MAX), 2);
    assert_int_equal(target_periods(&t, "2026-10-01", p, TARGET_PERIODS_MAX), 3);
    /* The cap holds. */
    assert_int_equal(target_periods(&t, TODAY, p, 2), 2);
}

/* From a baseline month, the first whole period after it: a quarter
 * begins on a quarter, a year on 1 January; nothing after the due date. */
static void
test_periods_alignment(void **state)
{
    (void)state;
    target_def_t t = plan(1, 2);
    target_period_t p[TARGET_PERIODS_MAX];
    snprintf(t.baseline_period, sizeof(t.baseline_period), "2025-05");
    int n = target_periods(&t, TODAY, p, TARGET_PERIODS_MAX);
    assert_int_equal(n, 5);
    assert_string_equal(p[0].code, "2025-Q3");
    t.review = "monthly";
    n = target_periods(&t, TODAY, p, TARGET_PERIODS_MAX);
    assert_int_equal(n, 17); /* 2025-06 .. 2026-10 */
    assert_string_equal(p[0].code, "2025-06");
    assert_string_equal(p[16].code, "2026-10");
    assert_string_equal(p[16].end, "2026-10-31");
    t.review = "annually";
    snprintf(t.baseline_period, sizeof(t.baseline_period), "2024-Q2");
    n = target_periods(&t, TODAY, p, TARGET_PERIODS_MAX);
    assert_int_equal(n, 1);
    assert_string_equal(p[0].code, "2025");
    assert_string_equal(p[0].end, "2025-12-31");
    snprintf(t.due, sizeof(t.due), "2025-03-31");
    t.review = "monthly";
    n = target_periods(&t, TODAY, p, TARGET_PERIODS_MAX);
    assert_int_equal(n, 9); /* 2024-07 .. 2025-03 */
    assert_string_equal(p[0].code, "2024-07");
    assert_string_equal(p[8].code, "2025-03");
}

/* ---- the catalogue ------------------------------------------------------------- */

static void
test_metric_kind(void **state)
{
    (void)state;
    metric_kind_t k;
    const char *ind;
    assert_true(target_metric_kind("reports_count", &k, &ind));
    assert_int_equal(k, METRIC_REPORTS_COUNT);
    assert_null(ind);
    assert_true(target_metric_kind("victim_satisfied_pct", &k, &ind));
    assert_true(target_metric_is_percent(k));
    assert_true(target_metric_kind("indicator:feel_safe_after_dark", &k, &ind));
    assert_int_equal(k, METRIC_INDICATOR);
    assert_string_equal(ind, "feel_safe_after_dark");
    assert_true(target_metric_kind("indicator_gap:x", &k, &ind));
    assert_int_equal(k, METRIC_INDICATOR_GAP);
    assert_false(target_metric_kind("indicator:", &k, &ind));
    assert_false(target_metric_kind("reports", &k, &ind));
    assert_false(target_metric_kind("", &k, &ind));
}

/* ---- definitions ------------------------------------------------------------------ */

static const char valid[] =
    "{\"title\": \"More reporting from Black residents\", \"metric\": \"reporting_rate_per_1000\","
    " \"filters\": {\"area\": [\"E01099001\", \"E05000001\"], \"strand\": \"race\","
    " \"ethnic_group\": \"black_caribbean\"}, \"direction\": \"increase\","
    " \"baseline\": {\"value\": 1.5, \"period\": \"2025\"},"
    " \"target\": {\"value\": 3, \"due\": \"2027-12-31\"},"
    " \"owners\": {\"lead\": 3, \"contributors\": [4, 5]}, \"review\": \"quarterly\"}";

/* The last body parsed: *t points into it until the next parse. */
static json_t *parsed;

static json_t *
parse(const char *text, target_def_t *t, bool *ok)
{
    json_error_t e;
    json_decref(parsed);
    json_t *root = parsed = json_loads(text, 0, &e);
    assert_non_null(root);
    input_t in;
    input_begin(&in, root);
    *ok = target_parse(codes, &in, TODAY, t);
    return input_end(&in);
}

static void
test_parse_valid(void **state)
{
    (void)state;
    json_error_t e;
    json_t *root = json_loads(valid, 0, &e);
    input_t in;
    input_begin(&in, root);
    target_def_t t;
    assert_true(target_parse(codes, &in, TODAY, &t));
    assert_null(input_end(&in));
    assert_int_equal(t.kind, METRIC_REPORTING_RATE);
    assert_int_equal(t.nareas, 2);
    assert_string_equal(t.areas[1], "E05000001");
    assert_string_equal(t.strand, "race");
    assert_string_equal(t.ethnic_group, "black_caribbean");
    assert_null(t.reference_group);
    assert_true(t.increase);
    assert_true(t.baseline == 1.5 && t.target == 3);
    assert_string_equal(t.baseline_period, "2025");
    assert_string_equal(t.due, "2027-12-31");
    assert_int_equal(t.lead, 3);
    assert_int_equal(t.ncontributors, 2);
    assert_int_equal(t.contributors[1], 5);
    assert_string_equal(t.review, "quarterly");
    assert_true(t.tolerance == TARGET_TOLERANCE_DEFAULT);
    assert_false(t.retired);
    json_decref(root);
}

/* The ratio defaults its reference group to White British. */
static void
test_parse_ratio_reference(void **state)
{
    (void)state;
    json_error_t e;
    json_t *root = json_loads(valid, 0, &e);
    json_object_set_new(root, "metric", json_string("disproportionality_ratio"));
    json_object_set_new(root, "direction", json_string("decrease"));
    json_object_set_new(json_object_get(root, "target"), "value", json_real(1.0));
    input_t in;
    input_begin(&in, root);
    target_def_t t;
    assert_true(target_parse(codes, &in, TODAY, &t));
    assert_null(input_end(&in));
    assert_string_equal(t.reference_group, "white_british");
    json_decref(root);
}

/* Each refusal names its member. */
static void
test_parse_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *path; /* member to replace, as "a" or "a/b" */
        const char *json; /* its new value */
        const char *pointer;
    } cases[] = {
        {"metric", "\"reports\"", "/metric"},
        {"metric", "\"indicator:no_such\"", "/metric"},
        {"title", "\"\"", "/title"},
        {"direction", "\"up\"", "/direction"},
        {"review", "\"weekly\"", "/review"},
        {"tolerance", "0.9", "/tolerance"},
        {"filters/area", "[\"X01\"]", "/filters/area/0"},
        {"filters/area", "[]", "/filters/area"},
        {"filters/strand", "\"colour\"", "/filters/strand"},
        {"filters/ethnic_group", "\"all\"", "/filters/ethnic_group"},
        {"filters/ethnic_group", "\"not_stated\"", "/filters/ethnic_group"},
        {"baseline/period", "\"2025-13\"", "/baseline/period"},
        {"baseline/period", "\"2027\"", "/baseline/period"},
        {"baseline/value", "\"1\"", "/baseline/value"},
        {"target/value", "1", "/target/value"},
        {"target/due", "\"2025-12-31\"", "/target/due"},
        {"target/due", "\"2045-01-01\"", "/target/due"},
        {"target/due", "\"2027-02-30\"", "/target/due"},
        {"owners/lead", "0", "/owners/lead"},
        {"owners/contributors", "[4, 4]", "/owners/contributors/1"},
        {"owners/contributors", "[3]", "/owners/contributors/0"},
        {"reference_group", "\"white_british\"", "/reference_group"},
        {"colour", "\"red\"", "/colour"},
        {"title", "\"Call 07700 900123\"", "/title"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_error_t e;
        json_t *root = json_loads(valid, 0, &e);
        json_t *value = json_loads(cases[i].json, JSON_DECODE_ANY, &e);
        assert_non_null(value);
        char path[64];
        snprintf(path, sizeof(path), "%s", cases[i].path);
        char *slash = strchr(path, '/');
        json_t *parent = root;
        if (slash != NULL) {
            *slash = '\0';
            parent = json_object_get(root, path);
        }
        json_object_set_new(parent, slash ? slash + 1 : path, value);
        input_t in;
        input_begin(&in, root);
        target_def_t t;
        bool ok = target_parse(codes, &in, TODAY, &t);
        json_t *problem = input_end(&in);
        if (ok || problem == NULL)
            fail_msg("case %zu (%s) was accepted", i, cases[i].path);
        char *text = json_dumps(problem, 0);
        char want[96];
        snprintf(want, sizeof(want), "\"pointer\": \"%s\"", cases[i].pointer);
        if (strstr(text, want) == NULL)
            fail_msg("case %zu: no %s in %s", i, want, text);
        /* No submitted value comes back. */
        assert_null(strstr(text, "07700"));
        free(text);
        json_decref(problem);
        json_decref(root);
    }
}

/* A gap needs both groups; a percentage stays within 0..100. */
static void
test_parse_metric_needs(void **state)
{
    (void)state;
    target_def_t t;
    bool ok;
    json_t *p = parse("{\"title\": \"Gap\", \"metric\": \"indicator_gap:feel_safe_after_dark\","
                      " \"direction\": \"decrease\", \"baseline\": {\"value\": 12, \"period\": "
                      "\"2025\"}, \"target\": {\"value\": 5, \"due\": \"2027-12-31\"},"
                      " \"owners\": {\"lead\": 1}, \"review\": \"annually\"}",
                      &t, &ok);
    assert_false(ok);
    char *text = json_dumps(p, 0);
    assert_non_null(strstr(text, "/filters/ethnic_group"));
    assert_non_null(strstr(text, "/reference_group"));
    free(text);
    json_decref(p);
    p = parse("{\"title\": \"Gap\", \"metric\": \"indicator_gap:feel_safe_after_dark\","
              " \"filters\": {\"ethnic_group\": \"black\"}, \"reference_group\": \"all\","
              " \"direction\": \"decrease\", \"baseline\": {\"value\": 12, \"period\": "
              "\"2025\"}, \"target\": {\"value\": -5, \"due\": \"2027-12-31\"},"
              " \"owners\": {\"lead\": 1}, \"review\": \"annually\"}",
              &t, &ok);
    assert_true(ok);
    assert_null(p);
    assert_string_equal(t.ethnic_group, "black");
    assert_true(t.target == -5);
    p = parse("{\"title\": \"Satisfied\", \"metric\": \"victim_satisfied_pct\","
              " \"direction\": \"increase\", \"baseline\": {\"value\": 60, \"period\": "
              "\"2025\"}, \"target\": {\"value\": 101, \"due\": \"2027-12-31\"},"
              " \"owners\": {\"lead\": 1}, \"review\": \"annually\"}",
              &t, &ok);
    assert_false(ok);
    text = json_dumps(p, 0);
    assert_non_null(strstr(text, "/target/value"));
    free(text);
    json_decref(p);
    json_decref(parsed);
    parsed = NULL;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_boundaries_increase),
        cmocka_unit_test(test_status_boundaries_decrease),
        cmocka_unit_test(test_expected_clamped),
        cmocka_unit_test(test_tolerance),
        cmocka_unit_test(test_no_value),
        cmocka_unit_test(test_day_number),
        cmocka_unit_test(test_periods_quarterly),
        cmocka_unit_test(test_periods_alignment),
        cmocka_unit_test(test_metric_kind),
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_ratio_reference),
        cmocka_unit_test(test_parse_refusals),
        cmocka_unit_test(test_parse_metric_needs),
    };
    return cmocka_run_group_tests(tests, load_codes, free_codes);
}
