/* http.h: one request as handlers see it, and the ways to answer it.
 *
 * A handler answers exactly once, with one of the http_respond_* calls;
 * the server then logs the request and counts it. */
#ifndef HUB_HTTP_H
#define HUB_HTTP_H

#include <event2/http.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "credential.h"
#include "db.h"
#include "router.h"

typedef struct ssl_st SSL;

#define REQUEST_ID_MAX 64

struct request {
    struct evhttp_request *ev;
    SSL *ssl; /* the connection's TLS state, for the client certificate */
    unsigned method;
    const route_t *route; /* NULL until routed */
    route_params_t params;
    db_t *db;
    int worker;
    char id[REQUEST_ID_MAX + 1];
    int64_t start_us;
    bool close; /* answer with Connection: close */

    /* The caller, once access_authenticate succeeded (else NULL), and
     * whether the request's transaction is open. */
    const identity_t *who;
    identity_t identity;
    bool in_transaction;
    bool audited; /* the handler's own statements wrote the audit row and committed */
    /* What the audit row names as the object acted on. */
    char audit_type[32];
    char audit_id[64];

    /* The answer, built by a handler and sent by the server once the
     * transaction committed (nothing is acknowledged before). */
    int status; /* 0 until answered */
    const char *content_type;
    struct evbuffer *body;
    size_t bytes_out;
};

void http_set_header(request_t *r, const char *name, const char *value);

/* Answers with body serialised as JSON; takes ownership of body. */
void http_respond_json(request_t *r, int status, json_t *body);

/* Answers with a problem made by problem_new; takes ownership. */
void http_respond_problem(request_t *r, json_t *problem);

/* Answers a body's problems (input_end's 422, owned) saying that nothing
 * was stored. */
void http_respond_refused(request_t *r, json_t *problem);

/* Shorthand for http_respond_problem(r, problem_new(status, slug, detail)). */
void http_respond_error(request_t *r, int status, const char *slug, const char *detail);

/* Answers with body (drained) and the given content type. */
void http_respond_buffer(request_t *r, int status, const char *content_type, struct evbuffer *body);

/* Answers with JSON text made elsewhere (e.g. by PostgreSQL's json_build_object). */
void http_respond_json_text(request_t *r, int status, const char *json_text);

/* Answers with no body (204). */
void http_respond_empty(request_t *r, int status);

/* The query parameter name as an integer in [min, max], def when absent.
 * Answers 400 and returns false when it is malformed or out of range. */
HUB_MUST_CHECK bool http_query_int(request_t *r, const char *name, long long min, long long max,
                                   long long def, long long *out);

/* The query string's parameters into kv (the caller evhttp_clear_headers
 * it). Answers 400 and returns false when the query is malformed. */
HUB_MUST_CHECK bool http_query(request_t *r, struct evkeyvalq *kv);

/* The query parameter name of kv (from http_query) as true or false,
 * false when absent. Answers 400 and returns false when it is neither. */
HUB_MUST_CHECK bool http_query_flag(request_t *r, struct evkeyvalq *kv, const char *name,
                                    bool *out);

/* Is the request's Content-Type media type (parameters ignored)? */
bool http_content_type_is(request_t *r, const char *type);

/* Path parameter i as a positive id, or false (no such record can exist). */
HUB_MUST_CHECK bool http_param_id(const request_t *r, int i, long long *out);

/* Drops an answer not yet sent (e.g. when the commit failed). */
void http_discard_response(request_t *r);

/* Sends the answer; called once by the server after the handler. */
void http_send(request_t *r);

/* The body as a JSON object. Answers 415 (not application/json) or 400
 * (malformed, with the byte offset) itself and returns NULL. */
json_t *http_read_json(request_t *r);

/* A batch of 1 to max values as a JSON array: an application/json body's
 * array, or one value per line of an application/x-ndjson body (blank
 * lines skipped). Answers 415, 400, 413 (over max) or 422 (empty) itself,
 * naming what the batch holds (e.g. "reports"), and returns NULL. */
json_t *http_read_json_batch(request_t *r, const char *what, int max);

/* Sets r->id from a well-formed X-Request-Id header or a random one. */
void http_assign_request_id(request_t *r);

/* Maps evhttp's method to a METHOD_* bit; 0 for methods no route takes. */
unsigned http_method(enum evhttp_cmd_type cmd);
const char *http_method_name(unsigned method);

#endif
