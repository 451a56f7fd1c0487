/* fetch.h: what hubctl's read commands (stats, targets, referrals, report)
 * share: the connection options as arguments, and a GET of one JSON
 * resource whose failure becomes the standard one-line message (remote.h).
 *
 * The options and their variables are submit's: --url HUB_URL, --ca HUB_CA,
 * --token HUB_TOKEN, --cert HUB_CERT, --key HUB_KEY, and --timeout. */
#ifndef HUBCTL_FETCH_H
#define HUBCTL_FETCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../hub/util.h"
#include "args.h"
#include "remote.h"

enum {
    FETCH_ARGS = 6,        /* entries fetch_args adds to a command's table */
    FETCH_PATH_MAX = 2048, /* bytes of a path with its query */
    FETCH_TIMEOUT_DEFAULT = 60,
};

typedef struct {
    const char *url, *ca, *token, *cert, *key, *timeout; /* as given, or NULL */
} fetch_opts_t;

/* The connection options' help lines, for a command's usage. */
#define FETCH_USAGE                                                                                \
    "Connection (options win over the environment; as for hubctl submit):\n"                       \
    "  --url URL              the hub, https://HOST[:PORT] (HUB_URL)\n"                            \
    "  --ca FILE              CA certificate(s) that signed the hub's certificate (HUB_CA)\n"      \
    "  --token TOKEN          a bearer token (HUB_TOKEN; prefer the variable)\n"                   \
    "  --cert FILE, --key FILE  a client certificate and its key instead (HUB_CERT, HUB_KEY)\n"    \
    "  --timeout SECONDS      for one request and its answer, 1-3600 (default 60)\n"

/* Writes the FETCH_ARGS option entries, filling *o, at out. */
void fetch_args(fetch_opts_t *o, arg_t *out);

/* Checks the options and loads the certificates; NULL after ctl_error. */
HUB_MUST_CHECK remote_t *fetch_open(const fetch_opts_t *o);

/* GETs path and returns its JSON object (the caller's), or NULL after
 * ctl_error with the standard message. needs: see remote_get_json. */
HUB_MUST_CHECK json_t *fetch_json(remote_t *r, const char *path, const char *needs);

/* Appends "&name=value" (the first one "?name=value") to path (len bytes),
 * the value percent-encoded; false when it does not fit. A NULL value adds
 * nothing. */
HUB_MUST_CHECK bool fetch_query(char *path, size_t len, const char *name, const char *value);

/* Prints answer as indented JSON on stdout; the command's exit code. */
HUB_MUST_CHECK int fetch_print_json(const json_t *answer);

#endif
