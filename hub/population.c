/* population.c: reading and checking the lines of a population file.
 *
 * Lines are read byte by byte into a fixed buffer, so a file of any size or
 * shape costs one line of memory; csv_record (codes.h) splits them. */
#include "population.h"

#include <stdlib.h>
#include <string.h>

#include "codes.h"

/* The GSS entity codes of the areas counts are kept for: LSOAs, wards, and
 * local authorities (county, unitary, district, metropolitan and London
 * boroughs; Welsh principal areas). The same list as 006's area check. */
static const char *const area_entities[] = {"E01", "W01", "E05", "W05", "E06",
                                            "E07", "E08", "E09", "E10", "W06"};

bool
population_area_valid(const char *area)
{
    if (strlen(area) != POPULATION_AREA_LEN)
        return false;
    for (size_t i = 0; i < ARRAY_LEN(area_entities); i++)
        if (strncmp(area, area_entities[i], 3) == 0)
            return strspn(area + 3, "0123456789") == POPULATION_AREA_LEN - 3;
    return false;
}

population_read_t
population_line_read(FILE *f, char line[POPULATION_LINE_BUF], size_t *len)
{
    size_t n = 0;
    int c;
    /* Room for one byte more than a line may have: its CR. */
    while ((c = getc_unlocked(f)) != EOF && c != '\n') {
        if (c == '\0')
            return POPULATION_READ_NUL;
        if (n == POPULATION_LINE_BUF - 1)
            return POPULATION_READ_TOO_LONG;
        line[n++] = (char)c;
    }
    if (c == EOF && ferror(f))
        return POPULATION_READ_ERROR;
    if (c == EOF && n == 0)
        return POPULATION_READ_END;
    if (n > 0 && line[n - 1] == '\r')
        n--;
    if (n > POPULATION_LINE_MAX)
        return POPULATION_READ_TOO_LONG;
    line[n] = '\0';
    *len = n;
    return POPULATION_READ_LINE;
}

/* ASCII digits only, from min to max, into *v. */
static bool
whole_number(const char *s, long min, long max, long *v)
{
    long x = 0;
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        x = x * 10 + (*s - '0');
        if (x > max)
            return false; /* before it can overflow */
    }
    if (x < min)
        return false;
    *v = x;
    return true;
}

/* A number of any kind a header's third field would not be: an optional
 * sign, digits, at most one decimal point. */
static bool
looks_numeric(const char *s)
{
    bool digit = false, point = false;
    if (*s == '+' || *s == '-')
        s++;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digit = true;
        else if (*s == '.' && !point)
            point = true;
        else
            return false;
    }
    return digit;
}

/* ` "value"` for a message when value is short printable ASCII, else "". */
static const char *
shown(const char *value, char *buf, size_t buflen)
{
    size_t n = strlen(value);
    if (n > 20)
        return "";
    for (size_t i = 0; i < n; i++)
        if (value[i] < 0x20 || value[i] > 0x7E)
            return "";
    snprintf(buf, buflen, " \"%s\"", value);
    return buf;
}

static void
fields_error(char *err, size_t errlen, size_t nfields)
{
    snprintf(err, errlen, "expected %d fields (area, ethnic group, count), found %zu",
             POPULATION_FIELDS, nfields);
}

bool
population_line_parse(const char *const *fields, size_t nfields, population_row_t *out, char *err,
                      size_t errlen)
{
    char buf[32];
    long group, count;
    if (nfields != POPULATION_FIELDS) {
        fields_error(err, errlen, nfields);
        return false;
    }
    if (!population_area_valid(fields[0])) {
        snprintf(err, errlen,
                 "area%s is not the GSS code of an LSOA, ward or local authority "
                 "(E01, W01, E05, W05, E06-E10 or W06 and six digits)",
                 shown(fields[0], buf, sizeof(buf)));
        return false;
    }
    if (!whole_number(fields[1], 1, POPULATION_GROUPS, &group)) {
        snprintf(err, errlen, "ethnic group%s is not a whole number from 1 to %d",
                 shown(fields[1], buf, sizeof(buf)), POPULATION_GROUPS);
        return false;
    }
    if (!whole_number(fields[2], 0, POPULATION_COUNT_MAX, &count)) {
        snprintf(err, errlen, "count%s is not a whole number from 0 to %d",
                 shown(fields[2], buf, sizeof(buf)), POPULATION_COUNT_MAX);
        return false;
    }
    memcpy(out->area, fields[0], POPULATION_AREA_LEN + 1);
    out->ons_number = (int)group;
    out->count = (int)count;
    return true;
}

/* The number of fields of a line csv_record refused with a few fields'
 * room, or -1 when it is not CSV at all. Only on the way to an error, so
 * the room for every field a line can have is allocated here. */
static int
count_fields(const char *line, size_t len)
{
    char(*fields)[CODES_FIELD_MAX] = xmalloc((len + 1) * sizeof(*fields));
    const char *p = line;
    int n = csv_record(&p, line + len, fields, (int)len + 1);
    free(fields);
    return n > 0 && p == line + len ? n : -1;
}

population_line_t
population_line_classify(const char *line, size_t len, bool first, population_row_t *out, char *err,
                         size_t errlen)
{
    char fields[CODES_FIELDS_MAX][CODES_FIELD_MAX];
    const char *f[CODES_FIELDS_MAX];

    if (first && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3;
        len -= 3;
    }
    if (len == 0)
        return POPULATION_LINE_EMPTY;
    const char *p = line;
    int n = csv_record(&p, line + len, fields, CODES_FIELDS_MAX);
    if (n < 0 || p != line + len) {
        n = count_fields(line, len);
        if (n < 0)
            snprintf(err, errlen, "not valid CSV: a quote out of place, or a field over %d bytes",
                     CODES_FIELD_MAX - 1);
        else
            fields_error(err, errlen, (size_t)n);
        return POPULATION_LINE_BAD;
    }
    for (int i = 0; i < n; i++)
        f[i] = fields[i];
    if (first && n == POPULATION_FIELDS && !looks_numeric(f[2]) && !population_area_valid(f[0]))
        return POPULATION_LINE_HEADER;
    return population_line_parse(f, (size_t)n, out, err, errlen) ? POPULATION_LINE_ROW
                                                                 : POPULATION_LINE_BAD;
}
