#include "mapping.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "text.h"

enum { CODE_MAX = 256 }; /* bytes of a code matched against the mapping */

struct mapping {
    json_t *columns;  /* {column: name or null} */
    json_t *codes;    /* {field: {normalised native code: protocol code}} */
    json_t *defaults; /* {field: value} */
};

/* Trimmed and ASCII lower-case, as native codes are matched; false when
 * longer than CODE_MAX. */
static bool
code_key(const char *s, char out[CODE_MAX + 1])
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n > CODE_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[n] = '\0';
    return true;
}

static bool
parse_columns(mapping_t *m, json_t *columns, char *err, size_t errlen)
{
    if (!json_is_object(columns))
        return text_error(err, errlen, "columns must be an object of column name to field name");
    const char *col;
    json_t *v;
    json_t *seen = json_object(); /* target → column */
    bool ok = true;
    json_object_foreach(columns, col, v)
    {
        if (!json_is_null(v) && !(json_is_string(v) && json_string_length(v) > 0)) {
            ok = text_error(err, errlen, "columns.%s must be a field name or null", col);
            break;
        }
        if (json_is_string(v)) {
            json_t *other = json_object_get(seen, json_string_value(v));
            if (other != NULL) {
                ok = text_error(err, errlen, "columns %s and %s both map to %s",
                                json_string_value(other), col, json_string_value(v));
                break;
            }
            json_object_set_new(seen, json_string_value(v), json_string(col));
        }
    }
    json_decref(seen);
    if (ok)
        m->columns = json_incref(columns);
    return ok;
}

static bool
parse_codes(mapping_t *m, json_t *codes, char *err, size_t errlen)
{
    if (!json_is_object(codes))
        return text_error(err, errlen, "codes must be an object of field name to code table");
    m->codes = json_object();
    const char *name;
    json_t *table;
    json_object_foreach(codes, name, table)
    {
        const field_t *f = field_find(name);
        if (f == NULL || (f->kind != FIELD_CODE && f->kind != FIELD_LIST))
            return text_error(
                err, errlen,
                "codes.%s: not a coded field (location_type, strands, incident_types, "
                "ethnic_group, ethnic_scheme, age_band, sex, repeat, channel)",
                name);
        if (json_object_get(m->codes, f->name) != NULL)
            return text_error(err, errlen, "codes.%s: the field is given twice", name);
        if (!json_is_object(table))
            return text_error(err, errlen,
                              "codes.%s must be an object of agency code to protocol code", name);
        json_t *norm = json_object();
        json_object_set_new(m->codes, f->name, norm);
        const char *native;
        json_t *code;
        json_object_foreach(table, native, code)
        {
            char key[CODE_MAX + 1];
            if (!json_is_string(code) || json_string_length(code) == 0)
                return text_error(err, errlen, "codes.%s.%s must be a protocol code (a string)",
                                  name, native);
            if (!code_key(native, key))
                return text_error(err, errlen, "codes.%s: a code longer than %d bytes", name,
                                  CODE_MAX);
            json_t *prev = json_object_get(norm, key);
            if (prev != NULL && !json_equal(prev, code))
                return text_error(err, errlen,
                                  "codes.%s.%s: given twice (codes are matched ignoring case and "
                                  "spaces around them)",
                                  name, native);
            json_object_set(norm, key, code);
        }
    }
    return true;
}

static bool
parse_defaults(mapping_t *m, json_t *defaults, char *err, size_t errlen)
{
    if (!json_is_object(defaults))
        return text_error(err, errlen, "defaults must be an object of field name to value");
    m->defaults = json_object();
    const char *name;
    json_t *v;
    json_object_foreach(defaults, name, v)
    {
        const field_t *f = field_find(name);
        if (f == NULL)
            return text_error(err, errlen, "defaults.%s: not a field of the protocol", name);
        if (strcmp(f->name, "external_ref") == 0 || strcmp(f->name, "subject_key") == 0)
            return text_error(err, errlen, "defaults.%s: this field cannot have a default", name);
        if (!json_is_string(v) || json_string_length(v) == 0)
            return text_error(err, errlen, "defaults.%s must be a non-empty string", name);
        if (json_object_get(m->defaults, f->name) != NULL)
            return text_error(err, errlen, "defaults.%s: the field is given twice", name);
        json_object_set(m->defaults, f->name, v);
    }
    return true;
}

mapping_t *
mapping_parse(const char *text, size_t len, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        text_error(err, errlen, "not valid JSON at line %d, column %d: %s", jerr.line, jerr.column,
                   jerr.text);
        return NULL;
    }
    mapping_t *m = xcalloc(1, sizeof(*m));
    bool ok = true;
    if (!json_is_object(root)) {
        ok = text_error(err, errlen, "a mapping is a JSON object with columns, codes and defaults");
    } else {
        const char *key;
        json_t *v;
        json_object_foreach(root, key, v)
        {
            if (strcmp(key, "columns") == 0)
                ok = parse_columns(m, v, err, errlen);
            else if (strcmp(key, "codes") == 0)
                ok = parse_codes(m, v, err, errlen);
            else if (strcmp(key, "defaults") == 0)
                ok = parse_defaults(m, v, err, errlen);
            else
                ok =
                    text_error(err, errlen,
                               "unknown member %s: a mapping has columns, codes and defaults", key);
            if (!ok)
                break;
        }
    }
    json_decref(root);
    if (!ok) {
        mapping_free(m);
        return NULL;
    }
    return m;
}

mapping_t *
mapping_load(const char *path, char *err, size_t errlen)
{
    char why[400];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = xmalloc(MAPPING_FILE_MAX + 1);
    size_t n = fread(text, 1, MAPPING_FILE_MAX + 1, f);
    bool read_error = ferror(f) != 0;
    fclose(f);
    mapping_t *m = NULL;
    if (read_error)
        snprintf(err, errlen, "%s: cannot read", path);
    else if (n > MAPPING_FILE_MAX)
        snprintf(err, errlen, "%s: larger than %d bytes", path, MAPPING_FILE_MAX);
    else if ((m = mapping_parse(text, n, why, sizeof(why))) == NULL)
        snprintf(err, errlen, "%s: %s", path, why);
    free(text);
    return m;
}

void
mapping_free(mapping_t *m)
{
    if (m == NULL)
        return;
    json_decref(m->columns);
    json_decref(m->codes);
    json_decref(m->defaults);
    free(m);
}

bool
mapping_column(const mapping_t *m, const char *column, const char **target)
{
    json_t *v = m && m->columns ? json_object_get(m->columns, column) : NULL;
    if (v == NULL)
        return false;
    *target = json_string_value(v); /* NULL for null: ignored */
    return true;
}

const char *
mapping_code(const mapping_t *m, const char *field, const char *native)
{
    json_t *table = m && m->codes ? json_object_get(m->codes, field) : NULL;
    char key[CODE_MAX + 1];
    if (table == NULL || !code_key(native, key))
        return NULL;
    return json_string_value(json_object_get(table, key));
}

const char *
mapping_default(const mapping_t *m, const char *field)
{
    return m && m->defaults ? json_string_value(json_object_get(m->defaults, field)) : NULL;
}
