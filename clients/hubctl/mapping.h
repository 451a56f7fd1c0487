/* mapping.h: an agency's export described in protocol terms, for hubctl
 * submit --mapping FILE. A mapping is a small JSON object:
 *
 *   {
 *     "columns":  {"Crime Ref": "external_ref", "Officer": null, "Post Code": "postcode"},
 *     "codes":    {"channel": {"Phone": "telephone", "Walk-in": "in_person"}},
 *     "defaults": {"ethnic_scheme": "police"}
 *   }
 *
 * - columns: the file's column name → the name hubctl reads it as: a
 *   protocol field (fields.h), "postcode" (for --postcode-lookup), the name
 *   of an identity column (for --identity-columns), or null to ignore the
 *   column. Columns not listed keep their own name.
 * - codes: per coded field (location_type, strands, incident_types,
 *   ethnic_group, ethnic_scheme, age_band, sex, repeat, channel), the
 *   agency's code → the protocol's code. Matched after trimming spaces and
 *   ignoring ASCII case; a value not listed is sent as it is (it may
 *   already be a protocol code; the hub refuses it if not). For strands and
 *   incident_types each item of the list is mapped.
 * - defaults: a protocol field's value for rows whose cell is empty or
 *   whose file has no such column (not external_ref or subject_key).
 * All three members are optional; any other member is an error. Pure:
 * mapping_parse works on text in memory. */
#ifndef HUBCTL_MAPPING_H
#define HUBCTL_MAPPING_H

#include <stdbool.h>
#include <stddef.h>

#include "../../hub/util.h"

enum { MAPPING_FILE_MAX = 1024 * 1024 }; /* bytes of a mapping file */

typedef struct mapping mapping_t;

/* Parses a mapping; NULL with err set ("codes.channel: …") when invalid. */
HUB_MUST_CHECK mapping_t *mapping_parse(const char *text, size_t len, char *err, size_t errlen);

/* Reads and parses the file at path; NULL with err set (naming the file). */
HUB_MUST_CHECK mapping_t *mapping_load(const char *path, char *err, size_t errlen);

void mapping_free(mapping_t *m);

/* What column is read as. True when the mapping lists it: *target is then
 * the name, or NULL when the column is ignored. False: not listed. */
bool mapping_column(const mapping_t *m, const char *column, const char **target);

/* The protocol code for native in field, or NULL when the mapping has none
 * (the value is then sent unchanged). */
const char *mapping_code(const mapping_t *m, const char *field, const char *native);

/* The default of field, or NULL. */
const char *mapping_default(const mapping_t *m, const char *field);

#endif
