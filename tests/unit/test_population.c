/* test_population.c: hub/population.h — reading lines of a population file
 * (LF, CRLF, no final LF, the length limit, NUL bytes), classifying them
 * (rows, the optional header, empty lines, each kind of malformed line with
 * its reason), the field checks at their boundaries, and area codes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hub/population.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* --- population_line_classify -------------------------------------------- */

typedef struct {
    const char *name;
    const char *text;
    bool first;
    population_line_t want;
    /* POPULATION_LINE_ROW: the row; POPULATION_LINE_BAD: the whole reason. */
    const char *area;
    int ons_number, count;
    const char *err;
} line_case_t;

#define ROW(name, text, area, group, count)                                                        \
    {                                                                                              \
        name, text, false, POPULATION_LINE_ROW, area, group, count, NULL                           \
    }
#define BAD(name, text, err)                                                                       \
    {                                                                                              \
        name, text, false, POPULATION_LINE_BAD, NULL, 0, 0, err                                    \
    }
#define AREA_ERR(v)                                                                                \
    "area" v " is not the GSS code of an LSOA, ward or local authority (E01, W01, E05, W05, "      \
    "E06-E10 or W06 and six digits)"
#define GROUP_ERR(v) "ethnic group" v " is not a whole number from 1 to 19"
#define COUNT_ERR(v) "count" v " is not a whole number from 0 to 20000000"

static const line_case_t line_cases[] = {
    ROW("an LSOA", "E01000001,1,1234", "E01000001", 1, 1234),
    ROW("a Welsh LSOA", "W01000001,19,0", "W01000001", 19, 0),
    ROW("a ward", "E05000026,7,12", "E05000026", 7, 12),
    ROW("a Welsh ward", "W05000001,2,3", "W05000001", 2, 3),
    ROW("a unitary authority", "E06000001,3,4", "E06000001", 3, 4),
    ROW("a district", "E07000008,3,4", "E07000008", 3, 4),
    ROW("a metropolitan borough", "E08000025,3,4", "E08000025", 3, 4),
    ROW("a London borough", "E09000001,3,4", "E09000001", 3, 4),
    ROW("a county", "E10000002,3,4", "E10000002", 3, 4),
    ROW("a Welsh principal area", "W06000015,3,4", "W06000015", 3, 4),
    ROW("the largest count", "E01000001,1,20000000", "E01000001", 1, 20000000),
    ROW("quoted fields", "\"E01000001\",\"4\",\"56\"", "E01000001", 4, 56),
    ROW("leading zeros", "E01000001,07,0042", "E01000001", 7, 42),
    {"a data line first is a row", "E01000001,1,5", true, POPULATION_LINE_ROW, "E01000001", 1, 5,
     NULL},
    {"a byte order mark before the first line",
     "\xEF\xBB\xBF"
     "E01000001,2,5",
     true, POPULATION_LINE_ROW, "E01000001", 2, 5, NULL},
    {"a header", "area,ons_number,count", true, POPULATION_LINE_HEADER, NULL, 0, 0, NULL},
    {"a quoted header after a byte order mark", "\xEF\xBB\xBF\"Area code\",\"Group\",\"Persons\"",
     true, POPULATION_LINE_HEADER, NULL, 0, 0, NULL},
    {"an empty line", "", false, POPULATION_LINE_EMPTY, NULL, 0, 0, NULL},
    {"an empty first line", "", true, POPULATION_LINE_EMPTY, NULL, 0, 0, NULL},
    /* A header only on the first line, and only when it cannot be data. */
    BAD("a header after the first line", "area,ons_number,count", AREA_ERR(" \"area\"")),
    {"a first line with an area and a bad count is data", "E01000001,1,x", true,
     POPULATION_LINE_BAD, NULL, 0, 0, COUNT_ERR(" \"x\"")},
    {"a first line with a decimal count is data", "area,1,2.5", true, POPULATION_LINE_BAD, NULL, 0,
     0, AREA_ERR(" \"area\"")},
    {"a first line with a negative count is data", "a,b,-3", true, POPULATION_LINE_BAD, NULL, 0, 0,
     AREA_ERR(" \"a\"")},
    {"a four-field header is not a header", "area,group,count,x", true, POPULATION_LINE_BAD, NULL,
     0, 0, "expected 3 fields (area, ethnic group, count), found 4"},
    BAD("too few fields", "E01000001,1", "expected 3 fields (area, ethnic group, count), found 2"),
    BAD("one field", "E01000001", "expected 3 fields (area, ethnic group, count), found 1"),
    BAD("a space alone", " ", "expected 3 fields (area, ethnic group, count), found 1"),
    BAD("too many fields", "E01000001,1,2,3",
        "expected 3 fields (area, ethnic group, count), found 4"),
    BAD("a trailing comma", "E01000001,1,2,",
        "expected 3 fields (area, ethnic group, count), found 4"),
    BAD("more fields than the first pass holds", "E01000001,1,2,3,4,5,6,7,8,9,10,11",
        "expected 3 fields (area, ethnic group, count), found 12"),
    BAD("an unterminated quote", "\"E01000001,1,2",
        "not valid CSV: a quote out of place, or a field over 255 bytes"),
    BAD("a quote inside a field", "E01\"000001,1,2",
        "not valid CSV: a quote out of place, or a field over 255 bytes"),
    BAD("a CR inside the line", "E01000001,1,2\rE01000002,1,2",
        "not valid CSV: a quote out of place, or a field over 255 bytes"),
    BAD("a middle-layer area", "E02000001,1,2", AREA_ERR(" \"E02000001\"")),
    BAD("a region", "E12000001,1,2", AREA_ERR(" \"E12000001\"")),
    BAD("a short area", "E0100001,1,2", AREA_ERR(" \"E0100001\"")),
    BAD("a long area", "E010000011,1,2", AREA_ERR(" \"E010000011\"")),
    BAD("a lower-case area", "e01000001,1,2", AREA_ERR(" \"e01000001\"")),
    BAD("an area with a letter", "E0100000A,1,2", AREA_ERR(" \"E0100000A\"")),
    BAD("an area with spaces", " E01000001,1,2", AREA_ERR(" \" E01000001\"")),
    BAD("an empty area", ",1,2", AREA_ERR(" \"\"")),
    BAD("a long bad area is not shown", "E01000001E01000001E01000001,1,2", AREA_ERR("")),
    BAD("a control character is not shown", "E0100\x1b[31m,1,2", AREA_ERR("")),
    BAD("ethnic group 0", "E01000001,0,2", GROUP_ERR(" \"0\"")),
    BAD("ethnic group 20", "E01000001,20,2", GROUP_ERR(" \"20\"")),
    BAD("ethnic group x", "E01000001,x,2", GROUP_ERR(" \"x\"")),
    BAD("ethnic group negative", "E01000001,-1,2", GROUP_ERR(" \"-1\"")),
    BAD("ethnic group with a sign", "E01000001,+1,2", GROUP_ERR(" \"+1\"")),
    BAD("ethnic group 1.0", "E01000001,1.0,2", GROUP_ERR(" \"1.0\"")),
    BAD("ethnic group empty", "E01000001,,2", GROUP_ERR(" \"\"")),
    BAD("ethnic group huge, too long to show", "E01000001,99999999999999999999999,2",
        GROUP_ERR("")),
    BAD("a negative count", "E01000001,1,-5", COUNT_ERR(" \"-5\"")),
    BAD("a decimal count", "E01000001,1,2.5", COUNT_ERR(" \"2.5\"")),
    BAD("an exponent count", "E01000001,1,1e3", COUNT_ERR(" \"1e3\"")),
    BAD("a count with a space", "E01000001,1, 2", COUNT_ERR(" \" 2\"")),
    BAD("a count with a thousands separator", "E01000001,1,\"1,234\"", COUNT_ERR(" \"1,234\"")),
    BAD("a count above the limit", "E01000001,1,20000001", COUNT_ERR(" \"20000001\"")),
    BAD("a count beyond long", "E01000001,1,9223372036854775808",
        COUNT_ERR(" \"9223372036854775808\"")),
    BAD("an empty count", "E01000001,1,", COUNT_ERR(" \"\"")),
};

static void
test_classify_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < LEN(line_cases); i++) {
        const line_case_t *c = &line_cases[i];
        population_row_t row = {.area = "unset", .ons_number = -1, .count = -1};
        char err[256] = "";
        population_line_t got =
            population_line_classify(c->text, strlen(c->text), c->first, &row, err, sizeof(err));
        if (got != c->want)
            fail_msg("%s: classified as %d, want %d (err \"%s\")", c->name, got, c->want, err);
        if (c->want == POPULATION_LINE_ROW &&
            (strcmp(row.area, c->area) != 0 || row.ons_number != c->ons_number ||
             row.count != c->count))
            fail_msg("%s: row %s,%d,%d, want %s,%d,%d", c->name, row.area, row.ons_number,
                     row.count, c->area, c->ons_number, c->count);
        if (c->want == POPULATION_LINE_BAD && strcmp(err, c->err) != 0)
            fail_msg("%s: reason \"%s\", want \"%s\"", c->name, err, c->err);
        if (c->want != POPULATION_LINE_ROW && strcmp(row.area, "unset") != 0)
            fail_msg("%s: changed the row", c->name);
    }
}

/* A field longer than csv_record holds is not CSV it can read. */
static void
test_classify_long_field(void **state)
{
    (void)state;
    char line[POPULATION_LINE_BUF], err[256];
    population_row_t row;
    memset(line, '7', 300);
    memcpy(line, "E01000001,1,", 12);
    assert_int_equal(population_line_classify(line, 300, false, &row, err, sizeof(err)),
                     POPULATION_LINE_BAD);
    assert_string_equal(err, "not valid CSV: a quote out of place, or a field over 255 bytes");
}

/* The most fields a line within the limit can have: all empty. */
static void
test_classify_most_fields(void **state)
{
    (void)state;
    char line[POPULATION_LINE_BUF], err[256];
    population_row_t row;
    memset(line, ',', POPULATION_LINE_MAX);
    assert_int_equal(
        population_line_classify(line, POPULATION_LINE_MAX, false, &row, err, sizeof(err)),
        POPULATION_LINE_BAD);
    assert_string_equal(err, "expected 3 fields (area, ethnic group, count), found 1025");
}

/* The line need not be NUL-terminated: len bounds it. */
static void
test_classify_respects_len(void **state)
{
    (void)state;
    static const char text[] = "E01000001,12,345,extra";
    population_row_t row;
    char err[256];
    assert_int_equal(population_line_classify(text, 15, false, &row, err, sizeof(err)),
                     POPULATION_LINE_ROW);
    assert_string_equal(row.area, "E01000001");
    assert_int_equal(row.ons_number, 12);
    assert_int_equal(row.count, 34);
}

/* A short err buffer gets a truncated, terminated reason. */
static void
test_classify_short_err(void **state)
{
    (void)state;
    population_row_t row;
    char err[8];
    assert_int_equal(population_line_classify("x", 1, false, &row, err, sizeof(err)),
                     POPULATION_LINE_BAD);
    assert_string_equal(err, "expecte");
}

/* --- population_line_parse ----------------------------------------------- */

static void
test_parse_fields(void **state)
{
    (void)state;
    population_row_t row;
    char err[256];
    const char *good[] = {"W06000015", "19", "20000000"};
    assert_true(population_line_parse(good, 3, &row, err, sizeof(err)));
    assert_string_equal(row.area, "W06000015");
    assert_int_equal(row.ons_number, 19);
    assert_int_equal(row.count, 20000000);

    const char *none[] = {NULL};
    assert_false(population_line_parse(none, 0, &row, err, sizeof(err)));
    assert_string_equal(err, "expected 3 fields (area, ethnic group, count), found 0");

    /* Each field is checked in turn; the first bad one is reported. */
    const char *all_bad[] = {"X", "0", "-1"};
    assert_false(population_line_parse(all_bad, 3, &row, err, sizeof(err)));
    assert_non_null(strstr(err, "area \"X\""));
    const char *group_and_count_bad[] = {"E01000001", "0", "-1"};
    assert_false(population_line_parse(group_and_count_bad, 3, &row, err, sizeof(err)));
    assert_string_equal(err, GROUP_ERR(" \"0\""));
}

/* Every ethnic group number and the counts around the limits. */
static void
test_parse_boundaries(void **state)
{
    (void)state;
    population_row_t row;
    char err[256], group[16];
    for (int g = 0; g <= POPULATION_GROUPS + 1; g++) {
        snprintf(group, sizeof(group), "%d", g);
        const char *fields[] = {"E01000001", group, "1"};
        bool ok = population_line_parse(fields, 3, &row, err, sizeof(err));
        if (ok != (g >= 1 && g <= POPULATION_GROUPS))
            fail_msg("ethnic group %d: %s", g, ok ? "accepted" : err);
        if (ok && row.ons_number != g)
            fail_msg("ethnic group %d read as %d", g, row.ons_number);
    }
    static const struct {
        const char *count;
        bool ok;
    } counts[] = {{"0", true},           {"1", true},
                  {"19999999", true},    {"20000000", true},
                  {"20000001", false},   {"2147483647", false},
                  {"2147483648", false}, {"000000000000000000000000001", true}};
    for (size_t i = 0; i < LEN(counts); i++) {
        const char *fields[] = {"E01000001", "1", counts[i].count};
        if (population_line_parse(fields, 3, &row, err, sizeof(err)) != counts[i].ok)
            fail_msg("count %s: want %s", counts[i].count, counts[i].ok ? "accepted" : "refused");
    }
}

static void
test_area_valid(void **state)
{
    (void)state;
    static const char *const good[] = {"E01000001", "W01001958", "E05000026", "W05000981",
                                       "E06000001", "E07000008", "E08000025", "E09000033",
                                       "E10000002", "W06000024", "E01999999"};
    static const char *const bad[] = {"",          "E01",        "E0100000",  "E010000011",
                                      "E02000001", "E04000001",  "E11000001", "E12000001",
                                      "W02000001", "W07000001",  "S01000001", "N09000001",
                                      "e01000001", "E01 000001", "E01-00001", "E01000001 ",
                                      "E0100000x", "K04000001",  "E92000001", "W99999999"};
    for (size_t i = 0; i < LEN(good); i++)
        if (!population_area_valid(good[i]))
            fail_msg("%s refused", good[i]);
    for (size_t i = 0; i < LEN(bad); i++)
        if (population_area_valid(bad[i]))
            fail_msg("\"%s\" accepted", bad[i]);
}

/* --- population_line_read ------------------------------------------------ */

/* Reads every line of text (len bytes) and writes what came, one token per
 * line: the line in brackets, or END, LONG, NUL, ERROR. */
static void
read_all(const char *text, size_t len, char *out, size_t outlen)
{
    FILE *f = fmemopen((void *)text, len, "r");
    assert_non_null(f);
    char line[POPULATION_LINE_BUF];
    size_t n, o = 0;
    out[0] = '\0';
    for (;;) {
        population_read_t r = population_line_read(f, line, &n);
        const char *tok = r == POPULATION_READ_END        ? "END"
                          : r == POPULATION_READ_TOO_LONG ? "LONG"
                          : r == POPULATION_READ_NUL      ? "NUL"
                          : r == POPULATION_READ_ERROR    ? "ERROR"
                                                          : NULL;
        if (tok == NULL) {
            assert_int_equal(strlen(line), n);
            o += (size_t)snprintf(out + o, outlen - o, "[%s]", line);
            continue;
        }
        snprintf(out + o, outlen - o, "%s", tok);
        break;
    }
    fclose(f);
}

static void
test_read_line_ends(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text, *want;
    } cases[] = {
        {"LF", "a,1,2\nb,3,4\n", "[a,1,2][b,3,4]END"},
        {"CRLF", "a,1,2\r\nb,3,4\r\n", "[a,1,2][b,3,4]END"},
        {"no final LF", "a,1,2\nb,3,4", "[a,1,2][b,3,4]END"},
        {"no final CRLF, a CR", "a,1,2\r\nb,3,4\r", "[a,1,2][b,3,4]END"},
        {"an empty trailing line", "a,1,2\n\n", "[a,1,2][]END"},
        {"an empty CRLF line", "a,1,2\r\n\r\n", "[a,1,2][]END"},
        {"an empty line between", "a\n\nb\n", "[a][][b]END"},
        {"only CR inside is kept", "a\rb\n", "[a\rb]END"},
        {"one CR is taken off, not two", "a\r\r\n", "[a\r]END"},
        {"an empty file", "", "END"},
        {"a lone LF", "\n", "[]END"},
    };
    char out[256];
    for (size_t i = 0; i < LEN(cases); i++) {
        read_all(cases[i].text, strlen(cases[i].text), out, sizeof(out));
        if (strcmp(out, cases[i].want) != 0)
            fail_msg("%s: read %s, want %s", cases[i].name, out, cases[i].want);
    }
}

static void
test_read_nul(void **state)
{
    (void)state;
    static const char text[] = "a,1,2\nb\0,1,2\nc\n";
    char out[256];
    read_all(text, sizeof(text) - 1, out, sizeof(out));
    assert_string_equal(out, "[a,1,2]NUL");
}

/* POPULATION_LINE_MAX bytes pass, with LF, CRLF or nothing after them; one
 * more byte is too long however the line ends. */
static void
test_read_length_limit(void **state)
{
    (void)state;
    enum { MAX = POPULATION_LINE_MAX };
    static const char *const ends[] = {"\n", "\r\n", ""};
    char *text = malloc(MAX + 16), line[POPULATION_LINE_BUF];
    for (size_t e = 0; e < LEN(ends); e++) {
        for (size_t n = MAX - 1; n <= MAX + 2; n++) {
            memset(text, 'x', n);
            size_t len = n + strlen(ends[e]);
            memcpy(text + n, ends[e], strlen(ends[e]));
            FILE *f = fmemopen(text, len, "r");
            size_t got = 0;
            population_read_t r = population_line_read(f, line, &got);
            fclose(f);
            if (n <= MAX && (r != POPULATION_READ_LINE || got != n))
                fail_msg("%zu bytes + \"%s\": result %d, length %zu", n,
                         e == 0   ? "LF"
                         : e == 1 ? "CRLF"
                                  : "",
                         r, got);
            if (n > MAX && r != POPULATION_READ_TOO_LONG)
                fail_msg("%zu bytes + ending %zu: result %d, want too long", n, e, r);
        }
    }
    free(text);
}

/* A line far beyond the limit is refused without reading it all. */
static void
test_read_stops_at_limit(void **state)
{
    (void)state;
    size_t len = 1 << 20;
    char *text = malloc(len), line[POPULATION_LINE_BUF];
    memset(text, 'x', len);
    FILE *f = fmemopen(text, len, "r");
    size_t n;
    assert_int_equal(population_line_read(f, line, &n), POPULATION_READ_TOO_LONG);
    assert_true(ftell(f) <= POPULATION_LINE_BUF + 1);
    fclose(f);
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify_table),       cmocka_unit_test(test_classify_long_field),
        cmocka_unit_test(test_classify_most_fields), cmocka_unit_test(test_classify_respects_len),
        cmocka_unit_test(test_classify_short_err),   cmocka_unit_test(test_parse_fields),
        cmocka_unit_test(test_parse_boundaries),     cmocka_unit_test(test_area_valid),
        cmocka_unit_test(test_read_line_ends),       cmocka_unit_test(test_read_nul),
        cmocka_unit_test(test_read_length_limit),    cmocka_unit_test(test_read_stops_at_limit),
    };
    return cmocka_run_group_tests_name("population", tests, NULL, NULL);
}
