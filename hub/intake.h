/* intake.h: a request between evhttp's parser and its handler.
 *
 * evhttp (libevent 2.1) reads the request line, the headers and the body
 * off the connection; everything hubd itself interprets of them before a
 * handler runs is here: the size limits, framing that could be read two
 * ways (request smuggling), a credential in the query string, routing and
 * the route's body limit. Whatever is refused is answered here, as
 * problem+json.
 *
 * tests/fuzz/fuzz_http.c feeds raw bytes through a real evhttp into this
 * (and on into the handlers, with no database): keep it free of anything
 * that needs a TLS connection or the database. */
#ifndef HUB_INTAKE_H
#define HUB_INTAKE_H

#include <event2/http.h>

#include "config.h"
#include "http.h"
#include "router.h"

/* evhttp's own hard limits, timeout and methods on a worker's evhttp. */
void intake_configure(struct evhttp *http, const config_t *cfg);

/* The route to run r with, its path parameters in r->params; or NULL when
 * r was answered here (431, 413, 400, 404, 405). r->route is set whenever a
 * route matched, even if r was then refused. */
const route_t *intake_route(request_t *r, const config_t *cfg);

#endif
