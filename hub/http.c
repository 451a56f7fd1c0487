#include "http.h"

#include <sys/queue.h> /* TAILQ_INIT for evkeyvalq */

#include <errno.h>
#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "problem.h"
#include "util.h"

void
http_set_header(request_t *r, const char *name, const char *value)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->ev);
    evhttp_remove_header(h, name);
    evhttp_add_header(h, name, value);
}

static void
respond(request_t *r, int status, const char *content_type)
{
    hub_assert(r->status == 0);
    r->status = status;
    r->content_type = content_type;
    r->body = evbuffer_new();
    hub_assert(r->body != NULL);
}

void
http_respond_buffer(request_t *r, int status, const char *content_type, struct evbuffer *body)
{
    respond(r, status, content_type);
    evbuffer_add_buffer(r->body, body);
}

void
http_respond_json_text(request_t *r, int status, const char *json_text)
{
    respond(r, status, "application/json");
    evbuffer_add(r->body, json_text, strlen(json_text));
    evbuffer_add(r->body, "\n", 1);
}

void
http_respond_empty(request_t *r, int status)
{
    respond(r, status, "application/json");
}

static bool
parse_id(const char *s, long long *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 18 || s[0] == '0')
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    *out = atoll(s);
    return true;
}

bool
http_param_id(const request_t *r, int i, long long *out)
{
    return i < r->params.n && parse_id(r->params.value[i], out);
}

bool
http_query(request_t *r, struct evkeyvalq *kv)
{
    const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(r->ev));
    TAILQ_INIT(kv);
    if (query != NULL && evhttp_parse_query_str(query, kv) != 0) {
        evhttp_clear_headers(kv);
        http_respond_error(r, 400, "bad-query", "The query string is malformed.");
        return false;
    }
    return true;
}

bool
http_content_type_is(request_t *r, const char *type)
{
    const char *ct = evhttp_find_header(evhttp_request_get_input_headers(r->ev), "Content-Type");
    size_t n = strlen(type);
    return ct != NULL && strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';');
}

bool
http_query_int(request_t *r, const char *name, long long min, long long max, long long def,
               long long *out)
{
    struct evkeyvalq kv;
    if (!http_query(r, &kv))
        return false;
    const char *v = evhttp_find_header(&kv, name);
    bool ok = true;
    *out = def;
    if (v != NULL) {
        char *end;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        ok = *v != '\0' && *end == '\0' && errno == 0 && n >= min && n <= max;
        if (ok) {
            *out = n;
        } else {
            char detail[160];
            snprintf(detail, sizeof(detail),
                     "Query parameter %s must be an integer from %lld to %lld.", name, min, max);
            json_t *p = problem_new(400, "bad-query", detail);
            char ptr[64];
            snprintf(ptr, sizeof(ptr), "?%s", name);
            problem_add_error(p, ptr, "Out of range or not an integer.");
            http_respond_problem(r, p);
        }
    }
    evhttp_clear_headers(&kv);
    return ok;
}

static int
dump_to_buffer(const char *text, size_t len, void *data)
{
    return evbuffer_add(data, text, len);
}

static void
respond_json_as(request_t *r, int status, const char *content_type, json_t *body)
{
    respond(r, status, content_type);
    /* Straight into the answer: no string to own (it would be arena memory). */
    hub_assert(json_dump_callback(body, dump_to_buffer, r->body, JSON_COMPACT) == 0);
    evbuffer_add(r->body, "\n", 1);
    json_decref(body);
}

void
http_discard_response(request_t *r)
{
    if (r->body != NULL)
        evbuffer_free(r->body);
    r->body = NULL;
    r->status = 0;
    evhttp_clear_headers(evhttp_request_get_output_headers(r->ev));
}

void
http_send(request_t *r)
{
    hub_assert(r->status != 0 && r->body != NULL);
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->ev);
    evhttp_add_header(h, "Content-Type", r->content_type);
    evhttp_add_header(h, "X-Request-Id", r->id);
    /* The API's answers are never cached nor rendered as a page; a handler
     * that serves something else (the dashboard) sets its own. */
    if (evhttp_find_header(h, "Cache-Control") == NULL)
        evhttp_add_header(h, "Cache-Control", "no-store");
    if (evhttp_find_header(h, "Content-Security-Policy") == NULL)
        evhttp_add_header(h, "Content-Security-Policy",
                          "default-src 'none'; frame-ancestors 'none'");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "Strict-Transport-Security", "max-age=31536000");
    if (r->close)
        evhttp_add_header(h, "Connection", "close");
    r->bytes_out = evbuffer_get_length(r->body);
    if (r->method == METHOD_HEAD) {
        /* evhttp would send the body after a HEAD's headers, where a
         * keep-alive client reads it as the next answer: state its length
         * and drop it. */
        char len[24];
        snprintf(len, sizeof(len), "%zu", r->bytes_out);
        evhttp_add_header(h, "Content-Length", len);
        evbuffer_drain(r->body, r->bytes_out);
        r->bytes_out = 0;
    }
    evhttp_send_reply(r->ev, r->status, http_reason(r->status), r->body);
    evbuffer_free(r->body);
    r->body = NULL;
}

json_t *
http_read_json(request_t *r)
{
    if (!http_content_type_is(r, "application/json")) {
        http_respond_error(r, 415, "unsupported-media-type",
                           "Send the body as Content-Type: application/json.");
        return NULL;
    }
    struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
    size_t len = evbuffer_get_length(in);
    const char *text = len ? (const char *)evbuffer_pullup(in, -1) : "";
    json_error_t err;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (root != NULL && json_is_object(root))
        return root;
    json_t *p;
    if (root == NULL) {
        char detail[256];
        snprintf(detail, sizeof(detail), "The body is not valid JSON: %s at byte %d.", err.text,
                 err.position);
        p = problem_new(400, "malformed-json", detail);
        json_object_set_new(p, "offset", json_integer(err.position));
    } else {
        p = problem_new(400, "malformed-json", "The body must be a JSON object.");
    }
    json_decref(root);
    http_respond_problem(r, p);
    return NULL;
}

void
http_respond_json(request_t *r, int status, json_t *body)
{
    respond_json_as(r, status, "application/json", body);
}

void
http_respond_problem(request_t *r, json_t *problem)
{
    int status = (int)json_integer_value(json_object_get(problem, "status"));
    hub_assert(status >= 400 && status <= 599);
    respond_json_as(r, status, "application/problem+json", problem);
}

void
http_respond_refused(request_t *r, json_t *problem)
{
    hub_assert(problem != NULL);
    json_object_set_new(problem, "detail",
                        json_string("Nothing was stored. The errors name each problem by its JSON "
                                    "Pointer; no submitted value is repeated."));
    http_respond_problem(r, problem);
}

void
http_respond_error(request_t *r, int status, const char *slug, const char *detail)
{
    http_respond_problem(r, problem_new(status, slug, detail));
}

static bool
valid_request_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > REQUEST_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return true;
}

void
http_assign_request_id(request_t *r)
{
    const char *given = evhttp_find_header(evhttp_request_get_input_headers(r->ev), "X-Request-Id");
    if (given != NULL && valid_request_id(given)) {
        snprintf(r->id, sizeof(r->id), "%s", given);
        return;
    }
    unsigned char b[12];
    hub_assert(RAND_bytes(b, sizeof(b)) == 1);
    hex_encode(b, sizeof(b), r->id);
}

unsigned
http_method(enum evhttp_cmd_type cmd)
{
    switch (cmd) {
    case EVHTTP_REQ_GET:
        return METHOD_GET;
    case EVHTTP_REQ_HEAD:
        return METHOD_HEAD;
    case EVHTTP_REQ_POST:
        return METHOD_POST;
    case EVHTTP_REQ_PUT:
        return METHOD_PUT;
    case EVHTTP_REQ_PATCH:
        return METHOD_PATCH;
    case EVHTTP_REQ_DELETE:
        return METHOD_DELETE;
    case EVHTTP_REQ_OPTIONS:
        return METHOD_OPTIONS;
    default:
        return 0;
    }
}

const char *
http_method_name(unsigned method)
{
    switch (method) {
    case METHOD_GET:
        return "GET";
    case METHOD_HEAD:
        return "HEAD";
    case METHOD_POST:
        return "POST";
    case METHOD_PUT:
        return "PUT";
    case METHOD_PATCH:
        return "PATCH";
    case METHOD_DELETE:
        return "DELETE";
    case METHOD_OPTIONS:
        return "OPTIONS";
    default:
        return "OTHER";
    }
}

static json_t *read_batch(request_t *r, const char *what);

json_t *
http_read_json_batch(request_t *r, const char *what, int max)
{
    json_t *a = read_batch(r, what);
    if (a == NULL)
        return NULL;
    int n = (int)json_array_size(a);
    if (n == 0 || n > max) {
        char detail[128];
        snprintf(detail, sizeof(detail), "A batch holds 1 to %d %s; this one has %d.", max, what,
                 n);
        http_respond_error(r, n ? 413 : 422, n ? "batch-too-large" : "empty-batch", detail);
        json_decref(a);
        return NULL;
    }
    return a;
}

/* The body as a JSON array, of any length. */
static json_t *
read_batch(request_t *r, const char *what)
{
    if (http_content_type_is(r, "application/json")) {
        struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
        size_t len = evbuffer_get_length(in);
        json_error_t err;
        json_t *a = json_loadb(len ? (const char *)evbuffer_pullup(in, -1) : "", len,
                               JSON_REJECT_DUPLICATES, &err);
        if (a == NULL || !json_is_array(a)) {
            char detail[200];
            if (a == NULL)
                snprintf(detail, sizeof(detail), "The body is not valid JSON: %s at byte %d.",
                         err.text, err.position);
            else
                snprintf(detail, sizeof(detail), "The body must be a JSON array of %s.", what);
            json_t *p = problem_new(400, "malformed-json", detail);
            if (a == NULL)
                json_object_set_new(p, "offset", json_integer(err.position));
            json_decref(a);
            http_respond_problem(r, p);
            return NULL;
        }
        return a;
    }
    if (!http_content_type_is(r, "application/x-ndjson")) {
        char detail[200];
        snprintf(detail, sizeof(detail),
                 "Send a JSON array of %s (application/json) or one per line "
                 "(application/x-ndjson).",
                 what);
        http_respond_error(r, 415, "unsupported-media-type", detail);
        return NULL;
    }
    struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
    size_t len = evbuffer_get_length(in);
    const char *text = len ? (const char *)evbuffer_pullup(in, -1) : "";
    json_t *a = json_array();
    size_t line = 0;
    for (const char *p = text, *end = text + len; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        size_t skip = 0; /* not strspn: the body has no NUL after its last line */
        while (skip < n && (p[skip] == ' ' || p[skip] == '\t' || p[skip] == '\r'))
            skip++;
        if (skip < n) { /* blank lines are allowed, e.g. a trailing one */
            json_error_t err;
            json_t *v = json_loadb(p, n, JSON_REJECT_DUPLICATES, &err);
            if (v == NULL) {
                char detail[200];
                snprintf(detail, sizeof(detail), "Line %zu is not valid JSON: %s at column %d.",
                         line + 1, err.text, err.column);
                json_t *prob = problem_new(400, "malformed-json", detail);
                json_object_set_new(prob, "line", json_integer((json_int_t)line + 1));
                json_decref(a);
                http_respond_problem(r, prob);
                return NULL;
            }
            json_array_append_new(a, v);
        }
        p += n + (nl != NULL);
    }
    return a;
}

bool
http_query_flag(request_t *r, struct evkeyvalq *kv, const char *name, bool *out)
{
    const char *v = evhttp_find_header(kv, name);
    *out = false;
    if (v == NULL || strcmp(v, "false") == 0)
        return true;
    if (strcmp(v, "true") == 0) {
        *out = true;
        return true;
    }
    char detail[96];
    snprintf(detail, sizeof(detail), "Query parameter %s must be true or false.", name);
    http_respond_error(r, 400, "bad-query", detail);
    return false;
}
