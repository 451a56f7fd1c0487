#include "table.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubctl.h"
#include "text.h"

static json_t *
json_value(const PGresult *res, int row, int col, col_type_t type)
{
    if (PQgetisnull(res, row, col))
        return json_null();
    const char *v = PQgetvalue(res, row, col);
    switch (type) {
    case COL_INT:
        return json_integer(strtoll(v, NULL, 10));
    case COL_BOOL:
        return json_boolean(strcmp(v, "t") == 0);
    case COL_LIST: {
        json_t *a = json_array();
        for (const char *p = v; *p;) {
            size_t len = strcspn(p, ",");
            json_array_append_new(a, json_stringn(p, len));
            p += len + (p[len] == ',');
        }
        return a;
    }
    case COL_TEXT:
        break;
    }
    return json_string(v);
}

static bool
print_json(const PGresult *res, const column_t *cols, size_t ncols)
{
    json_t *rows = json_array();
    for (int r = 0; r < PQntuples(res); r++) {
        json_t *obj = json_object();
        for (size_t c = 0; c < ncols; c++)
            if (cols[c].key != NULL)
                json_object_set_new(obj, cols[c].key, json_value(res, r, (int)c, cols[c].type));
        json_array_append_new(rows, obj);
    }
    char *text = json_dumps(rows, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(rows);
    if (text == NULL) {
        ctl_error("cannot format the list as JSON (out of memory?)");
        return false;
    }
    puts(text);
    free(text);
    return true;
}

/* The text shown for one cell: never a control character on the terminal. */
static void
cell_text(const PGresult *res, int row, int col, col_type_t type, char *buf, size_t len)
{
    if (PQgetisnull(res, row, col)) {
        snprintf(buf, len, "-");
        return;
    }
    const char *v = PQgetvalue(res, row, col);
    if (type == COL_BOOL)
        v = strcmp(v, "t") == 0 ? "yes" : "no";
    snprintf(buf, len, "%s", *v ? v : "-");
    for (unsigned char *p = (unsigned char *)buf; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            *p = '?';
}

static void
print_cell(const char *text, size_t width, bool right, bool last)
{
    size_t pad = width - text_chars(text);
    if (right)
        printf("%*s%s", (int)pad, "", text);
    else
        printf("%s%*s", text, last ? 0 : (int)pad, "");
    fputs(last ? "\n" : "  ", stdout);
}

static bool
print_text(const PGresult *res, const column_t *cols, size_t ncols)
{
    int nrows = PQntuples(res);
    size_t *width = xcalloc(ncols, sizeof(*width));
    size_t last = 0; /* the last column shown in text */
    char cell[2048];

    for (size_t c = 0; c < ncols; c++) {
        if (cols[c].heading == NULL)
            continue;
        last = c;
        width[c] = text_chars(cols[c].heading);
        for (int r = 0; r < nrows; r++) {
            cell_text(res, r, (int)c, cols[c].type, cell, sizeof(cell));
            size_t w = text_chars(cell);
            if (w > width[c])
                width[c] = w;
        }
    }
    for (size_t c = 0; c < ncols; c++)
        if (cols[c].heading != NULL)
            print_cell(cols[c].heading, width[c], cols[c].type == COL_INT, c == last);
    for (int r = 0; r < nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            if (cols[c].heading == NULL)
                continue;
            cell_text(res, r, (int)c, cols[c].type, cell, sizeof(cell));
            print_cell(cell, width[c], cols[c].type == COL_INT, c == last);
        }
    }
    free(width);
    return true;
}

int
table_list(PGresult *res, const column_t *cols, size_t ncols, bool json)
{
    hub_assert((size_t)PQnfields(res) == ncols);
    bool ok = json ? print_json(res, cols, ncols) : print_text(res, cols, ncols);
    PQclear(res);
    if (fflush(stdout) != 0) {
        ctl_error("cannot write the list to standard output");
        return CTL_FAIL;
    }
    return ok ? CTL_OK : CTL_FAIL;
}
