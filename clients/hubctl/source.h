/* source.h: the rows of the file hubctl submit sends, one at a time, with
 * the line on which each begins, whatever its format:
 *
 * - CSV (csv.h): a header row, then one report per record;
 * - JSON: one array of reports, read one item at a time (the file is never
 *   held whole);
 * - NDJSON: one report per line; blank lines are skipped.
 *
 * The format is given, or guessed from the name (.json: JSON; .ndjson,
 * .jsonl: NDJSON; anything else: CSV). A structural fault of the file (an
 * unclosed quote, an array that is not closed, a line too long) stops the
 * reading with an error naming the line; a JSON item that does not parse
 * is returned as invalid, to be rejected on its own. Every byte read is
 * also hashed (SHA-256), to recognise the file when a run resumes. */
#ifndef HUBCTL_SOURCE_H
#define HUBCTL_SOURCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../hub/util.h"
#include "csv.h"

enum { SOURCE_ITEM_MAX = CSV_RECORD_MAX }; /* bytes of one JSON item or NDJSON line */

typedef enum { SOURCE_CSV, SOURCE_JSON, SOURCE_NDJSON } source_format_t;

/* "csv", "json" or "ndjson" into *f; false for anything else. */
HUB_MUST_CHECK bool source_format_parse(const char *name, source_format_t *f);
source_format_t source_format_guess(const char *path);
const char *source_format_name(source_format_t f);

typedef struct source source_t;

/* Opens path; for CSV, reads the header. NULL with err set (naming the
 * file). */
HUB_MUST_CHECK source_t *source_open(const char *path, source_format_t f, char *err, size_t errlen);

void source_close(source_t *s);

/* CSV: the header record; NULL for JSON and NDJSON. */
const csv_record_t *source_header(const source_t *s);

typedef struct {
    size_t line;                /* where the row begins, from 1 */
    const csv_record_t *record; /* CSV: the record, valid until the next call */
    json_t *item;               /* JSON, NDJSON: the item (the caller's), or NULL when invalid */
    char invalid[96];           /* why the item is not valid JSON */
} source_row_t;

typedef enum { SOURCE_ERROR = -1, SOURCE_END = 0, SOURCE_ROW = 1 } source_status_t;

/* The next row. */
HUB_MUST_CHECK source_status_t source_next(source_t *s, source_row_t *row);

/* After SOURCE_ERROR: "FILE line N: what is wrong". */
const char *source_error(const source_t *s);

/* SHA-256 of the bytes read so far (the whole file once at the end). */
void source_digest(source_t *s, unsigned char out[32]);

#endif
