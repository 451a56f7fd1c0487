/* fuzz_http.c: raw bytes on a connection, through libevent's HTTP parser
 * and hubd's intake, into the handlers, with no database.
 *
 * The input is what a client sends once the TLS handshake is done, sent on
 * one connection (then half-closed) to a real evhttp, set up by
 * intake_configure as every worker's is, listening on a unix socket. evhttp
 * parses the request line, headers and body (keep-alive, pipelining and
 * chunked bodies included); for each request it completes, dispatch() does
 * what the server's dispatch does: request id, intake_route (limits,
 * framing, routing, path parameters), the credential from the
 * Authorization header (access_presented), the role check, the handler.
 * Instead of asking PostgreSQL who the credential is, a well-formed token
 * is taken as a partner with every partner role, or, if it ends in 'P', as
 * the partnership's public credential. The database is unreachable, so a
 * handler parses and checks everything (query strings, JSON bodies, NDJSON
 * batches, reports, referrals, indicators, self-assessments, statistics
 * queries) and then meets a 503, as it would during an outage.
 *
 * Every answer is checked before it is sent: exactly one, never a 500,
 * JSON that parses, and for an error a problem+json body whose status is
 * the answer's status (but for the two documented in api/openapi.yaml
 * with their own shape).
 *
 * Run from the repository root (the code lists are read from api/codes). */
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../hub/access.h"
#include "../../hub/assessment.h"
#include "../../hub/assessments.h"
#include "../../hub/codes.h"
#include "../../hub/config.h"
#include "../../hub/credential.h"
#include "../../hub/db.h"
#include "../../hub/http.h"
#include "../../hub/indicator.h"
#include "../../hub/indicators.h"
#include "../../hub/intake.h"
#include "../../hub/log.h"
#include "../../hub/metrics.h"
#include "../../hub/pseudonym.h"
#include "../../hub/referrals.h"
#include "../../hub/report.h"
#include "../../hub/reports.h"
#include "../../hub/routes.h"
#include "../../hub/stats.h"
#include "../../hub/stats_query.h"
#include "../../hub/targets.h"

/* Small limits, so that inputs of a few kilobytes reach every limit. */
static const char *
setting(const char *name)
{
    static const struct {
        const char *name, *value;
    } fixed[] = {{"HUB_MAX_BODY", "4k"},
                 {"HUB_MAX_HEADER", "2k"},
                 {"HUB_MAX_BATCH_BODY", "16k"},
                 {"HUB_MAX_BATCH", "20"},
                 {"HUB_WORKERS", "1"},
                 {"HUB_DB", "host=/nonexistent/hub-fuzz dbname=none connect_timeout=1"},
                 {"HUB_DB_RETRY", "60s"}};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (strcmp(fixed[i].name, name) == 0)
            return fixed[i].value;
    return NULL;
}

static config_t cfg;
static codes_t *codes;
static db_t *db;
static struct event_base *base;
static struct sockaddr_un listen_addr;
static socklen_t listen_len;

static void
die(const char *what, const char *err)
{
    fprintf(stderr, "fuzz_http: %s: %s\n", what, err);
    abort();
}

/* The stand-in for hub.authenticate (see the top of the file). */
static bool
authenticate(request_t *r)
{
    const char *method;
    char secret[1024];
    if (!access_presented(r, &method, secret, sizeof(secret)))
        return false;
    const char *authz =
        evhttp_find_header(evhttp_request_get_input_headers(r->ev), "Authorization");
    const char *token = auth_bearer(authz);
    bool public = token[strlen(token) - 1] == 'P';
    identity_t *id = &r->identity;
    memset(id, 0, sizeof(*id));
    id->credential_id = 7;
    id->partnership_id = 1;
    id->partner_id = public ? 0 : 3;
    id->roles = public ? ROLE_PUBLIC : ROLE_SUBMIT | ROLE_READ | ROLE_COORDINATE;
    snprintf(id->kind, sizeof(id->kind), "token");
    snprintf(id->partner_kind, sizeof(id->partner_kind), "%s", public ? "" : "police");
    r->who = id;
    r->in_transaction = true; /* access_authenticate leaves it open */
    return true;
}

/* The answer r holds must be one a client may see. */
static void
check_answer(const request_t *r)
{
    if (r->status < 200 || r->status > 599 || r->body == NULL) {
        fprintf(stderr, "no answer or status %d\n", r->status);
        abort();
    }
    if (r->status == 500) {
        fprintf(stderr, "500 from %s\n", r->route ? r->route->name : "unmatched");
        abort();
    }
    size_t len = evbuffer_get_length(r->body);
    bool problem = strcmp(r->content_type, "application/problem+json") == 0;
    /* Two answers have their own documented shapes: /healthz's 503 and an
     * atomic batch's 409 or 422 (a BatchResult, item by item). */
    const char *route = r->route ? r->route->name : "";
    bool own_shape =
        (strcmp(route, "healthz") == 0 && r->status == 503) ||
        (strcmp(route, "reports.batch") == 0 && (r->status == 409 || r->status == 422));
    if (r->status >= 400 && !problem && !own_shape) {
        fprintf(stderr, "status %d as %s\n", r->status, r->content_type);
        abort();
    }
    if (!problem && (strcmp(r->content_type, "application/json") != 0 || len == 0))
        return;
    json_error_t err;
    json_t *v = json_loadb((const char *)evbuffer_pullup(r->body, -1), len, 0, &err);
    if (v == NULL) {
        fprintf(stderr, "the answer is not JSON: %s\n", err.text);
        abort();
    }
    if (problem) {
        json_t *errors = json_object_get(v, "errors");
        const char *type = json_string_value(json_object_get(v, "type"));
        bool ok = json_integer_value(json_object_get(v, "status")) == r->status && type != NULL &&
                  strncmp(type, "/problems/", 10) == 0 &&
                  json_is_string(json_object_get(v, "title")) &&
                  (errors == NULL || json_is_array(errors));
        size_t i;
        json_t *e;
        json_array_foreach(errors, i, e) ok = ok && json_is_string(json_object_get(e, "pointer")) &&
                                              json_is_string(json_object_get(e, "message"));
        if (!ok) {
            fprintf(stderr, "malformed problem for status %d\n", r->status);
            abort();
        }
    }
    json_decref(v);
}

/* What server.c's dispatch and route_request do, minus TLS, metrics, logs
 * and the database behind authentication. */
static void
dispatch(struct evhttp_request *req, void *arg)
{
    (void)arg;
    request_t r = {.ev = req,
                   .method = http_method(evhttp_request_get_command(req)),
                   .db = db,
                   .start_us = now_usec()};
    http_assign_request_id(&r);
    const route_t *found = intake_route(&r, &cfg);
    if (found != NULL && found->roles == 0) {
        found->handler(&r);
    } else if (found != NULL && authenticate(&r)) {
        if (r.who->roles & found->roles)
            found->handler(&r);
        else
            http_respond_error(&r, 403, "forbidden",
                               "Your credential's roles do not allow this action.");
        check_answer(&r); /* the handler's own, before access_finish replaces it */
        access_finish(&r);
    }
    check_answer(&r);
    http_send(&r);
    db_ensure_idle(db);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char err[512];
    log_set_level(LOG_FATAL); /* one "database unavailable" line is plenty */
    if (!config_load(&cfg, setting, err, sizeof(err)))
        die("config", err);
    if (!codes_load("api/codes", &codes, err, sizeof(err)) ||
        !report_codes_check(codes, err, sizeof(err)) ||
        !indicator_codes_check(codes, err, sizeof(err)) ||
        !assessment_codes_check(codes, err, sizeof(err)))
        die("api/codes (run from the repository root)", err);
    char key[] = "/tmp/hub-fuzz-key.XXXXXX";
    int fd = mkstemp(key);
    static const char hex[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
    if (fd < 0 || write(fd, hex, sizeof(hex) - 1) != (ssize_t)(sizeof(hex) - 1))
        die("pseudonym key", "cannot write a temporary file");
    close(fd);
    bool key_ok = pseudonym_load(key, err, sizeof(err));
    unlink(key);
    if (!key_ok)
        die("pseudonym key", err);
    reports_configure(codes, &cfg);
    referrals_configure(codes);
    indicators_configure(codes, &cfg);
    stats_query_configure(codes, &cfg);
    targets_configure(codes);
    assessments_configure(codes);
    access_configure(&cfg);
    metrics_init(1, routes, nroutes);
    db = db_new(cfg.db, cfg.db_timeout, cfg.db_retry);
    signal(SIGPIPE, SIG_IGN);

    /* One evhttp for the whole run, as a worker has, listening on a unix
     * socket (abstract: no file); each input is one client connection. */
    base = event_base_new();
    struct evhttp *http = base ? evhttp_new(base) : NULL;
    if (http == NULL)
        die("evhttp_new", "failed");
    intake_configure(http, &cfg);
    evhttp_set_gencb(http, dispatch, NULL);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    listen_addr.sun_family = AF_UNIX;
    int n = snprintf(listen_addr.sun_path + 1, sizeof(listen_addr.sun_path) - 1, "hub-fuzz-http-%d",
                     (int)getpid());
    listen_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
    if (lfd < 0 || bind(lfd, (const struct sockaddr *)&listen_addr, listen_len) != 0 ||
        listen(lfd, 16) != 0 || evhttp_accept_socket(http, lfd) != 0)
        die("listen", strerror(errno));
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (const struct sockaddr *)&listen_addr, listen_len) != 0)
        die("connect", strerror(errno));
    size_t sent = 0;
    bool shut = false;
    char sink[65536];
    /* Until evhttp closes its end: every request read and answered. */
    for (int round = 0;; round++) {
        if (round == 100000)
            die("evhttp did not close the connection after the input ended", "");
        if (sent < size) {
            ssize_t n = write(fd, data + sent, size - sent);
            if (n > 0)
                sent += (size_t)n;
        }
        if (sent == size && !shut) {
            shutdown(fd, SHUT_WR);
            shut = true;
        }
        event_base_loop(base, EVLOOP_NONBLOCK);
        ssize_t n;
        while ((n = read(fd, sink, sizeof(sink))) > 0)
            ;
        if (n == 0 || (n < 0 && errno != EAGAIN))
            break;
    }
    close(fd);
    return 0;
}
