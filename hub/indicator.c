#include "indicator.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* Whole-number members and counts stay within exact doubles. */
#define INDICATOR_WHOLE_MAX 1000000000000LL

static const char *const units[] = {"count", "percent", "rate", NULL};

static bool
one_of(const char *v, const char *const *choices)
{
    for (; v != NULL && *choices; choices++)
        if (strcmp(v, *choices) == 0)
            return true;
    return false;
}

/* A rate's base: a whole number 1..10^9, or 0 when the column is not one. */
static long
per_of(const char *per)
{
    if (per == NULL || *per == '\0' || strlen(per) > 10)
        return 0;
    for (const char *p = per; *p; p++)
        if (!isdigit((unsigned char)*p))
            return 0;
    long v = atol(per);
    return v >= 1 && v <= 1000000000 ? v : 0;
}

bool
indicator_codes_check(const codes_t *codes, char *err, size_t errlen)
{
    const code_list_t *list = codes_list(codes, "indicator");
    if (list == NULL) {
        snprintf(err, errlen, "HUB_API_DIR: code list indicator.csv is missing");
        return false;
    }
    for (size_t r = 0; r < code_list_rows(list); r++) {
        const char *unit = code_list_value(list, r, "unit");
        const char *better = code_list_value(list, r, "higher_is_better");
        const char *problem = NULL;
        if (!one_of(unit, units))
            problem = "a unit other than count, percent or rate";
        else if (strcmp(unit, "rate") == 0 && per_of(code_list_value(list, r, "per")) == 0)
            problem = "a rate without a base (per)";
        else if (!one_of(better, (const char *const[]){"true", "false", NULL}))
            problem = "higher_is_better other than true or false";
        if (problem != NULL) {
            snprintf(err, errlen, "HUB_API_DIR: indicator.csv gives %s %s", code_list_code(list, r),
                     problem);
            return false;
        }
    }
    return true;
}

static bool
digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

bool
indicator_period_start(const char *period, char start[11])
{
    size_t n = strlen(period);
    if ((n != 4 && n != 7) || !digits(period, 4) || period[0] != '2' || period[1] != '0')
        return false;
    int month = 1;
    if (n == 7) {
        if (period[4] != '-')
            return false;
        if (period[5] == 'Q') {
            if (period[6] < '1' || period[6] > '4')
                return false;
            month = (period[6] - '0') * 3 - 2;
        } else {
            if (!digits(period + 5, 2))
                return false;
            month = (period[5] - '0') * 10 + (period[6] - '0');
            if (month < 1 || month > 12)
                return false;
        }
    }
    snprintf(start, 11, "%.4s-%02d-01", period, month);
    return true;
}

bool
indicator_area_valid(const char *s)
{
    static const char *const prefixes[] = {"E01", "W01", "E05", "W05", "E06", "E07",
                                           "E08", "E09", "E10", "W06", NULL};
    if (strlen(s) != 9 || !digits(s + 3, 6))
        return false;
    for (const char *const *p = prefixes; *p; p++)
        if (strncmp(s, *p, 3) == 0)
            return true;
    return false;
}

/* An ONS 2021 group, one of the five high-level groups, or "all". */
static const char *
ethnic_group_member(const codes_t *codes, input_t *in)
{
    const char *v = input_string(in, "ethnic_group", 1, 64, true);
    if (v == NULL)
        return NULL;
    if (strcmp(v, INDICATOR_ALL_GROUPS) == 0)
        return INDICATOR_ALL_GROUPS;
    const char *const lists[] = {"ethnic_group", "ethnic_high_level_group"};
    for (int i = 0; i < 2; i++) {
        const code_list_t *list = codes_list(codes, lists[i]);
        int row = code_list_find(list, v);
        if (row >= 0)
            return code_list_code(list, (size_t)row);
    }
    char ptr[INPUT_POINTER_MAX];
    input_pointer(in, "ethnic_group", ptr, sizeof(ptr));
    input_error(in, ptr,
                "Unknown ethnic group; use an ONS 2021 code (list ethnic_group), a high-level "
                "group (list ethnic_high_level_group) or all.");
    return NULL;
}

/* The value in its unit; false with the problem noted. */
static bool
value_member(input_t *in, const char *unit, long per, double *out, indicator_value_t *v)
{
    char ptr[INPUT_POINTER_MAX], msg[128];
    input_pointer(in, "value", ptr, sizeof(ptr));
    json_t *j = json_object_get(in->root, "value");
    if (j == NULL) {
        input_error(in, ptr, "This member is required.");
        return false;
    }
    if (strcmp(unit, "count") == 0) {
        if (!json_is_integer(j) || json_integer_value(j) < 0 ||
            json_integer_value(j) > INDICATOR_WHOLE_MAX) {
            input_error(in, ptr, "This indicator is a count: a whole number from 0.");
            return false;
        }
        snprintf(v->value, sizeof(v->value), "%lld", (long long)json_integer_value(j));
        *out = (double)json_integer_value(j);
        return true;
    }
    double max = strcmp(unit, "percent") == 0 ? 100.0 : (double)per;
    double x = json_is_number(j) ? json_number_value(j) : -1.0;
    if (!json_is_number(j) || !isfinite(x) || x < 0.0 || x > max) {
        if (strcmp(unit, "percent") == 0)
            snprintf(msg, sizeof(msg), "This indicator is a percent: a number from 0 to 100.");
        else
            snprintf(msg, sizeof(msg), "This indicator is a rate per %ld: a number from 0 to %ld.",
                     per, per);
        input_error(in, ptr, msg);
        return false;
    }
    if (json_is_integer(j))
        snprintf(v->value, sizeof(v->value), "%lld", (long long)json_integer_value(j));
    else
        snprintf(v->value, sizeof(v->value), "%.15g", x);
    *out = x;
    return true;
}

/* numerator and denominator: both or neither; none for a count; when
 * given the value must be their ratio in the unit, to within rounding
 * (half a unit, or half a percent of the value when that is more). */
static void
ratio_members(input_t *in, const char *unit, long per, bool value_ok, double value,
              indicator_value_t *v)
{
    bool has_n = json_object_get(in->root, "numerator") != NULL;
    bool has_d = json_object_get(in->root, "denominator") != NULL;
    char ptr[INPUT_POINTER_MAX];
    if (!has_n && !has_d)
        return;
    if (strcmp(unit, "count") == 0) {
        input_pointer(in, has_n ? "numerator" : "denominator", ptr, sizeof(ptr));
        input_error(in, ptr, "A count has no numerator or denominator.");
        return;
    }
    if (has_n != has_d) {
        input_pointer(in, has_n ? "denominator" : "numerator", ptr, sizeof(ptr));
        input_error(in, ptr, "Give numerator and denominator together, or neither.");
        return;
    }
    long long n = 0, d = 0;
    bool ok = input_integer(in, "numerator", 0, INDICATOR_WHOLE_MAX, true, false, &n, NULL);
    ok = input_integer(in, "denominator", 1, INDICATOR_WHOLE_MAX, true, false, &d, NULL) && ok;
    if (!ok)
        return;
    double scale = strcmp(unit, "percent") == 0 ? 100.0 : (double)per;
    if (strcmp(unit, "percent") == 0 && n > d) {
        input_pointer(in, "numerator", ptr, sizeof(ptr));
        input_error(in, ptr, "A percent's numerator cannot exceed its denominator.");
        return;
    }
    double expected = scale * (double)n / (double)d;
    double tolerance = fmax(0.5, expected * 0.005);
    if (value_ok && fabs(value - expected) > tolerance) {
        input_pointer(in, "value", ptr, sizeof(ptr));
        input_error(in, ptr,
                    strcmp(unit, "percent") == 0
                        ? "The value does not agree with 100 x numerator / denominator."
                        : "The value does not agree with per x numerator / denominator.");
        return;
    }
    v->has_ratio = true;
    snprintf(v->numerator, sizeof(v->numerator), "%lld", n);
    snprintf(v->denominator, sizeof(v->denominator), "%lld", d);
}

bool
indicator_parse(const codes_t *codes, input_t *in, const char *today, indicator_value_t *out)
{
    memset(out, 0, sizeof(*out));
    if (!json_is_object(in->root)) {
        input_error(in, in->prefix, "Expected an object.");
        return false;
    }
    input_only(in, (const char *const[]){"indicator", "period", "area", "ethnic_group", "value",
                                         "numerator", "denominator", NULL});
    char ptr[INPUT_POINTER_MAX];
    out->indicator = report_code_member(in, codes, "indicator", "indicator", true);
    const char *period = input_string(in, "period", 4, 7, true);
    char start[11];
    if (period != NULL) {
        input_pointer(in, "period", ptr, sizeof(ptr));
        if (!indicator_period_start(period, start))
            input_error(in, ptr, "Expected a period written YYYY, YYYY-Qn (n 1-4) or YYYY-MM.");
        else if (strcmp(start, today) > 0)
            input_error(in, ptr, "This period has not begun yet.");
        else
            snprintf(out->period, sizeof(out->period), "%s", period);
    }
    const char *area = input_string(in, "area", 9, 9, true);
    if (area != NULL) {
        input_pointer(in, "area", ptr, sizeof(ptr));
        if (!indicator_area_valid(area))
            input_error(in, ptr,
                        "Expected the GSS code of an LSOA, a ward or a local authority "
                        "(E01, W01, E05, W05, E06-E10 or W06 and six digits).");
        else
            memcpy(out->area, area, 10);
    }
    out->ethnic_group = ethnic_group_member(codes, in);
    if (out->indicator == NULL)
        return false; /* the unit decides how the value reads */
    const code_list_t *list = codes_list(codes, "indicator");
    size_t row = (size_t)code_list_find(list, out->indicator);
    const char *unit = code_list_value(list, row, "unit");
    long per = per_of(code_list_value(list, row, "per"));
    double value = 0.0;
    bool value_ok = value_member(in, unit, per, &value, out);
    ratio_members(in, unit, per, value_ok, value, out);
    return !input_failed(in);
}
