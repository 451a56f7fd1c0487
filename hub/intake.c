#include "intake.h"

#include <sys/queue.h> /* before keyvalq_struct.h, for TAILQ_FOREACH */

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <string.h>

#include "routes.h"

/* evhttp's own limits are a hard stop answered with its HTML pages; ours,
 * checked per request, are lower and answered with problem+json: headers
 * up to 4 x HUB_MAX_HEADER, bodies up to 1.25 x the largest body limit. */
#define EVHTTP_CAP_FACTOR 4

void
intake_configure(struct evhttp *http, const config_t *cfg)
{
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                         EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                         EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
    evhttp_set_max_headers_size(http, (ev_ssize_t)(cfg->max_header * EVHTTP_CAP_FACTOR));
    size_t body = cfg->max_batch_body > cfg->max_body ? cfg->max_batch_body : cfg->max_body;
    evhttp_set_max_body_size(http, (ev_ssize_t)(body + body / EVHTTP_CAP_FACTOR));
    struct timeval tv = {cfg->request_timeout / 1000, (cfg->request_timeout % 1000) * 1000};
    evhttp_set_timeout_tv(http, &tv);
}

static size_t
header_bytes(struct evhttp_request *req)
{
    size_t n = strlen(evhttp_request_get_uri(req)) + 16; /* request line */
    struct evkeyval *kv;
    TAILQ_FOREACH(kv, evhttp_request_get_input_headers(req), next)
    n += strlen(kv->key) + strlen(kv->value) + 4;
    return n;
}

/* Limits that evhttp cannot answer in JSON are checked here; true if the
 * request was refused. */
static bool
refuse_oversized(request_t *r, const config_t *cfg)
{
    struct evhttp_request *req = r->ev;
    if (header_bytes(req) > cfg->max_header) {
        r->close = true;
        http_respond_error(r, 431, "header-too-large",
                           "The request line and headers exceed HUB_MAX_HEADER.");
        return true;
    }
    /* Before routing, only the largest limit any route has. */
    size_t cap = cfg->max_batch_body > cfg->max_body ? cfg->max_batch_body : cfg->max_body;
    if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) > cap) {
        r->close = true;
        http_respond_error(r, 413, "body-too-large", "The request body exceeds the limit.");
        return true;
    }
    return false;
}

/* The body limit of the route (HUB_MAX_BODY unless it takes batches);
 * true when the request exceeds it and was refused. */
static bool
refuse_body(request_t *r, const config_t *cfg, const route_t *found)
{
    bool batch = found != NULL && (found->flags & ROUTE_BATCH_BODY);
    if (evbuffer_get_length(evhttp_request_get_input_buffer(r->ev)) <=
        (batch ? cfg->max_batch_body : cfg->max_body))
        return false;
    r->close = true;
    http_respond_error(r, 413, "body-too-large",
                       batch ? "The request body exceeds HUB_MAX_BATCH_BODY."
                             : "The request body exceeds HUB_MAX_BODY.");
    return true;
}

const route_t *
intake_route(request_t *r, const config_t *cfg)
{
    if (refuse_oversized(r, cfg))
        return NULL;
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(r->ev));
    const route_t *found = NULL;
    unsigned allowed = 0;
    route_result_t match =
        router_match(routes, nroutes, r->method, path ? path : "", &found, &r->params, &allowed);
    if (match == ROUTE_FOUND)
        r->route = found;
    if (refuse_body(r, cfg, r->route))
        return NULL;
    switch (match) {
    case ROUTE_FOUND:
        return found;
    case ROUTE_BAD_METHOD: {
        char allow[96];
        router_allow_header(allowed, allow, sizeof(allow));
        http_set_header(r, "Allow", allow);
        http_respond_error(r, 405, "method-not-allowed",
                           "This resource does not accept that method; see the Allow header.");
        return NULL;
    }
    case ROUTE_NOT_FOUND:
        break;
    }
    http_respond_error(r, 404, "not-found", "No resource at this path.");
    return NULL;
}
