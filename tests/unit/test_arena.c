/* The per-request arena behind jansson: what is made inside a request
 * lives in the arena, what is made outside is ordinary heap, and leaving
 * releases the request's memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "../../hub/arena.h"

static int
setup(void **state)
{
    (void)state;
    arena_install_json();
    return 0;
}

/* A whole parse, use and free inside one request, many times over: under
 * the sanitizer build this fails on any use after release or stray free. */
static void
test_json_in_requests(void **state)
{
    (void)state;
    arena_t *a = arena_new();
    for (int round = 0; round < 50; round++) {
        arena_enter(a);
        json_t *doc = json_loads("{\"a\":[1,2,{\"b\":\"text\"}],\"c\":\"more text\"}", 0, NULL);
        assert_non_null(doc);
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(json_object_get(doc, "a"), 2), "b")),
            "text");
        char *dump = json_dumps(doc, JSON_COMPACT);
        assert_non_null(dump);
        assert_string_equal(dump, "{\"a\":[1,2,{\"b\":\"text\"}],\"c\":\"more text\"}");
        json_decref(doc);
        arena_leave();
    }
    arena_free(a);
}

/* Larger than a block: the arena grows, and leaving gives it back. */
static void
test_large_request(void **state)
{
    (void)state;
    arena_t *a = arena_new();
    arena_enter(a);
    json_t *arr = json_array();
    for (int i = 0; i < 20000; i++)
        json_array_append_new(arr, json_pack("{s:i, s:s}", "index", i, "status", "stored"));
    assert_int_equal(json_array_size(arr), 20000);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 19999), "index")),
                     19999);
    json_decref(arr);
    arena_leave();
    /* The arena is reusable after a large request. */
    arena_enter(a);
    json_t *small = json_pack("{s:s}", "k", "v");
    assert_string_equal(json_string_value(json_object_get(small, "k")), "v");
    json_decref(small);
    arena_leave();
    arena_free(a);
}

/* Made outside any request: heap memory that survives requests and is
 * freed normally, even when freed while a request is under way. */
static void
test_outside_is_heap(void **state)
{
    (void)state;
    json_t *kept = json_pack("{s:s}", "list", "strand");
    arena_t *a = arena_new();
    arena_enter(a);
    json_t *inside = json_pack("{s:i}", "n", 1);
    json_decref(inside);
    arena_leave();
    assert_string_equal(json_string_value(json_object_get(kept, "list")), "strand");
    arena_enter(a);
    json_decref(kept); /* heap memory freed during a request */
    arena_leave();
    arena_free(a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_in_requests),
        cmocka_unit_test(test_large_request),
        cmocka_unit_test(test_outside_is_heap),
    };
    return cmocka_run_group_tests_name("arena", tests, setup, NULL);
}
