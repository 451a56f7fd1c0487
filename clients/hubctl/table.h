/* table.h: list output, as aligned text for people or a JSON array for
 * programs, from one query result and a description of its columns. */
#ifndef HUBCTL_TABLE_H
#define HUBCTL_TABLE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../hub/util.h"

typedef enum {
    COL_TEXT, /* a JSON string */
    COL_INT,  /* a JSON number; right-aligned in text */
    COL_BOOL, /* PostgreSQL t/f: JSON true/false, "yes"/"no" in text */
    COL_LIST, /* comma-separated text: a JSON array of strings */
} col_type_t;

typedef struct {
    const char *heading; /* text heading; NULL: the column is in JSON only */
    const char *key;     /* JSON member name; NULL (with heading NULL): not shown */
    col_type_t type;
} column_t;

/* How a list command ends: prints res, whose i-th column is described by
 * cols[i], on stdout, clears it, and returns the command's exit code. SQL
 * NULL is "-" in text and null in JSON. */
HUB_MUST_CHECK int table_list(PGresult *res, const column_t *cols, size_t ncols, bool json);

#endif
