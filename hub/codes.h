/* codes.h: the protocol's code lists, read from the CSV files of api/codes at start-up.
 *
 * The CSV files are the single source of the codes: C holds no copy. After
 * loading everything is read-only, so the worker threads share it freely.
 * Each list also keeps its JSON form, ready for GET /v1/codes/{list}. */
#ifndef HUB_CODES_H
#define HUB_CODES_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define CODES_FIELDS_MAX 8
#define CODES_FIELD_MAX 256

typedef struct code_list code_list_t;
typedef struct codes codes_t;

/* Reads every .csv file of dir. Each must have a header starting code,label,
 * unique non-empty codes and as many fields in every row as in its header. */
HUB_MUST_CHECK bool codes_load(const char *dir, codes_t **out, char *err, size_t errlen);
void codes_free(codes_t *codes);

/* The list named (the file name without .csv), or NULL. */
const code_list_t *codes_list(const codes_t *codes, const char *name);

/* The row of code, or -1. */
int code_list_find(const code_list_t *list, const char *code);
size_t code_list_rows(const code_list_t *list);
const char *code_list_code(const code_list_t *list, size_t row);

/* The value in column (by header name) of row, or NULL without that column. */
const char *code_list_value(const code_list_t *list, size_t row, const char *column);

/* "code1 code2 …" for messages that list what is allowed. */
const char *code_list_allowed(const code_list_t *list);

/* {"list":…,"columns":[…],"codes":[{…}]} and the index of all lists. */
const char *code_list_json(const code_list_t *list);
const char *codes_index_json(const codes_t *codes);

/* One CSV record (RFC 4180: quoted fields, "" inside quotes) from *p, at
 * most max fields of at most CODES_FIELD_MAX-1 bytes each into fields.
 * Returns the field count, 0 at the end, -1 when malformed. */
int csv_record(const char **p, const char *end, char fields[][CODES_FIELD_MAX], int max);

#endif
