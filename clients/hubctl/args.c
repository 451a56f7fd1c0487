#include "args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubctl.h"
#include "text.h"

static void __attribute__((format(printf, 2, 0)))
vusage_error(const arg_spec_t *spec, const char *fmt, va_list ap)
{
    fputs("hubctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fputs(spec->usage, stderr);
}

int
args_usage_error(const arg_spec_t *spec, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vusage_error(spec, fmt, ap);
    va_end(ap);
    return CTL_USAGE;
}

/* Digits only, no sign or spaces, within [min, max]. */
static bool
integer_in(const char *s, long long min, long long max)
{
    if (*s == '\0' || strspn(s, "0123456789") != strlen(s))
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    return errno == 0 && *end == '\0' && v >= min && v <= max;
}

/* NULL when value suits arg, else what is wrong with it. */
static const char *
arg_check(const arg_t *arg, const char *value, char *buf, size_t buflen)
{
    switch (arg->type) {
    case ARG_FLAG:
        break;
    case ARG_TEXT:
        if (!text_valid(value, (size_t)arg->min, (size_t)arg->max, buf, buflen))
            return buf;
        break;
    case ARG_ID:
        if (!integer_in(value, 1, INT64_MAX))
            return "must be a positive integer";
        break;
    case ARG_INT:
        if (!integer_in(value, arg->min, arg->max)) {
            snprintf(buf, buflen, "must be an integer from %lld to %lld", arg->min, arg->max);
            return buf;
        }
        break;
    case ARG_CHOICE:
        for (const char *const *c = arg->choices; *c; c++)
            if (strcmp(*c, value) == 0)
                return NULL;
        size_t o = (size_t)snprintf(buf, buflen, "must be one of:");
        for (const char *const *c = arg->choices; *c && o < buflen; c++)
            o += (size_t)snprintf(buf + o, buflen - o, " %s", *c);
        return buf;
    case ARG_FILE:
        if (*value == '\0')
            return "must not be empty";
        break;
    }
    return NULL;
}

static const arg_t *
find_option(const arg_spec_t *spec, const char *name, size_t len)
{
    for (size_t i = 0; i < spec->nargs; i++) {
        const char *n = spec->args[i].name;
        if (strncmp(n, "--", 2) == 0 && strlen(n) == len && strncmp(n, name, len) == 0)
            return &spec->args[i];
    }
    return NULL;
}

static bool
is_operand(const arg_t *arg)
{
    return strncmp(arg->name, "--", 2) != 0;
}

/* Stores value for arg after checking it; false after a usage error. */
static bool
arg_store(const arg_spec_t *spec, const arg_t *arg, const char *value)
{
    char buf[200];
    if (*arg->value != NULL) {
        args_usage_error(spec, "%s given more than once", arg->name);
        return false;
    }
    const char *why = arg_check(arg, value, buf, sizeof(buf));
    if (why != NULL) {
        args_usage_error(spec, "%s %s", arg->name, why);
        return false;
    }
    *arg->value = value;
    return true;
}

bool
args_parse(const arg_spec_t *spec, int argc, char **argv, int *exit_code)
{
    size_t next_operand = 0; /* index into spec->args of the next operand to fill */
    bool options_done = false;
    *exit_code = CTL_USAGE;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!options_done && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            fputs(spec->usage, stdout);
            *exit_code = CTL_OK;
            return false;
        }
        if (!options_done && strcmp(a, "--") == 0) {
            options_done = true;
            continue;
        }
        if (!options_done && a[0] == '-' && a[1] != '\0') {
            const char *eq = strchr(a, '=');
            size_t len = eq ? (size_t)(eq - a) : strlen(a);
            const arg_t *opt = find_option(spec, a, len);
            if (opt == NULL) {
                args_usage_error(spec, "unknown option %.*s", (int)len, a);
                return false;
            }
            if (opt->type == ARG_FLAG) {
                if (eq != NULL) {
                    args_usage_error(spec, "%s takes no value", opt->name);
                    return false;
                }
                *opt->flag = true;
                continue;
            }
            const char *value = eq ? eq + 1 : NULL;
            if (value == NULL) {
                if (i + 1 >= argc) {
                    args_usage_error(spec, "%s needs a value", opt->name);
                    return false;
                }
                value = argv[++i];
            }
            if (!arg_store(spec, opt, value))
                return false;
            continue;
        }
        while (next_operand < spec->nargs && !is_operand(&spec->args[next_operand]))
            next_operand++;
        if (next_operand == spec->nargs) {
            args_usage_error(spec, "unexpected argument \"%s\"", a);
            return false;
        }
        if (!arg_store(spec, &spec->args[next_operand++], a))
            return false;
    }

    for (size_t k = 0; k < spec->nargs; k++) {
        const arg_t *arg = &spec->args[k];
        if (arg->type == ARG_FLAG || *arg->value != NULL)
            continue;
        if (is_operand(arg)) {
            args_usage_error(spec, "missing %s", arg->name);
            return false;
        }
        if (arg->required) {
            args_usage_error(spec, "missing %s", arg->name);
            return false;
        }
    }
    return true;
}
