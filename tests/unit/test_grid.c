/* test_grid.c: clients/hubctl/grid.h and the statistics' rows
 * (stats_flatten, read.h) — CSV fields quoted exactly when RFC 4180 needs
 * it and read back unchanged by hubctl's own CSV reader; a /v1/stats
 * answer as one row per figure, with its dimensions, an interval's bounds,
 * and a suppressed figure never shown as a number; no text cell that a
 * spreadsheet would run as a formula. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../clients/hubctl/csv.h"
#include "../../clients/hubctl/grid.h"
#include "../../clients/hubctl/read.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static char *
field(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    grid_csv_field(f, s);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void
test_csv_field(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"", ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\rhere", "\"cr\rhere\""},
        {" lead", "\" lead\""},
        {"trail ", "\"trail \""},
        {"in side", "in side"},
        {"<script>", "<script>"},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        char *got = field(cases[i].in);
        assert_string_equal(got, cases[i].out);
        free(got);
    }
}

/* Every field written reads back as it was, through csv.h. */
static void
test_csv_round_trip(void **state)
{
    (void)state;
    static const char *const values[] = {"a,b", "say \"hi\"", "two\r\nlines", " x ", "", "é,ü"};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    grid_t *g = grid_new();
    for (size_t i = 0; i < LEN(values); i++) {
        char heading[32];
        snprintf(heading, sizeof(heading), "c%zu", i);
        assert_int_equal(grid_column(g, heading, COL_TEXT), (int)i);
    }
    grid_row(g);
    for (size_t i = 0; i < LEN(values); i++)
        grid_set(g, (int)i, values[i]);
    grid_write_csv(g, f);
    grid_free(g);
    assert_int_equal(fclose(f), 0);

    csv_reader_t *r = csv_open_mem(buf, len);
    csv_record_t rec;
    assert_int_equal(csv_next(r, &rec), CSV_RECORD);
    assert_int_equal(rec.nfields, LEN(values));
    assert_string_equal(rec.fields[0], "c0");
    assert_int_equal(csv_next(r, &rec), CSV_RECORD);
    assert_int_equal(rec.nfields, LEN(values));
    for (size_t i = 0; i < LEN(values); i++)
        assert_string_equal(rec.fields[i], values[i]);
    assert_int_equal(csv_next(r, &rec), CSV_END);
    csv_close(r);
    free(buf);
}

/* A text cell that a spreadsheet would take as a formula gets a ' in
 * front; numbers (negative ones too) and other text are left as they are. */
static void
test_csv_no_formulas(void **state)
{
    (void)state;
    grid_t *g = grid_new();
    assert_int_equal(grid_column(g, "title", COL_TEXT), 0);
    assert_int_equal(grid_column(g, "value", COL_INT), 1);
    static const char *const titles[] = {
        "=HYPERLINK(\"x\",\"y\")", "+1", "-2", "@SUM(A1)", "\tx", "plain = fine"};
    for (size_t i = 0; i < LEN(titles); i++) {
        grid_row(g);
        grid_set(g, 0, titles[i]);
        grid_set(g, 1, "-26.667");
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    grid_write_csv(g, f);
    assert_int_equal(fclose(f), 0);
    grid_free(g);
    assert_string_equal(buf, "title,value\r\n"
                             "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\",-26.667\r\n"
                             "'+1,-26.667\r\n"
                             "'-2,-26.667\r\n"
                             "'@SUM(A1),-26.667\r\n"
                             "'\tx,-26.667\r\n"
                             "plain = fine,-26.667\r\n");
    free(buf);
}

static void
test_columns_limit(void **state)
{
    (void)state;
    grid_t *g = grid_new();
    for (int i = 0; i < GRID_COLS_MAX; i++) {
        char heading[16];
        snprintf(heading, sizeof(heading), "c%d", i);
        assert_int_equal(grid_column(g, heading, COL_TEXT), i);
    }
    assert_int_equal(grid_column(g, "c3", COL_TEXT), 3); /* found, not added */
    assert_int_equal(grid_column(g, "one too many", COL_TEXT), -1);
    grid_free(g);
}

/* stats_flatten of the JSON text, as CSV (or, csv false, the cells that
 * the table would show, in the same form). */
static char *
flatten(const char *json, bool csv)
{
    json_error_t err;
    json_t *answer = json_loads(json, 0, &err);
    assert_non_null(answer);
    grid_t *g = grid_new();
    stats_flatten(answer, g, csv);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    grid_write_csv(g, f);
    assert_int_equal(fclose(f), 0);
    grid_free(g);
    json_decref(answer);
    return buf;
}

static const char repeat[] =
    "{\"scope\": \"joint\", \"from\": \"2025-01\", \"to\": \"2025-03\", \"group\": [],"
    " \"cohort\": \"Reports that occurred ...\","
    " \"disclosure\": {\"method\": \"suppress\", \"min_cell\": 5, \"rule\": \"...\"},"
    " \"freshness\": {\"refreshed_at\": \"2026-11-23T06:05:57Z\", \"refresh_interval_seconds\": 5},"
    " \"as_reported\": {\"repeat_yes\": {\"count\": 8}, \"not_repeat\": {\"count\": 17},"
    "   \"reports\": {\"count\": 25}, \"repeat_share\": {\"value\": 0.32}},"
    " \"cross_agency\": {\"subjects\": {\"count\": 14},"
    "   \"multi_partner\": {\"suppressed\": true, \"reason\": \"secondary\"},"
    "   \"multi_partner_share\": {\"suppressed\": true}, \"method\": \"...\"}}";

static void
test_stats_figures(void **state)
{
    (void)state;
    char *got = flatten(repeat, true);
    assert_string_equal(got, "figure,value,suppressed\r\n"
                             "as_reported.repeat_yes,8,false\r\n"
                             "as_reported.not_repeat,17,false\r\n"
                             "as_reported.reports,25,false\r\n"
                             "as_reported.repeat_share,0.32,false\r\n"
                             "cross_agency.subjects,14,false\r\n"
                             "cross_agency.multi_partner,,true\r\n"
                             "cross_agency.multi_partner_share,,true\r\n");
    free(got);
    got = flatten(repeat, false);
    assert_string_equal(got, "figure,value\r\n"
                             "as_reported.repeat_yes,8\r\n"
                             "as_reported.not_repeat,17\r\n"
                             "as_reported.reports,25\r\n"
                             "as_reported.repeat_share,0.32\r\n"
                             "cross_agency.subjects,14\r\n"
                             "cross_agency.multi_partner,suppressed\r\n"
                             "cross_agency.multi_partner_share,suppressed\r\n");
    free(got);
}

static void
test_stats_dimensions_and_intervals(void **state)
{
    (void)state;
    char *got = flatten(
        "{\"groups\": [{\"ethnic_group\": \"white_british\", \"count\": 30, \"population\": 1000,"
        "   \"rate\": {\"value\": 30, \"lo\": 20.2, \"hi\": 42.8}},"
        "  {\"ethnic_group\": \"other_arab\", \"suppressed\": true, \"reason\": \"small\","
        "   \"population\": 50, \"not_computed\": \"population_below_minimum\"}],"
        " \"cells\": [{\"month\": \"2025-01\", \"strand\": \"race\", \"count\": 0}],"
        " \"per\": 1000}",
        true);
    assert_string_equal(
        got, "figure,ethnic_group,not_computed,month,strand,value,low,high,suppressed\r\n"
             "groups,white_british,,,,30,,,false\r\n"
             "groups.population,white_british,,,,1000,,,false\r\n"
             "groups.rate,white_british,,,,30,20.2,42.8,false\r\n"
             "groups,other_arab,population_below_minimum,,,,,,true\r\n"
             "groups.population,other_arab,population_below_minimum,,,50,,,false\r\n"
             "cells,,,2025-01,race,0,,,false\r\n"
             "per,,,,,1000,,,false\r\n");
    free(got);
}

/* More dimensions than there are columns: the value is never the one lost. */
static void
test_stats_too_many_dimensions(void **state)
{
    (void)state;
    char json[4096] = "{\"cells\": [{";
    for (int i = 0; i < 40; i++)
        snprintf(json + strlen(json), sizeof(json) - strlen(json), "\"d%02d\": \"x\", ", i);
    strcat(json, "\"count\": 3}]}");
    char *got = flatten(json, true);
    char *eol = strstr(got, "\r\n");
    assert_non_null(eol);
    *eol = '\0';
    assert_string_equal(eol - strlen(",value,suppressed"), ",value,suppressed");
    assert_string_equal(eol + 2 + strlen(eol + 2) - strlen(",3,false\r\n"), ",3,false\r\n");
    free(got);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_field),
        cmocka_unit_test(test_csv_round_trip),
        cmocka_unit_test(test_csv_no_formulas),
        cmocka_unit_test(test_columns_limit),
        cmocka_unit_test(test_stats_figures),
        cmocka_unit_test(test_stats_dimensions_and_intervals),
        cmocka_unit_test(test_stats_too_many_dimensions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
