/* test_report.c: hub/report.h — one report of harassment-report/1 against
 * the code lists of api/codes: a valid report field by field, every row of
 * the police and NHS ethnicity crosswalks (expected ONS 2021 codes written
 * here, not read from the CSV), each validator with its JSON Pointer, the
 * personal-data guard, the content hash, and report_codes_check on fixture
 * directories.
 *
 * Run from the repository root: the lists are read from api/codes. The date
 * is fixed (TODAY), never the clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../hub/report.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define API_CODES "api/codes"
#define DATA "tests/unit/data"
#define TODAY "2026-11-23"
#define SUBJECT "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

#include "codes_fixture.h"

/* A valid report of the police, every member present. */
static const char valid_police[] =
    "{\"protocol\":\"harassment-report/1\","
    "\"external_ref\":\"WMP/2026/000123\","
    "\"occurred_from\":\"2026-11-01\","
    "\"occurred_to\":\"2026-11-03\","
    "\"reported_on\":\"2026-11-04\","
    "\"area\":\"E01009417\","
    "\"location_type\":\"street\","
    "\"strands\":[\"race\",\"religion\"],"
    "\"incident_types\":[\"verbal_abuse\",\"threats\",\"criminal_damage\"],"
    "\"victim\":{\"ethnic_scheme\":\"police\",\"ethnic_group\":\"W3\","
    "\"age_band\":\"25-34\",\"sex\":\"female\"},"
    "\"repeat\":\"yes\","
    "\"channel\":\"in_person\","
    "\"subject_key\":\"" SUBJECT "\"}";

static json_t *
json_of(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);
    if (v == NULL)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    return v;
}

/* The valid report with member set to value (JSON text; NULL removes it).
 * member is a top-level name or "victim/<name>". */
static void
set_member(json_t *root, const char *member, const char *value)
{
    json_t *obj = root;
    if (strncmp(member, "victim/", 7) == 0) {
        obj = json_object_get(root, "victim");
        member += 7;
    }
    assert_true(json_is_object(obj));
    if (value == NULL)
        json_object_del(obj, member);
    else
        json_object_set_new(obj, member, json_of(value));
}

static json_t *
report_with(const char *member, const char *value)
{
    json_t *root = json_of(valid_police);
    set_member(root, member, value);
    return root;
}

/* Parses root as of today; returns the 422 problem or NULL, after checking
 * that report_parse's answer agrees with it. */
static json_t *
parse_at(json_t *root, const char *today, report_t *out)
{
    input_t in;
    input_begin(&in, root);
    bool ok = report_parse(codes, &in, today, out);
    json_t *problem = input_end(&in);
    if (ok != (problem == NULL)) {
        json_decref(problem);
        fail_msg("report_parse returned %s with %s", ok ? "true" : "false",
                 problem ? "errors" : "no errors");
    }
    return problem;
}

static json_t *
parse(json_t *root, report_t *out)
{
    return parse_at(root, TODAY, out);
}

/* parse, then frees root (so a failing check leaks nothing). */
static json_t *
parse_free(json_t *root, report_t *out)
{
    json_t *problem = parse(root, out);
    json_decref(root);
    return problem;
}

static char *
dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* The problem's errors array (checked for shape). */
static json_t *
errors_of(json_t *problem)
{
    assert_non_null(problem);
    assert_int_equal(json_integer_value(json_object_get(problem, "status")), 422);
    json_t *errors = json_object_get(problem, "errors");
    assert_true(json_is_array(errors));
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
    {
        assert_true(json_is_string(json_object_get(e, "pointer")));
        assert_true(json_is_string(json_object_get(e, "message")));
        assert_true(json_string_length(json_object_get(e, "message")) > 0);
    }
    return errors;
}

static const char *
pointer_at(json_t *errors, size_t i)
{
    return json_string_value(json_object_get(json_array_get(errors, i), "pointer"));
}

static const char *
message_at(json_t *errors, size_t i)
{
    return json_string_value(json_object_get(json_array_get(errors, i), "message"));
}

/* Exactly the errors at want (in order, NULL-terminated); frees problem.
 * what names the case in failures. */
static void
expect_errors(const char *what, json_t *problem, const char *const *want)
{
    size_t n = 0;
    while (want[n] != NULL)
        n++;
    if (n == 0) {
        if (problem != NULL) {
            char *text = dump(problem);
            print_error("%s: unexpected problem %s\n", what, text);
            free(text);
            json_decref(problem);
            fail();
        }
        return;
    }
    if (problem == NULL)
        fail_msg("%s: accepted, want %zu errors starting at %s", what, n, want[0]);
    json_t *errors = errors_of(problem);
    bool same = json_array_size(errors) == n;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(pointer_at(errors, i), want[i]) == 0;
    if (!same) {
        char *text = dump(errors);
        print_error("%s: errors %s, want:", what, text);
        for (size_t i = 0; i < n; i++)
            print_error(" %s", want[i]);
        print_error("\n");
        free(text);
        json_decref(problem);
        fail();
    }
    json_decref(problem);
}

#define EXPECT(what, problem, ...)                                                                 \
    expect_errors(what, problem, (const char *const[]){__VA_ARGS__, NULL})
#define EXPECT_NONE(what, problem) expect_errors(what, problem, (const char *const[]){NULL})

/* Refused, with at least one error and every error at pointer; frees problem. */
static void
expect_refused_at(const char *what, json_t *problem, const char *pointer)
{
    if (problem == NULL)
        fail_msg("%s: accepted", what);
    json_t *errors = errors_of(problem);
    bool ok = json_array_size(errors) > 0;
    for (size_t i = 0; ok && i < json_array_size(errors); i++)
        ok = strcmp(pointer_at(errors, i), pointer) == 0;
    if (!ok) {
        char *text = dump(errors);
        print_error("%s: errors %s, want them at %s\n", what, text, pointer);
        free(text);
        json_decref(problem);
        fail();
    }
    json_decref(problem);
}

/* Parses the valid report with one member changed, expecting no error. */
static void
accept_with(const char *member, const char *value, report_t *out)
{
    json_t *root = report_with(member, value);
    char what[256];
    snprintf(what, sizeof(what), "%s = %s", member, value ? value : "(absent)");
    EXPECT_NONE(what, parse_free(root, out));
}

/* Parses the valid report with one member changed, expecting it refused at
 * pointer only. */
static void
refuse_with(const char *member, const char *value, const char *pointer)
{
    json_t *root = report_with(member, value);
    report_t r;
    char what[256];
    snprintf(what, sizeof(what), "%s = %s", member, value ? value : "(absent)");
    expect_refused_at(what, parse_free(root, &r), pointer);
}

/* --- a valid report ------------------------------------------------------ */

static void
test_valid_police_report(void **state)
{
    (void)state;
    json_t *root = json_of(valid_police);
    report_t r;
    memset(&r, 0x5a, sizeof(r));
    EXPECT_NONE("valid police report", parse_free(root, &r));
    assert_string_equal(r.external_ref, "WMP/2026/000123");
    assert_string_equal(r.occurred_from, "2026-11-01");
    assert_string_equal(r.occurred_to, "2026-11-03");
    assert_string_equal(r.reported_on, "2026-11-04");
    assert_string_equal(r.area, "E01009417");
    assert_string_equal(r.location_type, "street");
    assert_int_equal(r.nstrands, 2);
    assert_string_equal(r.strands[0], "race");
    assert_string_equal(r.strands[1], "religion");
    assert_int_equal(r.nincident_types, 3);
    assert_string_equal(r.incident_types[0], "verbal_abuse");
    assert_string_equal(r.incident_types[1], "threats");
    assert_string_equal(r.incident_types[2], "criminal_damage");
    assert_string_equal(r.ethnic_group, "white_gypsy_irish_traveller");
    assert_string_equal(r.ethnic_scheme, "police");
    assert_string_equal(r.ethnic_native, "W3");
    assert_string_equal(r.age_band, "25-34");
    assert_string_equal(r.sex, "female");
    assert_string_equal(r.repeat, "yes");
    assert_string_equal(r.channel, "in_person");
    assert_true(r.has_subject);
    assert_string_equal(r.subject_key, SUBJECT);
    /* the codes point into the code lists, which outlive the body */
    const code_list_t *strand = codes_list(codes, "strand");
    assert_ptr_equal(r.strands[0], code_list_code(strand, 0));
    const code_list_t *group = codes_list(codes, "ethnic_group");
    assert_ptr_equal(r.ethnic_group,
                     code_list_code(group, (size_t)code_list_find(group, r.ethnic_group)));
}

static void
test_optional_members_absent(void **state)
{
    (void)state;
    json_t *root = json_of(valid_police);
    json_object_del(root, "occurred_to");
    json_object_del(root, "subject_key");
    json_object_del(json_object_get(root, "victim"), "ethnic_scheme");
    set_member(root, "victim/ethnic_group", "\"black_african\"");
    report_t r;
    memset(&r, 0x5a, sizeof(r));
    EXPECT_NONE("optional members absent", parse_free(root, &r));
    assert_string_equal(r.occurred_to, "2026-11-01"); /* defaults to occurred_from */
    assert_false(r.has_subject);
    assert_string_equal(r.subject_key, "");
    assert_string_equal(r.ethnic_scheme, "ons2021");
    assert_string_equal(r.ethnic_group, "black_african");
    assert_string_equal(r.ethnic_native, "black_african");
}

/* --- the ethnicity crosswalks -------------------------------------------- */

typedef struct crosswalk {
    const char *native, *ons;
} crosswalk_t;

/* Police self-defined ethnicity (18+1) to ONS 2021. */
static const crosswalk_t police_to_ons[] = {
    {"W1", "white_british"},
    {"W2", "white_irish"},
    {"W3", "white_gypsy_irish_traveller"},
    {"W9", "white_other"},
    {"M1", "mixed_white_black_caribbean"},
    {"M2", "mixed_white_black_african"},
    {"M3", "mixed_white_asian"},
    {"M9", "mixed_other"},
    {"A1", "asian_indian"},
    {"A2", "asian_pakistani"},
    {"A3", "asian_bangladeshi"},
    {"A4", "asian_chinese"},
    {"A9", "asian_other"},
    {"B1", "black_caribbean"},
    {"B2", "black_african"},
    {"B9", "black_other"},
    {"O1", "other_arab"},
    {"O9", "other_any"},
    {"NS", "not_stated"},
};

/* NHS Data Dictionary ethnic category to ONS 2021: C and S cover several
 * ONS groups and go to their "other"; Chinese (R) is Asian in 2021. */
static const crosswalk_t nhs_to_ons[] = {
    {"A", "white_british"},
    {"B", "white_irish"},
    {"C", "white_other"},
    {"D", "mixed_white_black_caribbean"},
    {"E", "mixed_white_black_african"},
    {"F", "mixed_white_asian"},
    {"G", "mixed_other"},
    {"H", "asian_indian"},
    {"J", "asian_pakistani"},
    {"K", "asian_bangladeshi"},
    {"L", "asian_other"},
    {"M", "black_caribbean"},
    {"N", "black_african"},
    {"P", "black_other"},
    {"R", "asian_chinese"},
    {"S", "other_any"},
    {"Z", "not_stated"},
    {"99", "not_stated"},
};

/* The 19 ONS 2021 categories and not_stated. */
static const char *const ons_codes[] = {
    "asian_bangladeshi",
    "asian_chinese",
    "asian_indian",
    "asian_pakistani",
    "asian_other",
    "black_african",
    "black_caribbean",
    "black_other",
    "mixed_white_asian",
    "mixed_white_black_african",
    "mixed_white_black_caribbean",
    "mixed_other",
    "white_british",
    "white_irish",
    "white_gypsy_irish_traveller",
    "white_roma",
    "white_other",
    "other_arab",
    "other_any",
    "not_stated",
};

/* Parses the valid report with the victim's scheme (NULL: absent) and code;
 * expects it accepted with the ONS code ons and the native code kept. */
static void
check_mapping(const char *scheme, const char *native, const char *ons)
{
    json_t *root = json_of(valid_police);
    json_t *victim = json_object_get(root, "victim");
    if (scheme == NULL)
        json_object_del(victim, "ethnic_scheme");
    else
        json_object_set_new(victim, "ethnic_scheme", json_string(scheme));
    json_object_set_new(victim, "ethnic_group", json_string(native));
    report_t r;
    char what[128];
    snprintf(what, sizeof(what), "%s %s", scheme ? scheme : "(no scheme)", native);
    EXPECT_NONE(what, parse_free(root, &r));
    if (r.ethnic_group == NULL || strcmp(r.ethnic_group, ons) != 0)
        fail_msg("%s maps to %s, want %s", what, r.ethnic_group ? r.ethnic_group : "NULL", ons);
    assert_non_null(r.ethnic_native);
    assert_string_equal(r.ethnic_native, native);
    assert_string_equal(r.ethnic_scheme, scheme ? scheme : "ons2021");
}

/* The table here and the CSV have the same codes, so no row goes untested. */
static void
check_table_covers(const char *listname, const crosswalk_t *table, size_t n)
{
    const code_list_t *l = codes_list(codes, listname);
    assert_non_null(l);
    assert_int_equal(code_list_rows(l), n);
    for (size_t i = 0; i < n; i++)
        if (code_list_find(l, table[i].native) < 0)
            fail_msg("%s.csv has no %s", listname, table[i].native);
}

static void
test_crosswalk_police(void **state)
{
    (void)state;
    check_table_covers("ethnic_police", police_to_ons, LEN(police_to_ons));
    for (size_t i = 0; i < LEN(police_to_ons); i++)
        check_mapping("police", police_to_ons[i].native, police_to_ons[i].ons);
}

static void
test_crosswalk_nhs(void **state)
{
    (void)state;
    check_table_covers("ethnic_nhs", nhs_to_ons, LEN(nhs_to_ons));
    for (size_t i = 0; i < LEN(nhs_to_ons); i++)
        check_mapping("nhs", nhs_to_ons[i].native, nhs_to_ons[i].ons);
}

static void
test_ons2021_scheme(void **state)
{
    (void)state;
    assert_int_equal(code_list_rows(codes_list(codes, "ethnic_group")), LEN(ons_codes));
    for (size_t i = 0; i < LEN(ons_codes); i++) {
        check_mapping("ons2021", ons_codes[i], ons_codes[i]);
        check_mapping(NULL, ons_codes[i], ons_codes[i]);
    }
}

/* Unknown codes in each scheme: an error at /victim/ethnic_group whose
 * message lists every code of the scheme's list and never the value. */
static void
test_crosswalk_unknown_code(void **state)
{
    (void)state;
    static const struct {
        const char *scheme, *code, *list;
    } cases[] = {
        {"police", "W4", "ethnic_police"},
        {"police", "w1", "ethnic_police"},
        {"police", "A", "ethnic_police"},
        {"police", "white_british", "ethnic_police"},
        {"police", "XQ7", "ethnic_police"},
        {"nhs", "W1", "ethnic_nhs"},
        {"nhs", "a", "ethnic_nhs"},
        {"nhs", "T", "ethnic_nhs"},
        {"nhs", "white_british", "ethnic_nhs"},
        {"nhs", "XQ7", "ethnic_nhs"},
        {"ons2021", "W1", "ethnic_group"},
        {"ons2021", "White_British", "ethnic_group"},
        {"ons2021", "XQ7", "ethnic_group"},
        {NULL, "A", "ethnic_group"},
        {NULL, "XQ7", "ethnic_group"},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        json_t *root = json_of(valid_police);
        json_t *victim = json_object_get(root, "victim");
        if (cases[i].scheme == NULL)
            json_object_del(victim, "ethnic_scheme");
        else
            json_object_set_new(victim, "ethnic_scheme", json_string(cases[i].scheme));
        json_object_set_new(victim, "ethnic_group", json_string(cases[i].code));
        report_t r;
        char what[128];
        snprintf(what, sizeof(what), "%s %s", cases[i].scheme ? cases[i].scheme : "(no scheme)",
                 cases[i].code);
        json_t *problem = parse(root, &r);
        json_decref(root);
        if (problem == NULL)
            fail_msg("%s: accepted", what);
        json_t *errors = errors_of(problem);
        char msg[1024];
        snprintf(msg, sizeof(msg), "%s", json_array_size(errors) ? message_at(errors, 0) : "");
        bool at = json_array_size(errors) == 1 &&
                  strcmp(pointer_at(errors, 0), "/victim/ethnic_group") == 0;
        json_decref(problem);
        if (!at)
            fail_msg("%s: not one error at /victim/ethnic_group", what);
        if (strstr(msg, cases[i].list) == NULL)
            fail_msg("%s: \"%s\" does not name %s", what, msg, cases[i].list);
        const code_list_t *l = codes_list(codes, cases[i].list);
        for (size_t c = 0; c < code_list_rows(l); c++)
            if (strstr(msg, code_list_code(l, c)) == NULL)
                fail_msg("%s: \"%s\" does not list %s", what, msg, code_list_code(l, c));
        if (strstr(msg, "XQ7") != NULL)
            fail_msg("%s: \"%s\" repeats the value", what, msg);
    }
    /* and the allowed lists are the ones written here */
    char msg[1024];
    json_t *root = report_with("victim/ethnic_group", "\"XQ7\"");
    report_t r;
    json_t *problem = parse(root, &r);
    snprintf(msg, sizeof(msg), "%s", message_at(errors_of(problem), 0));
    json_decref(problem);
    json_decref(root);
    for (size_t i = 0; i < LEN(police_to_ons); i++)
        if (strstr(msg, police_to_ons[i].native) == NULL)
            fail_msg("\"%s\" does not list %s", msg, police_to_ons[i].native);
}

static void
test_unknown_scheme(void **state)
{
    (void)state;
    static const char *const bad[] = {"\"hesa\"", "\"Police\"", "\"ons\"", "\"\"", "1", "null"};
    for (size_t i = 0; i < LEN(bad); i++) {
        json_t *root = report_with("victim/ethnic_scheme", bad[i]);
        report_t r;
        char what[64];
        snprintf(what, sizeof(what), "ethnic_scheme %s", bad[i]);
        EXPECT(what, parse_free(root, &r), "/victim/ethnic_scheme");
    }
}

/* --- dates --------------------------------------------------------------- */

static void
test_date_valid(void **state)
{
    (void)state;
    static const char *const good[] = {
        "2026-01-01", "2026-12-31", "2024-02-29", "2000-02-29", "2026-02-28", "2026-04-30",
        "2026-01-31", "2026-03-31", "2026-11-23", "1999-12-31", "2028-02-29", "2026-09-30",
    };
    static const char *const bad[] = {
        "2026-02-29",
        "1900-02-29",
        "2100-02-29",
        "2026-02-30",
        "2026-13-01",
        "2026-00-10",
        "2026-01-00",
        "2026-01-32",
        "2026-04-31",
        "2026-06-31",
        "2026-09-31",
        "2026-11-31",
        "2026-99-99",
        "2026-1-1",
        "2026-01-1",
        "20260101",
        "2026-01-01T00:00:00",
        "2026-01-01T00:00:00Z",
        "2026-01-01 12:00",
        "2026-01-01Z",
        " 2026-01-01",
        "2026-01-01 ",
        "2026/01/01",
        "01-01-2026",
        "26-01-01",
        "02026-01-01",
        "+026-01-01",
        "2026-0a-01",
        "2026--1-01",
        "2026-01-+1",
        "",
        "x",
    };
    for (size_t i = 0; i < LEN(good); i++)
        if (!report_date_valid(good[i]))
            fail_msg("%s refused", good[i]);
    for (size_t i = 0; i < LEN(bad); i++)
        if (report_date_valid(bad[i]))
            fail_msg("\"%s\" accepted", bad[i]);
}

/* Each date member, through report_parse. */
static void
test_date_members(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\"2026-02-29\"", "\"2026-13-01\"", "\"2026-00-10\"",
        "\"2026-1-1\"",   "\"20260101\"",   "\"2026-01-01T00:00:00Z\"",
        "20260101",       "null",           "[\"2026-01-01\"]",
        "\"\"",
    };
    static const char *const members[] = {"occurred_from", "occurred_to", "reported_on"};
    for (size_t m = 0; m < LEN(members); m++) {
        char pointer[32];
        snprintf(pointer, sizeof(pointer), "/%s", members[m]);
        for (size_t i = 0; i < LEN(bad); i++)
            refuse_with(members[m], bad[i], pointer);
    }
    report_t r;
    accept_with("occurred_from", "\"2024-02-29\"", &r);
    assert_string_equal(r.occurred_from, "2024-02-29");
    accept_with("occurred_to", "\"2026-11-04\"", &r); /* after reported_on: still going on */
    assert_string_equal(r.occurred_to, "2026-11-04");
}

static void
test_dates_in_future(void **state)
{
    (void)state;
    report_t r;
    /* today itself is not the future */
    json_t *root = json_of(valid_police);
    set_member(root, "occurred_from", "\"" TODAY "\"");
    set_member(root, "occurred_to", "\"" TODAY "\"");
    set_member(root, "reported_on", "\"" TODAY "\"");
    EXPECT_NONE("all today", parse_free(root, &r));

    root = report_with("reported_on", "\"2026-11-24\"");
    EXPECT("reported_on tomorrow", parse_free(root, &r), "/reported_on");
    root = report_with("occurred_to", "\"2027-01-01\"");
    EXPECT("occurred_to next year", parse_free(root, &r), "/occurred_to");

    root = json_of(valid_police);
    set_member(root, "occurred_from", "\"2026-11-24\"");
    set_member(root, "occurred_to", "\"2026-12-01\"");
    set_member(root, "reported_on", "\"2026-11-24\"");
    EXPECT("all in the future", parse_free(root, &r), "/occurred_from", "/occurred_to",
           "/reported_on");

    /* the future is measured from the today given, not the clock */
    root = json_of(valid_police);
    EXPECT("valid report the day before it was reported", parse_at(root, "2026-11-03", &r),
           "/reported_on");
    EXPECT("valid report the day before it ended", parse_at(root, "2026-11-02", &r), "/occurred_to",
           "/reported_on");
    EXPECT_NONE("valid report years later", parse_at(root, "2030-01-01", &r));
    EXPECT("valid report years earlier", parse_at(root, "2020-01-01", &r), "/occurred_from",
           "/occurred_to", "/reported_on");
    json_decref(root);
    root = report_with("reported_on", "\"2027-01-01\"");
    EXPECT("across a year", parse_at(root, "2026-12-31", &r), "/reported_on");
    EXPECT_NONE("new year's day", parse_at(root, "2027-01-01", &r));
    json_decref(root);
}

static void
test_date_order(void **state)
{
    (void)state;
    report_t r;
    accept_with("occurred_to", "\"2026-11-01\"", &r); /* equal to occurred_from */
    json_t *root = report_with("occurred_to", "\"2026-10-31\"");
    EXPECT("occurred_to before occurred_from", parse_free(root, &r), "/occurred_to");

    root = json_of(valid_police);
    set_member(root, "occurred_to", "\"2026-11-10\"");
    set_member(root, "reported_on", "\"2026-11-01\""); /* the day it began */
    EXPECT_NONE("reported_on equal to occurred_from", parse(root, &r));
    set_member(root, "reported_on", "\"2026-10-31\"");
    EXPECT("reported_on before occurred_from", parse(root, &r), "/reported_on");
    set_member(root, "occurred_to", "\"2026-10-01\"");
    EXPECT("both before occurred_from", parse_free(root, &r), "/occurred_to", "/reported_on");

    /* order is not checked against a date that is itself invalid */
    root = json_of(valid_police);
    set_member(root, "occurred_from", "\"2026-02-30\"");
    set_member(root, "reported_on", "\"2026-01-01\"");
    EXPECT("invalid occurred_from", parse_free(root, &r), "/occurred_from");
}

static void
test_occurred_to_defaults(void **state)
{
    (void)state;
    report_t r;
    json_t *root = json_of(valid_police);
    json_object_del(root, "occurred_to");
    set_member(root, "occurred_from", "\"2026-10-15\"");
    EXPECT_NONE("occurred_to absent", parse(root, &r));
    assert_string_equal(r.occurred_from, "2026-10-15");
    assert_string_equal(r.occurred_to, "2026-10-15");
    /* an invalid occurred_to is an error, not a default */
    set_member(root, "occurred_to", "\"2026-10-32\"");
    EXPECT("occurred_to invalid", parse_free(root, &r), "/occurred_to");
}

/* A defaulted occurred_to was not submitted, so no error may point at it:
 * a future occurred_from is one error, at /occurred_from. */
static void
test_defaulted_occurred_to_not_blamed(void **state)
{
    (void)state;
    report_t r;
    json_t *root = json_of(valid_police);
    json_object_del(root, "occurred_to");
    set_member(root, "occurred_from", "\"2026-11-24\"");
    set_member(root, "reported_on", "\"2026-11-24\"");
    EXPECT("future occurred_from, occurred_to absent", parse_free(root, &r), "/occurred_from",
           "/reported_on");
}

/* --- area ---------------------------------------------------------------- */

static const char *const good_areas[] = {
    "E01009417", "E01000001", "E01033768", "E01000000", "E01999999", "E01012345",
    "E01031111", "W01000001", "W01001958", "W01999999", "W01000500", "W01000000",
    "E05000026", "E05011214", "E05000000", "E05999999", "E05013500", "E05010000",
    "W05000980", "W05000000", "W05999999", "W05001234",
};

static const char *const bad_areas[] = {
    "E06000001",  "E02000001",
    "E00000001",  "E04000001",
    "E07000001",  "E08000001",
    "E09000001",  "E10000001",
    "E11000001",  "E12000001",
    "E92000001",  "E03000001",
    "W06000001",  "W02000001",
    "W04000001",  "S01006506",
    "N01000001",  "K04000001",
    "E0100941",   "E010094177",
    "e01009417",  "w05000980",
    "E01ABCDEF",  "E0100941A",
    "EO1009417",  "E01 09417",
    "E01-09417",  "E01009417 ",
    " E01009417", "01009417E",
    "E1009417",   "E010",
    "",           "E01\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90",
    "E05+00001",  "E05-00001",
    "X01009417",  "EE1009417",
    "E51000001",
};

static void
test_area_valid(void **state)
{
    (void)state;
    assert_true(LEN(good_areas) >= 20);
    assert_true(LEN(bad_areas) >= 20);
    for (size_t i = 0; i < LEN(good_areas); i++)
        if (!report_area_valid(good_areas[i]))
            fail_msg("%s refused", good_areas[i]);
    for (size_t i = 0; i < LEN(bad_areas); i++)
        if (report_area_valid(bad_areas[i]))
            fail_msg("\"%s\" accepted", bad_areas[i]);
}

static void
test_area_member(void **state)
{
    (void)state;
    char value[64];
    report_t r;
    for (size_t i = 0; i < LEN(good_areas); i++) {
        snprintf(value, sizeof(value), "\"%s\"", good_areas[i]);
        accept_with("area", value, &r);
        assert_string_equal(r.area, good_areas[i]);
    }
    for (size_t i = 0; i < LEN(bad_areas); i++) {
        snprintf(value, sizeof(value), "\"%s\"", bad_areas[i]);
        refuse_with("area", value, "/area");
    }
    refuse_with("area", "1009417", "/area");
    refuse_with("area", "null", "/area");
    refuse_with("area", "[\"E01009417\"]", "/area");
}

/* --- external_ref -------------------------------------------------------- */

static void
test_external_ref(void **state)
{
    (void)state;
    static const char *const good[] = {
        "\"A\"",
        "\"1\"",
        "\"WMP/2026/000123\"",
        "\"a.b_c-d/E9\"",
        "\"0123456789012345678901234567890123456789012345678901234567890123\"", /* 64 */
        "\"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._\"",
    };
    static const char *const bad[] = {
        "\"\"",
        "\"01234567890123456789012345678901234567890123456789012345678901234\"", /* 65 */
        "\"has space\"",
        "\" lead\"",
        "\"a<b\"",
        "\"<script>\"",
        "\"caf\\u00e9\"",
        "\"\\u00e9\"",
        "\"ref\\u2013dash\"",
        "\"a\\tb\"",
        "\"a\\nb\"",
        "\"a|b\"",
        "\"a,b\"",
        "\"a+b\"",
        "\"a\\\"b\"",
        "\"a\\\\b\"",
        "\"a:b\"",
        "\"a#b\"",
        "5",
        "null",
        "[\"A\"]",
    };
    report_t r;
    for (size_t i = 0; i < LEN(good); i++) {
        accept_with("external_ref", good[i], &r);
        json_t *v = json_of(good[i]);
        assert_string_equal(r.external_ref, json_string_value(v));
        json_decref(v);
    }
    for (size_t i = 0; i < LEN(bad); i++)
        refuse_with("external_ref", bad[i], "/external_ref");
}

/* --- arrays of codes ----------------------------------------------------- */

static void
test_code_arrays(void **state)
{
    (void)state;
    static const struct {
        const char *member, *value, *pointer; /* pointer NULL: accepted */
    } cases[] = {
        {"strands",
         "[\"race\",\"religion\",\"sexual_orientation\",\"disability\","
         "\"transgender_identity\",\"sex_gender\",\"other\"]",
         NULL},
        {"strands", "[\"other\"]", NULL},
        {"strands", "[]", "/strands"},
        {"strands",
         "[\"race\",\"religion\",\"sexual_orientation\",\"disability\","
         "\"transgender_identity\",\"sex_gender\",\"other\",\"race\"]",
         "/strands"},
        {"strands", "[\"race\",\"race\"]", "/strands/1"},
        {"strands", "[\"race\",\"religion\",\"race\"]", "/strands/2"},
        {"strands", "[1]", "/strands/0"},
        {"strands", "[\"race\",null]", "/strands/1"},
        {"strands", "[\"race\",[\"religion\"]]", "/strands/1"},
        {"strands", "[\"race\",{\"code\":\"religion\"}]", "/strands/1"},
        {"strands", "[\"race\",\"nope\"]", "/strands/1"},
        {"strands", "[\"Race\"]", "/strands/0"},
        {"strands", "[\"\"]", "/strands/0"},
        {"strands", "[\"verbal_abuse\"]", "/strands/0"}, /* another list's code */
        {"strands", "\"race\"", "/strands"},
        {"strands", "null", "/strands"},
        {"strands", "{}", "/strands"},
        {"strands", "3", "/strands"},
        {"incident_types",
         "[\"verbal_abuse\",\"threats\",\"harassment\",\"physical_assault\","
         "\"criminal_damage\",\"graffiti\",\"online_abuse\",\"service_discrimination\","
         "\"other\"]",
         NULL},
        {"incident_types",
         "[\"verbal_abuse\",\"threats\",\"harassment\",\"physical_assault\","
         "\"criminal_damage\",\"graffiti\",\"online_abuse\",\"service_discrimination\","
         "\"other\",\"threats\"]",
         "/incident_types"},
        {"incident_types", "[]", "/incident_types"},
        {"incident_types", "[\"threats\",\"bogus\"]", "/incident_types/1"},
        {"incident_types", "[\"threats\",\"threats\"]", "/incident_types/1"},
        {"incident_types", "[\"race\"]", "/incident_types/0"},
        {"incident_types", "[true]", "/incident_types/0"},
        {"incident_types", "\"threats\"", "/incident_types"},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        json_t *root = report_with(cases[i].member, cases[i].value);
        report_t r;
        char what[512];
        snprintf(what, sizeof(what), "%s = %s", cases[i].member, cases[i].value);
        json_t *problem = parse(root, &r);
        json_decref(root);
        if (cases[i].pointer == NULL) {
            EXPECT_NONE(what, problem);
            json_t *v = json_of(cases[i].value);
            bool strands = strcmp(cases[i].member, "strands") == 0;
            int n = strands ? r.nstrands : r.nincident_types;
            assert_int_equal(n, json_array_size(v));
            for (int k = 0; k < n; k++)
                assert_string_equal(strands ? r.strands[k] : r.incident_types[k],
                                    json_string_value(json_array_get(v, (size_t)k)));
            json_decref(v);
        } else {
            EXPECT(what, problem, cases[i].pointer);
        }
    }
}

/* An unknown code in an array: the message names the list and its codes. */
static void
test_code_array_message(void **state)
{
    (void)state;
    json_t *root = report_with("strands", "[\"race\",\"SECRETCODE\"]");
    report_t r;
    json_t *problem = parse(root, &r);
    json_decref(root);
    json_t *errors = errors_of(problem);
    assert_int_equal(json_array_size(errors), 1);
    assert_string_equal(pointer_at(errors, 0), "/strands/1");
    const char *msg = message_at(errors, 0);
    assert_non_null(strstr(msg, "strand"));
    assert_non_null(strstr(msg, code_list_allowed(codes_list(codes, "strand"))));
    assert_null(strstr(msg, "SECRETCODE"));
    json_decref(problem);
}

/* A code listed three times is one error at each repetition, not one per
 * earlier copy. */
static void
test_repeated_code_one_error_each(void **state)
{
    (void)state;
    json_t *root = report_with("strands", "[\"race\",\"religion\",\"race\",\"race\"]");
    report_t r;
    EXPECT("strands race religion race race", parse_free(root, &r), "/strands/2", "/strands/3");
}

/* --- coded members ------------------------------------------------------- */

static void
test_coded_members(void **state)
{
    (void)state;
    static const struct {
        const char *member, *list;
    } coded[] = {
        {"location_type", "location_type"}, {"repeat", "repeat"},  {"channel", "channel"},
        {"victim/age_band", "age_band"},    {"victim/sex", "sex"},
    };
    for (size_t i = 0; i < LEN(coded); i++) {
        char pointer[64], value[300];
        snprintf(pointer, sizeof(pointer), "/%s", coded[i].member);
        const code_list_t *l = codes_list(codes, coded[i].list);
        for (size_t c = 0; c < code_list_rows(l); c++) {
            report_t r;
            snprintf(value, sizeof(value), "\"%s\"", code_list_code(l, c));
            accept_with(coded[i].member, value, &r);
        }
        static const char *const bad[] = {"\"nope\"", "\"\"", "\"OTHER\"", "1", "null", "[]"};
        for (size_t b = 0; b < LEN(bad); b++) {
            json_t *root = report_with(coded[i].member, bad[b]);
            report_t r;
            char what[128];
            snprintf(what, sizeof(what), "%s = %s", coded[i].member, bad[b]);
            EXPECT(what, parse_free(root, &r), pointer);
        }
    }
    report_t r;
    accept_with("victim/age_band", "\"65+\"", &r);
    assert_string_equal(r.age_band, "65+");
    accept_with("victim/sex", "\"not_stated\"", &r);
    assert_string_equal(r.sex, "not_stated");
    accept_with("channel", "\"third_party_centre\"", &r);
    assert_string_equal(r.channel, "third_party_centre");
    accept_with("repeat", "\"unknown\"", &r);
    assert_string_equal(r.repeat, "unknown");
    accept_with("location_type", "\"place_of_worship\"", &r);
    assert_string_equal(r.location_type, "place_of_worship");
}

/* --- members: missing, unknown, wrong types ------------------------------ */

static void
test_missing_members(void **state)
{
    (void)state;
    static const char *const required[] = {
        "protocol",        "external_ref",   "occurred_from",
        "reported_on",     "area",           "location_type",
        "strands",         "incident_types", "victim",
        "repeat",          "channel",        "victim/ethnic_group",
        "victim/age_band", "victim/sex",
    };
    for (size_t i = 0; i < LEN(required); i++) {
        json_t *root = report_with(required[i], NULL);
        report_t r;
        char pointer[64];
        snprintf(pointer, sizeof(pointer), "/%s", required[i]);
        EXPECT(required[i], parse_free(root, &r), pointer);
    }
    /* everything missing: one error per required member */
    json_t *root = json_of("{}");
    report_t r;
    EXPECT("empty object", parse_free(root, &r), "/protocol", "/external_ref", "/occurred_from",
           "/reported_on", "/area", "/location_type", "/strands", "/incident_types", "/victim",
           "/repeat", "/channel");
    root = json_of("{\"victim\":{}}");
    EXPECT("empty victim", parse_free(root, &r), "/protocol", "/external_ref", "/occurred_from",
           "/reported_on", "/area", "/location_type", "/strands", "/incident_types",
           "/victim/ethnic_group", "/victim/age_band", "/victim/sex", "/repeat", "/channel");
}

static void
test_unknown_members(void **state)
{
    (void)state;
    report_t r;
    json_t *root = json_of(valid_police);
    set_member(root, "name", "\"x\"");
    set_member(root, "Protocol", "\"harassment-report/1\"");
    set_member(root, "victim/religion", "\"none\"");
    set_member(root, "a/b", "1");
    EXPECT("unknown members", parse_free(root, &r), "/name", "/Protocol", "/a~1b",
           "/victim/religion");
}

static void
test_wrong_types(void **state)
{
    (void)state;
    static const char *const members[] = {
        "protocol",
        "external_ref",
        "occurred_from",
        "occurred_to",
        "reported_on",
        "area",
        "location_type",
        "strands",
        "incident_types",
        "victim",
        "repeat",
        "channel",
        "subject_key",
        "victim/ethnic_scheme",
        "victim/ethnic_group",
        "victim/age_band",
        "victim/sex",
    };
    static const char *const values[] = {"5", "1.5", "true", "null", "{}"};
    for (size_t m = 0; m < LEN(members); m++) {
        char pointer[64];
        snprintf(pointer, sizeof(pointer), "/%s", members[m]);
        for (size_t v = 0; v < LEN(values); v++) {
            /* an object where an object is expected is the wrong shape, not type */
            if (strcmp(members[m], "victim") == 0 && strcmp(values[v], "{}") == 0)
                continue;
            refuse_with(members[m], values[v], pointer);
        }
    }
    refuse_with("victim", "[]", "/victim");
    refuse_with("victim", "\"W1\"", "/victim");
}

/* One problem with a member is one error at its pointer, whichever check
 * finds it first: a date or area that is not a string, or not of the right
 * length, is not reported twice. */
static void
test_one_error_per_member(void **state)
{
    (void)state;
    static const struct {
        const char *member, *value;
    } cases[] = {
        {"occurred_from", "\"2026-1-1\""},
        {"occurred_from", "20260101"},
        {"occurred_to", "\"20261103\""},
        {"occurred_to", "null"},
        {"reported_on", "\"2026-11-04T10:00:00Z\""},
        {"reported_on", "true"},
        {"area", "\"E0100941\""},
        {"area", "\"E010094177\""},
        {"area", "5"},
        {"area", "\"\""},
        {"external_ref", "\"\""},
        {"location_type", "5"},
        {"strands", "[]"},
        {"subject_key", "5"},
        {"protocol", "5"},
    };
    size_t wrong = 0;
    for (size_t i = 0; i < LEN(cases); i++) {
        json_t *root = report_with(cases[i].member, cases[i].value);
        report_t r;
        char pointer[64];
        snprintf(pointer, sizeof(pointer), "/%s", cases[i].member);
        json_t *problem = parse(root, &r);
        json_decref(root);
        json_t *errors = problem ? json_object_get(problem, "errors") : NULL;
        if (json_array_size(errors) != 1 || strcmp(pointer_at(errors, 0), pointer) != 0) {
            char *text = errors ? dump(errors) : NULL;
            print_error("%s = %s: errors %s, want one at %s\n", cases[i].member, cases[i].value,
                        text ? text : "none", pointer);
            free(text);
            wrong++;
        }
        json_decref(problem);
    }
    if (wrong > 0)
        fail_msg("%zu of %zu cases wrong", wrong, LEN(cases));
}

/* --- subject_key and protocol -------------------------------------------- */

static void
test_subject_key(void **state)
{
    (void)state;
    static const char *const good[] = {
        "\"" SUBJECT "\"",
        "\"0000000000000000000000000000000000000000000000000000000000000000\"",
        "\"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\"",
    };
    static const char *const bad[] = {
        "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\"",   /* 63 */
        "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0\"", /* 65 */
        "\"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\"",  /* upper */
        "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeF\"",
        "\"g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"",
        "\"0123456789abcdef0123456789abcdef 123456789abcdef0123456789abcdef\"",
        "\"0x23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"",
        "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\\u00e9\"",
        "\"\"",
        "5",
        "null",
        "[\"" SUBJECT "\"]",
    };
    report_t r;
    for (size_t i = 0; i < LEN(good); i++) {
        accept_with("subject_key", good[i], &r);
        assert_true(r.has_subject);
        json_t *v = json_of(good[i]);
        assert_string_equal(r.subject_key, json_string_value(v));
        json_decref(v);
    }
    for (size_t i = 0; i < LEN(bad); i++) {
        json_t *root = report_with("subject_key", bad[i]);
        char what[128];
        snprintf(what, sizeof(what), "subject_key %s", bad[i]);
        EXPECT(what, parse(root, &r), "/subject_key");
        assert_false(r.has_subject);
        json_decref(root);
    }
}

static void
test_protocol(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\"harassment-report/2\"",
        "\"harassment-report/1 \"",
        "\"HARASSMENT-REPORT/1\"",
        "\"harassment-report\"",
        "\"harassment-report/1.0\"",
        "\"\"",
        "1",
        "null",
    };
    for (size_t i = 0; i < LEN(bad); i++)
        refuse_with("protocol", bad[i], "/protocol");
}

/* --- several errors at once; nothing echoed ------------------------------ */

static void
test_several_errors(void **state)
{
    (void)state;
    json_t *root = json_of(valid_police);
    set_member(root, "name", "\"x\"");
    set_member(root, "protocol", "\"harassment-report/0\"");
    set_member(root, "occurred_to", "\"2026-10-01\"");
    set_member(root, "area", "\"E06000001\"");
    set_member(root, "strands", "[\"race\",\"nope\"]");
    set_member(root, "victim/sex", "\"unknown\"");
    set_member(root, "repeat", NULL);
    set_member(root, "subject_key", "\"XYZ\"");
    report_t r;
    EXPECT("several errors", parse_free(root, &r), "/name", "/protocol", "/occurred_to", "/area",
           "/strands/1", "/victim/sex", "/repeat", "/subject_key");
}

static void
test_values_never_echoed(void **state)
{
    (void)state;
    json_t *root = json_of(valid_police);
    set_member(root, "protocol", "\"SECRET01\"");
    set_member(root, "external_ref", "\"SECRET 02\"");
    set_member(root, "occurred_from", "\"SECRET0003\"");
    set_member(root, "area", "\"SECRET004\"");
    set_member(root, "location_type", "\"SECRET05\"");
    set_member(root, "strands", "[\"SECRET06\"]");
    set_member(root, "incident_types", "[\"SECRET07\"]");
    set_member(root, "victim/ethnic_scheme", "\"SECRET08\"");
    set_member(root, "victim/age_band", "\"SECRET09\"");
    set_member(root, "channel", "\"SECRET10\"");
    set_member(root, "subject_key", "\"SECRET11\"");
    report_t r;
    json_t *problem = parse(root, &r);
    json_decref(root);
    json_t *errors = errors_of(problem);
    assert_int_equal(json_array_size(errors), 11);
    char *text = dump(problem);
    json_decref(problem);
    bool echoed = strstr(text, "SECRET") != NULL;
    if (echoed)
        print_error("a submitted value is echoed: %s\n", text);
    free(text);
    assert_false(echoed);
}

/* report_parse under a prefix (a report inside a batch). */
static void
test_prefix(void **state)
{
    (void)state;
    json_t *root = report_with("victim/sex", "\"x\"");
    set_member(root, "area", "\"E06000001\"");
    input_t in;
    input_begin_at(&in, root, "/reports/3");
    report_t r;
    assert_false(report_parse(codes, &in, TODAY, &r));
    EXPECT("prefixed", input_end(&in), "/reports/3/area", "/reports/3/victim/sex");
    json_decref(root);
}

/* --- report_guard -------------------------------------------------------- */

/* Runs the guard on text under prefix; returns the problem (or NULL) after
 * checking the answer agrees with it. */
static json_t *
guard(const char *text, const char *prefix)
{
    json_t *root = json_of(text);
    input_t in;
    input_begin_at(&in, root, prefix);
    bool clean = report_guard(&in, root);
    json_t *problem = input_end(&in);
    json_decref(root);
    if (clean != (problem == NULL)) {
        json_decref(problem);
        fail_msg("report_guard returned %s with %s", clean ? "true" : "false",
                 problem ? "errors" : "no errors");
    }
    return problem;
}

static void
test_guard_clean(void **state)
{
    (void)state;
    EXPECT_NONE("valid report", guard(valid_police, ""));
    EXPECT_NONE("empty", guard("{}", ""));
    EXPECT_NONE("scalars", guard("{\"a\":1,\"b\":true,\"c\":null,\"d\":1.5,\"e\":[]}", ""));
}

static void
test_guard_finds_pii(void **state)
{
    (void)state;
    static const struct {
        const char *text, *pointer, *value;
    } cases[] = {
        {"{\"external_ref\":\"jane.doe@example.com\"}", "/external_ref", "jane.doe@example.com"},
        {"{\"victim\":{\"sex\":\"07700 900123\"}}", "/victim/sex", "07700 900123"},
        {"{\"strands\":[\"race\",\"SW1A 1AA\"]}", "/strands/1", "SW1A 1AA"},
        {"{\"a\":[{\"b\":[\"x\",\"Mrs O'Neil\"]}]}", "/a/0/b/1", "O'Neil"},
        {"{\"victim\":{\"note\":\"NHS 943 476 5919\"}}", "/victim/note", "943 476 5919"},
        {"{\"ref\":\"NI AB123456C\"}", "/ref", "AB123456C"},
        {"{\"a/b\":\"x@y.co\"}", "/a~1b", "x@y.co"},
        {"{\"a~b\":{\"c\":\"x@y.co\"}}", "/a~0b/c", "x@y.co"},
        {"[\"ok\",\"jane.doe@example.com\"]", "/1", "jane.doe@example.com"},
        {"\"jane.doe@example.com\"", "", "jane.doe@example.com"},
        /* a member name is never put in the pointer: the object is */
        {"{\"victim\":{\"jane.doe@example.com\":\"x\"}}", "/victim", "jane.doe@example.com"},
        {"{\"Mrs O'Neil\":1}", "", "O'Neil"},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        json_t *problem = guard(cases[i].text, "");
        EXPECT(cases[i].text, json_incref(problem), cases[i].pointer);
        char *text = dump(problem);
        json_decref(problem);
        bool echoed = strstr(text, cases[i].value) != NULL;
        if (echoed)
            print_error("%s: the value is echoed: %s\n", cases[i].text, text);
        free(text);
        assert_false(echoed);
    }
}

static void
test_guard_all_found(void **state)
{
    (void)state;
    json_t *problem = guard("{\"external_ref\":\"x@y.co\",\"ok\":\"fine\","
                            "\"victim\":{\"sex\":\"07700 900123\",\"age_band\":\"25-34\"},"
                            "\"strands\":[\"race\",\"SW1A 1AA\",\"AB123456C\"]}",
                            "/reports/2");
    EXPECT("several", problem, "/reports/2/external_ref", "/reports/2/victim/sex",
           "/reports/2/strands/1", "/reports/2/strands/2");
}

static char *
nested(int depth, bool arrays, const char *leaf)
{
    size_t len = (size_t)depth * 8 + strlen(leaf) + 1;
    char *s = malloc(len);
    assert_non_null(s);
    size_t o = 0;
    for (int i = 0; i < depth; i++)
        o += (size_t)snprintf(s + o, len - o, "%s", arrays ? "[" : "{\"a\":");
    o += (size_t)snprintf(s + o, len - o, "%s", leaf);
    for (int i = 0; i < depth; i++)
        o += (size_t)snprintf(s + o, len - o, "%s", arrays ? "]" : "}");
    return s;
}

static void
test_guard_depth(void **state)
{
    (void)state;
    char want[256];
    for (int arrays = 0; arrays < 2; arrays++) {
        /* a value inside REPORT_DEPTH_MAX containers is as deep as allowed */
        char *text = nested(REPORT_DEPTH_MAX, arrays, "\"SECRETLEAF\"");
        EXPECT_NONE(text, guard(text, ""));
        free(text);
        text = nested(REPORT_DEPTH_MAX, arrays, "{}");
        EXPECT_NONE(text, guard(text, ""));
        free(text);
        /* one deeper is refused, at the value */
        size_t o = 0;
        for (int i = 0; i <= REPORT_DEPTH_MAX; i++)
            o += (size_t)snprintf(want + o, sizeof(want) - o, "%s", arrays ? "/0" : "/a");
        static const char *const leaves[] = {"\"SECRETLEAF\"", "1", "{}", "[]", "null"};
        for (size_t l = 0; l < LEN(leaves); l++) {
            text = nested(REPORT_DEPTH_MAX + 1, arrays, leaves[l]);
            EXPECT(text, guard(text, ""), want);
            free(text);
        }
        /* far deeper: still one error, at the first level too deep */
        text = nested(200, arrays, "\"SECRETLEAF\"");
        json_t *problem = guard(text, "");
        EXPECT("200 levels", json_incref(problem), want);
        char *dumped = dump(problem);
        json_decref(problem);
        assert_null(strstr(dumped, "SECRETLEAF"));
        free(dumped);
        free(text);
    }
    /* a real report is two deep: a member of victim */
    json_t *root = json_of(valid_police);
    json_t *deep = json_of("{\"x\":{\"y\":{\"z\":1}}}");
    json_object_set_new(json_object_get(root, "victim"), "extra", deep);
    input_t in;
    input_begin(&in, root);
    assert_false(report_guard(&in, root));
    EXPECT("deep member of victim", input_end(&in), "/victim/extra/x/y/z");
    json_decref(root);
}

/* --- report_content_hash ------------------------------------------------- */

static void
hash_of(json_t *root, const char *subject_hash, char out[65])
{
    report_t r;
    EXPECT_NONE("hash input", parse(root, &r));
    memset(out, 'Z', 65);
    report_content_hash(&r, subject_hash, out);
    assert_int_equal(strlen(out), 64);
    for (int i = 0; i < 64; i++)
        if (!((out[i] >= '0' && out[i] <= '9') || (out[i] >= 'a' && out[i] <= 'f')))
            fail_msg("hash %s is not lower-case hex", out);
}

static void
test_content_hash_order(void **state)
{
    (void)state;
    char a[65], b[65];
    json_t *root = json_of(valid_police);
    hash_of(root, "", a);
    hash_of(root, "", b);
    assert_string_equal(a, b);
    set_member(root, "strands", "[\"religion\",\"race\"]");
    hash_of(root, "", b);
    assert_string_equal(a, b);
    set_member(root, "incident_types", "[\"criminal_damage\",\"verbal_abuse\",\"threats\"]");
    hash_of(root, "", b);
    assert_string_equal(a, b);
    /* the same content written differently */
    set_member(root, "victim/age_band", "\"25-34\"");
    json_t *copy = json_deep_copy(root);
    json_object_del(copy, "protocol");
    json_object_set_new(copy, "protocol", json_string(REPORT_PROTOCOL)); /* member order */
    hash_of(copy, "", b);
    assert_string_equal(a, b);
    json_decref(copy);
    json_decref(root);
    /* an absent scheme is ons2021 */
    root = report_with("victim/ethnic_scheme", "\"ons2021\"");
    set_member(root, "victim/ethnic_group", "\"white_roma\"");
    hash_of(root, "", a);
    set_member(root, "victim/ethnic_scheme", NULL);
    hash_of(root, "", b);
    assert_string_equal(a, b);
    /* an absent occurred_to is occurred_from */
    set_member(root, "occurred_to", "\"2026-11-01\"");
    hash_of(root, "", a);
    set_member(root, "occurred_to", NULL);
    hash_of(root, "", b);
    assert_string_equal(a, b);
    json_decref(root);
}

static void
test_content_hash_differs(void **state)
{
    (void)state;
    static const struct {
        const char *member, *value;
    } changes[] = {
        {NULL, NULL}, /* the valid report itself */
        {"external_ref", "\"WMP/2026/000124\""},
        {"occurred_from", "\"2026-11-02\""},
        {"occurred_to", "\"2026-11-04\""},
        {"reported_on", "\"2026-11-05\""},
        {"area", "\"E01009418\""},
        {"location_type", "\"home\""},
        {"strands", "[\"race\"]"},
        {"strands", "[\"race\",\"religion\",\"other\"]"},
        {"strands", "[\"race\",\"disability\"]"},
        {"incident_types", "[\"verbal_abuse\",\"threats\"]"},
        {"incident_types", "[\"verbal_abuse\",\"threats\",\"graffiti\"]"},
        /* "other" is in both lists: in strands (above) or here differs */
        {"incident_types", "[\"verbal_abuse\",\"threats\",\"criminal_damage\",\"other\"]"},
        {"victim/ethnic_group", "\"W1\""},
        {"victim/age_band", "\"35-44\""},
        {"victim/sex", "\"male\""},
        {"repeat", "\"no\""},
        {"channel", "\"online\""},
        {"subject_key", "\"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\""},
    };
    char hashes[LEN(changes) + 8][65];
    size_t n = 0;
    for (size_t i = 0; i < LEN(changes); i++) {
        json_t *root = changes[i].member ? report_with(changes[i].member, changes[i].value)
                                         : json_of(valid_police);
        /* the subject key counts through the stored pseudonym, given apart */
        bool other_subject = changes[i].member && strcmp(changes[i].member, "subject_key") == 0;
        hash_of(root, other_subject ? "aa" : "", hashes[n++]);
        json_decref(root);
    }
    /* the same ONS code from another scheme or native code */
    json_t *root = report_with("victim/ethnic_group", "\"W1\"");
    set_member(root, "victim/ethnic_scheme", "\"police\"");
    hash_of(root, "", hashes[n++]); /* equal to the W1 change above: skipped below */
    set_member(root, "victim/ethnic_scheme", "\"nhs\"");
    set_member(root, "victim/ethnic_group", "\"A\"");
    hash_of(root, "", hashes[n++]);
    set_member(root, "victim/ethnic_group", "\"Z\"");
    hash_of(root, "", hashes[n++]);
    set_member(root, "victim/ethnic_group", "\"99\"");
    hash_of(root, "", hashes[n++]);
    set_member(root, "victim/ethnic_scheme", "\"ons2021\"");
    set_member(root, "victim/ethnic_group", "\"not_stated\"");
    hash_of(root, "", hashes[n++]);
    /* the stored pseudonym */
    json_decref(root);
    root = json_of(valid_police);
    hash_of(root, "0000000000000000000000000000000000000000000000000000000000000000", hashes[n++]);
    hash_of(root, "0000000000000000000000000000000000000000000000000000000000000001", hashes[n++]);
    json_decref(root);
    size_t w1_change = 13, w1_again = LEN(changes);
    assert_string_equal(hashes[w1_change], hashes[w1_again]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (!(i == w1_change && j == w1_again) && strcmp(hashes[i], hashes[j]) == 0)
                fail_msg("cases %zu and %zu have the same hash %s", i, j, hashes[i]);
}

/* An independent SHA-256 would need report.c's layout; instead: stable
 * across calls and not the hash of nothing. */
static void
test_content_hash_stable(void **state)
{
    (void)state;
    char a[65], b[65];
    json_t *root = json_of(valid_police);
    hash_of(root, "", a);
    json_decref(root);
    root = json_of(valid_police);
    hash_of(root, "", b);
    json_decref(root);
    assert_string_equal(a, b);
    assert_string_not_equal(a, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* --- report_codes_check -------------------------------------------------- */

/* A temporary directory of symbolic links to every list of api/codes
 * except omit, with the lists of overlay (when not NULL) in their place. */
typedef struct tmpdir {
    char path[64];
    char names[32][64];
    size_t n;
} tmpdir_t;

static void
link_into(tmpdir_t *t, const char *dir, const char *name)
{
    char target[PATH_MAX], rel[PATH_MAX + 64], link[PATH_MAX];
    snprintf(rel, sizeof(rel), "%s/%s", dir, name);
    assert_non_null(realpath(rel, target));
    snprintf(link, sizeof(link), "%s/%s", t->path, name);
    unlink(link); /* an overlay replaces */
    assert_int_equal(symlink(target, link), 0);
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->names[i], name) == 0)
            return;
    assert_true(t->n < LEN(t->names));
    snprintf(t->names[t->n++], sizeof(t->names[0]), "%s", name);
}

static void
make_codes_dir(tmpdir_t *t, const char *omit, const char *overlay, const char *overlay_file)
{
    static const char *const lists[] = {
        "ethnic_group",     "ethnic_high_level_group",
        "ethnic_police",    "ethnic_nhs",
        "ethnic_scheme",    "strand",
        "incident_type",    "location_type",
        "age_band",         "sex",
        "channel",          "repeat",
        "referral_reason",  "decline_reason",
        "urgency",          "outcome",
        "victim_satisfied",
    };
    snprintf(t->path, sizeof(t->path), "/tmp/test_report.XXXXXX");
    assert_non_null(mkdtemp(t->path));
    t->n = 0;
    for (size_t i = 0; i < LEN(lists); i++) {
        if (omit != NULL && strcmp(lists[i], omit) == 0)
            continue;
        char name[64];
        snprintf(name, sizeof(name), "%s.csv", lists[i]);
        link_into(t, API_CODES, name);
    }
    if (overlay != NULL)
        link_into(t, overlay, overlay_file);
}

static void
remove_codes_dir(tmpdir_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        char link[128];
        snprintf(link, sizeof(link), "%s/%s", t->path, t->names[i]);
        unlink(link);
    }
    rmdir(t->path);
}

/* report_codes_check on dir: true, or false with err. */
static bool
check_dir(const char *dir, char *err, size_t errlen)
{
    codes_t *c = NULL;
    if (!codes_load(dir, &c, err, errlen))
        fail_msg("codes_load(%s): %s", dir, err);
    bool ok = report_codes_check(c, err, errlen);
    codes_free(c);
    return ok;
}

static void
test_codes_check_api(void **state)
{
    (void)state;
    char err[512] = "";
    if (!report_codes_check(codes, err, sizeof(err)))
        fail_msg("api/codes refused: %s", err);
    /* the same lists through links */
    tmpdir_t t;
    make_codes_dir(&t, NULL, NULL, NULL);
    bool ok = check_dir(t.path, err, sizeof(err));
    remove_codes_dir(&t);
    if (!ok)
        fail_msg("linked api/codes refused: %s", err);
}

static void
test_codes_check_missing_list(void **state)
{
    (void)state;
    static const char *const lists[] = {
        "ethnic_group",     "ethnic_high_level_group",
        "ethnic_police",    "ethnic_nhs",
        "ethnic_scheme",    "strand",
        "incident_type",    "location_type",
        "age_band",         "sex",
        "channel",          "repeat",
        "referral_reason",  "decline_reason",
        "urgency",          "outcome",
        "victim_satisfied",
    };
    for (size_t i = 0; i < LEN(lists); i++) {
        tmpdir_t t;
        make_codes_dir(&t, lists[i], NULL, NULL);
        char err[512] = "", want[64];
        bool ok = check_dir(t.path, err, sizeof(err));
        remove_codes_dir(&t);
        if (ok)
            fail_msg("without %s: accepted", lists[i]);
        snprintf(want, sizeof(want), "%s.csv", lists[i]);
        if (strstr(err, want) == NULL)
            fail_msg("without %s: \"%s\" does not name it", lists[i], err);
    }
}

static void
test_codes_check_crosswalk(void **state)
{
    (void)state;
    static const struct {
        const char *fixture, *file;
        const char *const want[3]; /* parts of the message */
    } cases[] = {
        {DATA "/crosswalk-unknown-police", "ethnic_police.csv", {"ethnic_police", " W3 ", NULL}},
        {DATA "/crosswalk-unknown-nhs", "ethnic_nhs.csv", {"ethnic_nhs", " S ", NULL}},
        {DATA "/crosswalk-no-ons-column", "ethnic_nhs.csv", {"ethnic_nhs", NULL, NULL}},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        tmpdir_t t;
        make_codes_dir(&t, NULL, cases[i].fixture, cases[i].file);
        char err[512] = "";
        bool ok = check_dir(t.path, err, sizeof(err));
        remove_codes_dir(&t);
        if (ok)
            fail_msg("%s: accepted", cases[i].fixture);
        for (size_t w = 0; cases[i].want[w] != NULL; w++)
            if (strstr(err, cases[i].want[w]) == NULL)
                fail_msg("%s: \"%s\" lacks %s", cases[i].fixture, err, cases[i].want[w]);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_police_report),
        cmocka_unit_test(test_optional_members_absent),
        cmocka_unit_test(test_crosswalk_police),
        cmocka_unit_test(test_crosswalk_nhs),
        cmocka_unit_test(test_ons2021_scheme),
        cmocka_unit_test(test_crosswalk_unknown_code),
        cmocka_unit_test(test_unknown_scheme),
        cmocka_unit_test(test_date_valid),
        cmocka_unit_test(test_date_members),
        cmocka_unit_test(test_dates_in_future),
        cmocka_unit_test(test_date_order),
        cmocka_unit_test(test_occurred_to_defaults),
        cmocka_unit_test(test_defaulted_occurred_to_not_blamed),
        cmocka_unit_test(test_area_valid),
        cmocka_unit_test(test_area_member),
        cmocka_unit_test(test_external_ref),
        cmocka_unit_test(test_code_arrays),
        cmocka_unit_test(test_code_array_message),
        cmocka_unit_test(test_repeated_code_one_error_each),
        cmocka_unit_test(test_coded_members),
        cmocka_unit_test(test_missing_members),
        cmocka_unit_test(test_unknown_members),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_one_error_per_member),
        cmocka_unit_test(test_subject_key),
        cmocka_unit_test(test_protocol),
        cmocka_unit_test(test_several_errors),
        cmocka_unit_test(test_values_never_echoed),
        cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_guard_clean),
        cmocka_unit_test(test_guard_finds_pii),
        cmocka_unit_test(test_guard_all_found),
        cmocka_unit_test(test_guard_depth),
        cmocka_unit_test(test_content_hash_order),
        cmocka_unit_test(test_content_hash_differs),
        cmocka_unit_test(test_content_hash_stable),
        cmocka_unit_test(test_codes_check_api),
        cmocka_unit_test(test_codes_check_missing_list),
        cmocka_unit_test(test_codes_check_crosswalk),
    };
    return cmocka_run_group_tests_name("report", tests, load_codes, free_codes);
}
