/* test_input.c: hub/input.h — checking request bodies member by member:
 * unknown members, strings, choices, integers, booleans, and the one 422
 * problem that collects every error with its JSON Pointer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hub/input.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NONE ((const char *const[]){NULL})

/* The body parsed from text; embedded NULs are let through so input.c
 * itself has to refuse them. */
static json_t *
body(const char *text)
{
    json_error_t jerr;
    json_t *root = json_loads(text, JSON_ALLOW_NUL, &jerr);
    if (root == NULL)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    return root;
}

static const char *
get_string(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        fail_msg("\"%s\" is missing or not a string", key);
    return json_string_value(v);
}

/* Ends the input and checks it found exactly the errors at want (in order,
 * NULL-terminated), in one well-formed 422 problem. Returns the problem's
 * "errors" array's message i in msg (when msg is not NULL), then frees it. */
static void
expect_errors(input_t *in, const char *const *want, size_t msg_index, char *msg, size_t msglen)
{
    json_t *p = input_end(in);
    if (want[0] == NULL) {
        if (p != NULL) {
            char *text = json_dumps(p, JSON_COMPACT);
            json_decref(p);
            print_error("unexpected problem %s\n", text);
            free(text);
            fail();
        }
        return;
    }
    assert_non_null(p);
    assert_false(input_failed(in)); /* the caller owns the problem now */
    assert_null(input_end(in));
    assert_string_equal(get_string(p, "type"), "/problems/invalid-input");
    assert_string_equal(get_string(p, "title"), "Unprocessable Content");
    assert_true(json_is_integer(json_object_get(p, "status")));
    assert_int_equal(json_integer_value(json_object_get(p, "status")), 422);
    json_t *errors = json_object_get(p, "errors");
    assert_true(json_is_array(errors));
    size_t n = 0;
    while (want[n] != NULL)
        n++;
    if (json_array_size(errors) != n) {
        char *text = json_dumps(errors, JSON_COMPACT);
        print_error("%zu errors, want %zu: %s\n", json_array_size(errors), n, text);
        free(text);
        json_decref(p);
        fail();
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(errors, i);
        assert_true(json_is_object(e));
        assert_string_equal(get_string(e, "pointer"), want[i]);
        assert_true(strlen(get_string(e, "message")) > 0);
        if (msg != NULL && i == msg_index)
            snprintf(msg, msglen, "%s", get_string(e, "message"));
    }
    json_decref(p);
}

#define EXPECT(in, ...) expect_errors(in, (const char *const[]){__VA_ARGS__, NULL}, 0, NULL, 0)
#define EXPECT_NONE(in) expect_errors(in, NONE, 0, NULL, 0)

/* --- input_error / input_end --------------------------------------------- */

static void
test_no_errors(void **state)
{
    (void)state;
    json_t *root = body("{}");
    input_t in;
    input_begin(&in, root);
    assert_null(input_end(&in));
    json_decref(root);
}

static void
test_input_error(void **state)
{
    (void)state;
    json_t *root = body("{}");
    input_t in;
    input_begin(&in, root);
    input_error(&in, "/a", "first");
    input_error(&in, "", "second");
    char msg[64];
    expect_errors(&in, (const char *const[]){"/a", "", NULL}, 1, msg, sizeof(msg));
    assert_string_equal(msg, "second");
    json_decref(root);
}

/* A body of many small mistakes gets INPUT_ERRORS_MAX of them listed and
 * one entry, at the input's own pointer, counting the rest: the answer
 * stays far smaller than the body (a nested input counts into its owner). */
static void
test_errors_capped(void **state)
{
    (void)state;
    json_t *root = body("{\"a\":{}}");
    input_t in, child;
    input_begin_at(&in, root, "/7");
    assert_true(input_object(&in, "a", true, &child));
    for (int i = 0; i < INPUT_ERRORS_MAX + 40; i++)
        input_error(i % 2 ? &in : &child, "/7/x", "wrong");
    json_t *errors = input_end_errors(&in);
    assert_int_equal(json_array_size(errors), INPUT_ERRORS_MAX + 1);
    json_t *last = json_array_get(errors, INPUT_ERRORS_MAX);
    assert_string_equal(get_string(last, "pointer"), "/7");
    assert_string_equal(get_string(last, "message"), "40 more problems are not listed.");
    json_decref(errors);
    input_error(&in, "/7/y", "again"); /* a fresh list after input_end_errors */
    errors = input_end_errors(&in);
    assert_int_equal(json_array_size(errors), 1);
    json_decref(errors);
    json_decref(root);
}

/* --- input_only ---------------------------------------------------------- */

static void
test_only_known(void **state)
{
    (void)state;
    json_t *root = body("{\"name\":\"x\",\"kind\":1}");
    input_t in;
    input_begin(&in, root);
    input_only(&in, (const char *const[]){"kind", "name", "other", NULL});
    EXPECT_NONE(&in);
    json_decref(root);
}

static void
test_only_unknown(void **state)
{
    (void)state;
    json_t *root = body("{\"name\":\"x\",\"extra\":1,\"kind\":2,\"Name\":3,\"nam\":4,\"names\":5}");
    input_t in;
    input_begin(&in, root);
    input_only(&in, (const char *const[]){"name", "kind", NULL});
    EXPECT(&in, "/extra", "/Name", "/nam", "/names");
    json_decref(root);
}

static void
test_only_nothing_allowed(void **state)
{
    (void)state;
    json_t *root = body("{\"a\":1,\"b\":2}");
    input_t in;
    input_begin(&in, root);
    input_only(&in, NONE);
    EXPECT(&in, "/a", "/b");
    json_decref(root);
}

static void
test_only_pointer_escapes(void **state)
{
    (void)state;
    json_t *root = body("{\"a~b\":1,\"c/d\":2,\"~/\":3,\"~1\":4,\"\":5}");
    input_t in;
    input_begin(&in, root);
    input_only(&in, (const char *const[]){"ab", NULL});
    /* RFC 6901: "~" is "~0", "/" is "~1"; the empty name is "/" */
    EXPECT(&in, "/a~0b", "/c~1d", "/~0~1", "/~01", "/");
    json_decref(root);
}

/* --- input_string -------------------------------------------------------- */

static void
test_string_ok(void **state)
{
    (void)state;
    json_t *root = body("{\"name\":\"Acme Health\",\"empty\":\"\"}");
    input_t in;
    input_begin(&in, root);
    const char *s = input_string(&in, "name", 1, 200, true);
    assert_non_null(s);
    assert_string_equal(s, "Acme Health");
    s = input_string(&in, "empty", 0, 10, true);
    assert_non_null(s);
    assert_string_equal(s, "");
    EXPECT_NONE(&in);
    json_decref(root);
}

static void
test_string_absent(void **state)
{
    (void)state;
    json_t *root = body("{\"other\":\"x\"}");
    input_t in;
    input_begin(&in, root);
    assert_null(input_string(&in, "label", 0, 10, false));
    EXPECT_NONE(&in);
    assert_null(input_string(&in, "name", 0, 10, true));
    assert_null(input_string(&in, "a/b~c", 0, 10, true));
    EXPECT(&in, "/name", "/a~1b~0c");
    json_decref(root);
}

static void
test_string_wrong_type(void **state)
{
    (void)state;
    json_t *root =
        body("{\"n\":5,\"f\":1.5,\"t\":true,\"z\":null,\"a\":[\"x\"],\"o\":{\"x\":\"y\"}}");
    static const char *const keys[] = {"n", "f", "t", "z", "a", "o"};
    input_t in;
    input_begin(&in, root);
    for (size_t i = 0; i < LEN(keys); i++)
        if (input_string(&in, keys[i], 0, 100, false) != NULL)
            fail_msg("\"%s\" taken as a string", keys[i]);
    EXPECT(&in, "/n", "/f", "/t", "/z", "/a", "/o");
    json_decref(root);
}

static void
test_string_length_in_code_points(void **state)
{
    (void)state;
    /* "é" is 2 bytes, "€" 3, "😀" 4: each one character */
    static const struct {
        const char *json, *value;
        size_t min, max;
        bool ok;
    } cases[] = {
        {"\"abc\"", "abc", 3, 3, true},
        {"\"abc\"", NULL, 4, 10, false},
        {"\"abc\"", NULL, 0, 2, false},
        {"\"\"", NULL, 1, 10, false},
        {"\"\\u00e9\"", "\xc3\xa9", 1, 1, true},
        {"\"\xc3\xa9\xc3\xa9\xc3\xa9\"", "\xc3\xa9\xc3\xa9\xc3\xa9", 3, 3, true},
        {"\"\xc3\xa9\xc3\xa9\xc3\xa9\"", NULL, 0, 2, false},
        {"\"\xc3\xa9\xc3\xa9\xc3\xa9\"", NULL, 4, 6, false},
        {"\"\xe2\x82\xac\"", "\xe2\x82\xac", 1, 1, true},
        {"\"\\ud83d\\ude00x\"", "\xf0\x9f\x98\x80x", 2, 2, true},
        {"\"\\ud83d\\ude00x\"", NULL, 0, 1, false},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        char text[64];
        snprintf(text, sizeof(text), "{\"s\":%s}", cases[i].json);
        json_t *root = body(text);
        input_t in;
        input_begin(&in, root);
        const char *got = input_string(&in, "s", cases[i].min, cases[i].max, true);
        json_t *p = input_end(&in);
        if (cases[i].ok && (got == NULL || strcmp(got, cases[i].value) != 0 || p != NULL))
            fail_msg("%s in %zu..%zu: refused", text, cases[i].min, cases[i].max);
        if (!cases[i].ok && (got != NULL || p == NULL))
            fail_msg("%s in %zu..%zu: accepted", text, cases[i].min, cases[i].max);
        json_decref(p);
        json_decref(root);
    }
}

static void
test_string_length_message(void **state)
{
    (void)state;
    json_t *root = body("{\"name\":\"TOPSECRETVALUE\"}");
    input_t in;
    input_begin(&in, root);
    assert_null(input_string(&in, "name", 1, 5, true));
    char msg[128];
    expect_errors(&in, (const char *const[]){"/name", NULL}, 0, msg, sizeof(msg));
    assert_non_null(strstr(msg, "1"));
    assert_non_null(strstr(msg, "5"));
    assert_null(strstr(msg, "TOPSECRET")); /* never echoed */
    json_decref(root);
}

static void
test_string_control_characters(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\"a\\tb\"",    "\"a\\nb\"",   "\"a\\rb\"",       "\"\\u0001\"",
        "\"x\\u001f\"", "\"\\u007f\"", "\"\\u001b[31m\"",
    };
    for (size_t i = 0; i < LEN(bad); i++) {
        char text[64];
        snprintf(text, sizeof(text), "{\"s\":%s}", bad[i]);
        json_t *root = body(text);
        input_t in;
        input_begin(&in, root);
        if (input_string(&in, "s", 0, 100, true) != NULL)
            fail_msg("%s accepted", text);
        EXPECT(&in, "/s");
        json_decref(root);
    }
}

static void
test_string_c1_control_characters(void **state)
{
    (void)state;
    /* U+0080..U+009F are control characters too (Unicode Cc; hubctl's
     * text_valid refuses them), e.g. NEL and CSI */
    static const char *const bad[] = {"\"\\u0080\"", "\"a\\u0085b\"", "\"\\u009b31m\"",
                                      "\"\\u009f\""};
    for (size_t i = 0; i < LEN(bad); i++) {
        char text[64];
        snprintf(text, sizeof(text), "{\"s\":%s}", bad[i]);
        json_t *root = body(text);
        input_t in;
        input_begin(&in, root);
        const char *got = input_string(&in, "s", 0, 100, true);
        json_t *p = input_end(&in);
        json_decref(p);
        json_decref(root);
        if (got != NULL || p == NULL)
            fail_msg("%s accepted", text);
    }
}

static void
test_string_embedded_nul(void **state)
{
    (void)state;
    json_t *root = body("{\"s\":\"a\\u0000b\",\"t\":\"\\u0000\"}");
    input_t in;
    input_begin(&in, root);
    assert_null(input_string(&in, "s", 0, 100, true));
    assert_null(input_string(&in, "t", 0, 100, true));
    EXPECT(&in, "/s", "/t");
    json_decref(root);
}

/* --- input_choice -------------------------------------------------------- */

static const char *const kinds[] = {"agency", "clinic", "university", NULL};

static void
test_choice_ok(void **state)
{
    (void)state;
    json_t *root = body("{\"kind\":\"clinic\",\"k2\":\"university\"}");
    input_t in;
    input_begin(&in, root);
    const char *got = input_choice(&in, "kind", kinds, true);
    assert_non_null(got);
    assert_string_equal(got, "clinic");
    got = input_choice(&in, "k2", kinds, false);
    assert_non_null(got);
    assert_string_equal(got, "university");
    assert_null(input_choice(&in, "absent", kinds, false));
    EXPECT_NONE(&in);
    json_decref(root);
}

static void
test_choice_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {"\"hospital\"", "\"Clinic\"",   "\"clinic \"",
                                      "\"\"",         "\"clin\"",     "1",
                                      "null",         "[\"clinic\"]", "true"};
    for (size_t i = 0; i < LEN(bad); i++) {
        char text[64];
        snprintf(text, sizeof(text), "{\"kind\":%s}", bad[i]);
        json_t *root = body(text);
        input_t in;
        input_begin(&in, root);
        if (input_choice(&in, "kind", kinds, true) != NULL)
            fail_msg("%s accepted", text);
        char msg[256];
        expect_errors(&in, (const char *const[]){"/kind", NULL}, 0, msg, sizeof(msg));
        for (size_t c = 0; kinds[c] != NULL; c++)
            if (strstr(msg, kinds[c]) == NULL)
                fail_msg("%s: message \"%s\" does not list %s", text, msg, kinds[c]);
        json_decref(root);
    }
}

static void
test_choice_required(void **state)
{
    (void)state;
    json_t *root = body("{}");
    input_t in;
    input_begin(&in, root);
    assert_null(input_choice(&in, "kind", kinds, true));
    EXPECT(&in, "/kind");
    json_decref(root);
}

/* --- input_integer ------------------------------------------------------- */

static void
test_integer_range(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        long long min, max;
        bool ok;
        long long value;
    } cases[] = {
        {"1", 1, 10, true, 1},
        {"10", 1, 10, true, 10},
        {"5", 1, 10, true, 5},
        {"0", 1, 10, false, 0},
        {"11", 1, 10, false, 0},
        {"-1", 1, 10, false, 0},
        {"-5", -5, -1, true, -5},
        {"0", -5, -1, false, 0},
        {"9223372036854775807", LLONG_MIN, LLONG_MAX, true, LLONG_MAX},
        {"-9223372036854775808", LLONG_MIN, LLONG_MAX, true, LLONG_MIN},
        {"9007199254740993", 1, 1LL << 53, false, 0},
        {"1.5", 0, 10, false, 0},
        {"1.0", 0, 10, false, 0},
        {"1e2", 0, 1000, false, 0},
        {"\"1\"", 0, 10, false, 0},
        {"true", 0, 10, false, 0},
        {"[1]", 0, 10, false, 0},
        {"{}", 0, 10, false, 0},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        char text[64];
        snprintf(text, sizeof(text), "{\"n\":%s}", cases[i].json);
        json_t *root = body(text);
        input_t in;
        input_begin(&in, root);
        long long out = 12345;
        bool null = true;
        bool got = input_integer(&in, "n", cases[i].min, cases[i].max, true, false, &out, &null);
        json_t *p = input_end(&in);
        json_decref(p);
        json_decref(root);
        if (null)
            fail_msg("%s: *null set", text);
        if (cases[i].ok && (!got || out != cases[i].value || p != NULL))
            fail_msg("%s in %lld..%lld: refused or %lld", text, cases[i].min, cases[i].max, out);
        if (!cases[i].ok && (got || p == NULL))
            fail_msg("%s in %lld..%lld: accepted", text, cases[i].min, cases[i].max);
    }
}

static void
test_integer_null(void **state)
{
    (void)state;
    json_t *root = body("{\"a\":null,\"b\":null}");
    input_t in;
    input_begin(&in, root);
    long long out = 0;
    bool null = false;
    /* nullable: no error, *null set, nothing returned */
    assert_false(input_integer(&in, "a", 1, 10, true, true, &out, &null));
    assert_true(null);
    EXPECT_NONE(&in);
    /* not nullable: an error, *null clear */
    null = true;
    assert_false(input_integer(&in, "b", 1, 10, true, false, &out, &null));
    assert_false(null);
    char msg[128];
    expect_errors(&in, (const char *const[]){"/b", NULL}, 0, msg, sizeof(msg));
    assert_non_null(strstr(msg, "10"));
    /* nullable, with no *null wanted */
    assert_false(input_integer(&in, "a", 1, 10, false, true, &out, NULL));
    EXPECT_NONE(&in);
    json_decref(root);
}

static void
test_integer_absent(void **state)
{
    (void)state;
    json_t *root = body("{\"x\":1}");
    input_t in;
    input_begin(&in, root);
    long long out = 7;
    bool null = true;
    assert_false(input_integer(&in, "n", 1, 10, false, true, &out, &null));
    assert_false(null);
    EXPECT_NONE(&in);
    assert_false(input_integer(&in, "n", 1, 10, true, true, &out, &null));
    assert_false(null);
    assert_false(input_integer(&in, "m", 1, 10, true, false, &out, NULL));
    EXPECT(&in, "/n", "/m");
    json_decref(root);
}

/* --- input_bool ---------------------------------------------------------- */

static void
test_bool(void **state)
{
    (void)state;
    json_t *root = body("{\"t\":true,\"f\":false,\"s\":\"true\",\"n\":1,\"z\":null,\"o\":0}");
    input_t in;
    input_begin(&in, root);
    bool out = false;
    assert_true(input_bool(&in, "t", true, &out));
    assert_true(out);
    assert_true(input_bool(&in, "f", true, &out));
    assert_false(out);
    assert_false(input_bool(&in, "absent", false, &out));
    EXPECT_NONE(&in);
    assert_false(input_bool(&in, "s", true, &out));
    assert_false(input_bool(&in, "n", true, &out));
    assert_false(input_bool(&in, "z", false, &out));
    assert_false(input_bool(&in, "o", false, &out));
    assert_false(input_bool(&in, "absent", true, &out));
    EXPECT(&in, "/s", "/n", "/z", "/o", "/absent");
    json_decref(root);
}

/* --- everything at once -------------------------------------------------- */

static void
test_all_errors_in_one_problem(void **state)
{
    (void)state;
    json_t *root = body("{\"name\":\"a\\nb\",\"kind\":\"hospital\",\"extra\":1,\"n\":1.5,"
                        "\"ok\":\"fine\",\"b\":\"yes\",\"x/y\":2}");
    input_t in;
    input_begin(&in, root);
    input_only(&in, (const char *const[]){"name", "kind", "n", "ok", "b", "missing", NULL});
    assert_null(input_string(&in, "name", 1, 200, true));
    assert_null(input_choice(&in, "kind", kinds, true));
    long long n;
    assert_false(input_integer(&in, "n", 0, 10, true, false, &n, NULL));
    const char *ok = input_string(&in, "ok", 1, 10, true);
    assert_non_null(ok);
    assert_string_equal(ok, "fine");
    bool b;
    assert_false(input_bool(&in, "b", true, &b));
    assert_null(input_string(&in, "missing", 1, 10, true));
    EXPECT(&in, "/extra", "/x~1y", "/name", "/kind", "/n", "/b", "/missing");
    json_decref(root);
}

static void
test_problem_serialises(void **state)
{
    (void)state;
    json_t *root = body("{\"n\":\"SECRET-1\",\"k\":\"SECRET-2\",\"s\":\"SECRET-3\"}");
    input_t in;
    input_begin(&in, root);
    long long n;
    assert_false(input_integer(&in, "n", 0, 10, true, false, &n, NULL));
    assert_null(input_choice(&in, "k", kinds, true));
    assert_null(input_string(&in, "s", 0, 3, true));
    json_t *p = input_end(&in);
    assert_non_null(p);
    char *text = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    json_decref(root);
    assert_non_null(text);
    bool echoed = strstr(text, "SECRET") != NULL;
    if (echoed)
        print_error("a submitted value is echoed: %s\n", text);
    free(text);
    assert_false(echoed);
}

/* RFC 7396: the examples of its appendix A that concern objects. */
static void
test_merge_patch(void **state)
{
    (void)state;
    static const struct {
        const char *target, *patch, *result;
    } cases[] = {
        {"{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
        {"{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
        {"{\"a\":\"b\"}", "{\"a\":null}", "{}"},
        {"{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"},
        {"{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
        {"{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"},
        {"{\"a\":{\"b\":\"c\",\"x\":1}}", "{\"a\":{\"b\":null}}", "{\"a\":{\"x\":1}}"},
        {"{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
        {"{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"},
        {"{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *t = json_loads(cases[i].target, 0, NULL);
        json_t *p = json_loads(cases[i].patch, 0, NULL);
        json_t *want = json_loads(cases[i].result, 0, NULL);
        input_merge_patch(t, p);
        if (!json_equal(t, want)) {
            print_error("merge patch case %zu differs\n", i);
            fail();
        }
        json_decref(t);
        json_decref(p);
        json_decref(want);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_errors),
        cmocka_unit_test(test_input_error),
        cmocka_unit_test(test_only_known),
        cmocka_unit_test(test_only_unknown),
        cmocka_unit_test(test_only_nothing_allowed),
        cmocka_unit_test(test_only_pointer_escapes),
        cmocka_unit_test(test_string_ok),
        cmocka_unit_test(test_string_absent),
        cmocka_unit_test(test_string_wrong_type),
        cmocka_unit_test(test_string_length_in_code_points),
        cmocka_unit_test(test_string_length_message),
        cmocka_unit_test(test_string_control_characters),
        cmocka_unit_test(test_string_c1_control_characters),
        cmocka_unit_test(test_string_embedded_nul),
        cmocka_unit_test(test_choice_ok),
        cmocka_unit_test(test_choice_refused),
        cmocka_unit_test(test_choice_required),
        cmocka_unit_test(test_integer_range),
        cmocka_unit_test(test_integer_null),
        cmocka_unit_test(test_integer_absent),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_all_errors_in_one_problem),
        cmocka_unit_test(test_problem_serialises),
        cmocka_unit_test(test_merge_patch),
        cmocka_unit_test(test_errors_capped),
    };
    return cmocka_run_group_tests_name("input", tests, NULL, NULL);
}
