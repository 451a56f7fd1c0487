#include "grid.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "hubctl.h"

struct grid {
    column_t cols[GRID_COLS_MAX];
    char *headings[GRID_COLS_MAX];
    size_t ncols;
    char *(*rows)[GRID_COLS_MAX];
    size_t nrows, cap;
};

grid_t *
grid_new(void)
{
    return xcalloc(1, sizeof(grid_t));
}

void
grid_free(grid_t *g)
{
    if (g == NULL)
        return;
    for (size_t r = 0; r < g->nrows; r++)
        for (size_t c = 0; c < GRID_COLS_MAX; c++)
            free(g->rows[r][c]);
    for (size_t c = 0; c < g->ncols; c++)
        free(g->headings[c]);
    free(g->rows);
    free(g);
}

int
grid_find(const grid_t *g, const char *heading)
{
    for (size_t c = 0; c < g->ncols; c++)
        if (strcmp(g->headings[c], heading) == 0)
            return (int)c;
    return -1;
}

size_t
grid_columns(const grid_t *g)
{
    return g->ncols;
}

int
grid_column(grid_t *g, const char *heading, col_type_t type)
{
    int found = grid_find(g, heading);
    if (found >= 0)
        return found;
    if (g->ncols == GRID_COLS_MAX)
        return -1;
    g->headings[g->ncols] = xstrdup(heading);
    g->cols[g->ncols] = (column_t){g->headings[g->ncols], g->headings[g->ncols], type};
    return (int)g->ncols++;
}

void
grid_row(grid_t *g)
{
    if (g->nrows == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 64;
        g->rows = xrealloc(g->rows, g->cap * sizeof(*g->rows));
    }
    memset(g->rows[g->nrows++], 0, sizeof(*g->rows));
}

void
grid_set(grid_t *g, int col, const char *text)
{
    hub_assert(g->nrows > 0);
    if (col < 0 || text == NULL)
        return;
    char **cell = &g->rows[g->nrows - 1][col];
    free(*cell);
    *cell = xstrdup(text);
}

void
grid_put(grid_t *g, const char *heading, col_type_t type, const char *text)
{
    grid_set(g, grid_column(g, heading, type), text);
}

size_t
grid_rows(const grid_t *g)
{
    return g->nrows;
}

void
grid_csv_field(FILE *f, const char *s)
{
    size_t n = strlen(s);
    bool quote = strpbrk(s, ",\"\r\n") != NULL || (n > 0 && (s[0] == ' ' || s[n - 1] == ' '));
    if (quote)
        fputc('"', f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    if (quote)
        fputc('"', f);
}

void
grid_write_csv(const grid_t *g, FILE *f)
{
    for (size_t c = 0; c < g->ncols; c++) {
        if (c > 0)
            fputc(',', f);
        grid_csv_field(f, g->headings[c]);
    }
    fputs("\r\n", f);
    for (size_t r = 0; r < g->nrows; r++) {
        for (size_t c = 0; c < g->ncols; c++) {
            if (c > 0)
                fputc(',', f);
            const char *v = g->rows[r][c] ? g->rows[r][c] : "";
            if (g->cols[c].type == COL_TEXT && *v != '\0' && strchr("=+-@\t\r", *v) != NULL) {
                char *guarded = xmalloc(strlen(v) + 2);
                guarded[0] = '\'';
                strcpy(guarded + 1, v);
                grid_csv_field(f, guarded);
                free(guarded);
            } else {
                grid_csv_field(f, v);
            }
        }
        fputs("\r\n", f);
    }
}

/* The table as a libpq result, so that table_list prints it as it prints
 * every list of hubctl's (PQmakeEmptyPGresult and PQsetvalue are libpq's
 * API for building results in memory). */
static PGresult *
as_result(const grid_t *g)
{
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc att[GRID_COLS_MAX];
    memset(att, 0, sizeof(att));
    for (size_t c = 0; c < g->ncols; c++) {
        att[c].name = g->headings[c];
        att[c].typid = 25; /* text */
        att[c].typlen = -1;
        att[c].atttypmod = -1;
    }
    if (res == NULL || !PQsetResultAttrs(res, (int)g->ncols, att))
        goto fail;
    for (size_t r = 0; r < g->nrows; r++)
        for (size_t c = 0; c < g->ncols; c++) {
            const char *v = g->rows[r][c];
            if (!PQsetvalue(res, (int)r, (int)c, (char *)(v ? v : ""), v ? (int)strlen(v) : -1))
                goto fail;
        }
    return res;
fail:
    PQclear(res);
    return NULL;
}

int
grid_print(grid_t *g, grid_format_t format)
{
    if (format == GRID_CSV) {
        grid_write_csv(g, stdout);
        if (fflush(stdout) != 0) {
            ctl_error("cannot write to standard output");
            return CTL_FAIL;
        }
        return CTL_OK;
    }
    PGresult *res = as_result(g);
    if (res == NULL) {
        ctl_error("cannot build the table (out of memory?)");
        return CTL_FAIL;
    }
    return table_list(res, g->cols, g->ncols, false);
}

void
grid_line_text(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p != NULL && *p; p++)
        fputc(*p < 0x20 || *p == 0x7F ? '?' : *p, f);
}

const char *
grid_scalar(const json_t *v, char *buf, size_t len)
{
    if (json_is_integer(v))
        snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, len, "%.10g", json_real_value(v));
    else if (json_is_string(v))
        snprintf(buf, len, "%s", json_string_value(v));
    else if (json_is_boolean(v))
        snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
    else
        return NULL;
    return buf;
}
