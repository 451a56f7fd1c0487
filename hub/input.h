/* input.h: checking a JSON request body member by member.
 *
 * Every problem found is collected (not just the first), each with a JSON
 * Pointer to the member, into one 422 problem. No submitted value is ever
 * echoed back in a message. */
#ifndef HUB_INPUT_H
#define HUB_INPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct input {
    json_t *root;    /* borrowed */
    json_t *problem; /* owned; NULL while nothing is wrong */
} input_t;

void input_begin(input_t *in, json_t *root);

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

/* A boolean member; false when absent or invalid. */
bool input_bool(input_t *in, const char *key, bool required, bool *out);

/* The collected 422 problem (the caller owns it), or NULL when all is well. */
json_t *input_end(input_t *in);

#endif
