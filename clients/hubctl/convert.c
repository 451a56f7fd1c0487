#include "convert.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "text.h"

enum { NO_COLUMN = -1 };

struct convert {
    bool csv;
    convert_opts_t o;
    size_t ncolumns;    /* the header's */
    char **names;       /* each column's name as the file gives it (trimmed) */
    long *field_col;    /* per field (fields[]): its column, or NO_COLUMN */
    long *identity_col; /* per identity column: its column */
    long postcode_col;  /* the postcode column, or NO_COLUMN */
};

/* s[0..*len) without spaces and tabs at either end. */
static const char *
trim(const char *s, size_t *len)
{
    while (*len > 0 && (*s == ' ' || *s == '\t'))
        s++, (*len)--;
    while (*len > 0 && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
        (*len)--;
    return s;
}

static convert_t *
convert_alloc(const convert_opts_t *o)
{
    convert_t *c = xcalloc(1, sizeof(*c));
    c->o = *o;
    c->field_col = xmalloc(fields_count * sizeof(long));
    for (size_t i = 0; i < fields_count; i++)
        c->field_col[i] = NO_COLUMN;
    size_t nid = o->identity ? identity_count(o->identity) : 0;
    c->identity_col = xmalloc((nid ? nid : 1) * sizeof(long));
    for (size_t i = 0; i < nid; i++)
        c->identity_col[i] = NO_COLUMN;
    c->postcode_col = NO_COLUMN;
    return c;
}

void
convert_free(convert_t *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->ncolumns; i++)
        free(c->names[i]);
    free(c->names);
    free(c->field_col);
    free(c->identity_col);
    free(c);
}

/* The identity column named name (as the file or the mapping calls it), or
 * -1. */
static long
identity_index(const identity_t *id, const char *name)
{
    for (size_t i = 0; id != NULL && name != NULL && i < identity_count(id); i++)
        if (strcmp(identity_column(id, i), name) == 0)
            return (long)i;
    return -1;
}

/* Decides what column col (named name, read as target) is. */
static bool
plan_column(convert_t *c, size_t col, const char *name, const char *target, char *err,
            size_t errlen)
{
    const identity_t *id = c->o.identity;
    bool used = false;
    long k = identity_index(id, name);
    if (k < 0)
        k = identity_index(id, target);
    if (k >= 0) {
        if (c->identity_col[k] != NO_COLUMN)
            return text_error(err, errlen, "columns %s and %s are both the identity column %s",
                              c->names[c->identity_col[k]], name, identity_column(id, (size_t)k));
        if (target != NULL && field_find(target) != NULL)
            return text_error(err, errlen,
                              "identity column %s is the protocol field %s: identity is never sent",
                              name, target);
        c->identity_col[k] = (long)col;
        used = true;
    }
    if (target != NULL && strcmp(target, "postcode") == 0 && c->o.postcodes != NULL) {
        if (c->postcode_col != NO_COLUMN)
            return text_error(err, errlen, "columns %s and %s are both the postcode",
                              c->names[c->postcode_col], name);
        c->postcode_col = (long)col;
        return true;
    }
    if (used)
        return true;
    if (target == NULL)
        return true; /* ignored by the mapping */
    const field_t *f = field_find(target);
    if (f == NULL) {
        if (strcmp(target, "postcode") == 0)
            return text_error(err, errlen,
                              "column %s is a postcode: give --postcode-lookup to turn it into the "
                              "area, list it in --identity-columns, or ignore it in --mapping "
                              "(\"%s\": null); a postcode is never sent",
                              name, name);
        return text_error(
            err, errlen,
            "column %s is not a field of the protocol: name it as one in --mapping, or "
            "ignore it there (\"%s\": null)",
            name, name);
    }
    size_t fi = (size_t)(f - fields);
    if (c->field_col[fi] != NO_COLUMN)
        return text_error(err, errlen, "columns %s and %s are both %s", c->names[c->field_col[fi]],
                          name, f->name);
    if (strcmp(f->name, "subject_key") == 0 && id != NULL)
        return text_error(
            err, errlen,
            "column %s holds subject keys, and --identity-columns makes them: drop one", name);
    c->field_col[fi] = (long)col;
    return true;
}

convert_t *
convert_new_csv(const csv_record_t *header, const convert_opts_t *o, char *err, size_t errlen)
{
    convert_t *c = convert_alloc(o);
    c->csv = true;
    c->ncolumns = header->nfields;
    c->names = xcalloc(header->nfields, sizeof(char *));
    for (size_t i = 0; i < header->nfields; i++) {
        size_t len = header->lens[i];
        const char *s = trim(header->fields[i], &len);
        c->names[i] = xmalloc(len + 1);
        memcpy(c->names[i], s, len);
        c->names[i][len] = '\0';
    }
    for (size_t i = 0; i < header->nfields; i++) {
        const char *name = c->names[i], *target = name;
        if (name[0] == '\0') {
            text_error(err, errlen, "column %zu has no name in the header", i + 1);
            goto fail;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->names[j], name) == 0) {
                text_error(err, errlen, "column %s is named twice in the header", name);
                goto fail;
            }
        (void)mapping_column(o->mapping, name, &target);
        if (!plan_column(c, i, name, target, err, errlen))
            goto fail;
    }
    for (size_t k = 0; o->identity && k < identity_count(o->identity); k++)
        if (c->identity_col[k] == NO_COLUMN) {
            text_error(err, errlen, "identity column %s is not in the file",
                       identity_column(o->identity, k));
            goto fail;
        }
    if (o->postcodes != NULL && c->postcode_col == NO_COLUMN) {
        text_error(err, errlen,
                   "--postcode-lookup needs a postcode column (named postcode, or mapped to it)");
        goto fail;
    }
    return c;
fail:
    convert_free(c);
    return NULL;
}

convert_t *
convert_new_json(const convert_opts_t *o)
{
    return convert_alloc(o);
}

const char *
convert_column(const convert_t *c, const char *pointer)
{
    if (!c->csv)
        return NULL;
    const field_t *f = field_of_pointer(pointer);
    if (f == NULL)
        return NULL;
    long col = c->field_col[f - fields];
    if (col == NO_COLUMN && strcmp(f->name, "area") == 0)
        col = c->postcode_col;
    return col == NO_COLUMN ? NULL : c->names[col];
}

/* ---- one row ---------------------------------------------------------- */

/* A cell as JSON text: NULL with a reason when it is not UTF-8. */
static json_t *
text_value(const char *s, size_t len, const char *pointer, const char *column, reject_t *why)
{
    json_t *v = json_stringn(s, len);
    if (v == NULL)
        reject_add(why, pointer, column, "Not valid UTF-8 text; the row was not sent.");
    return v;
}

/* D/M/YYYY or DD/MM/YYYY as YYYY-MM-DD into out[11]; false when s is not
 * in that form (it is then sent as it is, for the hub to judge). */
static bool
uk_date(const char *s, size_t len, char out[11])
{
    int part[3] = {0, 0, 0}, n[3] = {0, 0, 0}, k = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '/') {
            if (++k > 2)
                return false;
        } else if (isdigit((unsigned char)s[i])) {
            part[k] = part[k] * 10 + (s[i] - '0');
            if (++n[k] > 4)
                return false;
        } else {
            return false;
        }
    }
    if (k != 2 || n[0] < 1 || n[0] > 2 || n[1] < 1 || n[1] > 2 || n[2] != 4)
        return false;
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)part[2] % 10000u, (unsigned)part[1] % 100u,
             (unsigned)part[0] % 100u);
    return true;
}

/* A code through the mapping. The cell is copied to be NUL-terminated. */
static json_t *
code_value(const convert_t *c, const field_t *f, const char *s, size_t len, const char *column,
           reject_t *why)
{
    char *cell = strndup(s, len);
    hub_assert(cell != NULL);
    const char *mapped = mapping_code(c->o.mapping, f->name, cell);
    json_t *v = mapped ? json_string(mapped) : text_value(s, len, f->pointer, column, why);
    free(cell);
    return v;
}

static json_t *
list_value(const convert_t *c, const field_t *f, const char *s, size_t len, const char *column,
           reject_t *why)
{
    json_t *a = json_array();
    while (len > 0) {
        const char *semi = memchr(s, ';', len);
        size_t n = semi ? (size_t)(semi - s) : len, ilen = n;
        const char *item = trim(s, &ilen);
        if (ilen > 0) {
            json_t *v = code_value(c, f, item, ilen, column, why);
            if (v == NULL) {
                json_decref(a);
                return NULL;
            }
            json_array_append_new(a, v);
        }
        s += n + (semi != NULL);
        len -= n + (semi != NULL);
    }
    return a;
}

/* A field's value from its cell (or the mapping's default): NULL when
 * absent, or with a reason in *why. */
static json_t *
field_value(const convert_t *c, const field_t *f, const char *s, size_t len, const char *column,
            reject_t *why)
{
    if (len == 0) {
        const char *d = mapping_default(c->o.mapping, f->name);
        if (d == NULL)
            return NULL;
        s = d;
        len = strlen(d);
        column = NULL;
    }
    char date[11];
    switch (f->kind) {
    case FIELD_DATE:
        if (uk_date(s, len, date))
            return json_string(date);
        return text_value(s, len, f->pointer, column, why);
    case FIELD_CODE:
        return code_value(c, f, s, len, column, why);
    case FIELD_LIST:
        return list_value(c, f, s, len, column, why);
    case FIELD_TEXT:
        break;
    }
    return text_value(s, len, f->pointer, column, why);
}

/* Sets subject_key from the identity values; false with a reason. */
static bool
apply_identity(const convert_t *c, const char *const *values, const char *const *columns,
               json_t *report, reject_t *why)
{
    char key[65];
    size_t bad = 0;
    switch (identity_subject_key(c->o.identity, values, key, &bad)) {
    case IDENTITY_MADE:
        json_object_set_new(report, "subject_key", json_string(key));
        return true;
    case IDENTITY_EMPTY:
        return true;
    case IDENTITY_INVALID:
        break;
    }
    reject_add(why, "/subject_key", columns[bad],
               "Not a date (YYYY-MM-DD or DD/MM/YYYY): no subject_key can be made; the row was "
               "not sent.");
    return false;
}

/* Sets area from the postcode, if there is one; false with a reason. */
static bool
apply_postcode(const convert_t *c, const char *postcode, const char *column, json_t *report,
               reject_t *why)
{
    size_t len = strlen(postcode);
    trim(postcode, &len);
    if (len == 0)
        return true;
    const char *area = postcode_lookup(c->o.postcodes, postcode);
    if (area == NULL) {
        reject_add(why, "/area", column,
                   "The postcode is not in the postcode lookup; the row was not sent.");
        return false;
    }
    json_object_set_new(report, "area", json_string(area));
    return true;
}

json_t *
convert_record(const convert_t *c, const csv_record_t *row, reject_t *why)
{
    hub_assert(c->csv);
    if (row->nfields != c->ncolumns) {
        reject_add(why, "", NULL, "The row has %zu fields; the header has %zu.", row->nfields,
                   c->ncolumns);
        return NULL;
    }
    json_t *report = json_pack("{s:s}", "protocol", CONVERT_PROTOCOL), *victim = NULL;
    for (size_t i = 0; i < fields_count; i++) {
        const field_t *f = &fields[i];
        long col = c->field_col[i];
        const char *s = "", *column = col == NO_COLUMN ? NULL : c->names[col];
        size_t len = 0;
        if (col != NO_COLUMN) {
            len = row->lens[col];
            s = trim(row->fields[col], &len);
        }
        json_t *v = field_value(c, f, s, len, column, why);
        if (v == NULL)
            continue; /* absent, or refused with a reason */
        if (f->victim) {
            if (victim == NULL) {
                victim = json_object();
                json_object_set_new(report, "victim", victim);
            }
            json_object_set_new(victim, f->name, v);
        } else {
            json_object_set_new(report, f->name, v);
        }
    }
    if (c->o.identity != NULL) {
        size_t n = identity_count(c->o.identity);
        const char *values[IDENTITY_COLUMNS_MAX] = {0}, *columns[IDENTITY_COLUMNS_MAX] = {0};
        for (size_t k = 0; k < n; k++) {
            values[k] = row->fields[c->identity_col[k]];
            columns[k] = c->names[c->identity_col[k]];
        }
        (void)apply_identity(c, values, columns, report, why);
    }
    if (c->postcode_col != NO_COLUMN)
        (void)apply_postcode(c, row->fields[c->postcode_col], c->names[c->postcode_col], report,
                             why);
    if (why->n > 0 || why->dropped > 0) {
        json_decref(report);
        return NULL;
    }
    return report;
}

json_t *
convert_object(const convert_t *c, json_t *item, reject_t *why)
{
    hub_assert(!c->csv);
    if (!json_is_object(item)) {
        json_decref(item);
        reject_add(why, "", NULL, "Expected a report object; the item was not sent.");
        return NULL;
    }
    bool ok = true;
    /* The postcode first: it may be an identity column too. */
    json_t *pc = c->o.postcodes ? json_incref(json_object_get(item, "postcode")) : NULL;
    if (pc != NULL)
        json_object_del(item, "postcode");
    if (c->o.identity != NULL) {
        size_t n = identity_count(c->o.identity);
        const char *values[IDENTITY_COLUMNS_MAX] = {0}, *columns[IDENTITY_COLUMNS_MAX] = {0};
        json_t *held[IDENTITY_COLUMNS_MAX] = {0};
        for (size_t k = 0; k < n; k++) {
            columns[k] = identity_column(c->o.identity, k);
            held[k] = pc != NULL && strcmp(columns[k], "postcode") == 0
                          ? json_incref(pc)
                          : json_incref(json_object_get(item, columns[k]));
            values[k] = json_string_value(held[k]);
            if (held[k] != NULL && !json_is_string(held[k]) && !json_is_null(held[k])) {
                reject_add(why, "", columns[k], "An identity member must be a string.");
                ok = false;
            }
            json_object_del(item, columns[k]);
        }
        if (json_object_get(item, "subject_key") != NULL) {
            reject_add(why, "/subject_key", NULL,
                       "The item has a subject_key, and --identity-columns makes one.");
            ok = false;
        }
        if (ok)
            ok = apply_identity(c, values, columns, item, why);
        for (size_t k = 0; k < n; k++)
            json_decref(held[k]);
    }
    if (pc != NULL && !json_is_string(pc) && !json_is_null(pc)) {
        reject_add(why, "", "postcode", "The postcode must be a string.");
        ok = false;
    } else if (json_is_string(pc)) {
        ok = apply_postcode(c, json_string_value(pc), "postcode", item, why) && ok;
    }
    json_decref(pc);
    if (!ok) {
        json_decref(item);
        return NULL;
    }
    return item;
}
