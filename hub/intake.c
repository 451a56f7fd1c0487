#include "intake.h"

#include <sys/queue.h> /* before keyvalq_struct.h, for TAILQ_FOREACH */

#include <event2/buffer.h>
#include <event2/http_struct.h> /* the request's HTTP version: libevent 2.1 has no getter */
#include <event2/keyvalq_struct.h>
#include <string.h>
#include <strings.h>

#include "problem.h"
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

/* ---- framing: where the body ends, read one way only ----------------- */

/* A header name is a token (RFC 9110 5.6.2): no spaces, no separators. */
static bool
is_token(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("!#$%&'*+-.^_`|~", c) != NULL))
            return false;
    }
    return true;
}

/* Why the framing of req is ambiguous, or NULL. evhttp reads a chunked
 * body when Transfer-Encoding says chunked and otherwise the first
 * Content-Length, whatever else the headers say; a proxy in front of hubd
 * may read the same bytes another way and pass on a second request hidden
 * in the body (request smuggling). RFC 9112 6.1 and 6.3 say such requests
 * are errors; they are refused and the connection closed. */
static const char *
framing_problem(struct evhttp_request *req)
{
    int ncl = 0, nte = 0;
    const char *cl = NULL, *te = NULL;
    struct evkeyval *h;
    TAILQ_FOREACH(h, evhttp_request_get_input_headers(req), next)
    {
        if (!is_token(h->key))
            return "A header name is not a token (e.g. a space before its colon).";
        if (strcasecmp(h->key, "Content-Length") == 0)
            ncl++, cl = h->value;
        else if (strcasecmp(h->key, "Transfer-Encoding") == 0)
            nte++, te = h->value;
    }
    if (ncl > 1)
        return "Content-Length is given more than once.";
    if (ncl == 1 && (cl[0] == '\0' || cl[strspn(cl, "0123456789")] != '\0'))
        return "Content-Length is not a number of bytes.";
    if (nte > 0 && ncl > 0)
        return "Content-Length and Transfer-Encoding are both given.";
    if (nte > 1 || (nte == 1 && strcasecmp(te, "chunked") != 0))
        return "The only Transfer-Encoding accepted is chunked, given once.";
    if (nte > 0 && req->major == 1 && req->minor == 0)
        return "HTTP/1.0 has no Transfer-Encoding.";
    return NULL;
}

/* ---- credentials in the URL ----------------------------------------- */

static int
hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The query parameter of query that names a credential ("token" or
 * "access_token", compared as evhttp decodes names: percent-escapes and
 * '+', in any case), or NULL. Malformed queries are looked into too. */
static const char *
credential_in_query(const char *query)
{
    static const char *const names[] = {"access_token", "token"};
    for (const char *p = query; *p != '\0';) {
        size_t len = strcspn(p, "&;"), nlen = strcspn(p, "=&;");
        char name[16];
        size_t o = 0;
        for (size_t i = 0; i < nlen && o < sizeof(name) - 1; i++, o++) {
            int hi = p[i] == '%' && i + 2 < nlen ? hex_value((unsigned char)p[i + 1]) : -1;
            int lo = hi >= 0 ? hex_value((unsigned char)p[i + 2]) : -1;
            if (hi >= 0 && lo >= 0) {
                name[o] = (char)(hi << 4 | lo);
                i += 2;
            } else {
                name[o] = p[i] == '+' ? ' ' : p[i];
            }
        }
        name[o] = '\0';
        for (size_t k = 0; k < ARRAY_LEN(names); k++)
            if (strcasecmp(name, names[k]) == 0)
                return names[k];
        p += len + (p[len] != '\0');
    }
    return NULL;
}

/* A URL is written to logs, caches and browser history along its way, so a
 * token in it is refused, not ignored: the client learns at once, before
 * the habit spreads. */
static bool
refuse_credential_in_query(request_t *r)
{
    const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(r->ev));
    const char *name = query != NULL ? credential_in_query(query) : NULL;
    if (name == NULL)
        return false;
    json_t *p = problem_new(400, "credential-in-query",
                            "Credentials are never accepted in the URL: send the token in an "
                            "Authorization: Bearer header, and revoke this one (URLs are logged "
                            "along their way).");
    char ptr[32];
    snprintf(ptr, sizeof(ptr), "?%s", name);
    problem_add_error(p, ptr, "A credential in the query string.");
    http_respond_problem(r, p);
    return true;
}

const route_t *
intake_route(request_t *r, const config_t *cfg)
{
    if (refuse_oversized(r, cfg))
        return NULL;
    const char *framing = framing_problem(r->ev);
    if (framing != NULL) {
        r->close = true;
        http_respond_error(r, 400, "ambiguous-framing", framing);
        return NULL;
    }
    if (refuse_credential_in_query(r))
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
