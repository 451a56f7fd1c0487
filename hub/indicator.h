/* indicator.h: one value of an outcome indicator, checked against the
 * indicator list (api/codes/indicator.csv).
 *
 * A value is a measure for one period, area and ethnic group, in the unit
 * the list gives the indicator: a count (a whole number), a percent (0 to
 * 100) or a rate per the list's base (0 to that base). A numerator and
 * denominator, when given, must agree with the value. Messages never repeat
 * a submitted value. */
#ifndef HUB_INDICATOR_H
#define HUB_INDICATOR_H

#include <stdbool.h>
#include <stddef.h>

#include "codes.h"
#include "input.h"

/* The ethnic group of a value for everyone in the area. */
#define INDICATOR_ALL_GROUPS "all"

typedef struct indicator_value {
    const char *indicator;    /* the code, from the list */
    char period[8];           /* YYYY, YYYY-Qn or YYYY-MM */
    char area[10];            /* GSS code */
    const char *ethnic_group; /* ONS 2021 code, high-level group or "all" */
    char value[32];           /* decimal text, for a numeric column */
    bool has_ratio;           /* numerator and denominator given */
    char numerator[24], denominator[24];
} indicator_value_t;

/* Checks that codes has the indicator list and that each row's unit is
 * count, percent or rate, a rate with a positive base (per) and
 * higher_is_better true or false; false with err otherwise. */
HUB_MUST_CHECK bool indicator_codes_check(const codes_t *codes, char *err, size_t errlen);

/* Is period written YYYY, YYYY-Qn or YYYY-MM (years 2000-2099)? If so its
 * first day goes to start (YYYY-MM-DD). */
bool indicator_period_start(const char *period, char start[11]);

/* Is s a GSS code of an LSOA, a ward or a local authority (E01, W01, E05,
 * W05, E06-E10, W06 and six digits)? */
bool indicator_area_valid(const char *s);

/* Checks in->root as one value; today is "YYYY-MM-DD" (UTC): a period that
 * has not begun is refused. True with out filled, else the problems are
 * noted in in. */
bool indicator_parse(const codes_t *codes, input_t *in, const char *today, indicator_value_t *out);

#endif
