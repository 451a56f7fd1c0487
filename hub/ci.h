/* ci.h: rates, ratios and proportions with 95 % confidence intervals.
 *
 * The methods are the ones English public-health statistics use (Public
 * Health England's technical guidance, "Confidence intervals"), so figures
 * can be checked against theirs:
 *  - a count as a Poisson variable: the exact (Garwood) limits below 10
 *    (for 0: lower 0, upper 3.689), Byar's method from 10 on, with
 *    z = 1.959964, as PHE's own code does (PHEindicatormethods, phe_rate);
 *  - a rate per `per` = count / population x per, its interval the count's
 *    interval scaled the same way;
 *  - a ratio of two rates: the log method, with var(ln ratio) = 1/c1 + 1/c2
 *    (undefined when either count is 0);
 *  - a proportion k/n: the Wilson score interval.
 * Pure functions: false (outputs untouched) when the figure is undefined
 * (a population or n of 0, a zero count in a ratio, negative inputs). */
#ifndef HUB_CI_H
#define HUB_CI_H

#include <stdbool.h>

typedef struct ci {
    double value, lo, hi;
} ci_t;

/* The 95 % interval of a Poisson count (value = count). */
bool ci_poisson(long long count, ci_t *out);

/* count per `per` of population, e.g. per 1,000. */
bool ci_rate(long long count, long long population, double per, ci_t *out);

/* (c1 / p1) / (c2 / p2). */
bool ci_rate_ratio(long long c1, long long p1, long long c2, long long p2, ci_t *out);

/* k / n as a fraction (0..1). */
bool ci_proportion(long long k, long long n, ci_t *out);

#endif
