/* fields.h: the fields of a report of the protocol harassment-report/1 as
 * hubctl submit fills them from a row: each field's name (a CSV column
 * name), where it goes in the report (a JSON Pointer) and how its text is
 * turned into JSON. The code lists themselves are the hub's business
 * (api/codes): hubctl sends what the row says and reports what the hub
 * refuses. */
#ifndef HUBCTL_FIELDS_H
#define HUBCTL_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    FIELD_TEXT, /* a string, as given (trimmed) */
    FIELD_DATE, /* a date: YYYY-MM-DD, or DD/MM/YYYY turned into YYYY-MM-DD */
    FIELD_CODE, /* a code: a native code may be mapped (mapping.h) */
    FIELD_LIST, /* codes separated by ';': an array */
} field_kind_t;

typedef struct {
    const char *name;    /* "age_band" */
    const char *pointer; /* "/victim/age_band" */
    field_kind_t kind;
    bool victim; /* a member of the report's victim object */
} field_t;

/* Every field, in the order a report is written. */
extern const field_t fields[];
extern const size_t fields_count;

/* The field a column name stands for: its name, or victim.NAME for the
 * victim's fields (ethnic_group or victim.ethnic_group). NULL: none. */
const field_t *field_find(const char *name);

/* The field a JSON Pointer into a report lies in ("/strands/2" is in
 * strands). NULL: none. */
const field_t *field_of_pointer(const char *pointer);

#endif
