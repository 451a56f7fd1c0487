/* args.h: a command's options and operands as a table, parsed and
 * validated in one place.
 *
 * Options are "--name VALUE" or "--name=VALUE" and may come in any order,
 * before or after the operands; "--" ends options. Values are kept as the
 * text given (they become SQL parameters), after validation by type. */
#ifndef HUBCTL_ARGS_H
#define HUBCTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "../../hub/util.h"

typedef enum {
    ARG_FLAG,   /* no value: sets *flag */
    ARG_TEXT,   /* UTF-8 without control characters, min to max characters */
    ARG_ID,     /* a positive bigint */
    ARG_INT,    /* an integer from min to max */
    ARG_CHOICE, /* one of choices */
    ARG_FILE,   /* a non-empty file name */
} arg_type_t;

typedef struct {
    const char *name; /* "--label"; without dashes ("NAME"): an operand, in order */
    arg_type_t type;
    bool required;              /* options only; operands are always required */
    long long min, max;         /* ARG_TEXT: length in characters; ARG_INT: value */
    const char *const *choices; /* ARG_CHOICE: NULL-terminated */
    const char **value;         /* the validated text; left NULL when absent */
    bool *flag;                 /* ARG_FLAG */
} arg_t;

typedef struct {
    const char *usage; /* the command's help, "Usage: hubctl …" first */
    const arg_t *args;
    size_t nargs;
} arg_spec_t;

/* Parses argv (argv[0] is the command's verb). True: go on. False: stop and
 * exit with *exit_code (0 after --help printed the usage on stdout, 2 after a
 * usage error printed with the usage on stderr). */
HUB_MUST_CHECK bool args_parse(const arg_spec_t *spec, int argc, char **argv, int *exit_code);

/* Reports a usage problem found after parsing ("hubctl: …" and the usage
 * on stderr); returns CTL_USAGE. */
int args_usage_error(const arg_spec_t *spec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
