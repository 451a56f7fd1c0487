/* test_period.c: clients/hubctl/period.h — the three forms of a period
 * parsed and refused, formatted back, their first and last days (leap
 * years included), the period before one across a year's end, and last
 * month from today's date. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../clients/hubctl/period.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static void
test_parse_and_format(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int year, first_month, months;
    } good[] = {
        {"2025", 2025, 1, 12},   {"2025-Q1", 2025, 1, 3},  {"2025-Q4", 2025, 10, 3},
        {"2025-01", 2025, 1, 1}, {"2025-12", 2025, 12, 1}, {"1900", 1900, 1, 12},
    };
    for (size_t i = 0; i < LEN(good); i++) {
        period_t p;
        char out[16];
        assert_true(period_parse(good[i].text, &p));
        assert_int_equal(p.year, good[i].year);
        assert_int_equal(p.first_month, good[i].first_month);
        assert_int_equal(p.months, good[i].months);
        period_format(p, out);
        assert_string_equal(out, good[i].text);
    }
    static const char *const bad[] = {"",        "202",      "20255",   "2025-",   "2025-Q0",
                                      "2025-Q5", "2025-q1",  "2025-00", "2025-13", "2025-1",
                                      "2025/01", "2025-011", "1899",    "abcd",    "2025-Q1 ",
                                      " 2025",   "+202"};
    for (size_t i = 0; i < LEN(bad); i++) {
        period_t p;
        assert_false(period_parse(bad[i], &p));
    }
}

/* The period before text, formatted. */
static const char *
previous(const char *text)
{
    static char out[16];
    period_t p;
    assert_true(period_parse(text, &p));
    period_format(period_previous(p), out);
    return out;
}

static void
test_previous(void **state)
{
    (void)state;
    assert_string_equal(previous("2025-03"), "2025-02");
    assert_string_equal(previous("2025-01"), "2024-12");
    assert_string_equal(previous("2025-Q3"), "2025-Q2");
    assert_string_equal(previous("2025-Q1"), "2024-Q4");
    assert_string_equal(previous("2025"), "2024");
    assert_string_equal(previous("2000-01"), "1999-12");
}

static void
test_bounds(void **state)
{
    (void)state;
    static const struct {
        const char *text, *first, *last;
    } cases[] = {
        {"2025", "2025-01-01", "2025-12-31"},    {"2025-Q1", "2025-01-01", "2025-03-31"},
        {"2025-Q2", "2025-04-01", "2025-06-30"}, {"2025-Q4", "2025-10-01", "2025-12-31"},
        {"2024-02", "2024-02-01", "2024-02-29"}, {"2025-02", "2025-02-01", "2025-02-28"},
        {"1900-02", "1900-02-01", "1900-02-28"}, {"2000-02", "2000-02-01", "2000-02-29"},
        {"2025-04", "2025-04-01", "2025-04-30"}, {"2025-11", "2025-11-01", "2025-11-30"},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        period_t p;
        char first[16], last[16];
        assert_true(period_parse(cases[i].text, &p));
        period_bounds(p, first, last);
        assert_string_equal(first, cases[i].first);
        assert_string_equal(last, cases[i].last);
    }
}

static void
test_last_month(void **state)
{
    (void)state;
    char out[16];
    period_format(period_last_month("2026-11-23"), out);
    assert_string_equal(out, "2026-10");
    period_format(period_last_month("2026-01-01"), out);
    assert_string_equal(out, "2025-12");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_format),
        cmocka_unit_test(test_previous),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_last_month),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
