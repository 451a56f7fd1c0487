/* test_codes.c: hub/codes.h — the CSV record reader, loading the code lists
 * of api/codes and of the fixture directories under tests/unit/data (bad
 * headers, duplicate codes, wrong field counts, CRLF and quoting), lookups by
 * code and column, and the JSON forms served at GET /v1/codes.
 *
 * Run from the repository root: the lists are read from api/codes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../hub/codes.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define API_CODES "api/codes"
#define DATA "tests/unit/data"

/* --- csv_record ---------------------------------------------------------- */

/* One record read from text: the result, the fields, and what is left. */
typedef struct csv_case {
    const char *name;
    const char *text;
    int max;
    int want; /* field count, 0 at the end, -1 malformed */
    const char *fields[CODES_FIELDS_MAX];
    const char *rest; /* text after the record (when want > 0) */
} csv_case_t;

static const csv_case_t csv_cases[] = {
    {"plain", "a,b,c\nnext", 8, 3, {"a", "b", "c"}, "next"},
    {"no final newline", "code,label", 8, 2, {"code", "label"}, ""},
    {"quoted with commas", "\"a, b\",\"c,d,e\",f\n", 8, 3, {"a, b", "c,d,e", "f"}, ""},
    {"\"\" escape", "\"say \"\"hi\"\"\",\"\"\"\"\n", 8, 2, {"say \"hi\"", "\""}, ""},
    {"quoted newline", "\"two\nlines\",x\ny", 8, 2, {"two\nlines", "x"}, "y"},
    {"CRLF", "a,b\r\nc,d\r\n", 8, 2, {"a", "b"}, "c,d\r\n"},
    {"quoted then CRLF", "\"a\",\"b\"\r\nrest", 8, 2, {"a", "b"}, "rest"},
    {"empty fields", ",,\n", 8, 3, {"", "", ""}, ""},
    {"empty quoted field", "\"\",x\n", 8, 2, {"", "x"}, ""},
    {"trailing comma", "a,\n", 8, 2, {"a", ""}, ""},
    {"blank line", "\nx", 8, 1, {""}, "x"},
    {"blank CRLF line", "\r\nx", 8, 1, {""}, "x"},
    {"exactly max fields", "a,b\n", 2, 2, {"a", "b"}, ""},
    {"UTF-8 kept as bytes", "\xc3\xa9,\xe2\x82\xac\n", 8, 2, {"\xc3\xa9", "\xe2\x82\xac"}, ""},
    {"end", "", 8, 0, {NULL}, NULL},
    {"unterminated quote", "\"abc,def\n", 8, -1, {NULL}, NULL},
    {"unterminated quote at end", "a,\"", 8, -1, {NULL}, NULL},
    {"too many fields", "a,b,c\n", 2, -1, {NULL}, NULL},
    {"too many: trailing comma", "a,b,\n", 2, -1, {NULL}, NULL},
    {"text after closing quote", "\"a\"b,c\n", 8, -1, {NULL}, NULL},
    {"space after closing quote", "\"a\" ,c\n", 8, -1, {NULL}, NULL},
    {"quote inside unquoted field", "ab\"c,d\n", 8, -1, {NULL}, NULL},
};

static void
check_csv_case(const csv_case_t *c, const char *text, size_t len)
{
    char fields[CODES_FIELDS_MAX][CODES_FIELD_MAX];
    memset(fields, 0, sizeof(fields));
    const char *p = text;
    int got = csv_record(&p, text + len, fields, c->max);
    if (got != c->want)
        fail_msg("%s: returned %d, want %d", c->name, got, c->want);
    for (int i = 0; i < got; i++)
        if (strcmp(fields[i], c->fields[i]) != 0)
            fail_msg("%s: field %d is \"%s\", want \"%s\"", c->name, i, fields[i], c->fields[i]);
    if (got > 0 && strcmp(p, c->rest) != 0)
        fail_msg("%s: left \"%s\", want \"%s\"", c->name, p, c->rest);
    if (got == 0 && p != text)
        fail_msg("%s: moved at the end", c->name);
}

static void
test_csv_record_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < LEN(csv_cases); i++)
        check_csv_case(&csv_cases[i], csv_cases[i].text, strlen(csv_cases[i].text));
}

/* end bounds the text: nothing at or past it is read, NUL or not. */
static void
test_csv_record_respects_end(void **state)
{
    (void)state;
    static const char text[] = "ab,cd,ef\nrest";
    char fields[CODES_FIELDS_MAX][CODES_FIELD_MAX];
    const char *p = text;
    assert_int_equal(csv_record(&p, text + 4, fields, 8), 2); /* "ab,c" */
    assert_string_equal(fields[0], "ab");
    assert_string_equal(fields[1], "c");
    assert_ptr_equal(p, text + 4);
    assert_int_equal(csv_record(&p, text + 4, fields, 8), 0);
    p = text;
    assert_int_equal(csv_record(&p, text, fields, 8), 0);
    assert_ptr_equal(p, text);
    /* an unterminated quote cut by end, though the text goes on */
    static const char quoted[] = "\"ab\"\n";
    p = quoted;
    assert_int_equal(csv_record(&p, quoted + 3, fields, 8), -1);
}

/* A field of exactly 255 bytes (CODES_FIELD_MAX - 1) fits; 256 does not. */
static void
test_csv_record_field_length(void **state)
{
    (void)state;
    enum { ROOM = CODES_FIELD_MAX + 16 };
    char text[ROOM + 8];
    char fields[CODES_FIELDS_MAX][CODES_FIELD_MAX];
    for (int quoted = 0; quoted < 2; quoted++) {
        for (size_t n = CODES_FIELD_MAX - 2; n <= CODES_FIELD_MAX + 1; n++) {
            size_t o = 0;
            if (quoted)
                text[o++] = '"';
            memset(text + o, 'x', n);
            o += n;
            if (quoted)
                text[o++] = '"';
            memcpy(text + o, ",y\n", 3);
            o += 3;
            const char *p = text;
            int got = csv_record(&p, text + o, fields, 8);
            if (n <= CODES_FIELD_MAX - 1) {
                if (got != 2 || strlen(fields[0]) != n || strcmp(fields[1], "y") != 0)
                    fail_msg("%s field of %zu bytes: returned %d", quoted ? "quoted" : "plain", n,
                             got);
            } else if (got != -1) {
                fail_msg("%s field of %zu bytes: returned %d, want -1", quoted ? "quoted" : "plain",
                         n, got);
            }
        }
    }
}

/* A whole file, record after record, to the end. */
static void
test_csv_record_sequence(void **state)
{
    (void)state;
    static const char text[] = "code,label\r\nA,\"x, y\"\r\n\r\nB,\"z\"\"\"";
    static const int want[] = {2, 2, 1, 2, 0, 0};
    static const char *const second[] = {"label", "x, y", NULL, "z\"", NULL, NULL};
    char fields[CODES_FIELDS_MAX][CODES_FIELD_MAX];
    const char *p = text, *end = text + strlen(text);
    for (size_t i = 0; i < LEN(want); i++) {
        int got = csv_record(&p, end, fields, CODES_FIELDS_MAX);
        if (got != want[i])
            fail_msg("record %zu: returned %d, want %d", i, got, want[i]);
        if (got == 2)
            assert_string_equal(fields[1], second[i]);
    }
    assert_ptr_equal(p, end);
}

/* --- codes_load on api/codes --------------------------------------------- */

typedef struct expected_list {
    const char *name;
    size_t rows;
    const char *first, *last;
} expected_list_t;

static const expected_list_t expected_lists[] = {
    {"age_band", 8, "0-15", "unknown"},
    {"channel", 8, "in_person", "other"},
    {"decline_reason", 5, "not_our_remit", "other"},
    {"ethnic_group", 20, "asian_bangladeshi", "not_stated"},
    {"ethnic_high_level_group", 5, "asian", "other"},
    {"ethnic_nhs", 18, "A", "99"},
    {"ethnic_police", 19, "W1", "NS"},
    {"ethnic_scheme", 3, "ons2021", "nhs"},
    {"incident_type", 9, "verbal_abuse", "other"},
    {"indicator", 18, "hate_incident_rate", "consultation_response_share"},
    {"journey_stage", 5, "resisting", "achieving"},
    {"location_type", 10, "home", "other"},
    {"outcome", 17, "charged_or_summonsed", "case_closed"},
    {"referral_reason", 7, "housing_action", "other"},
    {"repeat", 3, "yes", "unknown"},
    {"self_assessment", 8, "q1", "q8"},
    {"sex", 4, "female", "not_stated"},
    {"strand", 7, "race", "other"},
    {"urgency", 2, "routine", "urgent"},
    {"victim_satisfied", 3, "yes", "unknown"},
};

static codes_t *
load_ok(const char *dir)
{
    codes_t *codes = NULL;
    char err[512] = "";
    if (!codes_load(dir, &codes, err, sizeof(err)))
        fail_msg("codes_load(%s): %s", dir, err);
    assert_non_null(codes);
    return codes;
}

static json_t *
parse_json(const char *text)
{
    assert_non_null(text);
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    if (doc == NULL)
        fail_msg("not JSON (%s): %s", jerr.text, text);
    return doc;
}

static void
test_load_api_codes(void **state)
{
    (void)state;
    codes_t *codes = load_ok(API_CODES);
    for (size_t i = 0; i < LEN(expected_lists); i++) {
        const expected_list_t *e = &expected_lists[i];
        const code_list_t *l = codes_list(codes, e->name);
        if (l == NULL)
            fail_msg("list %s is missing", e->name);
        if (code_list_rows(l) != e->rows)
            fail_msg("%s: %zu rows, want %zu", e->name, code_list_rows(l), e->rows);
        assert_string_equal(code_list_code(l, 0), e->first);
        assert_string_equal(code_list_code(l, e->rows - 1), e->last);
        assert_int_equal(code_list_find(l, e->first), 0);
        assert_int_equal(code_list_find(l, e->last), (int)e->rows - 1);
    }
    codes_free(codes);
}

static void
test_lookups(void **state)
{
    (void)state;
    codes_t *codes = load_ok(API_CODES);
    assert_null(codes_list(codes, "nope"));
    assert_null(codes_list(codes, "strand.csv"));
    assert_null(codes_list(codes, "Strand"));
    assert_null(codes_list(codes, ""));
    assert_null(codes_list(codes, "README"));
    const code_list_t *strand = codes_list(codes, "strand");
    assert_non_null(strand);
    assert_int_equal(code_list_find(strand, "race"), 0);
    assert_int_equal(code_list_find(strand, "disability"), 3);
    assert_int_equal(code_list_find(strand, "Race"), -1);
    assert_int_equal(code_list_find(strand, "race "), -1);
    assert_int_equal(code_list_find(strand, "rac"), -1);
    assert_int_equal(code_list_find(strand, ""), -1);
    assert_int_equal(code_list_find(strand, "label"), -1); /* the header is no row */
    assert_int_equal(code_list_find(strand, "code"), -1);
    const code_list_t *police = codes_list(codes, "ethnic_police");
    assert_int_equal(code_list_find(police, "W1"), 0);
    assert_int_equal(code_list_find(police, "w1"), -1);
    codes_free(codes);
}

static void
test_value_by_column(void **state)
{
    (void)state;
    codes_t *codes = load_ok(API_CODES);
    const code_list_t *group = codes_list(codes, "ethnic_group");
    int row = code_list_find(group, "white_british");
    assert_true(row >= 0);
    /* a quoted label with commas in it */
    assert_string_equal(code_list_value(group, (size_t)row, "label"),
                        "White: English, Welsh, Scottish, Northern Irish or British");
    assert_string_equal(code_list_value(group, (size_t)row, "code"), "white_british");
    assert_string_equal(code_list_value(group, (size_t)row, "ons_number"), "13");
    assert_string_equal(code_list_value(group, (size_t)row, "high_level_group"), "white");
    row = code_list_find(group, "not_stated");
    assert_string_equal(code_list_value(group, (size_t)row, "ons_number"), "");
    assert_string_equal(code_list_value(group, (size_t)row, "high_level_group"), "");
    assert_null(code_list_value(group, (size_t)row, "ons_code"));
    assert_null(code_list_value(group, (size_t)row, "Label"));
    assert_null(code_list_value(group, (size_t)row, ""));

    const code_list_t *nhs = codes_list(codes, "ethnic_nhs");
    row = code_list_find(nhs, "C");
    assert_string_equal(code_list_value(nhs, (size_t)row, "ons_code"), "white_other");
    assert_string_equal(code_list_value(nhs, (size_t)row, "exact"), "false");
    assert_string_equal(code_list_value(nhs, (size_t)row, "label"),
                        "White - Any other White background");
    row = code_list_find(nhs, "99");
    assert_string_equal(code_list_value(nhs, (size_t)row, "ons_code"), "not_stated");
    assert_string_equal(code_list_value(nhs, (size_t)row, "exact"), "true");

    const code_list_t *strand = codes_list(codes, "strand");
    assert_string_equal(code_list_value(strand, 0, "label"), "Race");
    assert_null(code_list_value(strand, 0, "ons_code"));
    codes_free(codes);
}

static void
test_allowed(void **state)
{
    (void)state;
    codes_t *codes = load_ok(API_CODES);
    assert_string_equal(code_list_allowed(codes_list(codes, "strand")),
                        "race religion sexual_orientation disability transgender_identity "
                        "sex_gender other");
    assert_string_equal(code_list_allowed(codes_list(codes, "ethnic_scheme")),
                        "ons2021 police nhs");
    assert_string_equal(code_list_allowed(codes_list(codes, "ethnic_nhs")),
                        "A B C D E F G H J K L M N P R S Z 99");
    assert_string_equal(code_list_allowed(codes_list(codes, "ethnic_police")),
                        "W1 W2 W3 W9 M1 M2 M3 M9 A1 A2 A3 A4 A9 B1 B2 B9 O1 O9 NS");
    codes_free(codes);
}

static void
test_list_json(void **state)
{
    (void)state;
    codes_t *codes = load_ok(API_CODES);
    for (size_t i = 0; i < LEN(expected_lists); i++) {
        const code_list_t *l = codes_list(codes, expected_lists[i].name);
        json_t *doc = parse_json(code_list_json(l));
        assert_string_equal(json_string_value(json_object_get(doc, "list")),
                            expected_lists[i].name);
        json_t *cols = json_object_get(doc, "columns");
        assert_true(json_array_size(cols) >= 2);
        assert_string_equal(json_string_value(json_array_get(cols, 0)), "code");
        assert_string_equal(json_string_value(json_array_get(cols, 1)), "label");
        json_t *rows = json_object_get(doc, "codes");
        assert_int_equal(json_array_size(rows), expected_lists[i].rows);
        for (size_t r = 0; r < json_array_size(rows); r++) {
            json_t *row = json_array_get(rows, r);
            assert_int_equal(json_object_size(row), json_array_size(cols));
            const char *code = json_string_value(json_object_get(row, "code"));
            assert_non_null(code);
            assert_string_equal(code, code_list_code(l, r));
        }
        json_decref(doc);
    }

    /* the crosswalk's extra columns, and labels with commas and no value */
    json_t *doc = parse_json(code_list_json(codes_list(codes, "ethnic_police")));
    json_t *cols = json_object_get(doc, "columns");
    assert_int_equal(json_array_size(cols), 4);
    assert_string_equal(json_string_value(json_array_get(cols, 2)), "ons_code");
    assert_string_equal(json_string_value(json_array_get(cols, 3)), "exact");
    json_t *w3 = json_array_get(json_object_get(doc, "codes"), 2);
    assert_string_equal(json_string_value(json_object_get(w3, "code")), "W3");
    assert_string_equal(json_string_value(json_object_get(w3, "label")),
                        "White - Gypsy or Irish Traveller");
    assert_string_equal(json_string_value(json_object_get(w3, "ons_code")),
                        "white_gypsy_irish_traveller");
    json_decref(doc);
    doc = parse_json(code_list_json(codes_list(codes, "ethnic_group")));
    json_t *rows = json_object_get(doc, "codes");
    json_t *british = json_array_get(rows, 12);
    assert_string_equal(json_string_value(json_object_get(british, "label")),
                        "White: English, Welsh, Scottish, Northern Irish or British");
    json_t *unstated = json_array_get(rows, 19);
    assert_string_equal(json_string_value(json_object_get(unstated, "code")), "not_stated");
    assert_string_equal(json_string_value(json_object_get(unstated, "ons_number")), "");
    json_decref(doc);
    codes_free(codes);
}

static void
test_index_json(void **state)
{
    (void)state;
    codes_t *codes = load_ok(API_CODES);
    json_t *doc = parse_json(codes_index_json(codes));
    assert_string_equal(json_string_value(json_object_get(doc, "protocol")), "harassment-report/1");
    json_t *lists = json_object_get(doc, "lists");
    assert_int_equal(json_array_size(lists), LEN(expected_lists));
    /* sorted by name, as expected_lists is */
    for (size_t i = 0; i < LEN(expected_lists); i++) {
        json_t *e = json_array_get(lists, i);
        assert_string_equal(json_string_value(json_object_get(e, "list")), expected_lists[i].name);
        assert_true(json_is_integer(json_object_get(e, "codes")));
        assert_int_equal(json_integer_value(json_object_get(e, "codes")), expected_lists[i].rows);
    }
    json_decref(doc);
    codes_free(codes);
}

/* --- codes_load on fixtures ---------------------------------------------- */

/* CRLF, quoted fields, a blank line, no final newline; README.md and
 * old.csv.bak are not lists. */
static void
test_load_quirks(void **state)
{
    (void)state;
    codes_t *codes = load_ok(DATA "/codes-good");
    assert_null(codes_list(codes, "README"));
    assert_null(codes_list(codes, "old"));
    assert_null(codes_list(codes, "old.csv"));
    const code_list_t *q = codes_list(codes, "quirks");
    assert_non_null(q);
    assert_int_equal(code_list_rows(q), 3);
    assert_string_equal(code_list_value(q, 0, "label"), "Quoted, with comma");
    assert_string_equal(code_list_value(q, 0, "note"), "say \"hi\"");
    assert_string_equal(code_list_value(q, 1, "code"), "x2");
    assert_string_equal(code_list_value(q, 1, "note"), "");
    assert_string_equal(code_list_value(q, 2, "label"), "");
    assert_string_equal(code_list_value(q, 2, "note"), "last");
    assert_string_equal(code_list_allowed(q), "x1 x2 x3");
    const code_list_t *plain = codes_list(codes, "plain");
    assert_non_null(plain);
    assert_int_equal(code_list_rows(plain), 1);
    json_t *doc = parse_json(codes_index_json(codes));
    json_t *lists = json_object_get(doc, "lists");
    assert_int_equal(json_array_size(lists), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(lists, 0), "list")),
                        "plain");
    assert_string_equal(json_string_value(json_object_get(json_array_get(lists, 1), "list")),
                        "quirks");
    json_decref(doc);
    doc = parse_json(code_list_json(q));
    json_t *row = json_array_get(json_object_get(doc, "codes"), 0);
    assert_string_equal(json_string_value(json_object_get(row, "note")), "say \"hi\"");
    json_decref(doc);
    codes_free(codes);
}

/* Each bad directory is refused with a message naming the file (and the
 * line, when the fault is in a row). */
static void
test_load_refused(void **state)
{
    (void)state;
    static const struct {
        const char *dir;
        const char *file_line; /* e.g. "dup.csv:5:" */
        const char *also;      /* another part of the message */
    } cases[] = {
        {DATA "/codes-bad/header", "bad_header.csv", "code,label"},
        {DATA "/codes-bad/duplicate", "dup.csv:5:", "A"},
        {DATA "/codes-bad/fields", "short_row.csv:4:", "3"},
        {DATA "/codes-bad/malformed", "open_quote.csv:3:", NULL},
        {DATA "/codes-bad/empty-code", "no_code.csv:3:", NULL},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        static char marker;
        codes_t *codes = (codes_t *)&marker; /* must be left alone */
        char err[512] = "";
        if (codes_load(cases[i].dir, &codes, err, sizeof(err)))
            fail_msg("%s: loaded", cases[i].dir);
        assert_ptr_equal(codes, &marker);
        if (strstr(err, cases[i].file_line) == NULL)
            fail_msg("%s: message \"%s\" does not name %s", cases[i].dir, err, cases[i].file_line);
        if (strstr(err, cases[i].dir) == NULL)
            fail_msg("%s: message \"%s\" does not name the path", cases[i].dir, err);
        if (cases[i].also != NULL && strstr(err, cases[i].also) == NULL)
            fail_msg("%s: message \"%s\" lacks %s", cases[i].dir, err, cases[i].also);
        if (strstr(err, "ok.csv") != NULL)
            fail_msg("%s: message \"%s\" blames the good file", cases[i].dir, err);
    }
}

/* A message that fills err is cut, not overrun. */
static void
test_load_short_err(void **state)
{
    (void)state;
    char err[12];
    memset(err, 'Z', sizeof(err));
    codes_t *codes = NULL;
    assert_false(codes_load(DATA "/codes-bad/duplicate", &codes, err, 8));
    assert_int_equal(strlen(err), 7);
    assert_int_equal(err[8], 'Z');
}

static void
test_load_empty_dir(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_codes.XXXXXX";
    assert_non_null(mkdtemp(dir));
    codes_t *codes = NULL;
    char err[512] = "";
    bool ok = codes_load(dir, &codes, err, sizeof(err));
    rmdir(dir);
    assert_false(ok);
    assert_null(codes);
    assert_non_null(strstr(err, dir));
    assert_non_null(strstr(err, "no code lists"));
}

static void
test_load_missing_dir(void **state)
{
    (void)state;
    codes_t *codes = NULL;
    char err[512] = "";
    assert_false(codes_load(DATA "/no-such-dir", &codes, err, sizeof(err)));
    assert_null(codes);
    assert_non_null(strstr(err, DATA "/no-such-dir"));
    assert_non_null(strstr(err, "HUB_API_DIR"));
}

static void
test_free_null(void **state)
{
    (void)state;
    codes_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_record_table),
        cmocka_unit_test(test_csv_record_respects_end),
        cmocka_unit_test(test_csv_record_field_length),
        cmocka_unit_test(test_csv_record_sequence),
        cmocka_unit_test(test_load_api_codes),
        cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_value_by_column),
        cmocka_unit_test(test_allowed),
        cmocka_unit_test(test_list_json),
        cmocka_unit_test(test_index_json),
        cmocka_unit_test(test_load_quirks),
        cmocka_unit_test(test_load_refused),
        cmocka_unit_test(test_load_short_err),
        cmocka_unit_test(test_load_empty_dir),
        cmocka_unit_test(test_load_missing_dir),
        cmocka_unit_test(test_free_null),
    };
    return cmocka_run_group_tests_name("codes", tests, NULL, NULL);
}
