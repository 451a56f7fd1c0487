/* postcode.h: UK postcodes, normalised, and the lookup from postcode to
 * LSOA that hubctl submit --postcode-lookup FILE uses to turn a postcode
 * into the report's area on the partner's machine (the hub never sees it).
 *
 * The lookup file is the ONS Postcode Directory (ONSPD) as CSV, or any
 * extract of it: a header row naming the postcode column pcds (else pcd,
 * pcd7 or pcd8) and the LSOA column lsoa21cd (else lsoa21, lsoa11cd or
 * lsoa11); other columns are ignored, as are rows without an LSOA. Pure
 * apart from postcode_table_load, which opens the file. */
#ifndef HUBCTL_POSTCODE_H
#define HUBCTL_POSTCODE_H

#include <stdbool.h>
#include <stddef.h>

#include "../../hub/util.h"
#include "csv.h"

enum {
    POSTCODE_MAX = 8,            /* a normalised postcode: "SW1A1AA" is 7 */
    POSTCODE_AREA_MAX = 9,       /* a GSS code */
    POSTCODE_ROWS_MAX = 5000000, /* the ONSPD has about 2.7 million */
};

/* in with every space and tab removed and ASCII letters upper-cased, into
 * out (outlen bytes, NUL included). False when that does not fit. */
bool postcode_normalise(const char *in, char *out, size_t outlen);

typedef struct postcode_table postcode_table_t;

/* Reads a lookup from r (its first record is the header); NULL with err
 * set (with the line number) when it is not one. */
HUB_MUST_CHECK postcode_table_t *postcode_table_read(csv_reader_t *r, char *err, size_t errlen);

/* Opens and reads the lookup at path; errors name the file. */
HUB_MUST_CHECK postcode_table_t *postcode_table_load(const char *path, char *err, size_t errlen);

/* The area of a postcode as the row gives it (any spacing or case), or NULL
 * when the lookup does not have it. */
const char *postcode_lookup(const postcode_table_t *t, const char *postcode);

size_t postcode_table_size(const postcode_table_t *t);

void postcode_table_free(postcode_table_t *t);

#endif
