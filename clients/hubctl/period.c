#include "period.h"

#include <stdio.h>
#include <string.h>

static bool
digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool
period_parse(const char *s, period_t *p)
{
    size_t n = strlen(s);
    if (n < 4 || !digits(s, 4))
        return false;
    int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    if (year < 1900)
        return false;
    if (n == 4) {
        *p = (period_t){year, 1, 12};
        return true;
    }
    if (n != 7 || s[4] != '-')
        return false;
    if (s[5] == 'Q' && s[6] >= '1' && s[6] <= '4') {
        *p = (period_t){year, (s[6] - '1') * 3 + 1, 3};
        return true;
    }
    if (!digits(s + 5, 2))
        return false;
    int month = (s[5] - '0') * 10 + (s[6] - '0');
    if (month < 1 || month > 12)
        return false;
    *p = (period_t){year, month, 1};
    return true;
}

period_t
period_previous(period_t p)
{
    p.first_month -= p.months;
    if (p.first_month < 1) {
        p.first_month += 12;
        p.year--;
    }
    return p;
}

void
period_format(period_t p, char out[16])
{
    if (p.months == 12)
        snprintf(out, 16, "%04d", p.year % 10000);
    else if (p.months == 3)
        snprintf(out, 16, "%04d-Q%d", p.year % 10000, (p.first_month - 1) / 3 % 4 + 1);
    else
        snprintf(out, 16, "%04d-%02d", p.year % 10000, p.first_month % 100);
}

static int
days_in(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

void
period_bounds(period_t p, char first[16], char last[16])
{
    int last_month = p.first_month + p.months - 1;
    snprintf(first, 16, "%04d-%02d-01", p.year % 10000, p.first_month % 100);
    snprintf(last, 16, "%04d-%02d-%02d", p.year % 10000, last_month % 100,
             days_in(p.year, last_month) % 100);
}

period_t
period_last_month(const char *today)
{
    period_t p = {1970, 1, 1};
    char ym[8];
    snprintf(ym, sizeof(ym), "%.7s", today);
    if (!period_parse(ym, &p))
        return p;
    return period_previous(p);
}
