/* test_ratelimit.c: hub/ratelimit.h — the token bucket's arithmetic with a
 * clock the test moves, the shared table's bound and eviction, and the
 * HUB_RATE_LIMIT syntax. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../hub/ratelimit.h"

#define SEC INT64_C(1000000)
#define T0 (INT64_C(1000) * SEC) /* any start: the clock is the caller's */

static void
test_burst_then_refused(void **state)
{
    (void)state;
    ratelimit_bucket_t b;
    ratelimit_bucket_init(&b, 5, T0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(ratelimit_bucket_take(&b, 2, 5, T0), 0);
    /* Empty at rate 2/s: the next token is 0.5 s away. */
    assert_int_equal(ratelimit_bucket_take(&b, 2, 5, T0), SEC / 2);
    /* Refusals take nothing: asking again later says less. */
    assert_int_equal(ratelimit_bucket_take(&b, 2, 5, T0 + SEC / 4), SEC / 4);
}

static void
test_refills_at_rate(void **state)
{
    (void)state;
    ratelimit_bucket_t b;
    ratelimit_bucket_init(&b, 1, T0);
    assert_int_equal(ratelimit_bucket_take(&b, 10, 1, T0), 0);
    assert_true(ratelimit_bucket_take(&b, 10, 1, T0 + 99999) > 0);
    assert_int_equal(ratelimit_bucket_take(&b, 10, 1, T0 + 100000), 0); /* 1/10 s later */
    assert_int_equal(ratelimit_bucket_take(&b, 10, 1, T0 + 100000), 100000);
}

static void
test_refill_stops_at_burst(void **state)
{
    (void)state;
    ratelimit_bucket_t b;
    ratelimit_bucket_init(&b, 3, T0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ratelimit_bucket_take(&b, 1, 3, T0), 0);
    /* An hour idle gives back the burst, not 3600 tokens. */
    int64_t later = T0 + 3600 * SEC;
    assert_true(ratelimit_bucket_full(&b, 1, 3, later));
    for (int i = 0; i < 3; i++)
        assert_int_equal(ratelimit_bucket_take(&b, 1, 3, later), 0);
    assert_int_equal(ratelimit_bucket_take(&b, 1, 3, later), SEC);
}

static void
test_partial_tokens_accumulate(void **state)
{
    (void)state;
    /* 3/s: a token every 333334 µs, counted exactly in millionths. */
    ratelimit_bucket_t b;
    ratelimit_bucket_init(&b, 1, T0);
    assert_int_equal(ratelimit_bucket_take(&b, 3, 1, T0), 0);
    int64_t t = T0;
    for (int i = 0; i < 3; i++) {
        t += 111111;
        assert_true(ratelimit_bucket_take(&b, 3, 1, t) > 0);
    }
    assert_int_equal(ratelimit_bucket_take(&b, 3, 1, t + 1), 0);
}

static void
test_clock_going_back_counts_as_no_time(void **state)
{
    (void)state;
    ratelimit_bucket_t b;
    ratelimit_bucket_init(&b, 1, T0);
    assert_int_equal(ratelimit_bucket_take(&b, 1, 1, T0), 0);
    assert_int_equal(ratelimit_bucket_take(&b, 1, 1, T0 - 10 * SEC), SEC);
    assert_int_equal(ratelimit_bucket_take(&b, 1, 1, T0 + SEC), 0);
}

static void
test_huge_rate_and_idle_do_not_overflow(void **state)
{
    (void)state;
    ratelimit_bucket_t b;
    ratelimit_bucket_init(&b, 1000000, T0);
    assert_int_equal(ratelimit_bucket_take(&b, 1000000, 1000000, T0), 0);
    assert_int_equal(ratelimit_bucket_take(&b, 1000000, 1000000, INT64_MAX / 2), 0);
    assert_true(ratelimit_bucket_full(&b, 1000000, 1000000, INT64_MAX - 1));
}

static void
test_table_per_credential(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_new(1, 2);
    assert_true(ratelimit_take(rl, 7, T0).allowed);
    assert_true(ratelimit_take(rl, 7, T0).allowed);
    ratelimit_verdict_t v = ratelimit_take(rl, 7, T0);
    assert_false(v.allowed);
    assert_int_equal(v.retry_after_s, 1);
    /* Another credential has its own bucket. */
    assert_true(ratelimit_take(rl, 8, T0).allowed);
    assert_int_equal(ratelimit_used(rl), 2);
    assert_true(ratelimit_take(rl, 7, T0 + SEC).allowed);
    ratelimit_free(rl);
}

static void
test_retry_after_rounds_up(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_new(1, 1); /* wait under 1 s still says 1 */
    assert_true(ratelimit_take(rl, 1, T0).allowed);
    assert_int_equal(ratelimit_take(rl, 1, T0 + SEC / 2).retry_after_s, 1);
    ratelimit_free(rl);
    rl = ratelimit_new(1000000, 1); /* a wait of 1 µs is still 1 s */
    assert_true(ratelimit_take(rl, 1, T0).allowed);
    ratelimit_verdict_t v = ratelimit_take(rl, 1, T0);
    assert_false(v.allowed);
    assert_int_equal(v.retry_after_s, 1);
    ratelimit_free(rl);
}

static void
test_table_is_bounded(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_new(1, 1);
    int evicted = 0;
    /* Ten times as many busy credentials as slots, all at the same moment:
     * the table never grows past its slots; the excess evicts. */
    for (long long k = 1; k <= 10 * RATELIMIT_SLOTS; k++)
        evicted += ratelimit_take(rl, k, T0).evicted;
    assert_true(ratelimit_used(rl) <= RATELIMIT_SLOTS);
    assert_true(evicted >= 9 * RATELIMIT_SLOTS);
    ratelimit_free(rl);
}

static void
test_refilled_buckets_reused_before_eviction(void **state)
{
    (void)state;
    ratelimit_t *rl = ratelimit_new(1, 1);
    for (long long k = 1; k <= 2 * RATELIMIT_SLOTS; k++)
        (void)ratelimit_take(rl, k, T0);
    assert_int_equal(ratelimit_used(rl), RATELIMIT_SLOTS);
    /* Half a second later no bucket is full: a newcomer evicts one. */
    assert_true(ratelimit_take(rl, 3 * RATELIMIT_SLOTS, T0 + SEC / 2).evicted);
    /* A second later every old bucket is full again: replacing one loses
     * nothing, so it is no eviction. */
    assert_false(ratelimit_take(rl, 4 * RATELIMIT_SLOTS, T0 + 2 * SEC).evicted);
    assert_false(ratelimit_take(rl, 5 * RATELIMIT_SLOTS, T0 + 2 * SEC).evicted);
    ratelimit_free(rl);
}

static void
test_off_is_null(void **state)
{
    (void)state;
    assert_null(ratelimit_new(0, 5));
    ratelimit_free(NULL);
}

static void
test_parse(void **state)
{
    (void)state;
    int rate = -1, burst = -1;
    assert_true(ratelimit_parse("50", &rate, &burst));
    assert_int_equal(rate, 50);
    assert_int_equal(burst, 50);
    assert_true(ratelimit_parse("50/100", &rate, &burst));
    assert_int_equal(rate, 50);
    assert_int_equal(burst, 100);
    assert_true(ratelimit_parse("0", &rate, &burst));
    assert_int_equal(rate, 0);
    assert_true(ratelimit_parse("1000000/1000000", &rate, &burst));
    static const char *const bad[] = {"",         "-1",      "50/",       "/5", "50/0", "5x",
                                      "50/100/2", "1000001", "2/1000001", " 5", "5 ",   "1.5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(ratelimit_parse(bad[i], &rate, &burst));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_refused),
        cmocka_unit_test(test_refills_at_rate),
        cmocka_unit_test(test_refill_stops_at_burst),
        cmocka_unit_test(test_partial_tokens_accumulate),
        cmocka_unit_test(test_clock_going_back_counts_as_no_time),
        cmocka_unit_test(test_huge_rate_and_idle_do_not_overflow),
        cmocka_unit_test(test_table_per_credential),
        cmocka_unit_test(test_retry_after_rounds_up),
        cmocka_unit_test(test_table_is_bounded),
        cmocka_unit_test(test_refilled_buckets_reused_before_eviction),
        cmocka_unit_test(test_off_is_null),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
