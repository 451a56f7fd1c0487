/* test_fetch.c: clients/hubctl/fetch.h's query builder — names joined
 * with ? then &, values percent-encoded but for unreserved characters and
 * commas, nothing for an absent value, and a path that would not fit
 * refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../clients/hubctl/fetch.h"

static void
test_query(void **state)
{
    (void)state;
    char path[FETCH_PATH_MAX] = "/v1/stats/reports";
    assert_true(fetch_query(path, sizeof(path), "from", "2025-Q1"));
    assert_true(fetch_query(path, sizeof(path), "strand", NULL));
    assert_true(fetch_query(path, sizeof(path), "area", "E01000001,E01000002"));
    assert_true(fetch_query(path, sizeof(path), "x", "a b&c=d/é?#%"));
    assert_string_equal(path, "/v1/stats/reports?from=2025-Q1&area=E01000001,E01000002"
                              "&x=a%20b%26c%3Dd%2F%C3%A9%3F%23%25");
}

static void
test_too_long(void **state)
{
    (void)state;
    char path[32] = "/v1/referrals";
    assert_true(fetch_query(path, sizeof(path), "limit", "1000"));
    assert_false(fetch_query(path, sizeof(path), "direction", "outgoing"));
    char small[24] = "/v1/referrals";
    assert_false(fetch_query(small, sizeof(small), "s", "&&&"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
