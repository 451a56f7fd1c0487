#include "server.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "access.h"
#include "arena.h"
#include "db.h"
#include "http.h"
#include "intake.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"
#include "routes.h"
#include "tls.h"

#define LISTEN_BACKLOG 1024

typedef struct worker worker_t;

/* One TLS connection. It lives exactly as long as its SSL object: evhttp
 * frees the bufferevent, the bufferevent frees the SSL, and the SSL's
 * ex_data destructor unlinks and frees this. */
typedef struct conn {
    worker_t *worker;
    SSL *ssl;
    struct event *deadline;  /* the request must arrive before it fires */
    unsigned long idle_mark; /* bytes read when the connection last became idle */
    bool busy;               /* a whole request was received and is not yet answered */
    struct conn *prev, *next;
} conn_t;

struct worker {
    int index;
    const config_t *cfg;
    pthread_t thread;
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    struct event *stop;
    struct event *drain_deadline;
    db_t *db;
    arena_t *arena; /* JSON memory of the request being handled */
    conn_t *conns;
    int nconns;
    bool draining;
    server_t *server;
};

struct server {
    const config_t *cfg;
    int nworkers;
    worker_t *workers;
    pthread_mutex_t lock;
    pthread_cond_t done;
    int running;
    ratelimit_t *ratelimit; /* NULL: HUB_RATE_LIMIT=0 */
};

static int conn_index = -1;
static server_t *the_server;

/* ---- connections ---------------------------------------------------- */

static void
conn_close(conn_t *c)
{
    /* Half-closing the socket makes evhttp see EOF and free the connection
     * itself; we never free evhttp's objects behind its back. */
    int fd = SSL_get_fd(c->ssl);
    if (fd >= 0)
        shutdown(fd, SHUT_RDWR);
}

static void
conn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    conn_t *c = arg;
    metrics_event(c->worker->index, METRIC_REQUEST_TIMEOUT);
    conn_close(c);
}

static void
conn_arm(conn_t *c, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(c->deadline, &tv);
}

static unsigned long
conn_bytes_read(conn_t *c)
{
    BIO *rbio = SSL_get_rbio(c->ssl);
    return rbio ? (unsigned long)BIO_number_read(rbio) : 0;
}

/* A connection is idle when it has read nothing since its last response
 * (or since its handshake). */
static bool
conn_idle(conn_t *c)
{
    return !c->busy && conn_bytes_read(c) == c->idle_mark;
}

static void
conn_info_cb(const SSL *ssl, int where, int ret)
{
    (void)ret;
    if ((where & SSL_CB_HANDSHAKE_START) && SSL_get_ex_data(ssl, conn_index) != NULL) {
        /* evhttp writes a response as several TLS records; without this,
         * Nagle and delayed ACKs add ~40 ms to every keep-alive request. */
        int one = 1, fd = SSL_get_fd(ssl);
        if (fd >= 0)
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    if (where & SSL_CB_HANDSHAKE_DONE) {
        conn_t *c = SSL_get_ex_data(ssl, conn_index);
        if (c != NULL)
            c->idle_mark = conn_bytes_read(c);
    }
}

static void
conn_free_cb(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
    (void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
    conn_t *c = ptr;
    if (c == NULL)
        return;
    worker_t *w = c->worker;
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    w->nconns--;
    metrics_event(w->index, METRIC_CONN_CLOSED);
    event_free(c->deadline);
    free(c);
    if (w->draining && w->nconns == 0)
        event_base_loopbreak(w->base);
}

/* evhttp asks for each accepted connection's bufferevent. Returning NULL
 * would make evhttp speak plain HTTP, so failure here aborts. */
static struct bufferevent *
conn_new(struct event_base *base, void *arg)
{
    worker_t *w = arg;
    SSL *ssl = tls_new_ssl();
    hub_assert(ssl != NULL);
    conn_t *c = xcalloc(1, sizeof(*c));
    c->worker = w;
    c->ssl = ssl;
    c->deadline = evtimer_new(base, conn_deadline_cb, c);
    hub_assert(c->deadline != NULL);
    SSL_set_ex_data(ssl, conn_index, c);
    SSL_set_info_callback(ssl, conn_info_cb);
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    hub_assert(bev != NULL);
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    c->next = w->conns;
    if (w->conns)
        w->conns->prev = c;
    w->conns = c;
    w->nconns++;
    metrics_event(w->index, METRIC_CONN_OPENED);
    if (w->nconns > w->cfg->max_connections || w->draining) {
        metrics_event(w->index, METRIC_CONN_REJECTED);
        conn_arm(c, 0);
    } else {
        conn_arm(c, w->cfg->request_timeout);
    }
    return bev;
}

static conn_t *
conn_of(struct evhttp_request *req)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
    return ssl ? SSL_get_ex_data(ssl, conn_index) : NULL;
}

static void
conn_request_done(struct evhttp_request *req, void *arg)
{
    (void)req;
    conn_t *c = arg;
    c->busy = false;
    c->idle_mark = conn_bytes_read(c);
    if (!c->worker->draining)
        conn_arm(c, c->worker->cfg->request_timeout);
}

/* ---- requests ------------------------------------------------------- */

/* How long this worker has been busy since it last waited for input: a
 * request handled now has waited at least about that long, behind the
 * requests handled before it (libevent's cached time is taken when the
 * loop wakes up, and stays until it next waits). */
static int64_t
worker_busy_ms(worker_t *w)
{
    struct timeval woke, now;
    if (event_base_gettimeofday_cached(w->base, &woke) != 0 || evutil_gettimeofday(&now, NULL) != 0)
        return 0;
    return ((int64_t)now.tv_sec - woke.tv_sec) * 1000 + (now.tv_usec - woke.tv_usec) / 1000;
}

/* A flood larger than the worker can serve would otherwise wait in line
 * for as long as it takes; past HUB_QUEUE_TIMEOUT the answer is an
 * immediate 503, which costs no database work, so the line clears fast. */
static bool
refuse_overloaded(request_t *r, worker_t *w)
{
    int limit = w->cfg->queue_timeout;
    if (limit == 0 || (r->route->flags & ROUTE_NEVER_SHED))
        return false;
    int64_t busy = worker_busy_ms(w);
    if (busy <= limit)
        return false;
    metrics_event(w->index, METRIC_OVERLOADED);
    http_set_header(r, "Retry-After", "1");
    http_respond_error(r, 503, "overloaded",
                       "The server is busier than it can serve in time (HUB_QUEUE_TIMEOUT); "
                       "try again shortly.");
    return true;
}

/* HUB_RATE_LIMIT, once the credential is known: true when over it, with
 * the 429 made and the transaction ended without an audit row (nothing
 * was read or written, and a flood must not grow the audit log). */
static bool
refuse_over_rate(request_t *r, worker_t *w)
{
    ratelimit_t *rl = w->server->ratelimit;
    if (rl == NULL)
        return false;
    ratelimit_verdict_t v = ratelimit_take(rl, r->who->credential_id, now_usec());
    if (v.evicted)
        metrics_event(w->index, METRIC_RATE_EVICTED);
    if (v.allowed)
        return false;
    metrics_event(w->index, METRIC_RATE_LIMITED);
    access_abandon(r);
    char retry[16], detail[160];
    snprintf(retry, sizeof(retry), "%d", v.retry_after_s);
    snprintf(detail, sizeof(detail),
             "This credential made more than %d requests a second (burst %d, HUB_RATE_LIMIT); "
             "retry after %d s.",
             w->cfg->rate_limit, w->cfg->rate_burst, v.retry_after_s);
    http_set_header(r, "Retry-After", retry);
    http_respond_error(r, 429, "rate-limited", detail);
    return true;
}

/* Routes r (intake), sheds it if the worker is overloaded, then
 * authenticates, applies the rate limit and runs the handler. */
static void
route_request(request_t *r, worker_t *w, int *route_index)
{
    const route_t *found = intake_route(r, w->cfg);
    if (r->route != NULL)
        *route_index = (int)(r->route - routes);
    if (found == NULL || refuse_overloaded(r, w))
        return;
    if (found->roles == 0) {
        found->handler(r);
    } else if (access_authenticate(r)) {
        if (refuse_over_rate(r, w))
            return;
        if (r->who->roles & found->roles)
            found->handler(r);
        else
            http_respond_error(r, 403, "forbidden",
                               "Your credential's roles do not allow this action.");
        access_finish(r); /* audit row and COMMIT, before the answer goes out */
    }
}

static void
log_request(const request_t *r, const char *route, int64_t usec)
{
    log_write(LOG_INFO, "request",
              "\"request_id\":\"%s\",\"worker\":%d,\"method\":\"%s\",\"route\":\"%s\","
              "\"status\":%d,\"duration_ms\":%.3f,\"bytes_in\":%zu,\"bytes_out\":%zu,"
              "\"partnership\":%lld,\"partner\":%lld,\"credential\":%lld",
              r->id, r->worker, http_method_name(r->method), route, r->status,
              (double)usec / 1000.0, evbuffer_get_length(evhttp_request_get_input_buffer(r->ev)),
              r->bytes_out, r->who ? r->who->partnership_id : 0, r->who ? r->who->partner_id : 0,
              r->who ? r->who->credential_id : 0);
}

static void
dispatch(struct evhttp_request *req, void *arg)
{
    worker_t *w = arg;
    conn_t *c = conn_of(req);
    hub_assert(c != NULL);
    evtimer_del(c->deadline);
    c->busy = true;
    evhttp_request_set_on_complete_cb(req, conn_request_done, c);

    request_t r = {.ev = req,
                   .ssl = c->ssl,
                   .method = http_method(evhttp_request_get_command(req)),
                   .db = w->db,
                   .worker = w->index,
                   .start_us = now_usec(),
                   .close = w->draining};
    http_assign_request_id(&r);
    arena_enter(w->arena);
    int route_index = -1;
    route_request(&r, w, &route_index);
    http_send(&r);
    db_ensure_idle(w->db);
    int64_t usec = now_usec() - r.start_us;
    metrics_request(w->index, route_index, r.status, usec);
    log_request(&r, r.route ? r.route->name : "unmatched", usec);
    arena_leave();
}

/* ---- workers -------------------------------------------------------- */

static void
worker_drain_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    worker_t *w = arg;
    log_warn("drain deadline reached", "\"worker\":%d,\"connections\":%d", w->index, w->nconns);
    event_base_loopbreak(w->base);
}

static void
worker_stop_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    worker_t *w = arg;
    if (w->draining)
        return;
    w->draining = true;
    if (w->bound != NULL) {
        evhttp_del_accept_socket(w->http, w->bound); /* stop accepting */
        w->bound = NULL;
    }
    for (conn_t *c = w->conns; c != NULL; c = c->next)
        if (conn_idle(c))
            conn_close(c);
    if (w->nconns == 0) {
        event_base_loopbreak(w->base);
        return;
    }
    int ms = w->cfg->drain_timeout;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(w->drain_deadline, &tv);
}

static void *
worker_main(void *arg)
{
    worker_t *w = arg;
    /* Connect early so the first request does not pay for it; failure is
     * fine, db_conn retries on demand. */
    (void)db_conn(w->db);
    event_base_dispatch(w->base);
    server_t *s = w->server;
    pthread_mutex_lock(&s->lock);
    s->running--;
    pthread_cond_signal(&s->done);
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static bool
listen_address(const config_t *cfg, struct sockaddr_storage *ss, socklen_t *len, char *err,
               size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char port[8];
    snprintf(port, sizeof(port), "%d", cfg->listen_port);
    int rc = getaddrinfo(cfg->listen_host, port, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "HUB_LISTEN: %s: %s", cfg->listen_host, gai_strerror(rc));
        return false;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return true;
}

/* SO_REUSEPORT would let a second hubd (same user) silently share the port;
 * a plain bind first proves the port is free. */
static bool
probe_port_free(const struct sockaddr_storage *ss, socklen_t len, char *err, size_t errlen)
{
    int fd = socket(ss->ss_family, SOCK_STREAM, 0);
    if (fd < 0) {
        snprintf(err, errlen, "HUB_LISTEN: socket: %s", strerror(errno));
        return false;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    bool ok = bind(fd, (const struct sockaddr *)ss, len) == 0;
    if (!ok)
        snprintf(err, errlen, "HUB_LISTEN: cannot bind: %s", strerror(errno));
    close(fd);
    return ok;
}

static bool
worker_init(worker_t *w, const struct sockaddr_storage *ss, socklen_t sslen, char *err,
            size_t errlen)
{
    const config_t *cfg = w->cfg;
    w->base = event_base_new();
    w->http = w->base ? evhttp_new(w->base) : NULL;
    if (w->http == NULL) {
        snprintf(err, errlen, "cannot create event loop");
        return false;
    }
    struct evconnlistener *l = evconnlistener_new_bind(
        w->base, NULL, NULL,
        LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
        LISTEN_BACKLOG, (const struct sockaddr *)ss, (int)sslen);
    if (l == NULL) {
        snprintf(err, errlen, "HUB_LISTEN: cannot listen: %s", strerror(errno));
        return false;
    }
    w->bound = evhttp_bind_listener(w->http, l);
    hub_assert(w->bound != NULL);
    intake_configure(w->http, cfg);
    evhttp_set_bevcb(w->http, conn_new, w);
    evhttp_set_gencb(w->http, dispatch, w);
    w->stop = event_new(w->base, -1, 0, worker_stop_cb, w);
    w->drain_deadline = evtimer_new(w->base, worker_drain_deadline_cb, w);
    w->db = db_new(cfg->db, cfg->db_timeout, cfg->db_retry);
    w->arena = arena_new();
    hub_assert(w->stop != NULL && w->drain_deadline != NULL);
    return true;
}

server_t *
server_new(const config_t *cfg, char *err, size_t errlen)
{
    if (conn_index < 0)
        conn_index = SSL_get_ex_new_index(0, "hub conn", NULL, NULL, conn_free_cb);
    hub_assert(conn_index >= 0);
    /* event_active from the main thread on a worker's base needs locking. */
    hub_assert(evthread_use_pthreads() == 0);

    struct sockaddr_storage ss;
    socklen_t sslen;
    if (!listen_address(cfg, &ss, &sslen, err, errlen) || !probe_port_free(&ss, sslen, err, errlen))
        return NULL;

    server_t *s = xcalloc(1, sizeof(*s));
    s->cfg = cfg;
    s->nworkers = cfg->workers;
    s->workers = xcalloc((size_t)cfg->workers, sizeof(worker_t));
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->done, NULL);
    metrics_init(cfg->workers, routes, nroutes);
    s->ratelimit = ratelimit_new(cfg->rate_limit, cfg->rate_burst);
    for (int i = 0; i < s->nworkers; i++) {
        worker_t *w = &s->workers[i];
        w->index = i;
        w->cfg = cfg;
        w->server = s;
        if (!worker_init(w, &ss, sslen, err, errlen)) {
            server_free(s);
            return NULL;
        }
    }
    the_server = s;
    return s;
}

void
server_start(server_t *s)
{
    s->running = s->nworkers;
    for (int i = 0; i < s->nworkers; i++)
        hub_assert(pthread_create(&s->workers[i].thread, NULL, worker_main, &s->workers[i]) == 0);
}

void
server_stop(server_t *s)
{
    for (int i = 0; i < s->nworkers; i++)
        event_active(s->workers[i].stop, 0, 0);
}

bool
server_wait(server_t *s, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&s->lock);
    while (s->running > 0)
        if (pthread_cond_timedwait(&s->done, &s->lock, &until) == ETIMEDOUT)
            break;
    bool all = s->running == 0;
    pthread_mutex_unlock(&s->lock);
    if (all)
        for (int i = 0; i < s->nworkers; i++)
            pthread_join(s->workers[i].thread, NULL);
    return all;
}

void
server_free(server_t *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < s->nworkers; i++) {
        worker_t *w = &s->workers[i];
        if (w->http) {
            evhttp_free(w->http);
            /* bufferevents are finalised from the loop: run it once so every
             * SSL, hence every conn_t, is gone before the base is. */
            event_base_loop(w->base, EVLOOP_NONBLOCK);
        }
        if (w->stop)
            event_free(w->stop);
        if (w->drain_deadline)
            event_free(w->drain_deadline);
        db_free(w->db);
        arena_free(w->arena);
        if (w->base)
            event_base_free(w->base);
    }
    metrics_free();
    ratelimit_free(s->ratelimit);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->done);
    free(s->workers);
    if (the_server == s)
        the_server = NULL;
    free(s);
}

unsigned long
server_db_errors(int worker)
{
    return the_server ? db_error_count(the_server->workers[worker].db) : 0;
}
