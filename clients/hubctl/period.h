/* period.h: the hub's reporting periods, a year (2025), a quarter
 * (2025-Q4) or a month (2025-11): parsed, formatted, their first and last
 * days, and the period before one. Pure, for the tests. */
#ifndef HUBCTL_PERIOD_H
#define HUBCTL_PERIOD_H

#include <stdbool.h>

#include "../../hub/util.h"

typedef struct {
    int year;        /* 1900-9999 */
    int first_month; /* 1-12 */
    int months;      /* 12 a year, 3 a quarter, 1 a month */
} period_t;

/* YYYY, YYYY-Qn or YYYY-MM exactly; false otherwise. */
HUB_MUST_CHECK bool period_parse(const char *s, period_t *p);

/* The period of the same length just before p (2025-Q1: 2024-Q4). */
period_t period_previous(period_t p);

/* As period_parse reads it: "2025", "2025-Q4", "2025-11". */
void period_format(period_t p, char out[16]);

/* Its first and last days, YYYY-MM-DD (buffers of 16 bytes). */
void period_bounds(period_t p, char first[16], char last[16]);

/* The month before the one of today's date (YYYY-MM-DD): the last that has
 * ended. */
period_t period_last_month(const char *today);

#endif
