/* ci.c: 95 % confidence intervals of counts, rates, rate ratios and
 * proportions, by the methods of PHE's technical guidance "Confidence
 * intervals" (Public Health England, now OHID), so that the hub's figures
 * match Fingertips and the PHEindicatormethods R package. */
#include "ci.h"

#include <math.h>

/* The 97.5th percentile of the standard normal, as PHE writes it. */
#define CI_Z 1.959964

/* Below this count the limits are exact, from this count on Byar's: the
 * rule of PHE's own implementation (PHEindicatormethods, phe_rate), since
 * Byar's approximation is off by up to 1 % for small counts. */
#define CI_BYAR_FROM 10

/* The Poisson distribution function P(X <= k) at mean mu. */
static double
poisson_cdf(long long k, double mu)
{
    double term = exp(-mu), sum = term;
    for (long long i = 1; i <= k; i++) {
        term *= mu / (double)i;
        sum += term;
    }
    return sum;
}

/* The mean mu in [lo, hi] at which P(X <= k) = p, by bisection: the
 * distribution function falls as mu grows. */
static double
poisson_mean_at(long long k, double p, double lo, double hi)
{
    for (int i = 0; i < 200; i++) {
        double mid = (lo + hi) / 2.0;
        if (mid <= lo || mid >= hi)
            break;
        if (poisson_cdf(k, mid) > p)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2.0;
}

/* The exact (Garwood) limits of count o: the means at which o or more
 * events have probability 0.025 (lower; 0 when o is 0), and o or fewer
 * events have probability 0.025 (upper; -ln 0.025 = 3.689 when o is 0).
 * Used for o < CI_BYAR_FROM, where both lie below o + 20. */
static void
exact(long long o, double *lo, double *hi)
{
    *lo = o == 0 ? 0.0 : poisson_mean_at(o - 1, 0.975, 0.0, (double)o);
    *hi = poisson_mean_at(o, 0.025, (double)o, (double)o + 20.0);
}

/* Byar's approximation to the exact limits of count o:
 * lower = o (1 - 1/(9o) - z/(3 sqrt o))^3,
 * upper = (o+1) (1 - 1/(9(o+1)) + z/(3 sqrt(o+1)))^3. */
static void
byar(double o, double *lo, double *hi)
{
    double a = 1.0 - 1.0 / (9.0 * o) - CI_Z / (3.0 * sqrt(o));
    double o1 = o + 1.0;
    double b = 1.0 - 1.0 / (9.0 * o1) + CI_Z / (3.0 * sqrt(o1));
    *lo = o * a * a * a;
    *hi = o1 * b * b * b;
}

bool
ci_poisson(long long count, ci_t *out)
{
    if (count < 0)
        return false;
    out->value = (double)count;
    if (count < CI_BYAR_FROM)
        exact(count, &out->lo, &out->hi);
    else
        byar((double)count, &out->lo, &out->hi);
    return true;
}

bool
ci_rate(long long count, long long population, double per, ci_t *out)
{
    ci_t c;
    if (population <= 0 || !(per > 0.0) || !isfinite(per) || !ci_poisson(count, &c))
        return false;
    double scale = per / (double)population;
    out->value = c.value * scale;
    out->lo = c.lo * scale;
    out->hi = c.hi * scale;
    return true;
}

bool
ci_rate_ratio(long long c1, long long p1, long long c2, long long p2, ci_t *out)
{
    if (c1 <= 0 || c2 <= 0 || p1 <= 0 || p2 <= 0)
        return false;
    double ratio = ((double)c1 / (double)p1) / ((double)c2 / (double)p2);
    double half = CI_Z * sqrt(1.0 / (double)c1 + 1.0 / (double)c2);
    out->value = ratio;
    out->lo = ratio * exp(-half);
    out->hi = ratio * exp(half);
    return true;
}

/* The Wilson score interval as PHE writes it:
 * (2k + z^2 -/+ z sqrt(z^2 + 4k(1 - k/n))) / (2(n + z^2)). */
bool
ci_proportion(long long k, long long n, ci_t *out)
{
    if (n <= 0 || k < 0 || k > n)
        return false;
    double dk = (double)k, dn = (double)n, z2 = CI_Z * CI_Z;
    double root = CI_Z * sqrt(z2 + 4.0 * dk * (1.0 - dk / dn));
    double denom = 2.0 * (dn + z2);
    out->value = dk / dn;
    out->lo = (2.0 * dk + z2 - root) / denom;
    out->hi = (2.0 * dk + z2 + root) / denom;
    /* At k = 0 or k = n the formula gives exactly 0 or 1 in real numbers;
     * keep rounding from putting it a hair outside. */
    if (k == 0)
        out->lo = 0.0;
    if (k == n)
        out->hi = 1.0;
    return true;
}
