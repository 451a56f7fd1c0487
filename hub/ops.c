#include "ops.h"

#include <event2/buffer.h>

#include "metrics.h"
#include "server.h"
#include "util.h"

void
ops_healthz(request_t *r)
{
    PGresult *res = db_exec(r->db, "SELECT 1", 0, NULL);
    if (res == NULL) {
        http_set_header(r, "Retry-After", "5");
        http_respond_json(
            r, 503, json_pack("{s:s, s:s}", "status", "unavailable", "database", "unavailable"));
        return;
    }
    PQclear(res);
    http_respond_json(r, 200, json_pack("{s:s, s:s}", "status", "ok", "database", "ok"));
}

void
ops_metrics(request_t *r)
{
    struct evbuffer *buf = evbuffer_new();
    hub_assert(buf != NULL);
    metrics_render(buf, server_db_errors);
    http_respond_buffer(r, 200, "text/plain; version=0.0.4; charset=utf-8", buf);
    evbuffer_free(buf);
}
