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

#include "db.h"
#include "router.h"

#define REQUEST_ID_MAX 64

struct request {
    struct evhttp_request *ev;
    unsigned method;
    const route_t *route; /* NULL until routed */
    route_params_t params;
    db_t *db;
    int worker;
    char id[REQUEST_ID_MAX + 1];
    int64_t start_us;
    int status; /* 0 until answered */
    size_t bytes_out;
    bool close; /* answer with Connection: close */
};

void http_set_header(request_t *r, const char *name, const char *value);

/* Answers with body serialised as JSON; takes ownership of body. */
void http_respond_json(request_t *r, int status, json_t *body);

/* Answers with a problem made by problem_new; takes ownership. */
void http_respond_problem(request_t *r, json_t *problem);

/* Shorthand for http_respond_problem(r, problem_new(status, slug, detail)). */
void http_respond_error(request_t *r, int status, const char *slug, const char *detail);

/* Answers with body (drained) and the given content type. */
void http_respond_buffer(request_t *r, int status, const char *content_type, struct evbuffer *body);

/* Sets r->id from a well-formed X-Request-Id header or a random one. */
void http_assign_request_id(request_t *r);

/* Maps evhttp's method to a METHOD_* bit; 0 for methods no route takes. */
unsigned http_method(enum evhttp_cmd_type cmd);
const char *http_method_name(unsigned method);

#endif
