/* grid.h: rows of text cells built from the hub's JSON answers, printed as
 * an aligned table (table.h, through a libpq result made in memory) or as
 * CSV (RFC 4180, with a header). A missing cell is "-" in the table and an
 * empty field in CSV. */
#ifndef HUBCTL_GRID_H
#define HUBCTL_GRID_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../../hub/util.h"
#include "table.h"

enum { GRID_COLS_MAX = 32, GRID_CELL_MAX = 2048 };

typedef enum { GRID_TEXT, GRID_CSV } grid_format_t;

typedef struct grid grid_t;

grid_t *grid_new(void);
void grid_free(grid_t *g);

/* The column with this heading, added at the end if new (COL_INT: right-
 * aligned in the table); -1 when there are GRID_COLS_MAX already. */
int grid_column(grid_t *g, const char *heading, col_type_t type);

/* The column with this heading, or -1 when there is none. */
int grid_find(const grid_t *g, const char *heading);

/* How many columns there are. */
size_t grid_columns(const grid_t *g);

/* Starts a new row; later grid_set calls fill it. */
void grid_row(grid_t *g);

/* Sets a cell of the current row (col -1 is ignored; text NULL: none). */
void grid_set(grid_t *g, int col, const char *text);

/* grid_set by heading, adding the column if new. */
void grid_put(grid_t *g, const char *heading, col_type_t type, const char *text);

size_t grid_rows(const grid_t *g);

/* Prints the grid on stdout; the command's exit code. */
HUB_MUST_CHECK int grid_print(grid_t *g, grid_format_t format);

/* Writes the grid as CSV: the headings, then each row; CRLF line ends. A
 * text cell (COL_TEXT) that begins with = + - @ or a tab or CR gets a ' in
 * front, so that a spreadsheet opening the file takes it as text, never as
 * a formula (CSV injection: titles and codes come from other partners). */
void grid_write_csv(const grid_t *g, FILE *f);

/* Writes one CSV field: quoted when it holds a comma, quote, CR or LF, or
 * begins or ends with a space; "" for each quote. */
void grid_csv_field(FILE *f, const char *s);

/* Writes s on f with control characters as '?', for one line on a
 * terminal. */
void grid_line_text(FILE *f, const char *s);

/* A JSON scalar as text: integers in full, reals to 10 significant digits,
 * strings as they are, true/false; NULL for null, objects and arrays. */
const char *grid_scalar(const json_t *v, char *buf, size_t len);

#endif
