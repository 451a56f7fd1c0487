/* input.h: checking a JSON request body member by member.
 *
 * Every problem found is collected (not just the first), each with a JSON
 * Pointer to the member, into one 422 problem. No submitted value is ever
 * echoed back in a message. At most INPUT_ERRORS_MAX are listed, then one
 * entry saying how many more there were: a body of many small mistakes
 * (20,000 unknown members) must not make an answer many times its size. */
#ifndef HUB_INPUT_H
#define HUB_INPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define INPUT_POINTER_MAX 160
#define INPUT_ERRORS_MAX 100

typedef struct input {
    json_t *root;                   /* borrowed */
    char prefix[INPUT_POINTER_MAX]; /* JSON Pointer of root in the whole body */
    json_t *errors;                 /* [{pointer, message}]; shared with nested inputs */
    size_t omitted;                 /* problems beyond INPUT_ERRORS_MAX, not listed */
    struct input *owner;            /* the outermost input, which owns errors */
} input_t;

void input_begin(input_t *in, json_t *root);

/* Like input_begin for root found at prefix (e.g. "/3" in a batch). */
void input_begin_at(input_t *in, json_t *root, const char *prefix);

/* Like input_begin_at, noting problems in outer's list: one problem for a
 * whole batch, each item's pointers under its prefix. */
void input_begin_within(input_t *in, json_t *root, const char *prefix, input_t *outer);

/* The object member key of parent, checked with parent's error list. False
 * (with the error noted, if required) when absent or not an object. */
bool input_object(input_t *parent, const char *key, bool required, input_t *child);

/* Has any problem been noted (in this input or any nested in it)? */
bool input_failed(const input_t *in);

/* The JSON Pointer of member key of in (escaped as RFC 6901 says). */
void input_pointer(const input_t *in, const char *key, char *buf, size_t len);

/* Notes a problem at pointer (e.g. "/name"). */
void input_error(input_t *in, const char *pointer, const char *message);

/* Refuses members not named in allowed (a NULL-terminated list). */
void input_only(input_t *in, const char *const *allowed);

/* A string member of min..max characters (code points) with no control
 * characters; NULL when absent (an error if required) or invalid. */
const char *input_string(input_t *in, const char *key, size_t min, size_t max, bool required);

/* A member whose value is one of choices (NULL-terminated). */
const char *input_choice(input_t *in, const char *key, const char *const *choices, bool required);

/* An integer member in [min, max]. Returns false when absent or invalid;
 * *null is set when the member is present as JSON null (allowed if nullable). */
bool input_integer(input_t *in, const char *key, long long min, long long max, bool required,
                   bool nullable, long long *out, bool *null);

/* A finite number member (integer or real) in [min, max]; false when
 * absent or invalid. */
bool input_number(input_t *in, const char *key, double min, double max, bool required, double *out);

/* A boolean member; false when absent or invalid. */
bool input_bool(input_t *in, const char *key, bool required, bool *out);

/* Applies patch to target as an RFC 7396 JSON merge patch: members of the
 * patch replace, null removes, at any depth (target must be an object). */
void input_merge_patch(json_t *target, json_t *patch);

/* The collected 422 problem (the caller owns it), or NULL when all is well. */
json_t *input_end(input_t *in);

/* The collected errors array (the caller owns it), or NULL when all is well. */
json_t *input_end_errors(input_t *in);

#endif
