/* test_indicator.c: hub/indicator.h — outcome indicator values against the
 * indicator list of api/codes: period forms and their first days, area
 * codes, each unit's range, numerator and denominator agreeing with the
 * value, the pointer of every problem, and indicator_codes_check on lists
 * written here. The date is fixed (TODAY), never the clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../hub/indicator.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define TODAY "2026-11-23"

#include "codes_fixture.h"

static void
test_period_forms(void **state)
{
    (void)state;
    static const struct {
        const char *period, *start;
    } good[] = {
        {"2025", "2025-01-01"},    {"2025-Q1", "2025-01-01"}, {"2025-Q2", "2025-04-01"},
        {"2025-Q3", "2025-07-01"}, {"2025-Q4", "2025-10-01"}, {"2025-01", "2025-01-01"},
        {"2024-02", "2024-02-01"}, {"2025-12", "2025-12-01"}, {"2000", "2000-01-01"},
        {"2099-12", "2099-12-01"},
    };
    for (size_t i = 0; i < LEN(good); i++) {
        char start[11] = "";
        assert_true(indicator_period_start(good[i].period, start));
        assert_string_equal(start, good[i].start);
    }
    static const char *const bad[] = {
        "",        "25",      "202",     "20250",   "2025-",  "2025-1",  "2025-13",
        "2025-00", "2025-Q0", "2025-Q5", "2025-q1", "2025Q1", "2025-H1", "1999",
        "2100",    "3025",    "2025-W1", "2025-1a", "abcd",   " 2025",   "2025-01-01",
    };
    for (size_t i = 0; i < LEN(bad); i++) {
        char start[11] = "unchanged";
        assert_false(indicator_period_start(bad[i], start));
    }
}

static void
test_area(void **state)
{
    (void)state;
    static const char *const good[] = {"E01009417", "W01000001", "E05011000", "W05000100",
                                       "E06000001", "E07000223", "E08000025", "E09000033",
                                       "E10000002", "W06000015"};
    static const char *const bad[] = {"",          "E0100941",  "E010094170", "E02000001",
                                      "E11000001", "W07000001", "S01000001",  "e01009417",
                                      "E0100941x", "E01 09417", "N09000001"};
    for (size_t i = 0; i < LEN(good); i++)
        assert_true(indicator_area_valid(good[i]));
    for (size_t i = 0; i < LEN(bad); i++)
        assert_false(indicator_area_valid(bad[i]));
}

/* Parses text as one value; returns the pointers of its problems as one
 * space-separated string ("" when valid) and fills out. */
static const char *
parse(const char *text, indicator_value_t *out)
{
    static char ptrs[512];
    json_error_t err;
    json_t *root = json_loads(text, 0, &err);
    assert_non_null(root);
    input_t in;
    input_begin_at(&in, root, "/7");
    bool ok = indicator_parse(codes, &in, TODAY, out);
    json_t *errors = input_end_errors(&in);
    assert_true(ok == (errors == NULL));
    ptrs[0] = '\0';
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
    {
        if (i > 0)
            strcat(ptrs, " ");
        strcat(ptrs, json_string_value(json_object_get(e, "pointer")));
    }
    json_decref(errors);
    json_decref(root);
    return ptrs;
}

#define VALUE(ind, period, group, rest)                                                            \
    "{\"indicator\":\"" ind "\",\"period\":\"" period                                              \
    "\",\"area\":\"E08000025\",\"ethnic_group\":\"" group "\",\"value\":" rest "}"

static void
test_valid_values(void **state)
{
    (void)state;
    indicator_value_t v;
    assert_string_equal(parse(VALUE("employment_rate", "2025", "white_british",
                                    "62.5,\"numerator\":625,\"denominator\":1000"),
                              &v),
                        "");
    assert_string_equal(v.indicator, "employment_rate");
    assert_string_equal(v.period, "2025");
    assert_string_equal(v.area, "E08000025");
    assert_string_equal(v.ethnic_group, "white_british");
    assert_string_equal(v.value, "62.5");
    assert_true(v.has_ratio);
    assert_string_equal(v.numerator, "625");
    assert_string_equal(v.denominator, "1000");

    assert_string_equal(parse(VALUE("hate_incident_rate", "2026-Q4", "all", "3.4"), &v), "");
    assert_string_equal(v.ethnic_group, "all");
    assert_string_equal(v.value, "3.4");
    assert_false(v.has_ratio);
    assert_string_equal(parse(VALUE("housing_moves_for_harassment", "2026-11", "black", "4"), &v),
                        "");
    assert_string_equal(v.ethnic_group, "black");
    assert_string_equal(v.value, "4");
    /* the bounds of each unit */
    assert_string_equal(parse(VALUE("employment_rate", "2025", "all", "0"), &v), "");
    assert_string_equal(parse(VALUE("employment_rate", "2025", "all", "100"), &v), "");
    assert_string_equal(parse(VALUE("employment_rate", "2025", "all", "100.0"), &v), "");
    assert_string_equal(v.value, "100");
    assert_string_equal(parse(VALUE("hate_incident_rate", "2025", "all", "1000"), &v), "");
    assert_string_equal(parse(VALUE("mental_health_detentions", "2025", "all", "100000"), &v), "");
    assert_string_equal(parse(VALUE("complaints_discrimination", "2025", "all", "0"), &v), "");
    /* rounding of a ratio: 1/3 as 33, 33.3 or 33.33; 251.25 per 100000 as 251.3 */
    const char *thirds[] = {"33", "33.3", "33.33", "33.5"};
    for (size_t i = 0; i < LEN(thirds); i++) {
        char text[256];
        snprintf(text, sizeof(text),
                 VALUE("employment_rate", "2025", "all", "%s,\"numerator\":1,\"denominator\":3"),
                 thirds[i]);
        assert_string_equal(parse(text, &v), "");
    }
    assert_string_equal(parse(VALUE("mental_health_detentions", "2025", "black_african",
                                    "251.3,\"numerator\":201,\"denominator\":80000"),
                              &v),
                        "");
}

static void
test_refused_values(void **state)
{
    (void)state;
    static const struct {
        const char *text, *pointers;
    } cases[] = {
        {VALUE("nope", "2025", "all", "1"), "/7/indicator"},
        {VALUE("employment_rate", "2025", "all", "100.01"), "/7/value"},
        {VALUE("employment_rate", "2025", "all", "-0.5"), "/7/value"},
        {VALUE("employment_rate", "2025", "all", "\"50\""), "/7/value"},
        {VALUE("employment_rate", "2025", "all", "null"), "/7/value"},
        {VALUE("housing_moves_for_harassment", "2025", "all", "2.5"), "/7/value"},
        {VALUE("housing_moves_for_harassment", "2025", "all", "-1"), "/7/value"},
        {VALUE("housing_moves_for_harassment", "2025", "all",
               "4,\"numerator\":4,"
               "\"denominator\":10"),
         "/7/numerator"},
        {VALUE("hate_incident_rate", "2025", "all", "1000.5"), "/7/value"},
        {VALUE("employment_rate", "2027", "all", "1"), "/7/period"},
        {VALUE("employment_rate", "2026-12", "all", "1"), "/7/period"},
        {VALUE("employment_rate", "2027-Q1", "all", "1"), "/7/period"},
        {VALUE("employment_rate", "2025-13", "all", "1"), "/7/period"},
        {VALUE("employment_rate", "2025", "All", "1"), "/7/ethnic_group"},
        {VALUE("employment_rate", "2025", "A2", "1"), "/7/ethnic_group"},
        {VALUE("employment_rate", "2025", "all", "50,\"numerator\":5"), "/7/denominator"},
        {VALUE("employment_rate", "2025", "all", "50,\"denominator\":5"), "/7/numerator"},
        {VALUE("employment_rate", "2025", "all", "100,\"numerator\":6,\"denominator\":5"),
         "/7/numerator"},
        {VALUE("employment_rate", "2025", "all", "50,\"numerator\":1,\"denominator\":0"),
         "/7/denominator"},
        {VALUE("employment_rate", "2025", "all", "50,\"numerator\":1.5,\"denominator\":3"),
         "/7/numerator"},
        {VALUE("employment_rate", "2025", "all", "34,\"numerator\":1,\"denominator\":3"),
         "/7/value"},
        {VALUE("hate_incident_rate", "2025", "all", "5,\"numerator\":3,\"denominator\":1000"),
         "/7/value"},
        {VALUE("employment_rate", "2025", "all", "1,\"note\":\"x\""), "/7/note"},
        {"{\"indicator\":\"employment_rate\",\"period\":\"2025\",\"area\":\"E02000001\","
         "\"ethnic_group\":\"all\",\"value\":1}",
         "/7/area"},
        {"{}", "/7/indicator /7/period /7/area /7/ethnic_group"},
        {"[]", "/7"},
        {"{\"indicator\":\"employment_rate\",\"period\":2025,\"area\":\"E08000025\","
         "\"ethnic_group\":\"all\"}",
         "/7/period /7/value"},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        indicator_value_t v;
        const char *got = parse(cases[i].text, &v);
        if (strcmp(got, cases[i].pointers) != 0)
            print_error("case %zu: %s\n", i, cases[i].text);
        assert_string_equal(got, cases[i].pointers);
    }
}

static void
test_messages_hide_values(void **state)
{
    (void)state;
    json_t *root =
        json_loads(VALUE("employment_rate", "2025", "Mr Smith 07700 900123", "777.25"), 0, NULL);
    input_t in;
    input_begin(&in, root);
    indicator_value_t v;
    assert_false(indicator_parse(codes, &in, TODAY, &v));
    json_t *problem = input_end(&in);
    char *text = json_dumps(problem, 0);
    assert_null(strstr(text, "Smith"));
    assert_null(strstr(text, "777"));
    free(text);
    json_decref(problem);
    json_decref(root);
}

/* indicator_codes_check on a directory holding one list, name.csv. */
static bool
check_list(const char *name, const char *body, char *err, size_t errlen)
{
    char dir[] = "/tmp/test_indicator.XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/%s.csv", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(body, f);
    fclose(f);
    codes_t *c = NULL;
    assert_true(codes_load(dir, &c, err, errlen));
    bool ok = indicator_codes_check(c, err, errlen);
    codes_free(c);
    unlink(path);
    rmdir(dir);
    return ok;
}

static void
test_codes_check(void **state)
{
    (void)state;
    char err[256];
    assert_true(indicator_codes_check(codes, err, sizeof(err)));
    const char *header = "code,label,theme,unit,per,higher_is_better\n";
    static const struct {
        const char *row, *says;
    } bad[] = {
        {"x,X,housing,ratio,,true\n", "x a unit other"},
        {"x,X,housing,rate,,true\n", "x a rate without a base"},
        {"x,X,housing,rate,0,true\n", "x a rate without a base"},
        {"x,X,housing,rate,1e3,true\n", "x a rate without a base"},
        {"x,X,housing,percent,,yes\n", "x higher_is_better"},
    };
    for (size_t i = 0; i < LEN(bad); i++) {
        char body[256];
        snprintf(body, sizeof(body), "%s%s", header, bad[i].row);
        err[0] = '\0';
        assert_false(check_list("indicator", body, err, sizeof(err)));
        assert_non_null(strstr(err, bad[i].says));
    }
    char body[256];
    snprintf(body, sizeof(body), "%sx,X,housing,rate,1000,false\ny,Y,health,count,,true\n", header);
    assert_true(check_list("indicator", body, err, sizeof(err)));
    assert_false(check_list("strand", "code,label\nrace,Race\n", err, sizeof(err)));
    assert_non_null(strstr(err, "indicator.csv is missing"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_period_forms),         cmocka_unit_test(test_area),
        cmocka_unit_test(test_valid_values),         cmocka_unit_test(test_refused_values),
        cmocka_unit_test(test_messages_hide_values), cmocka_unit_test(test_codes_check),
    };
    return cmocka_run_group_tests(tests, load_codes, free_codes);
}
