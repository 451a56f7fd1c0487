/* test_ci.c: hub/ci.h — 95 % intervals against published values: the
 * exact Poisson (Garwood) table for counts 0..10, Byar's formula worked by
 * hand for 10, 12, 65 and 1045, rates per 1,000 scaled from those, the log
 * method for a rate ratio, and Wilson intervals from Newcombe (1998, Stat
 * Med 17:857, table II). Then the undefined cases (outputs untouched) and
 * the properties any interval must keep: it holds its value, it grows with
 * the count, a swapped ratio is the reciprocal interval, and k/n mirrors
 * (n-k)/n. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../hub/ci.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* |got - want| <= tol, with both numbers in the message. */
#define assert_near(got, want, tol)                                                                \
    do {                                                                                           \
        double got_ = (got), want_ = (want);                                                       \
        if (!(fabs(got_ - want_) <= (tol)))                                                        \
            fail_msg("%s = %.6f, want %.6f (within %g)", #got, got_, want_, (double)(tol));        \
    } while (0)

/* The exact 95 % limits of a Poisson count (Garwood 1936), as tabled in
 * every reference: the lower to 4 decimals, the upper to 3. */
static const struct {
    long long o;
    double lo, hi;
} garwood[] = {
    {0, 0.0000, 3.689},  {1, 0.0253, 5.572},  {2, 0.2422, 7.225},   {3, 0.6187, 8.767},
    {4, 1.0899, 10.242}, {5, 1.6235, 11.668}, {6, 2.2019, 13.059},  {7, 2.8144, 14.423},
    {8, 3.4538, 15.763}, {9, 4.1154, 17.085}, {10, 4.7954, 18.390},
};

static void
test_poisson_exact_below_10(void **state)
{
    (void)state;
    for (size_t i = 0; i < LEN(garwood) && garwood[i].o < 10; i++) {
        ci_t c;
        assert_true(ci_poisson(garwood[i].o, &c));
        assert_near(c.value, (double)garwood[i].o, 0);
        assert_near(c.lo, garwood[i].lo, 0.00006);
        assert_near(c.hi, garwood[i].hi, 0.0006);
    }
    /* The two closed forms: -ln 0.975 and -ln 0.025. */
    ci_t c;
    assert_true(ci_poisson(0, &c));
    assert_near(c.lo, 0.0, 0);
    assert_near(c.hi, -log(0.025), 1e-9);
    assert_true(ci_poisson(1, &c));
    assert_near(c.lo, -log(0.975), 1e-9);
}

/* Byar's formula for 10, 12, 65 and 1045 worked by hand (z = 1.959964):
 * for 10, lower = 10 (1 - 1/90 - z/(3 sqrt 10))^3 = 10 x 0.782290^3 and
 * upper = 11 (1 - 1/99 + z/(3 sqrt 11))^3 = 11 x 1.186883^3. From 10 on
 * Byar is within 0.01 of the exact limits (4.7954-18.3904 for 10). */
static void
test_poisson_byar(void **state)
{
    (void)state;
    static const struct {
        long long o;
        double lo, hi;
    } byar[] = {
        {10, 4.7874, 18.3915},
        {12, 6.1935, 20.9629},
        {65, 50.1632, 82.8491},
        {1045, 982.5932, 1110.3312},
    };
    for (size_t i = 0; i < LEN(byar); i++) {
        ci_t c;
        assert_true(ci_poisson(byar[i].o, &c));
        assert_near(c.value, (double)byar[i].o, 0);
        assert_near(c.lo, byar[i].lo, 0.00006);
        assert_near(c.hi, byar[i].hi, 0.00006);
    }
    ci_t c;
    assert_true(ci_poisson(10, &c));
    assert_near(c.lo, garwood[10].lo, 0.01);
    assert_near(c.hi, garwood[10].hi, 0.01);
}

/* Limits grow with the count, across the switch from exact to Byar too,
 * and always hold the count. */
static void
test_poisson_monotone(void **state)
{
    (void)state;
    ci_t prev;
    assert_true(ci_poisson(0, &prev));
    for (long long o = 1; o <= 2000; o++) {
        ci_t c;
        assert_true(ci_poisson(o, &c));
        assert_true(c.lo > prev.lo && c.hi > prev.hi);
        assert_true(c.lo < c.value && c.value < c.hi);
        prev = c;
    }
}

static void
test_rate_per_1000(void **state)
{
    (void)state;
    ci_t c;
    /* 12 reports in a population of 4,000: 3.0 per 1,000, the limits of 12
     * (6.1935-20.9629) divided by 4. */
    assert_true(ci_rate(12, 4000, 1000.0, &c));
    assert_near(c.value, 3.0, 1e-12);
    assert_near(c.lo, 1.5484, 0.00006);
    assert_near(c.hi, 5.2407, 0.00006);
    /* 5 in 250: 20 per 1,000, exact limits 1.6235-11.668 times 4. */
    assert_true(ci_rate(5, 250, 1000.0, &c));
    assert_near(c.value, 20.0, 1e-12);
    assert_near(c.lo, 6.494, 0.0003);
    assert_near(c.hi, 46.672, 0.003);
    /* None in 2,000: 0 per 1,000, up to 3.689 / 2. */
    assert_true(ci_rate(0, 2000, 1000.0, &c));
    assert_near(c.value, 0.0, 0);
    assert_near(c.lo, 0.0, 0);
    assert_near(c.hi, -log(0.025) / 2.0, 1e-9);
    /* Per 100,000 is the same interval scaled by 100. */
    ci_t k;
    assert_true(ci_rate(12, 4000, 100000.0, &k));
    assert_near(k.lo, 100.0 * 1.5484, 0.006);
    /* More reports than people is a rate, not an error (repeat victims). */
    assert_true(ci_rate(30, 20, 1000.0, &c));
    assert_near(c.value, 1500.0, 1e-9);
}

static void
test_rate_ratio_log_method(void **state)
{
    (void)state;
    ci_t c;
    /* 30 in 1,000 against 60 in 4,000: 2.0, se(ln) = sqrt(1/30 + 1/60) =
     * 0.223607, so 2 exp(-/+ 1.959964 x 0.223607) = 1.2903-3.1000. */
    assert_true(ci_rate_ratio(30, 1000, 60, 4000, &c));
    assert_near(c.value, 2.0, 1e-12);
    assert_near(c.lo, 1.2903, 0.00006);
    assert_near(c.hi, 3.1000, 0.00006);
    /* Equal rates: 1, its interval symmetric on the log scale. */
    assert_true(ci_rate_ratio(50, 10000, 50, 10000, &c));
    assert_near(c.value, 1.0, 1e-12);
    assert_near(log(c.lo), -log(c.hi), 1e-12);
}

/* Swapping the groups gives the reciprocal ratio and interval. */
static void
test_rate_ratio_swap(void **state)
{
    (void)state;
    static const long long cases[][4] = {
        {30, 1000, 60, 4000},
        {1, 7, 9, 13},
        {125, 40000, 16, 2500},
        {7, 100000, 7000, 300000},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        ci_t a, b;
        assert_true(ci_rate_ratio(cases[i][0], cases[i][1], cases[i][2], cases[i][3], &a));
        assert_true(ci_rate_ratio(cases[i][2], cases[i][3], cases[i][0], cases[i][1], &b));
        assert_near(a.value * b.value, 1.0, 1e-12);
        assert_near(a.lo * b.hi, 1.0, 1e-12);
        assert_near(a.hi * b.lo, 1.0, 1e-12);
        assert_true(a.lo < a.value && a.value < a.hi);
    }
}

/* Newcombe (1998), table II, method 3 (score, no continuity correction);
 * 8/10 is the usual textbook case. */
static void
test_proportion_wilson(void **state)
{
    (void)state;
    static const struct {
        long long k, n;
        double lo, hi;
    } cases[] = {
        {81, 263, 0.2553, 0.3662}, {15, 148, 0.0624, 0.1605}, {0, 20, 0.0000, 0.1611},
        {1, 29, 0.0061, 0.1718},   {8, 10, 0.4902, 0.9433},   {0, 10, 0.0000, 0.2775},
        {10, 10, 0.7225, 1.0000},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        ci_t c;
        assert_true(ci_proportion(cases[i].k, cases[i].n, &c));
        assert_near(c.value, (double)cases[i].k / (double)cases[i].n, 1e-15);
        assert_near(c.lo, cases[i].lo, 0.00006);
        assert_near(c.hi, cases[i].hi, 0.00006);
    }
}

/* k/n and (n-k)/n mirror about 1/2; every interval holds its value and
 * stays in [0, 1]. */
static void
test_proportion_mirror(void **state)
{
    (void)state;
    for (long long n = 1; n <= 60; n++)
        for (long long k = 0; k <= n; k++) {
            ci_t a, b;
            assert_true(ci_proportion(k, n, &a));
            assert_true(ci_proportion(n - k, n, &b));
            assert_near(a.lo, 1.0 - b.hi, 1e-12);
            assert_near(a.hi, 1.0 - b.lo, 1e-12);
            assert_true(0.0 <= a.lo && a.lo <= a.value && a.value <= a.hi && a.hi <= 1.0);
            if (k > 0 && k < n)
                assert_true(a.lo < a.value && a.value < a.hi);
        }
}

/* Undefined figures return false and leave the output as it was. */
static void
test_undefined(void **state)
{
    (void)state;
    const ci_t sentinel = {-7.0, -8.0, -9.0};
    ci_t c = sentinel;
#define UNTOUCHED()                                                                                \
    do {                                                                                           \
        assert_memory_equal(&c, &sentinel, sizeof(c));                                             \
    } while (0)
    assert_false(ci_poisson(-1, &c));
    UNTOUCHED();
    assert_false(ci_rate(5, 0, 1000.0, &c));
    UNTOUCHED();
    assert_false(ci_rate(5, -100, 1000.0, &c));
    UNTOUCHED();
    assert_false(ci_rate(-1, 100, 1000.0, &c));
    UNTOUCHED();
    assert_false(ci_rate(5, 100, 0.0, &c));
    UNTOUCHED();
    assert_false(ci_rate(5, 100, -1000.0, &c));
    UNTOUCHED();
    assert_false(ci_rate(5, 100, NAN, &c));
    UNTOUCHED();
    assert_false(ci_rate(5, 100, INFINITY, &c));
    UNTOUCHED();
    assert_false(ci_rate_ratio(0, 1000, 5, 1000, &c));
    UNTOUCHED();
    assert_false(ci_rate_ratio(5, 1000, 0, 1000, &c));
    UNTOUCHED();
    assert_false(ci_rate_ratio(5, 0, 5, 1000, &c));
    UNTOUCHED();
    assert_false(ci_rate_ratio(5, 1000, 5, 0, &c));
    UNTOUCHED();
    assert_false(ci_rate_ratio(-5, 1000, 5, 1000, &c));
    UNTOUCHED();
    assert_false(ci_rate_ratio(5, 1000, 5, -1000, &c));
    UNTOUCHED();
    assert_false(ci_proportion(0, 0, &c));
    UNTOUCHED();
    assert_false(ci_proportion(3, 2, &c));
    UNTOUCHED();
    assert_false(ci_proportion(-1, 2, &c));
    UNTOUCHED();
    assert_false(ci_proportion(1, -2, &c));
    UNTOUCHED();
#undef UNTOUCHED
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_poisson_exact_below_10),
        cmocka_unit_test(test_poisson_byar),
        cmocka_unit_test(test_poisson_monotone),
        cmocka_unit_test(test_rate_per_1000),
        cmocka_unit_test(test_rate_ratio_log_method),
        cmocka_unit_test(test_rate_ratio_swap),
        cmocka_unit_test(test_proportion_wilson),
        cmocka_unit_test(test_proportion_mirror),
        cmocka_unit_test(test_undefined),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
