/* remote.h: hubctl's calls to the hub's API over HTTPS (https.h): the
 * connection options, from the command line or the environment, and each
 * failure turned into one clear line, classed as worth retrying or not.
 *
 * Options and their variables: --url HUB_URL, --ca HUB_CA, --token
 * HUB_TOKEN, --cert HUB_CERT, --key HUB_KEY. A credential given on the
 * command line wins over the environment's; a token and a certificate
 * together are refused, so that it is always clear who is submitting. */
#ifndef HUBCTL_REMOTE_H
#define HUBCTL_REMOTE_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../hub/util.h"

typedef struct {
    const char *url, *ca, *token, *cert, *key; /* as given on the command line, or NULL */
    int timeout_s;                             /* one request and its answer */
    volatile sig_atomic_t *cancel;
} remote_opts_t;

typedef struct remote remote_t;

/* Completes the options from the environment, checks them and loads the
 * certificates. NULL with err set. Nothing is sent yet. */
HUB_MUST_CHECK remote_t *remote_new(const remote_opts_t *o, char *err, size_t errlen);

void remote_free(remote_t *r);

/* What identifies this hub and credential, for recognising a resumed run:
 * the URL and the SHA-256 of the token (or the certificate file's name). */
const char *remote_identity(const remote_t *r);

typedef enum {
    REMOTE_OK,        /* *answer holds the JSON answer (the caller's) */
    REMOTE_RETRY,     /* worth trying again: unreachable, timed out, 429, 5xx */
    REMOTE_FATAL,     /* trying again will not help: bad certificate, 401, 403, 4xx */
    REMOTE_CANCELLED, /* interrupted */
} remote_result_t;

/* POSTs body (NDJSON, n_items reports) to /v1/reports/batch (?dry_run=true
 * when asked), with request_id as X-Request-Id. On REMOTE_RETRY and
 * REMOTE_FATAL, why holds one line and *retry_after the seconds the hub
 * asked to wait (-1: none). */
HUB_MUST_CHECK remote_result_t remote_post_batch(remote_t *r, const char *body, size_t len,
                                                 bool dry_run, const char *request_id,
                                                 json_t **answer, long *retry_after, char *why,
                                                 size_t whylen);

/* GETs path (with its query) and parses the answer, which must be a JSON
 * object, into *answer (the caller's). On REMOTE_RETRY and REMOTE_FATAL,
 * why holds one line, as for remote_post_batch; needs names what a 403
 * lacks ("the role read"). */
HUB_MUST_CHECK remote_result_t remote_get_json(remote_t *r, const char *path, const char *needs,
                                               json_t **answer, char *why, size_t whylen);

#endif
