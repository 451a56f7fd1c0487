/* https.h: a small HTTPS/1.1 client on OpenSSL, for hubctl's calls to the
 * hub's API.
 *
 * One connection at a time, kept alive between requests and opened again
 * when the server closes it (a request that fails on a reused connection
 * before any byte of an answer arrived is sent once more on a new one).
 * Requests carry Content-Length bodies; answers may have a Content-Length,
 * a chunked or a close-delimited body, within a size limit. Every wait is
 * bounded: the connection by connect_timeout_ms, a whole request and its
 * answer by io_timeout_ms. The server's certificate is always verified
 * against the CA file given (else the system's CAs) and its name (or IP
 * address) against the URL's host; there is no way to turn that off.
 * TLS 1.2 at least. The caller ignores SIGPIPE.
 *
 * The answer's parser is pure (https_parser_*), for the tests. */
#ifndef HUBCTL_HTTPS_H
#define HUBCTL_HTTPS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../hub/util.h"

enum {
    HTTPS_HEAD_MAX = 32 * 1024, /* bytes of an answer's status line and headers */
};

typedef struct {
    const char *url;       /* https://HOST[:PORT][/PREFIX] */
    const char *ca_file;   /* PEM CA certificates; NULL: the system's */
    const char *cert_file; /* PEM client certificate (chain), or NULL */
    const char *key_file;  /* its key; NULL: in cert_file */
    int connect_timeout_ms;
    int io_timeout_ms;
    size_t max_body;               /* bytes of an answer's body */
    const char *user_agent;        /* "hubctl/0.1.0" */
    volatile sig_atomic_t *cancel; /* when it becomes non-zero, requests stop */
} https_opts_t;

typedef enum {
    HTTPS_OK = 0,
    HTTPS_ERR_CONNECT,   /* the host cannot be resolved or reached */
    HTTPS_ERR_VERIFY,    /* the server's certificate is not trusted or not for this host */
    HTTPS_ERR_TLS,       /* the TLS handshake or session failed otherwise */
    HTTPS_ERR_IO,        /* the connection broke or timed out during the exchange */
    HTTPS_ERR_PROTOCOL,  /* the answer is not valid HTTP/1.1 */
    HTTPS_ERR_TOO_LARGE, /* the answer is larger than allowed */
    HTTPS_ERR_CANCELLED, /* *cancel was set */
} https_err_t;

typedef struct {
    int status;
    char content_type[128]; /* the media type, lower-case, without parameters */
    long retry_after;       /* Retry-After in seconds, or -1 */
    char *body;             /* NUL-terminated (the body may hold NULs of its own) */
    size_t body_len;
} https_response_t;

typedef struct https https_t;

/* Checks the URL and loads the CA and client certificate; NULL with err set
 * ("--ca FILE: …", "the URL …"). Connects only at the first request. */
HUB_MUST_CHECK https_t *https_new(const https_opts_t *o, char *err, size_t errlen);

void https_free(https_t *c);

/* "host:port" as the URL names it, for messages. */
const char *https_origin(const https_t *c);

/* Sends METHOD PREFIX+path with headers (NULL-terminated "Name: value"
 * lines) and body, and reads the answer into *resp (free it with
 * https_response_free, whatever the result). Anything but HTTPS_OK leaves
 * a one-line reason in err. */
HUB_MUST_CHECK https_err_t https_request(https_t *c, const char *method, const char *path,
                                         const char *const *headers, const char *body,
                                         size_t body_len, https_response_t *resp, char *err,
                                         size_t errlen);

void https_response_free(https_response_t *r);

/* ---- the answer's parser ---------------------------------------------- */

typedef enum { HTTPS_PARSE_MORE, HTTPS_PARSE_DONE, HTTPS_PARSE_ERROR } https_parse_t;

typedef struct {
    /* the answer so far */
    https_response_t resp;
    bool keep_alive; /* the connection may carry another request */
    const char *error;
    bool too_large;
    /* internal */
    char *head;
    size_t head_len, body_cap, max_body;
    int phase, chunk_state;
    unsigned long long remaining;
    unsigned chunk_digits;
} https_parser_t;

void https_parser_init(https_parser_t *p, size_t max_body);

/* Feeds len bytes; *used says how many belong to this answer (the rest, if
 * any, came after it). DONE: p->resp is complete. ERROR: p->error says why
 * (p->too_large when over the limit). */
https_parse_t https_parser_feed(https_parser_t *p, const char *data, size_t len, size_t *used);

/* The connection ended: DONE for a close-delimited body, else ERROR. */
https_parse_t https_parser_eof(https_parser_t *p);

/* Frees the parser's buffers; p->resp is the caller's (https_response_free). */
void https_parser_free(https_parser_t *p);

#endif
