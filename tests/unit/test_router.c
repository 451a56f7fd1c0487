/* test_router.c: hub/router.h — matching against a route table of the
 * test's own, captures, 404 versus 405, and the Allow header text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../hub/router.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Dummy handlers: only their addresses matter. */
static void
h_health(request_t *req)
{
    (void)req;
}

static void
h_list(request_t *req)
{
    (void)req;
}

static void
h_create(request_t *req)
{
    (void)req;
}

static void
h_report(request_t *req)
{
    (void)req;
}

static void
h_delete(request_t *req)
{
    (void)req;
}

static void
h_partner_report(request_t *req)
{
    (void)req;
}

static void
h_reload(request_t *req)
{
    (void)req;
}

static const route_t table[] = {
    {METHOD_GET, "/healthz", h_health, "healthz", 0, 0},
    {METHOD_GET, "/reports", h_list, "reports_list", 0, 0},
    {METHOD_POST, "/reports", h_create, "reports_create", 0, 0},
    {METHOD_GET | METHOD_PUT, "/reports/{id}", h_report, "report", 0, 0},
    {METHOD_DELETE, "/reports/{id}", h_delete, "report_delete", 0, 0},
    {METHOD_GET, "/partners/{partner}/reports/{id}", h_partner_report, "partner_report", 0, 0},
    {METHOD_POST, "/admin/reload", h_reload, "reload", 0, 0},
    {METHOD_GET, "/files/*", h_list, "files", 0, 0},
};

/* Result of one router_match call, with sentinels to show what was set. */
typedef struct outcome {
    route_result_t result;
    const route_t *found;
    route_params_t params;
    unsigned allowed;
} outcome_t;

static outcome_t
route(unsigned method, const char *path)
{
    outcome_t o;
    memset(&o, 0, sizeof(o));
    o.found = NULL;
    o.params.n = -1;
    o.allowed = 0xdead;
    o.result = router_match(table, LEN(table), method, path, &o.found, &o.params, &o.allowed);
    return o;
}

static const char *
result_name(route_result_t r)
{
    switch (r) {
    case ROUTE_FOUND:
        return "FOUND";
    case ROUTE_NOT_FOUND:
        return "NOT_FOUND";
    case ROUTE_BAD_METHOD:
        return "BAD_METHOD";
    }
    return "?";
}

static void
expect_result(unsigned method, const char *path, route_result_t want)
{
    outcome_t o = route(method, path);
    if (o.result != want)
        fail_msg("method %#x %s: %s, want %s", method, path, result_name(o.result),
                 result_name(want));
}

/* Expects path to be served by the named route with method. */
static outcome_t
expect_found(unsigned method, const char *path, const char *name)
{
    outcome_t o = route(method, path);
    if (o.result != ROUTE_FOUND)
        fail_msg("method %#x %s: %s, want FOUND", method, path, result_name(o.result));
    assert_non_null(o.found);
    assert_string_equal(o.found->name, name);
    return o;
}

/* --- router_match -------------------------------------------------------- */

static void
test_exact_match(void **state)
{
    (void)state;
    outcome_t o = expect_found(METHOD_GET, "/healthz", "healthz");
    assert_ptr_equal(o.found, &table[0]);
    assert_ptr_equal(o.found->handler, h_health);
    assert_int_equal(o.params.n, 0);
}

static void
test_method_selects_route_of_same_path(void **state)
{
    (void)state;
    outcome_t o = expect_found(METHOD_GET, "/reports", "reports_list");
    assert_ptr_equal(o.found->handler, h_list);
    o = expect_found(METHOD_POST, "/reports", "reports_create");
    assert_ptr_equal(o.found->handler, h_create);
    o = expect_found(METHOD_DELETE, "/reports/7", "report_delete");
    assert_ptr_equal(o.found->handler, h_delete);
    assert_int_equal(o.params.n, 1);
    assert_string_equal(o.params.value[0], "7");
}

static void
test_get_implies_head(void **state)
{
    (void)state;
    outcome_t o = expect_found(METHOD_HEAD, "/healthz", "healthz");
    assert_ptr_equal(o.found, &table[0]);
    expect_found(METHOD_HEAD, "/reports", "reports_list");
    expect_found(METHOD_HEAD, "/reports/x", "report");
    /* but not for a route without GET */
    o = route(METHOD_HEAD, "/admin/reload");
    assert_int_equal(o.result, ROUTE_BAD_METHOD);
    assert_int_equal(o.allowed, METHOD_POST);
}

static void
test_capture_one(void **state)
{
    (void)state;
    outcome_t o = expect_found(METHOD_GET, "/reports/abc-123", "report");
    assert_ptr_equal(o.found->handler, h_report);
    assert_int_equal(o.params.n, 1);
    assert_string_equal(o.params.value[0], "abc-123");
    o = expect_found(METHOD_PUT, "/reports/%41b", "report"); /* not decoded */
    assert_string_equal(o.params.value[0], "%41b");
}

static void
test_capture_two(void **state)
{
    (void)state;
    outcome_t o = expect_found(METHOD_GET, "/partners/p-1/reports/r99", "partner_report");
    assert_int_equal(o.params.n, 2);
    assert_string_equal(o.params.value[0], "p-1");
    assert_string_equal(o.params.value[1], "r99");
}

static void
test_trailing_star_takes_any_rest(void **state)
{
    (void)state;
    expect_found(METHOD_GET, "/files/", "files");
    expect_found(METHOD_GET, "/files/a.js", "files");
    outcome_t o = expect_found(METHOD_GET, "/files/js/x/../../y%2f", "files");
    assert_int_equal(o.params.n, 0); /* the handler reads the path itself */
    expect_result(METHOD_GET, "/files", ROUTE_NOT_FOUND);
    expect_result(METHOD_GET, "/filesx/a", ROUTE_NOT_FOUND);
    expect_result(METHOD_GET, "/file", ROUTE_NOT_FOUND);
    o = route(METHOD_POST, "/files/a.js");
    assert_int_equal(o.result, ROUTE_BAD_METHOD);
    assert_int_equal(o.allowed, METHOD_GET | METHOD_HEAD);
}

static void
test_capture_is_a_copy(void **state)
{
    (void)state;
    char path[] = "/reports/first";
    outcome_t o = route(METHOD_GET, path);
    assert_int_equal(o.result, ROUTE_FOUND);
    memset(path, 'z', sizeof(path) - 1);
    assert_string_equal(o.params.value[0], "first");
}

static void
test_capture_length_limit(void **state)
{
    (void)state;
    char path[ROUTE_PARAM_MAX + 32];
    char id[ROUTE_PARAM_MAX + 2];

    memset(id, 'a', ROUTE_PARAM_MAX);
    id[ROUTE_PARAM_MAX] = '\0';
    snprintf(path, sizeof(path), "/reports/%s", id);
    outcome_t o = expect_found(METHOD_GET, path, "report");
    assert_int_equal(strlen(o.params.value[0]), ROUTE_PARAM_MAX);
    assert_string_equal(o.params.value[0], id);

    id[ROUTE_PARAM_MAX] = 'a';
    id[ROUTE_PARAM_MAX + 1] = '\0';
    snprintf(path, sizeof(path), "/reports/%s", id);
    expect_result(METHOD_GET, path, ROUTE_NOT_FOUND);
    expect_result(METHOD_POST, path, ROUTE_NOT_FOUND); /* not 405 either */
}

static void
test_empty_segment_refused(void **state)
{
    (void)state;
    expect_result(METHOD_GET, "/reports/", ROUTE_NOT_FOUND);
    expect_result(METHOD_GET, "/partners//reports/r1", ROUTE_NOT_FOUND);
    expect_result(METHOD_GET, "/partners/p1/reports/", ROUTE_NOT_FOUND);
    expect_result(METHOD_GET, "/reports//", ROUTE_NOT_FOUND);
}

static void
test_trailing_slash_does_not_match(void **state)
{
    (void)state;
    expect_result(METHOD_GET, "/healthz/", ROUTE_NOT_FOUND);
    expect_result(METHOD_GET, "/reports/abc/", ROUTE_NOT_FOUND);
    expect_result(METHOD_POST, "/admin/reload/", ROUTE_NOT_FOUND);
}

static void
test_not_found(void **state)
{
    (void)state;
    static const char *const paths[] = {
        "",        "/",          "/health",      "/healthzz",           "/HEALTHZ",
        "healthz", "//healthz",  "/reports/a/b", "/partners/p/reports", "/partners/p/x/r",
        "/admin",  "/admin/rel", "/nowhere",
    };
    for (size_t i = 0; i < LEN(paths); i++) {
        expect_result(METHOD_GET, paths[i], ROUTE_NOT_FOUND);
        expect_result(METHOD_POST, paths[i], ROUTE_NOT_FOUND);
    }
}

static void
test_bad_method_allowed_mask(void **state)
{
    (void)state;
    static const struct {
        unsigned method;
        const char *path;
        unsigned allowed;
    } cases[] = {
        {METHOD_POST, "/healthz", METHOD_GET | METHOD_HEAD},
        {METHOD_DELETE, "/reports", METHOD_GET | METHOD_HEAD | METHOD_POST},
        {METHOD_PATCH, "/reports/9", METHOD_GET | METHOD_HEAD | METHOD_PUT | METHOD_DELETE},
        {METHOD_OPTIONS, "/partners/a/reports/b", METHOD_GET | METHOD_HEAD},
        {METHOD_GET, "/admin/reload", METHOD_POST},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        outcome_t o = route(cases[i].method, cases[i].path);
        if (o.result != ROUTE_BAD_METHOD)
            fail_msg("%s: %s, want BAD_METHOD", cases[i].path, result_name(o.result));
        if (o.allowed != cases[i].allowed)
            fail_msg("%s: allowed %#x, want %#x", cases[i].path, o.allowed, cases[i].allowed);
    }
}

static void
test_unknown_method(void **state)
{
    (void)state;
    outcome_t o = route(0, "/reports");
    assert_int_equal(o.result, ROUTE_BAD_METHOD);
    assert_int_equal(o.allowed, METHOD_GET | METHOD_HEAD | METHOD_POST);
    o = route(0, "/reports/1");
    assert_int_equal(o.result, ROUTE_BAD_METHOD);
    assert_int_equal(o.allowed, METHOD_GET | METHOD_HEAD | METHOD_PUT | METHOD_DELETE);
    expect_result(0, "/nowhere", ROUTE_NOT_FOUND);
}

static void
test_empty_table(void **state)
{
    (void)state;
    const route_t *found = NULL;
    route_params_t params;
    unsigned allowed = 0;
    assert_int_equal(router_match(table, 0, METHOD_GET, "/healthz", &found, &params, &allowed),
                     ROUTE_NOT_FOUND);
}

/* --- router_allow_header ------------------------------------------------- */

static void
test_allow_header_text(void **state)
{
    (void)state;
    static const struct {
        unsigned methods;
        const char *text;
    } cases[] = {
        {METHOD_GET | METHOD_HEAD | METHOD_POST, "GET, HEAD, POST"},
        {METHOD_POST | METHOD_GET | METHOD_HEAD, "GET, HEAD, POST"},
        {METHOD_DELETE, "DELETE"},
        {METHOD_PUT | METHOD_OPTIONS, "PUT, OPTIONS"},
        {METHOD_GET | METHOD_HEAD | METHOD_POST | METHOD_PUT | METHOD_PATCH | METHOD_DELETE |
             METHOD_OPTIONS,
         "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"},
        {0, ""},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        char buf[128];
        memset(buf, 'X', sizeof(buf));
        router_allow_header(cases[i].methods, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].text);
    }
}

static void
test_allow_header_from_match(void **state)
{
    (void)state;
    char buf[64];
    outcome_t o = route(METHOD_PUT, "/reports");
    assert_int_equal(o.result, ROUTE_BAD_METHOD);
    router_allow_header(o.allowed, buf, sizeof(buf));
    assert_string_equal(buf, "GET, HEAD, POST");
}

static void
test_allow_header_small_buffer_terminated(void **state)
{
    (void)state;
    char buf[16];
    memset(buf, 'X', sizeof(buf));
    router_allow_header(METHOD_GET | METHOD_HEAD | METHOD_POST | METHOD_DELETE, buf, 10);
    assert_int_equal(buf[10], 'X'); /* nothing written past len */
    assert_non_null(memchr(buf, '\0', 10));
    assert_string_equal(buf, "GET, HEAD"); /* whole names only */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_match),
        cmocka_unit_test(test_method_selects_route_of_same_path),
        cmocka_unit_test(test_get_implies_head),
        cmocka_unit_test(test_capture_one),
        cmocka_unit_test(test_capture_two),
        cmocka_unit_test(test_capture_is_a_copy),
        cmocka_unit_test(test_trailing_star_takes_any_rest),
        cmocka_unit_test(test_capture_length_limit),
        cmocka_unit_test(test_empty_segment_refused),
        cmocka_unit_test(test_trailing_slash_does_not_match),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_bad_method_allowed_mask),
        cmocka_unit_test(test_unknown_method),
        cmocka_unit_test(test_empty_table),
        cmocka_unit_test(test_allow_header_text),
        cmocka_unit_test(test_allow_header_from_match),
        cmocka_unit_test(test_allow_header_small_buffer_terminated),
    };
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
