/* population.h: the lines of a population file, Census 2021 counts by area
 * and ethnic group, as hubctl population load reads them.
 *
 * A population file is UTF-8 CSV with one record per line: the area's GSS
 * code (an LSOA, a ward or a local authority), the ONS 2021 ethnic group
 * number (1-19, the ons_number of api/codes/ethnic_group.csv) and the count
 * of persons. Fields follow RFC 4180 (csv_record in codes.h) but cannot
 * span lines. Lines end in LF or CRLF; a UTF-8 byte order mark before the
 * first line is skipped. The first line is a header, and skipped, when it
 * has three fields, the third is not a number and the first is not an area
 * code: a data line whose count went wrong is reported, not skipped.
 *
 * Pure: no database. Errors name the line's field and show its value only
 * when it is short printable ASCII (the data are public census counts, but
 * a terminal should not receive whatever bytes a bad file holds). */
#ifndef HUB_POPULATION_H
#define HUB_POPULATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util.h"

#define POPULATION_FIELDS 3           /* area, ethnic group, count */
#define POPULATION_AREA_LEN 9         /* a GSS code: entity code (E01) and 6 digits */
#define POPULATION_GROUPS 19          /* ONS 2021 ethnic groups, numbered from 1 */
#define POPULATION_COUNT_MAX 20000000 /* above any area's population */
#define POPULATION_LINE_MAX 1024      /* bytes in a line, without its end */
#define POPULATION_LINES_MAX 2000000  /* lines in a file, the header included */
#define POPULATION_LINE_BUF (POPULATION_LINE_MAX + 2) /* a line, a CR and the NUL */

typedef struct {
    char area[POPULATION_AREA_LEN + 1];
    int ons_number; /* 1..POPULATION_GROUPS */
    int count;      /* 0..POPULATION_COUNT_MAX */
} population_row_t;

typedef enum {
    POPULATION_READ_LINE,     /* a line is in the buffer */
    POPULATION_READ_END,      /* no more lines */
    POPULATION_READ_TOO_LONG, /* the line has more than POPULATION_LINE_MAX bytes */
    POPULATION_READ_NUL,      /* the line holds a NUL byte (a UTF-16 file, say) */
    POPULATION_READ_ERROR,    /* reading failed; errno says why */
} population_read_t;

/* Reads the next line of f into line, NUL-terminated and without its LF or
 * CRLF (a last line without either counts too), and its length into *len.
 * Reads no further than the line, so memory stays bounded whatever f holds. */
HUB_MUST_CHECK population_read_t population_line_read(FILE *f, char line[POPULATION_LINE_BUF],
                                                      size_t *len);

typedef enum {
    POPULATION_LINE_ROW,    /* *out holds the row */
    POPULATION_LINE_HEADER, /* the first line is a header: skip it */
    POPULATION_LINE_EMPTY,  /* an empty line: allowed only at the end of a file */
    POPULATION_LINE_BAD,    /* err says why, without the line number */
} population_line_t;

/* What line (len bytes, as population_line_read gives it) is; first says
 * whether it is the file's first line, which alone may be a header or start
 * with a byte order mark. */
HUB_MUST_CHECK population_line_t population_line_classify(const char *line, size_t len, bool first,
                                                          population_row_t *out, char *err,
                                                          size_t errlen);

/* Checks the fields of one data line and fills *out; false with the reason
 * in err: the wrong number of fields, an area that is not the GSS code of an
 * LSOA, ward or local authority, an ethnic group that is not a whole number
 * from 1 to 19, or a count that is not a whole number from 0 to
 * POPULATION_COUNT_MAX. "Whole number" means ASCII digits only: no sign,
 * space, decimal point or exponent. */
HUB_MUST_CHECK bool population_line_parse(const char *const *fields, size_t nfields,
                                          population_row_t *out, char *err, size_t errlen);

/* Is area the GSS code of an LSOA (E01, W01), a ward (E05, W05) or a local
 * authority (E06-E10, W06): those three characters and six digits? */
bool population_area_valid(const char *area);

#endif
