/* test_problem.c: hub/problem.h — RFC 9457 problem documents and reason
 * phrases. Each document is serialised and parsed back, so the tests see
 * what a client would see. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../hub/problem.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Serialises p (consuming it) and parses the text back. */
static json_t *
round_trip(json_t *p)
{
    char *text = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    assert_non_null(text);
    json_error_t jerr;
    json_t *back = json_loads(text, 0, &jerr);
    free(text);
    if (back == NULL)
        fail_msg("not JSON: %s", jerr.text);
    assert_true(json_is_object(back));
    return back;
}

static const char *
get_string(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        fail_msg("\"%s\" is missing or not a string", key);
    return json_string_value(v);
}

/* --- problem_new --------------------------------------------------------- */

static void
test_new_with_detail(void **state)
{
    (void)state;
    json_t *p = round_trip(problem_new(404, "not-found", "no report 42"));
    assert_int_equal(json_object_size(p), 4);
    assert_string_equal(get_string(p, "type"), "/problems/not-found");
    assert_string_equal(get_string(p, "title"), "Not Found");
    json_t *status = json_object_get(p, "status");
    assert_true(json_is_integer(status));
    assert_int_equal(json_integer_value(status), 404);
    assert_string_equal(get_string(p, "detail"), "no report 42");
    json_decref(p);
}

static void
test_new_without_detail(void **state)
{
    (void)state;
    json_t *p = round_trip(problem_new(503, "unavailable", NULL));
    assert_int_equal(json_object_size(p), 3);
    assert_null(json_object_get(p, "detail"));
    assert_string_equal(get_string(p, "type"), "/problems/unavailable");
    assert_string_equal(get_string(p, "title"), "Service Unavailable");
    assert_true(json_is_integer(json_object_get(p, "status")));
    assert_int_equal(json_integer_value(json_object_get(p, "status")), 503);
    assert_null(json_object_get(p, "errors"));
    json_decref(p);
}

static void
test_new_exact_text(void **state)
{
    (void)state;
    json_t *p = problem_new(413, "too-large", "limit is 1048576 bytes");
    char *text = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(p);
    assert_non_null(text);
    assert_string_equal(text, "{\"detail\":\"limit is 1048576 bytes\",\"status\":413,"
                              "\"title\":\"Content Too Large\",\"type\":\"/problems/too-large\"}");
    free(text);
}

static void
test_new_detail_is_escaped(void **state)
{
    (void)state;
    /* quotes, backslashes, control characters and UTF-8 survive intact */
    const char *detail = "field \"name\" \\ tab\there\nnewline \xc3\xa9t\xc3\xa9";
    json_t *p = round_trip(problem_new(400, "bad-request", detail));
    assert_string_equal(get_string(p, "detail"), detail);
    json_decref(p);
}

static void
test_new_unknown_status(void **state)
{
    (void)state;
    json_t *p = round_trip(problem_new(599, "odd", NULL));
    assert_string_equal(get_string(p, "title"), "Unknown");
    assert_int_equal(json_integer_value(json_object_get(p, "status")), 599);
    json_decref(p);
}

/* --- problem_add_error --------------------------------------------------- */

static void
test_add_error_builds_array_in_order(void **state)
{
    (void)state;
    static const struct {
        const char *pointer, *message;
    } want[] = {
        {"/rows/0/code", "unknown code \"XX\""},
        {"/rows/3/count", "must be a whole number"},
        {"", "body is not an object"},
    };
    json_t *p = problem_new(422, "invalid-report", "3 errors");
    for (size_t i = 0; i < LEN(want); i++)
        problem_add_error(p, want[i].pointer, want[i].message);
    p = round_trip(p);

    /* the rest of the document is unchanged */
    assert_int_equal(json_object_size(p), 5);
    assert_string_equal(get_string(p, "title"), "Unprocessable Content");
    assert_string_equal(get_string(p, "detail"), "3 errors");

    json_t *errors = json_object_get(p, "errors");
    assert_true(json_is_array(errors));
    assert_int_equal(json_array_size(errors), LEN(want));
    for (size_t i = 0; i < LEN(want); i++) {
        json_t *e = json_array_get(errors, i);
        assert_true(json_is_object(e));
        assert_int_equal(json_object_size(e), 2);
        assert_string_equal(get_string(e, "pointer"), want[i].pointer);
        assert_string_equal(get_string(e, "message"), want[i].message);
    }
    json_decref(p);
}

static void
test_add_error_without_detail(void **state)
{
    (void)state;
    json_t *p = problem_new(400, "bad-request", NULL);
    problem_add_error(p, "/name", "required");
    p = round_trip(p);
    assert_null(json_object_get(p, "detail"));
    json_t *errors = json_object_get(p, "errors");
    assert_true(json_is_array(errors));
    assert_int_equal(json_array_size(errors), 1);
    assert_string_equal(get_string(json_array_get(errors, 0), "pointer"), "/name");
    assert_string_equal(get_string(json_array_get(errors, 0), "message"), "required");
    json_decref(p);
}

/* --- http_reason --------------------------------------------------------- */

static void
test_reason_phrases(void **state)
{
    (void)state;
    static const struct {
        int status;
        const char *reason;
    } cases[] = {
        {200, "OK"},
        {400, "Bad Request"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {413, "Content Too Large"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {503, "Service Unavailable"},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        const char *got = http_reason(cases[i].status);
        assert_non_null(got);
        if (strcmp(got, cases[i].reason) != 0)
            fail_msg("%d: \"%s\", want \"%s\"", cases[i].status, got, cases[i].reason);
    }
}

static void
test_reason_unknown(void **state)
{
    (void)state;
    static const int unknown[] = {0, -1, 99, 299, 499, 599, 600, 1000};
    for (size_t i = 0; i < LEN(unknown); i++) {
        const char *got = http_reason(unknown[i]);
        assert_non_null(got);
        if (strcmp(got, "Unknown") != 0)
            fail_msg("%d: \"%s\", want \"Unknown\"", unknown[i], got);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_with_detail),
        cmocka_unit_test(test_new_without_detail),
        cmocka_unit_test(test_new_exact_text),
        cmocka_unit_test(test_new_detail_is_escaped),
        cmocka_unit_test(test_new_unknown_status),
        cmocka_unit_test(test_add_error_builds_array_in_order),
        cmocka_unit_test(test_add_error_without_detail),
        cmocka_unit_test(test_reason_phrases),
        cmocka_unit_test(test_reason_unknown),
    };
    return cmocka_run_group_tests_name("problem", tests, NULL, NULL);
}
