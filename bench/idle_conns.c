/*
 * idle_conns - open N TLS connections to a server and keep them idle.
 *
 * Usage: idle_conns HOST PORT N CAFILE [HOLD_SECONDS]
 *
 * Every connection completes a full TLS handshake (TLS 1.2 or newer) and the
 * server certificate is verified against CAFILE, including a host name check
 * (or an IP address check when HOST is a literal address).  Handshakes run
 * non-blocking, at most PARALLEL at a time, driven by poll().
 *
 * Output on stdout, once every connection has either completed its handshake
 * or failed:
 *
 *     failed F
 *     open K
 *
 * (K + F == N).  The connections are then held open and idle until
 * HOLD_SECONDS have passed (default 5; 0 means no time limit), stdin reaches
 * end of file (only watched when stdin is a pipe, socket or terminal, so
 * "</dev/null" does not end the hold at once), or SIGTERM/SIGINT/SIGHUP
 * arrives.  Anything the server sends meanwhile (TLS 1.3 session tickets) is
 * read and discarded; connections closed by the server are counted and
 * reported as "closed_by_peer P" at the end.
 *
 * Exit status: 0 if all N connections were opened and none was closed by the
 * server, 1 otherwise, 2 on usage or setup errors.
 *
 * Build: cc -std=c17 -O2 -Wall -Wextra -Werror -o idle_conns idle_conns.c \
 *            -lssl -lcrypto
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

enum {
    /* handshakes in flight at once */
    PARALLEL = 64,
    /* seconds allowed per connection for connect + handshake */
    HANDSHAKE_TIMEOUT = 10,
    MAX_ERRORS_SHOWN = 10,
    /* descriptors kept free for stdio, the resolver, OpenSSL */
    FD_RESERVE = 16,
};

enum state { ST_NEW, ST_CONNECTING, ST_HANDSHAKE, ST_OPEN, ST_FAILED, ST_CLOSED };

struct conn {
    int fd;
    SSL *ssl;
    enum state st;
    short events;    /* what poll() should wait for */
    double deadline; /* monotonic seconds */
};

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
    stop_signal = sig;
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned errors_shown;

static void
conn_fail(struct conn *c, size_t idx, const char *what, const char *why)
{
    if (errors_shown < MAX_ERRORS_SHOWN)
        fprintf(stderr, "idle_conns: connection %zu: %s: %s\n", idx, what, why);
    else if (errors_shown == MAX_ERRORS_SHOWN)
        fprintf(stderr, "idle_conns: (further errors not shown)\n");
    errors_shown++;
    if (c->ssl) {
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    c->st = ST_FAILED;
}

static void
conn_close(struct conn *c)
{
    if (c->ssl) {
        SSL_shutdown(c->ssl); /* sends close_notify; does not wait for the peer's */
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    c->st = ST_CLOSED;
}

/* Describe why a TLS handshake failed; clears the OpenSSL error queue. */
static const char *
tls_error(SSL *ssl, int ret, char *buf, size_t len)
{
    long vr = SSL_get_verify_result(ssl);
    int e = SSL_get_error(ssl, ret);
    unsigned long qe = ERR_peek_last_error();

    if (vr != X509_V_OK) {
        snprintf(buf, len, "certificate verification failed: %s",
                 X509_verify_cert_error_string(vr));
    } else if (qe != 0) {
        ERR_error_string_n(qe, buf, len);
    } else if (e == SSL_ERROR_SYSCALL) {
        snprintf(buf, len, "%s", errno ? strerror(errno) : "unexpected EOF from server");
    } else if (e == SSL_ERROR_ZERO_RETURN) {
        snprintf(buf, len, "server closed the connection");
    } else {
        snprintf(buf, len, "SSL error %d", e);
    }
    ERR_clear_error();
    return buf;
}

static void
handshake_step(struct conn *c, size_t idx)
{
    char buf[256];

    if (c->st == ST_CONNECTING) {
        int err = 0;
        socklen_t elen = sizeof err;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
            err = errno;
        if (err != 0) {
            conn_fail(c, idx, "connect", strerror(err));
            return;
        }
        c->st = ST_HANDSHAKE;
    }

    ERR_clear_error();
    errno = 0;
    int r = SSL_connect(c->ssl);
    if (r == 1) {
        c->st = ST_OPEN;
        c->events = 0;
        return;
    }
    switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_READ:
        c->events = POLLIN;
        return;
    case SSL_ERROR_WANT_WRITE:
        c->events = POLLOUT;
        return;
    default:
        conn_fail(c, idx, "TLS handshake", tls_error(c->ssl, r, buf, sizeof buf));
    }
}

static void
conn_start(struct conn *c, size_t idx, const struct addrinfo *ai, SSL_CTX *ctx, const char *host,
           bool host_is_ip)
{
    c->fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (c->fd < 0) {
        conn_fail(c, idx, "socket", strerror(errno));
        return;
    }
    int fl = fcntl(c->fd, F_GETFL);
    if (fl < 0 || fcntl(c->fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
        fcntl(c->fd, F_SETFD, FD_CLOEXEC) < 0) {
        conn_fail(c, idx, "fcntl", strerror(errno));
        return;
    }

    c->ssl = SSL_new(ctx);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) {
        conn_fail(c, idx, "SSL_new", "out of memory");
        return;
    }
    SSL_set_connect_state(c->ssl);
    if (host_is_ip) {
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host) != 1) {
            conn_fail(c, idx, "setup", "cannot set expected IP address");
            return;
        }
    } else if (SSL_set_tlsext_host_name(c->ssl, host) != 1 || SSL_set1_host(c->ssl, host) != 1) {
        conn_fail(c, idx, "setup", "cannot set expected host name");
        return;
    }

    c->deadline = now() + HANDSHAKE_TIMEOUT;
    if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        c->st = ST_HANDSHAKE;
        handshake_step(c, idx);
    } else if (errno == EINPROGRESS) {
        c->st = ST_CONNECTING;
        c->events = POLLOUT;
    } else {
        conn_fail(c, idx, "connect", strerror(errno));
    }
}

/* Read and discard whatever arrived on an idle connection.
 * Returns false if the server closed it (or it broke). */
static bool
drain(struct conn *c)
{
    char buf[4096];
    for (;;) {
        ERR_clear_error();
        int r = SSL_read(c->ssl, buf, sizeof buf);
        if (r > 0)
            continue;
        int e = SSL_get_error(c->ssl, r);
        ERR_clear_error();
        return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
    }
}

static bool
raise_nofile(rlim_t need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return false;
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
        return true;
    if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) {
        rl.rlim_cur = need;
        return setrlimit(RLIMIT_NOFILE, &rl) == 0;
    }
    rl.rlim_cur = rl.rlim_max = need; /* needs CAP_SYS_RESOURCE */
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
        return true;
    fprintf(stderr, "idle_conns: cannot raise RLIMIT_NOFILE to %llu: %s\n",
            (unsigned long long)need, strerror(errno));
    return false;
}

static bool
parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static void
usage(void)
{
    fprintf(stderr, "usage: idle_conns HOST PORT N CAFILE [HOLD_SECONDS]\n"
                    "  HOLD_SECONDS: default 5, 0 = until stdin closes or SIGTERM\n");
}

int
main(int argc, char **argv)
{
    long port, nconn, hold = 5;
    if (argc < 5 || argc > 6 || !parse_long(argv[2], 1, 65535, &port) ||
        !parse_long(argv[3], 1, 1000000, &nconn) ||
        (argc == 6 && !parse_long(argv[5], 0, LONG_MAX / 2, &hold))) {
        usage();
        return 2;
    }
    const char *host = argv[1];
    const char *cafile = argv[4];
    size_t n = (size_t)nconn;

    /* An IPv6 literal may come in URL brackets: [::1] */
    char hostbuf[256];
    size_t hl = strlen(host);
    if (hl >= 2 && hl < sizeof hostbuf && host[0] == '[' && host[hl - 1] == ']') {
        memcpy(hostbuf, host + 1, hl - 2);
        hostbuf[hl - 2] = '\0';
        host = hostbuf;
    }
    unsigned char tmp[sizeof(struct in6_addr)];
    bool host_is_ip = inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1;

    if (!raise_nofile((rlim_t)n + FD_RESERVE))
        return 2;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int gr = getaddrinfo(host, argv[2], &hints, &ai);
    if (gr != 0) {
        fprintf(stderr, "idle_conns: %s: %s\n", host, gai_strerror(gr));
        return 2;
    }

    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
        fprintf(stderr, "idle_conns: cannot create TLS context\n");
        return 2;
    }
    if (SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) {
        char buf[256];
        ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
        fprintf(stderr, "idle_conns: cannot load CA file %s: %s\n", cafile, buf);
        return 2;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);

    struct conn *conns = calloc(n, sizeof *conns);
    struct pollfd *pfds = calloc(n + 1, sizeof *pfds);
    size_t *pidx = calloc(n, sizeof *pidx);
    if (!conns || !pfds || !pidx) {
        fprintf(stderr, "idle_conns: out of memory\n");
        return 2;
    }
    for (size_t i = 0; i < n; i++)
        conns[i].fd = -1;

    /* Phase 1: open every connection, PARALLEL handshakes at a time. */
    double t0 = now();
    size_t next = 0, inflight = 0, opened = 0, failed = 0;
    while ((next < n || inflight > 0) && !stop_signal) {
        while (next < n && inflight < PARALLEL) {
            struct conn *c = &conns[next];
            conn_start(c, next, ai, ctx, host, host_is_ip);
            next++;
            if (c->st == ST_OPEN)
                opened++;
            else if (c->st == ST_FAILED)
                failed++;
            else
                inflight++;
        }

        size_t np = 0;
        double t = now(), first_deadline = t + 1.0;
        for (size_t i = 0; i < next; i++) {
            struct conn *c = &conns[i];
            if (c->st != ST_CONNECTING && c->st != ST_HANDSHAKE)
                continue;
            pfds[np] = (struct pollfd){.fd = c->fd, .events = c->events};
            pidx[np++] = i;
            if (c->deadline < first_deadline)
                first_deadline = c->deadline;
        }
        int timeout_ms = (int)((first_deadline - t) * 1000.0) + 1;
        if (timeout_ms < 0)
            timeout_ms = 0;
        if (timeout_ms > 250)
            timeout_ms = 250;
        if (np == 0)
            continue;
        int pr = poll(pfds, np, timeout_ms);
        if (pr < 0 && errno != EINTR) {
            perror("idle_conns: poll");
            return 2;
        }

        t = now();
        for (size_t k = 0; k < np; k++) {
            size_t i = pidx[k];
            struct conn *c = &conns[i];
            if (pr > 0 && pfds[k].revents)
                handshake_step(c, i);
            else if (t > c->deadline)
                conn_fail(c, i, c->st == ST_CONNECTING ? "connect" : "TLS handshake", "timed out");
            if (c->st == ST_OPEN) {
                opened++;
                inflight--;
            } else if (c->st == ST_FAILED) {
                failed++;
                inflight--;
            }
        }
    }
    freeaddrinfo(ai);

    if (stop_signal) {
        fprintf(stderr, "idle_conns: interrupted by signal %d after %zu of %zu connections\n",
                (int)stop_signal, opened + failed, n);
        for (size_t i = 0; i < n; i++)
            conn_close(&conns[i]);
        return 1;
    }

    double t_open = now() - t0;
    printf("failed %zu\nopen %zu\n", failed, opened);
    fflush(stdout);
    fprintf(stderr, "idle_conns: %zu of %zu TLS connections open after %.2f s (%zu failed)\n",
            opened, n, t_open, failed);

    /* Phase 2: hold the connections idle. pfds[0] is stdin (or unused). */
    struct stat st;
    bool watch_stdin = fstat(STDIN_FILENO, &st) == 0 &&
                       (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || isatty(STDIN_FILENO));
    pfds[0] = (struct pollfd){.fd = watch_stdin ? STDIN_FILENO : -1, .events = POLLIN};
    size_t np = 1;
    for (size_t i = 0; i < n; i++) {
        if (conns[i].st != ST_OPEN)
            continue;
        pfds[np] = (struct pollfd){.fd = conns[i].fd, .events = POLLIN};
        pidx[np - 1] = i;
        np++;
    }

    size_t closed_by_peer = 0;
    double hold_start = now(), hold_end = hold_start + (double)hold;
    const char *why = "hold time elapsed";
    for (;;) {
        if (stop_signal) {
            why = "signal";
            break;
        }
        int timeout_ms = 250;
        if (hold > 0) {
            double left = hold_end - now();
            if (left <= 0)
                break;
            if (left * 1000.0 < timeout_ms)
                timeout_ms = (int)(left * 1000.0) + 1;
        }
        int pr = poll(pfds, np, timeout_ms);
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            perror("idle_conns: poll");
            break;
        }
        if (pr == 0)
            continue;
        if (pfds[0].revents) {
            char buf[512];
            ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
            if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
                why = "stdin closed";
                break;
            }
        }
        for (size_t k = 1; k < np; k++) {
            if (!pfds[k].revents)
                continue;
            struct conn *c = &conns[pidx[k - 1]];
            if (!drain(c)) {
                closed_by_peer++;
                SSL_free(c->ssl);
                c->ssl = NULL;
                close(c->fd);
                c->fd = -1;
                c->st = ST_CLOSED;
                pfds[k].fd = -1;
            }
        }
    }

    for (size_t i = 0; i < n; i++)
        if (conns[i].st == ST_OPEN)
            conn_close(&conns[i]);

    if (closed_by_peer > 0)
        printf("closed_by_peer %zu\n", closed_by_peer);
    fflush(stdout);
    fprintf(stderr, "idle_conns: held %.1f s (%s); %zu closed by server during hold\n",
            now() - hold_start, why, closed_by_peer);

    SSL_CTX_free(ctx);
    free(conns);
    free(pfds);
    free(pidx);
    return (failed == 0 && closed_by_peer == 0) ? 0 : 1;
}
