#include "http.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "problem.h"
#include "util.h"

void
http_set_header(request_t *r, const char *name, const char *value)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->ev);
    evhttp_remove_header(h, name);
    evhttp_add_header(h, name, value);
}

void
http_respond_buffer(request_t *r, int status, const char *content_type, struct evbuffer *body)
{
    hub_assert(r->status == 0);
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->ev);
    evhttp_add_header(h, "Content-Type", content_type);
    evhttp_add_header(h, "X-Request-Id", r->id);
    evhttp_add_header(h, "Cache-Control", "no-store");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "Strict-Transport-Security", "max-age=31536000");
    if (r->close)
        evhttp_add_header(h, "Connection", "close");
    r->status = status;
    r->bytes_out = evbuffer_get_length(body);
    evhttp_send_reply(r->ev, status, http_reason(status), body);
}

static void
respond_json_as(request_t *r, int status, const char *content_type, json_t *body)
{
    struct evbuffer *buf = evbuffer_new();
    hub_assert(buf != NULL);
    char *text = json_dumps(body, JSON_COMPACT);
    hub_assert(text != NULL);
    evbuffer_add(buf, text, strlen(text));
    evbuffer_add(buf, "\n", 1);
    free(text);
    json_decref(body);
    http_respond_buffer(r, status, content_type, buf);
    evbuffer_free(buf);
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
    for (size_t i = 0; i < sizeof(b); i++)
        snprintf(r->id + 2 * i, 3, "%02x", b[i]);
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
