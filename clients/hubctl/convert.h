/* convert.h: rows of an agency's file turned into reports of the protocol,
 * on the partner's machine, before anything is sent.
 *
 * A CSV file's header names its columns. Each column is read as what the
 * mapping (mapping.h) makes of its name, else as its own name: a protocol
 * field (fields.h: external_ref … subject_key, the victim's fields flat or
 * as victim.NAME), an identity column (identity.h: hashed into subject_key,
 * never sent), postcode (with a postcode lookup: turned into area, never
 * sent), or ignored (null in the mapping). Any other column is an error at
 * the start, so that nothing is dropped or sent by surprise.
 *
 * In a row, cells are trimmed of spaces; an empty cell is a field left out
 * (or the mapping's default); dates given as DD/MM/YYYY are written
 * YYYY-MM-DD; strands and incident_types are lists separated by ';'; coded
 * fields go through the mapping's codes; protocol is harassment-report/1
 * unless the row says otherwise. What the hub's rules say of the result is
 * the hub's business: it answers for each report.
 *
 * JSON and NDJSON items are reports already: only the identity columns and
 * postcode, taken as top-level string members, are applied (and removed).
 * Pure: no files, no output. */
#ifndef HUBCTL_CONVERT_H
#define HUBCTL_CONVERT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../hub/util.h"
#include "csv.h"
#include "identity.h"
#include "mapping.h"
#include "postcode.h"
#include "rejects.h"

#define CONVERT_PROTOCOL "harassment-report/1"

typedef struct {
    const mapping_t *mapping;          /* or NULL */
    const identity_t *identity;        /* or NULL */
    const postcode_table_t *postcodes; /* or NULL */
} convert_opts_t;

typedef struct convert convert_t;

/* For a CSV file with this header; NULL with err set when the columns do
 * not fit the options (unknown column, missing identity column, …). */
HUB_MUST_CHECK convert_t *convert_new_csv(const csv_record_t *header, const convert_opts_t *o,
                                          char *err, size_t errlen);

/* For JSON or NDJSON items. */
convert_t *convert_new_json(const convert_opts_t *o);

void convert_free(convert_t *c);

/* The report a row makes, or NULL with the reasons in *why. */
HUB_MUST_CHECK json_t *convert_record(const convert_t *c, const csv_record_t *row, reject_t *why);

/* The report a JSON item makes (the reference to item is taken), or NULL
 * with the reasons in *why. */
HUB_MUST_CHECK json_t *convert_object(const convert_t *c, json_t *item, reject_t *why);

/* The input column a JSON Pointer into a report came from, or NULL. */
const char *convert_column(const convert_t *c, const char *pointer);

#endif
