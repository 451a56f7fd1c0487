/*
 * hubload - closed-loop HTTP/1.1 keep-alive load generator over TLS.
 *
 * Usage: hubload [options] https://HOST:PORT/path[?query]
 *
 * N connections are spread over T threads.  Every thread drives its
 * connections with non-blocking sockets and poll().  Each connection does one
 * full TLS handshake, then sends a request, reads the complete response
 * (Content-Length, chunked or close-delimited body), and sends the next
 * request at once.  Latency is measured from the first byte of a request
 * written to the last byte of its response read, and recorded in a per-thread
 * log-linear histogram (128 sub-buckets per power of two, under 0.4 % error
 * when the bucket midpoint is reported) that is merged at the end.
 *
 * Run "hubload --help" for the options.  "hubload --self-test" checks the
 * response parser against canned responses fed in pieces of every size.
 *
 * Exit status: 0 when the run happened (even with errors), 2 on bad usage,
 * setup errors, or when no connection could be established.
 *
 * Build (one line):
 */
// clang-format off
// cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o build/bench/hubload bench/hubload.c -lssl -lcrypto -lpthread -lm
// clang-format on
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#define NS_PER_MS INT64_C(1000000)
#define NS_PER_S INT64_C(1000000000)

enum {
    RBUF_SIZE = 16384,     /* read buffer per connection; also the header limit */
    MAX_ERRORS_SHOWN = 10, /* error messages printed to stderr */
    MAX_CONNS = 100000,
    MAX_THREADS = 256,
    FD_RESERVE = 32,
    HIST_SUB_BITS = 7, /* 128 sub-buckets per power of two */
    HIST_SUB = 1 << HIST_SUB_BITS,
    HIST_MAX_BITS = 40, /* latencies are clamped below 2^40 ns (about 18 min) */
    HIST_BUCKETS = (HIST_MAX_BITS - HIST_SUB_BITS + 1) * HIST_SUB,
    MAX_BODY = 64 << 20,
};

/* ------------------------------------------------------------------------ */
/* Configuration (written by main before the threads start, then read-only) */

static struct {
    unsigned conns, threads;
    int64_t duration_ns, timeout_ns;
    uint64_t total; /* 0: run for the duration */
    uint64_t seq_start;
    const char *url, *method, *ca, *cert, *key, *token, *body_file, *tmpl_file, *ctype;
    const char *log_file; /* --log: one "SEQ STATUS" line per templated request */
    const char *seq_file; /* --seq-file: the {{seq}} values to send */
    uint64_t *seqs;       /* their values (NULL: a counter from seq_start) */
    size_t nseqs;
    bool insecure, head_method;
    bool retry_after; /* --retry-after: a 429/503 pauses its connection */
    int expect;       /* 0: any 2xx counts as success */
    const char **hdrs;
    size_t nhdrs;

    char *host, *hostport, *port, *path;
    bool host_is_ip;
    struct sockaddr_storage addr;
    socklen_t addrlen;

    /* fixed request (no template) */
    char *req;
    size_t req_len;
    /* templated request: head without Content-Length, body segments */
    char *head;
    size_t head_len;
    char *tmpl;
    size_t tmpl_len, tmpl_fixed, nseg;
    size_t *seg_off, *seg_len;
    size_t req_max;
} cfg;

/* Shared run state */
static atomic_bool g_stop;
static atomic_bool g_interrupted;
static atomic_uint_fast64_t g_claimed; /* requests handed out (-n mode) */
static atomic_uint_fast64_t g_seq;     /* {{seq}} counter */
static atomic_uint g_established;      /* successful handshakes */
static atomic_uint g_first_failed;     /* connections whose first attempt failed */
static atomic_int g_errors_shown;
static int g_stop_pipe[2] = {-1, -1};
static FILE *g_log; /* --log; stdio locks each line */

static void
request_stop(void)
{
    atomic_store(&g_stop, true);
    char b = 1;
    if (write(g_stop_pipe[1], &b, 1) < 0) {
        /* the pipe is already readable; nothing to do */
    }
}

static void
on_signal(int sig)
{
    (void)sig;
    atomic_store(&g_interrupted, true);
    request_stop();
}

static int64_t
mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "hubload: out of memory\n");
        exit(2);
    }
    return p;
}

static void *
xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "hubload: out of memory\n");
        exit(2);
    }
    return p;
}

static char *
xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void
show_error(const char *fmt, ...)
{
    int n = atomic_fetch_add(&g_errors_shown, 1);
    if (n > MAX_ERRORS_SHOWN)
        return;
    if (n == MAX_ERRORS_SHOWN) {
        fprintf(stderr, "hubload: further errors not shown\n");
        return;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "hubload: %s\n", msg);
}

/* ------------------------------------------------------------------------ */
/* Growable string, used only while setting up                             */

struct sbuf {
    char *p;
    size_t len, cap;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            fprintf(stderr, "hubload: out of memory\n");
            exit(2);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void
sb_fmt(struct sbuf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        sb_add(b, small, (size_t)n);
        return;
    }
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_add(b, big, (size_t)n);
    free(big);
}

/* ------------------------------------------------------------------------ */
/* Latency histogram and counters                                          */

struct stats {
    uint64_t responses, bad_status, sock_errors, timeouts, reconnects;
    uint64_t lat_sum, lat_max;
    uint64_t status[600];
    uint64_t hist[HIST_BUCKETS];
};

static unsigned
hist_index(uint64_t v)
{
    if (v >= (UINT64_C(1) << HIST_MAX_BITS))
        v = (UINT64_C(1) << HIST_MAX_BITS) - 1;
    if (v < 2 * HIST_SUB)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - HIST_SUB_BITS;
    return (shift + 1) * HIST_SUB + (unsigned)((v >> shift) - HIST_SUB);
}

/* midpoint of a bucket, in ns */
static double
hist_value(unsigned idx)
{
    if (idx < 2 * HIST_SUB)
        return idx;
    unsigned shift = idx / HIST_SUB - 1;
    uint64_t mant = idx % HIST_SUB + HIST_SUB;
    return (double)(mant << shift) + (double)((UINT64_C(1) << shift) - 1) / 2.0;
}

static void
stats_record(struct stats *st, int status, int64_t ns)
{
    uint64_t v = ns > 0 ? (uint64_t)ns : 0;
    st->responses++;
    st->status[status]++;
    if (cfg.expect ? status != cfg.expect : (status < 200 || status > 299))
        st->bad_status++;
    st->hist[hist_index(v)]++;
    st->lat_sum += v;
    if (v > st->lat_max)
        st->lat_max = v;
}

static void
stats_merge(struct stats *dst, const struct stats *src)
{
    dst->responses += src->responses;
    dst->bad_status += src->bad_status;
    dst->sock_errors += src->sock_errors;
    dst->timeouts += src->timeouts;
    dst->reconnects += src->reconnects;
    dst->lat_sum += src->lat_sum;
    if (src->lat_max > dst->lat_max)
        dst->lat_max = src->lat_max;
    for (size_t i = 0; i < 600; i++)
        dst->status[i] += src->status[i];
    for (size_t i = 0; i < HIST_BUCKETS; i++)
        dst->hist[i] += src->hist[i];
}

/* latency at quantile q (0..1), in ns */
static double
stats_quantile(const struct stats *st, double q)
{
    if (!st->responses)
        return 0;
    uint64_t rank = (uint64_t)ceil(q * (double)st->responses);
    if (rank < 1)
        rank = 1;
    uint64_t cum = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        cum += st->hist[i];
        if (cum >= rank) {
            double v = hist_value(i);
            return v > (double)st->lat_max ? (double)st->lat_max : v;
        }
    }
    return (double)st->lat_max;
}

/* ------------------------------------------------------------------------ */
/* HTTP/1.1 response parser                                                */

enum { P_MORE, P_DONE, P_ERR };
enum { PH_HEAD, PH_LENGTH, PH_CHUNKED, PH_EOF, PH_DONE };
enum {
    CS_SIZE,         /* hex digits of the chunk size */
    CS_EXT,          /* chunk extension, skipped up to LF */
    CS_SIZE_LF,      /* CR seen after the size */
    CS_DATA,         /* chunk data */
    CS_DATA_CR,      /* CRLF after the data */
    CS_DATA_LF,      /* LF after the data */
    CS_TRAILER,      /* start of a trailer line, or the final empty line */
    CS_TRAILER_LINE, /* inside a trailer field, skipped up to LF */
    CS_END_LF,       /* CR of the final empty line seen */
};

struct parser {
    char *buf;       /* header bytes are collected here; body bytes are discarded */
    size_t cap, len; /* len is only used while reading the header */
    size_t scan;     /* where to resume looking for the end of the header */
    int phase, cstate;
    int status;
    unsigned retry_after; /* Retry-After in seconds (delta-seconds only); 0: none */
    bool keep_alive, head_request;
    unsigned digits;
    uint64_t remaining; /* body or chunk bytes still to come */
    uint64_t body_bytes;
    const char *err;
};

static void
parser_reset(struct parser *p, bool head_request)
{
    p->len = 0;
    p->scan = 0;
    p->phase = PH_HEAD;
    p->cstate = CS_SIZE;
    p->status = 0;
    p->retry_after = 0;
    p->keep_alive = true;
    p->head_request = head_request;
    p->digits = 0;
    p->remaining = 0;
    p->body_bytes = 0;
    p->err = NULL;
}

static int
perr(struct parser *p, const char *msg)
{
    p->err = msg;
    return P_ERR;
}

/* Where the next bytes read from the connection should go. */
static char *
parser_space(struct parser *p, size_t *n)
{
    if (p->phase == PH_HEAD) {
        *n = p->cap - p->len;
        return p->buf + p->len;
    }
    *n = p->cap;
    return p->buf;
}

static bool
name_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

static bool
is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Does the comma-separated list [v, e) contain tok?  Sets *last when tok is
 * the last element. */
static bool
list_has(const char *v, const char *e, const char *tok, bool *last)
{
    bool found = false;
    if (last)
        *last = false;
    while (v < e) {
        const char *comma = memchr(v, ',', (size_t)(e - v));
        const char *te = comma ? comma : e;
        const char *a = v, *b = te;
        while (a < b && is_ows(*a))
            a++;
        while (b > a && is_ows(b[-1]))
            b--;
        bool match = name_is(a, (size_t)(b - a), tok);
        found = found || match;
        if (last)
            *last = match;
        v = comma ? comma + 1 : e;
    }
    return found;
}

/* Offset just past the blank line that ends the header, or 0. */
static size_t
find_head_end(struct parser *p)
{
    size_t i = p->scan;
    while (i < p->len) {
        char *nl = memchr(p->buf + i, '\n', p->len - i);
        if (!nl)
            break;
        size_t k = (size_t)(nl - p->buf);
        if (k + 1 >= p->len) {
            p->scan = k;
            return 0;
        }
        if (p->buf[k + 1] == '\n')
            return k + 2;
        if (p->buf[k + 1] == '\r') {
            if (k + 2 >= p->len) {
                p->scan = k;
                return 0;
            }
            if (p->buf[k + 2] == '\n')
                return k + 3;
        }
        i = k + 1;
    }
    p->scan = p->len;
    return 0;
}

static int
parse_head(struct parser *p, size_t hend)
{
    const char *s = p->buf, *end = p->buf + hend;
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    size_t l = (size_t)(nl - s);
    if (l && s[l - 1] == '\r')
        l--;
    if (l < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') || s[8] != ' ' ||
        s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9' || s[11] < '0' || s[11] > '9' ||
        (l > 12 && s[12] != ' '))
        return perr(p, "malformed status line");
    p->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
    bool http11 = s[7] == '1';

    bool have_len = false, te = false, chunked = false, c_close = false, c_keep = false;
    uint64_t clen = 0;
    for (s = nl + 1; s < end; s = nl + 1) {
        nl = memchr(s, '\n', (size_t)(end - s));
        l = (size_t)(nl - s);
        if (l && s[l - 1] == '\r')
            l--;
        if (l == 0)
            break;
        if (is_ows(*s))
            continue; /* obsolete line folding: ignore */
        const char *colon = memchr(s, ':', l);
        if (!colon || colon == s)
            return perr(p, "malformed header field");
        size_t nlen = (size_t)(colon - s);
        const char *v = colon + 1, *ve = s + l;
        while (v < ve && is_ows(*v))
            v++;
        while (ve > v && is_ows(ve[-1]))
            ve--;
        if (name_is(s, nlen, "content-length")) {
            if (v == ve)
                return perr(p, "empty Content-Length");
            uint64_t n = 0;
            for (const char *q = v; q < ve; q++) {
                if (*q < '0' || *q > '9' || n > (UINT64_MAX - 9) / 10)
                    return perr(p, "invalid Content-Length");
                n = n * 10 + (uint64_t)(*q - '0');
            }
            if (have_len && n != clen)
                return perr(p, "conflicting Content-Length fields");
            clen = n;
            have_len = true;
        } else if (name_is(s, nlen, "transfer-encoding")) {
            bool last;
            te = true;
            list_has(v, ve, "chunked", &last);
            chunked = last;
        } else if (name_is(s, nlen, "retry-after")) {
            unsigned n = 0;
            for (const char *q = v; q < ve && *q >= '0' && *q <= '9' && n < 3600; q++)
                n = n * 10 + (unsigned)(*q - '0');
            p->retry_after = n < 3600 ? n : 3600;
        } else if (name_is(s, nlen, "connection")) {
            c_close = c_close || list_has(v, ve, "close", NULL);
            c_keep = c_keep || list_has(v, ve, "keep-alive", NULL);
        }
    }
    if (p->status < 200)
        return 0; /* interim response; the caller skips it */

    p->keep_alive = !c_close && (http11 || c_keep);
    if (p->head_request || p->status == 204 || p->status == 304) {
        p->phase = PH_DONE;
    } else if (te) {
        if (chunked) {
            p->phase = PH_CHUNKED;
            p->cstate = CS_SIZE;
            p->remaining = 0;
            p->digits = 0;
        } else {
            p->phase = PH_EOF;
            p->keep_alive = false;
        }
    } else if (have_len) {
        p->remaining = clen;
        p->phase = clen ? PH_LENGTH : PH_DONE;
    } else {
        p->phase = PH_EOF;
        p->keep_alive = false;
    }
    return 0;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void
chunk_size_done(struct parser *p)
{
    p->cstate = p->remaining ? CS_DATA : CS_TRAILER;
}

static int
chunk_feed(struct parser *p, const char *d, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (p->cstate == CS_DATA) {
            size_t take = n - i;
            if (take > p->remaining)
                take = (size_t)p->remaining;
            i += take;
            p->remaining -= take;
            p->body_bytes += take;
            if (!p->remaining)
                p->cstate = CS_DATA_CR;
            continue;
        }
        char c = d[i++];
        switch (p->cstate) {
        case CS_SIZE: {
            int h = hexval(c);
            if (h >= 0) {
                if (p->digits >= 15)
                    return perr(p, "chunk size too large");
                p->remaining = p->remaining * 16 + (uint64_t)h;
                p->digits++;
            } else if (!p->digits) {
                return perr(p, "malformed chunk size");
            } else if (c == ';' || is_ows(c)) {
                p->cstate = CS_EXT;
            } else if (c == '\r') {
                p->cstate = CS_SIZE_LF;
            } else if (c == '\n') {
                chunk_size_done(p);
            } else {
                return perr(p, "malformed chunk size");
            }
            break;
        }
        case CS_EXT:
            if (c == '\n')
                chunk_size_done(p);
            break;
        case CS_SIZE_LF:
            if (c != '\n')
                return perr(p, "malformed chunk size line");
            chunk_size_done(p);
            break;
        case CS_DATA_CR:
        case CS_DATA_LF:
            if (c == '\r' && p->cstate == CS_DATA_CR) {
                p->cstate = CS_DATA_LF;
            } else if (c == '\n') {
                p->cstate = CS_SIZE;
                p->digits = 0;
                p->remaining = 0;
            } else {
                return perr(p, "missing CRLF after chunk data");
            }
            break;
        case CS_TRAILER:
            if (c == '\r')
                p->cstate = CS_END_LF;
            else if (c == '\n')
                p->phase = PH_DONE;
            else
                p->cstate = CS_TRAILER_LINE;
            break;
        case CS_TRAILER_LINE:
            if (c == '\n')
                p->cstate = CS_TRAILER;
            break;
        case CS_END_LF:
            if (c != '\n')
                return perr(p, "malformed end of chunked body");
            p->phase = PH_DONE;
            break;
        default:
            return perr(p, "internal chunk parser error");
        }
        if (p->phase == PH_DONE)
            return i < n ? perr(p, "unexpected data after response") : P_DONE;
    }
    return P_MORE;
}

static int
parser_body(struct parser *p, const char *d, size_t n)
{
    switch (p->phase) {
    case PH_LENGTH:
        if (n > p->remaining)
            return perr(p, "unexpected data after response");
        p->remaining -= n;
        p->body_bytes += n;
        if (p->remaining)
            return P_MORE;
        p->phase = PH_DONE;
        return P_DONE;
    case PH_CHUNKED:
        return chunk_feed(p, d, n);
    case PH_EOF:
        p->body_bytes += n;
        return P_MORE;
    default:
        return n ? perr(p, "unexpected data after response") : P_DONE;
    }
}

/* n new bytes were stored at parser_space(). */
static int
parser_feed(struct parser *p, size_t n)
{
    if (p->phase != PH_HEAD)
        return parser_body(p, p->buf, n);
    p->len += n;
    for (;;) {
        size_t hend = find_head_end(p);
        if (!hend)
            return p->len == p->cap ? perr(p, "response header too large") : P_MORE;
        if (parse_head(p, hend) != 0)
            return P_ERR;
        size_t rest = p->len - hend;
        if (p->status < 200) {
            if (p->status == 101)
                return perr(p, "unexpected 101 Switching Protocols");
            memmove(p->buf, p->buf + hend, rest);
            p->len = rest;
            p->scan = 0;
            p->status = 0;
            continue;
        }
        p->len = 0;
        p->scan = 0;
        if (p->phase == PH_DONE)
            return rest ? perr(p, "unexpected data after response") : P_DONE;
        if (!rest)
            return P_MORE;
        return parser_body(p, p->buf + hend, rest);
    }
}

/* The server closed the connection. */
static int
parser_eof(struct parser *p)
{
    if (p->phase == PH_EOF) {
        p->phase = PH_DONE;
        p->keep_alive = false;
        return P_DONE;
    }
    if (p->phase == PH_HEAD && p->len == 0)
        return perr(p, "connection closed by server before the response");
    return perr(p, "connection closed by server in the middle of a response");
}

/* ------------------------------------------------------------------------ */
/* Connections                                                             */

enum cstate { C_DOWN, C_CONNECTING, C_HANDSHAKE, C_READY, C_SEND, C_RECV, C_FINISHED };

struct conn {
    unsigned id;
    int fd;
    SSL *ssl;
    enum cstate state;
    short events;     /* what poll() should wait for */
    int64_t deadline; /* connect/handshake or request timeout; 0: none */
    int64_t retry_at; /* C_DOWN: when to connect again */
    int64_t started;  /* when the current request started */
    unsigned attempts, fail_streak;
    uint64_t served; /* responses on the current socket */
    bool ever_connected;
    bool has_ticket; /* -n mode: holds one of the TOTAL requests */
    const char *req;
    size_t req_len, req_off;
    char *own;     /* per-connection request buffer (templates) */
    uint64_t seq;  /* {{seq}} of the current request */
    bool seq_open; /* that request's outcome is not logged yet */
    struct parser p;
};

struct worker {
    unsigned id;
    pthread_t tid;
    struct conn *conns;
    size_t nconns;
    struct pollfd *pfds;
    struct conn **pmap;
    struct stats *st;
    SSL_CTX *ctx; /* one per thread: nothing in OpenSSL's verification state is shared */
    int64_t end;
};

static bool
claim_ticket(void)
{
    if (!cfg.total)
        return true;
    return atomic_fetch_add(&g_claimed, 1) < cfg.total;
}

static bool
work_left(const struct conn *c)
{
    if (atomic_load(&g_stop))
        return false;
    return !cfg.total || c->has_ticket || atomic_load(&g_claimed) < cfg.total;
}

/* --log: the outcome of the connection's templated request, once: its
 * HTTP status, or 0 when it was (perhaps partly) sent and no response came,
 * so the caller cannot know whether the server acted on it. */
static void
log_outcome(struct conn *c, int status)
{
    if (g_log && c->seq_open)
        fprintf(g_log, "%" PRIu64 " %d\n", c->seq, status);
    c->seq_open = false;
}

static void
conn_close(struct conn *c, bool clean)
{
    if (c->ssl) {
        if (clean)
            SSL_shutdown(c->ssl); /* one non-blocking close_notify; result ignored */
        SSL_free(c->ssl);
        c->ssl = NULL;
        ERR_clear_error();
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->state = C_DOWN;
    c->events = 0;
    c->deadline = 0;
}

static void
first_attempt_failed(struct conn *c)
{
    if (c->ever_connected || c->attempts != 1)
        return;
    unsigned n = atomic_fetch_add(&g_first_failed, 1) + 1;
    if (n == cfg.conns && atomic_load(&g_established) == 0)
        request_stop();
}

/* Close after an error; connect again later. */
static void
conn_fail(struct worker *w, struct conn *c, int64_t now, bool timeout, const char *what,
          const char *why)
{
    /* back off when the connection never got as far as a response */
    bool backoff = c->state == C_CONNECTING || c->state == C_HANDSHAKE || c->served == 0;
    if (timeout)
        w->st->timeouts++;
    else
        w->st->sock_errors++;
    show_error("connection %u: %s: %s", c->id, what, why);
    log_outcome(c, 0);
    first_attempt_failed(c);
    conn_close(c, false);
    if (backoff) {
        /* 10 ms, 20 ms, ... up to 1 s while this keeps failing */
        int64_t delay = 10 * NS_PER_MS << (c->fail_streak < 7 ? c->fail_streak : 7);
        if (delay > NS_PER_S)
            delay = NS_PER_S;
        c->fail_streak++;
        c->retry_at = now + delay;
    } else {
        c->retry_at = now;
    }
}

static void
conn_fail_errno(struct worker *w, struct conn *c, int64_t now, const char *what, int err)
{
    char buf[128];
    conn_fail(w, c, now, false, what, strerror_r(err, buf, sizeof buf));
}

static void
conn_fail_ssl(struct worker *w, struct conn *c, int64_t now, const char *what, int ret, int err,
              int sys_errno)
{
    char buf[256], ebuf[128];
    unsigned long e = ERR_peek_last_error();
    if (err == SSL_ERROR_SSL) {
        long vr = SSL_get_verify_result(c->ssl);
        if (c->state == C_HANDSHAKE && vr != X509_V_OK)
            snprintf(buf, sizeof buf, "certificate verification failed: %s",
                     X509_verify_cert_error_string(vr));
        else if (e)
            ERR_error_string_n(e, buf, sizeof buf);
        else
            snprintf(buf, sizeof buf, "TLS error");
    } else if (err == SSL_ERROR_SYSCALL) {
        if (e)
            ERR_error_string_n(e, buf, sizeof buf);
        else if (ret == 0 || sys_errno == 0)
            snprintf(buf, sizeof buf, "connection closed by server");
        else
            snprintf(buf, sizeof buf, "%s", strerror_r(sys_errno, ebuf, sizeof ebuf));
    } else if (err == SSL_ERROR_ZERO_RETURN) {
        snprintf(buf, sizeof buf, "connection closed by server");
    } else {
        snprintf(buf, sizeof buf, "TLS error %d", err);
    }
    ERR_clear_error();
    conn_fail(w, c, now, false, what, buf);
}

/* Start a TCP connection.  On failure the connection stays C_DOWN. */
static void
conn_open(struct worker *w, struct conn *c, int64_t now)
{
    c->attempts++;
    if (c->attempts > 1)
        w->st->reconnects++;
    c->state = C_CONNECTING; /* so that failures back off */
    c->served = 0;
    c->deadline = now + cfg.timeout_ns;
    c->fd = socket(cfg.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        conn_fail_errno(w, c, now, "socket", errno);
        return;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (const struct sockaddr *)&cfg.addr, cfg.addrlen) == 0) {
        c->events = POLLOUT; /* connected at once; the next step checks SO_ERROR */
        return;
    }
    if (errno != EINPROGRESS) {
        conn_fail_errno(w, c, now, "connect", errno);
        return;
    }
    c->events = POLLOUT;
}

static bool
tls_start(struct worker *w, struct conn *c)
{
    c->ssl = SSL_new(w->ctx);
    if (!c->ssl || !SSL_set_fd(c->ssl, c->fd))
        return false;
    if (!cfg.host_is_ip && !SSL_set_tlsext_host_name(c->ssl, cfg.host))
        return false;
    SSL_set_connect_state(c->ssl);
    c->state = C_HANDSHAKE;
    return true;
}

static void
request_prepare(struct conn *c)
{
    c->req_off = 0;
    if (!cfg.tmpl) {
        c->req = cfg.req;
        c->req_len = cfg.req_len;
        return;
    }
    char num[24];
    uint64_t seq = atomic_fetch_add(&g_seq, 1);
    /* A request resent after a reconnect takes the next value, so the list
     * may be used more than once around: the caller checks the log. */
    if (cfg.seqs)
        seq = cfg.seqs[seq % cfg.nseqs];
    int nl = snprintf(num, sizeof num, "%" PRIu64, seq);
    c->seq = seq;
    c->seq_open = true;
    size_t blen = cfg.tmpl_fixed + (cfg.nseg - 1) * (size_t)nl;
    char *o = c->own;
    memcpy(o, cfg.head, cfg.head_len);
    o += cfg.head_len;
    o += sprintf(o, "Content-Length: %zu\r\n\r\n", blen);
    for (size_t i = 0; i < cfg.nseg; i++) {
        memcpy(o, cfg.tmpl + cfg.seg_off[i], cfg.seg_len[i]);
        o += cfg.seg_len[i];
        if (i + 1 < cfg.nseg) {
            memcpy(o, num, (size_t)nl);
            o += nl;
        }
    }
    c->req = c->own;
    c->req_len = (size_t)(o - c->own);
}

/* Advance a connection as far as it goes without blocking. */
static void
conn_drive(struct worker *w, struct conn *c, int64_t now, short revents)
{
    for (;;) {
        switch (c->state) {
        case C_DOWN:
            if (!work_left(c)) {
                c->state = C_FINISHED;
                return;
            }
            conn_open(w, c, now);
            return; /* wait for POLLOUT (or the retry time) */

        case C_CONNECTING: {
            if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
                return;
            int err = 0;
            socklen_t len = sizeof err;
            if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                err = errno;
            if (err) {
                conn_fail_errno(w, c, now, "connect", err);
                return;
            }
            if (!tls_start(w, c)) {
                ERR_clear_error();
                conn_fail(w, c, now, false, "TLS setup", "SSL_new failed");
                return;
            }
            break;
        }

        case C_HANDSHAKE: {
            ERR_clear_error();
            int r = SSL_connect(c->ssl);
            if (r == 1) {
                c->ever_connected = true;
                c->deadline = 0;
                atomic_fetch_add(&g_established, 1);
                c->state = C_READY;
                break;
            }
            int saved = errno;
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                c->events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
                return;
            }
            conn_fail_ssl(w, c, now, "TLS handshake", r, e, saved);
            return;
        }

        case C_READY:
            if (!c->has_ticket) {
                if (atomic_load(&g_stop) || !claim_ticket()) {
                    conn_close(c, true);
                    c->state = C_FINISHED;
                    return;
                }
                c->has_ticket = true;
            }
            request_prepare(c);
            parser_reset(&c->p, cfg.head_method);
            c->started = mono_ns();
            c->deadline = c->started + cfg.timeout_ns;
            c->state = C_SEND;
            break;

        case C_SEND: {
            ERR_clear_error();
            int r = SSL_write(c->ssl, c->req + c->req_off, (int)(c->req_len - c->req_off));
            if (r > 0) {
                c->req_off += (size_t)r;
                if (c->req_off < c->req_len)
                    break;
                /* The response cannot be there yet (requests are not
                 * pipelined, so OpenSSL holds no buffered response bytes);
                 * wait for it instead of trying a read that would fail. */
                c->state = C_RECV;
                c->events = POLLIN;
                return;
            }
            int saved = errno;
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                c->events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
                return;
            }
            conn_fail_ssl(w, c, now, "write", r, e, saved);
            return;
        }

        case C_RECV: {
            size_t space;
            char *dst = parser_space(&c->p, &space);
            ERR_clear_error();
            int r = SSL_read(c->ssl, dst, (int)(space > INT_MAX ? INT_MAX : space));
            int pr;
            bool eof = false;
            if (r > 0) {
                pr = parser_feed(&c->p, (size_t)r);
            } else {
                int saved = errno;
                int e = SSL_get_error(c->ssl, r);
                if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                    c->events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
                    return;
                }
                if (e != SSL_ERROR_ZERO_RETURN) {
                    conn_fail_ssl(w, c, now, "read", r, e, saved);
                    return;
                }
                if (c->p.phase == PH_HEAD && c->p.len == 0 && c->served > 0) {
                    /* The server closed a reused keep-alive connection
                     * before answering: reconnect and send the request
                     * again (it keeps its -n ticket).  Only the reconnect
                     * is counted.  With a template the request gets
                     * a new {{seq}}; the old one stays unanswered. */
                    log_outcome(c, 0);
                    conn_close(c, false);
                    c->retry_at = now;
                    return;
                }
                eof = true;
                pr = parser_eof(&c->p);
            }
            if (pr == P_MORE)
                break;
            if (pr == P_ERR) {
                conn_fail(w, c, now, false, "response", c->p.err);
                return;
            }
            int64_t t = mono_ns();
            stats_record(w->st, c->p.status, t - c->started);
            log_outcome(c, c->p.status);
            c->served++;
            c->fail_streak = 0;
            c->has_ticket = false;
            c->deadline = 0;
            if (eof || !c->p.keep_alive) {
                conn_close(c, !eof);
                c->retry_at = t;
                if (!work_left(c))
                    c->state = C_FINISHED;
                return; /* the poll loop reconnects */
            }
            if (cfg.retry_after && (c->p.status == 429 || c->p.status == 503) && c->p.retry_after) {
                /* As a polite client does: nothing more on this connection
                 * for the time the server asked; then a new one. */
                conn_close(c, true);
                c->retry_at = t + (int64_t)c->p.retry_after * NS_PER_S;
                if (!work_left(c))
                    c->state = C_FINISHED;
                return;
            }
            c->state = C_READY;
            break;
        }

        case C_FINISHED:
            return;
        }
    }
}

static void
conn_timeout(struct worker *w, struct conn *c, int64_t now)
{
    char why[64];
    snprintf(why, sizeof why, "timed out after %.3g s", (double)cfg.timeout_ns / 1e9);
    const char *what = c->state == C_CONNECTING  ? "connect"
                       : c->state == C_HANDSHAKE ? "TLS handshake"
                                                 : "request";
    conn_fail(w, c, now, true, what, why);
}

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        int64_t now = mono_ns();
        if (atomic_load(&g_stop) || now >= w->end)
            break;
        int64_t wake = w->end;
        size_t np = 1, active = 0;
        w->pfds[0].fd = g_stop_pipe[0];
        w->pfds[0].events = POLLIN;
        w->pfds[0].revents = 0;
        for (size_t i = 0; i < w->nconns; i++) {
            struct conn *c = &w->conns[i];
            if (c->state == C_DOWN && now >= c->retry_at)
                conn_drive(w, c, now, 0);
            else if (c->deadline && now >= c->deadline && c->state != C_DOWN &&
                     c->state != C_FINISHED)
                conn_timeout(w, c, now);
            if (c->state == C_FINISHED)
                continue;
            active++;
            if (c->state == C_DOWN) {
                if (c->retry_at < wake)
                    wake = c->retry_at;
                continue;
            }
            if (c->deadline && c->deadline < wake)
                wake = c->deadline;
            w->pfds[np].fd = c->fd;
            w->pfds[np].events = c->events;
            w->pfds[np].revents = 0;
            w->pmap[np] = c;
            np++;
        }
        if (!active)
            break;
        int64_t wait_ns = wake - now;
        int timeout_ms = 0;
        if (wait_ns >= (int64_t)INT_MAX * NS_PER_MS)
            timeout_ms = INT_MAX;
        else if (wait_ns > 0)
            timeout_ms = (int)((wait_ns + NS_PER_MS - 1) / NS_PER_MS); /* round up */
        int r = poll(w->pfds, (nfds_t)np, timeout_ms);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            char buf[128];
            show_error("poll: %s", strerror_r(errno, buf, sizeof buf));
            request_stop();
            break;
        }
        if (r == 0)
            continue;
        now = mono_ns();
        for (size_t i = 1; i < np; i++)
            if (w->pfds[i].revents)
                conn_drive(w, w->pmap[i], now, w->pfds[i].revents);
    }
    for (size_t i = 0; i < w->nconns; i++) {
        struct conn *c = &w->conns[i];
        log_outcome(c, 0); /* still in flight at the end */
        conn_close(c, c->state == C_RECV);
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Setup                                                                   */

static void
usage(FILE *f)
{
    fprintf(f, "usage: hubload [options] https://HOST:PORT/path[?query]\n"
               "\n"
               "  -c N                connections (default 8)\n"
               "  -t N                threads (default min(2, connections))\n"
               "  -d DURATION         run time, e.g. 10s, 500ms, 2m (default 10s);\n"
               "                      with -n it is a safety limit\n"
               "  -n TOTAL            stop after exactly TOTAL responses\n"
               "  -m METHOD           request method (default GET)\n"
               "  -H 'Name: value'    extra request header (repeatable)\n"
               "  --token TOKEN       send 'Authorization: Bearer TOKEN'\n"
               "  --body FILE         request body, sent with Content-Length\n"
               "  --body-template FILE  request body in which every {{seq}} is replaced\n"
               "                      by a unique, increasing integer per request\n"
               "  --seq-start N       first {{seq}} value (default 1)\n"
               "  --seq-file FILE     the {{seq}} values to send, one per line, instead of\n"
               "                      a counter; -n defaults to their number\n"
               "  --log FILE          with --body-template: write 'SEQ STATUS' per request,\n"
               "                      STATUS 0 when it was sent but got no response\n"
               "  --content-type T    Content-Type of the body (default application/json)\n"
               "  --expect CODE       count any other status as an error (default: non-2xx)\n"
               "  --timeout DURATION  per-request, connect and handshake timeout (default 10s)\n"
               "  --retry-after       after a 429 or 503 with Retry-After: N, the connection\n"
               "                      waits N seconds before its next request\n"
               "  --ca FILE           CA certificates to verify the server (name/IP checked)\n"
               "  --insecure          do not verify the server certificate\n"
               "  --cert FILE --key FILE  client certificate and key (PEM)\n"
               "  --self-test         test the response parser and exit\n"
               "  -h, --help          this help\n");
}

static int
bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "hubload: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    fprintf(stderr, "Try 'hubload --help'.\n");
    return -1;
}

static int
parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* "10s", "500ms", "1.5m", "250us", "2h"; a bare number means seconds. */
static int
parse_duration(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !(v > 0) || !isfinite(v))
        return -1;
    double mult;
    if (!*end || !strcmp(end, "s"))
        mult = 1e9;
    else if (!strcmp(end, "ms"))
        mult = 1e6;
    else if (!strcmp(end, "us"))
        mult = 1e3;
    else if (!strcmp(end, "m"))
        mult = 60e9;
    else if (!strcmp(end, "h"))
        mult = 3600e9;
    else
        return -1;
    double ns = v * mult;
    if (ns < 1e6 || ns > 1e9 * 86400 * 365)
        return -1;
    *out = (int64_t)ns;
    return 0;
}

static bool
is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool
valid_token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!is_tchar(*s))
            return false;
    return true;
}

static bool
has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 && *s != '\t')
            return true;
    return false;
}

static bool
user_header(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < cfg.nhdrs; i++)
        if (strncasecmp(cfg.hdrs[i], name, n) == 0 && cfg.hdrs[i][n] == ':')
            return true;
    return false;
}

static int
parse_url(const char *url)
{
    if (strncasecmp(url, "https://", 8) != 0)
        return bad_usage("URL must start with https://");
    const char *a = url + 8;
    const char *ae = a + strcspn(a, "/?#");
    if (memchr(a, '@', (size_t)(ae - a)))
        return bad_usage("user information in the URL is not supported");
    const char *h, *he, *portp = NULL;
    if (*a == '[') {
        he = memchr(a, ']', (size_t)(ae - a));
        if (!he)
            return bad_usage("bad IPv6 address in URL");
        h = a + 1;
        if (he + 1 < ae) {
            if (he[1] != ':')
                return bad_usage("bad URL authority");
            portp = he + 2;
        }
    } else {
        const char *colon = memchr(a, ':', (size_t)(ae - a));
        h = a;
        he = colon ? colon : ae;
        if (colon)
            portp = colon + 1;
    }
    if (he == h)
        return bad_usage("URL has no host");
    cfg.host = xstrndup(h, (size_t)(he - h));
    if (portp) {
        uint64_t port;
        char *ps = xstrndup(portp, (size_t)(ae - portp));
        if (parse_uint(ps, 1, 65535, &port) < 0) {
            free(ps);
            return bad_usage("bad port in URL");
        }
        cfg.port = ps;
    } else {
        cfg.port = xstrndup("443", 3);
    }
    cfg.hostport = xstrndup(a, (size_t)(ae - a));
    size_t pl = strcspn(ae, "#");
    if (pl == 0) {
        cfg.path = xstrndup("/", 1);
    } else if (*ae == '?') {
        cfg.path = xmalloc(pl + 2);
        cfg.path[0] = '/';
        memcpy(cfg.path + 1, ae, pl);
        cfg.path[pl + 1] = '\0';
    } else {
        cfg.path = xstrndup(ae, pl);
    }
    for (const char *q = cfg.path; *q; q++)
        if ((unsigned char)*q <= 0x20 || *q == 0x7f)
            return bad_usage("URL path contains spaces or control characters");
    unsigned char tmp[sizeof(struct in6_addr)];
    cfg.host_is_ip =
        inet_pton(AF_INET, cfg.host, tmp) == 1 || inet_pton(AF_INET6, cfg.host, tmp) == 1;
    return 0;
}

static int
resolve(void)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int r = getaddrinfo(cfg.host, cfg.port, &hints, &res);
    if (r != 0) {
        fprintf(stderr, "hubload: cannot resolve %s: %s\n", cfg.host, gai_strerror(r));
        return -1;
    }
    memcpy(&cfg.addr, res->ai_addr, res->ai_addrlen);
    cfg.addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static int
read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "hubload: %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct sbuf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > MAX_BODY) {
            fprintf(stderr, "hubload: %s: larger than %d bytes\n", path, MAX_BODY);
            fclose(f);
            free(b.p);
            return -1;
        }
        sb_add(&b, chunk, n);
    }
    bool err = ferror(f);
    fclose(f);
    if (err) {
        fprintf(stderr, "hubload: %s: read error\n", path);
        free(b.p);
        return -1;
    }
    if (!b.p)
        sb_add(&b, "", 0);
    *out = b.p;
    *len = b.len;
    return 0;
}

/* --seq-file: one decimal {{seq}} value per line; -n defaults to their count. */
static int
load_seqs(void)
{
    char *text;
    size_t len;
    if (read_file(cfg.seq_file, &text, &len) < 0)
        return -1;
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += text[i] == '\n';
    cfg.seqs = xcalloc(cap, sizeof *cfg.seqs);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (parse_uint(line, 0, UINT64_MAX / 2, &cfg.seqs[cfg.nseqs]) < 0) {
            fprintf(stderr, "hubload: %s: bad value '%s'\n", cfg.seq_file, line);
            free(text);
            return -1;
        }
        cfg.nseqs++;
    }
    free(text);
    if (!cfg.nseqs) {
        fprintf(stderr, "hubload: %s: no values\n", cfg.seq_file);
        return -1;
    }
    if (!cfg.total)
        cfg.total = cfg.nseqs;
    return 0;
}

static int
build_request(void)
{
    struct sbuf b = {0};
    sb_fmt(&b, "%s %s HTTP/1.1\r\n", cfg.method, cfg.path);
    if (!user_header("host"))
        sb_fmt(&b, "Host: %s\r\n", cfg.hostport);
    if (!user_header("user-agent"))
        sb_fmt(&b, "User-Agent: hubload\r\n");
    if (!user_header("accept"))
        sb_fmt(&b, "Accept: */*\r\n");
    if (cfg.token)
        sb_fmt(&b, "Authorization: Bearer %s\r\n", cfg.token);
    for (size_t i = 0; i < cfg.nhdrs; i++)
        sb_fmt(&b, "%s\r\n", cfg.hdrs[i]);
    bool has_body = cfg.body_file || cfg.tmpl_file;
    if (has_body && !user_header("content-type"))
        sb_fmt(&b, "Content-Type: %s\r\n", cfg.ctype);

    if (cfg.tmpl_file) {
        if (read_file(cfg.tmpl_file, &cfg.tmpl, &cfg.tmpl_len) < 0) {
            free(b.p);
            return -1;
        }
        static const char ph[] = "{{seq}}";
        const size_t phl = sizeof ph - 1;
        size_t count = 0;
        for (const char *q = cfg.tmpl, *e = cfg.tmpl + cfg.tmpl_len;
             (q = memmem(q, (size_t)(e - q), ph, phl)) != NULL; q += phl)
            count++;
        if (!count)
            fprintf(stderr, "hubload: warning: %s contains no {{seq}}\n", cfg.tmpl_file);
        cfg.nseg = count + 1;
        cfg.seg_off = xcalloc(cfg.nseg, sizeof *cfg.seg_off);
        cfg.seg_len = xcalloc(cfg.nseg, sizeof *cfg.seg_len);
        size_t pos = 0, k = 0;
        for (;;) {
            const char *q = memmem(cfg.tmpl + pos, cfg.tmpl_len - pos, ph, phl);
            size_t stop = q ? (size_t)(q - cfg.tmpl) : cfg.tmpl_len;
            cfg.seg_off[k] = pos;
            cfg.seg_len[k] = stop - pos;
            k++;
            if (!q)
                break;
            pos = stop + phl;
        }
        cfg.tmpl_fixed = cfg.tmpl_len - count * phl;
        cfg.head = b.p;
        cfg.head_len = b.len;
        cfg.req_max = cfg.head_len + 64 + cfg.tmpl_fixed + count * 20;
        return 0;
    }
    if (cfg.body_file) {
        char *body;
        size_t blen;
        if (read_file(cfg.body_file, &body, &blen) < 0) {
            free(b.p);
            return -1;
        }
        sb_fmt(&b, "Content-Length: %zu\r\n\r\n", blen);
        sb_add(&b, body, blen);
        free(body);
    } else if (!strcmp(cfg.method, "POST") || !strcmp(cfg.method, "PUT") ||
               !strcmp(cfg.method, "PATCH")) {
        sb_fmt(&b, "Content-Length: 0\r\n\r\n");
    } else {
        sb_fmt(&b, "\r\n");
    }
    cfg.req = b.p;
    cfg.req_len = b.len;
    return 0;
}

static SSL_CTX *
make_tls_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        goto fail;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* an EOF without close_notify ends a close-delimited body; the parser
     * decides whether the response was complete */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    /* read whole socket buffers, not one TLS record header at a time; the
     * receive loop always reads until SSL_ERROR_WANT_READ before polling */
    SSL_CTX_set_read_ahead(ctx, 1);
    if (cfg.insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    } else {
        if (SSL_CTX_load_verify_locations(ctx, cfg.ca, NULL) != 1) {
            fprintf(stderr, "hubload: cannot load CA file %s\n", cfg.ca);
            goto fail;
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        X509_VERIFY_PARAM *vp = SSL_CTX_get0_param(ctx);
        int ok = cfg.host_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, cfg.host)
                                : X509_VERIFY_PARAM_set1_host(vp, cfg.host, 0);
        if (ok != 1)
            goto fail;
        X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    }
    if (cfg.cert) {
        if (SSL_CTX_use_certificate_chain_file(ctx, cfg.cert) != 1) {
            fprintf(stderr, "hubload: cannot load client certificate %s\n", cfg.cert);
            goto fail;
        }
        if (SSL_CTX_use_PrivateKey_file(ctx, cfg.key, SSL_FILETYPE_PEM) != 1) {
            fprintf(stderr, "hubload: cannot load client key %s\n", cfg.key);
            goto fail;
        }
        if (SSL_CTX_check_private_key(ctx) != 1) {
            fprintf(stderr, "hubload: client key does not match the certificate\n");
            goto fail;
        }
    }
    return ctx;
fail:
    ERR_print_errors_fp(stderr);
    SSL_CTX_free(ctx);
    return NULL;
}

enum {
    OPT_CA = 256,
    OPT_CERT,
    OPT_KEY,
    OPT_TOKEN,
    OPT_BODY,
    OPT_TEMPLATE,
    OPT_CTYPE,
    OPT_EXPECT,
    OPT_TIMEOUT,
    OPT_INSECURE,
    OPT_SEQ,
    OPT_LOG,
    OPT_SEQFILE,
    OPT_RETRYAFTER,
    OPT_SELFTEST,
};

/* Returns 0, 1 for --help/--self-test handled by the caller, -1 on error. */
static int
parse_args(int argc, char **argv, bool *self_test)
{
    static const struct option opts[] = {
        {"ca", required_argument, NULL, OPT_CA},
        {"cert", required_argument, NULL, OPT_CERT},
        {"key", required_argument, NULL, OPT_KEY},
        {"token", required_argument, NULL, OPT_TOKEN},
        {"body", required_argument, NULL, OPT_BODY},
        {"body-template", required_argument, NULL, OPT_TEMPLATE},
        {"content-type", required_argument, NULL, OPT_CTYPE},
        {"expect", required_argument, NULL, OPT_EXPECT},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"insecure", no_argument, NULL, OPT_INSECURE},
        {"seq-start", required_argument, NULL, OPT_SEQ},
        {"log", required_argument, NULL, OPT_LOG},
        {"seq-file", required_argument, NULL, OPT_SEQFILE},
        {"retry-after", no_argument, NULL, OPT_RETRYAFTER},
        {"self-test", no_argument, NULL, OPT_SELFTEST},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cfg.conns = 8;
    cfg.duration_ns = 10 * NS_PER_S;
    cfg.timeout_ns = 10 * NS_PER_S;
    cfg.method = "GET";
    cfg.ctype = "application/json";
    cfg.seq_start = 1;
    cfg.hdrs = xcalloc((size_t)argc, sizeof *cfg.hdrs);
    uint64_t v, threads = 0;
    int ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":c:t:d:n:H:m:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            if (parse_uint(optarg, 1, MAX_CONNS, &v) < 0)
                return bad_usage("-c wants 1..%d", MAX_CONNS);
            cfg.conns = (unsigned)v;
            break;
        case 't':
            if (parse_uint(optarg, 1, MAX_THREADS, &threads) < 0)
                return bad_usage("-t wants 1..%d", MAX_THREADS);
            break;
        case 'd':
            if (parse_duration(optarg, &cfg.duration_ns) < 0)
                return bad_usage("bad duration '%s' (e.g. 10s, 500ms, 2m)", optarg);
            break;
        case 'n':
            if (parse_uint(optarg, 1, UINT64_MAX / 2, &cfg.total) < 0)
                return bad_usage("-n wants a positive number");
            break;
        case 'H': {
            const char *colon = strchr(optarg, ':');
            if (!colon || colon == optarg || has_ctl(optarg))
                return bad_usage("-H wants 'Name: value'");
            for (const char *q = optarg; q < colon; q++)
                if (!is_tchar(*q))
                    return bad_usage("bad header name in '%s'", optarg);
            size_t nl = (size_t)(colon - optarg);
            if ((nl == 14 && !strncasecmp(optarg, "content-length", nl)) ||
                (nl == 17 && !strncasecmp(optarg, "transfer-encoding", nl)))
                return bad_usage("-H cannot set %.*s", (int)nl, optarg);
            cfg.hdrs[cfg.nhdrs++] = optarg;
            break;
        }
        case 'm':
            if (!valid_token(optarg))
                return bad_usage("bad method '%s'", optarg);
            cfg.method = optarg;
            break;
        case 'h':
            usage(stdout);
            return 1;
        case OPT_CA:
            cfg.ca = optarg;
            break;
        case OPT_CERT:
            cfg.cert = optarg;
            break;
        case OPT_KEY:
            cfg.key = optarg;
            break;
        case OPT_TOKEN:
            if (!*optarg || has_ctl(optarg) || strchr(optarg, '\t'))
                return bad_usage("bad --token");
            cfg.token = optarg;
            break;
        case OPT_BODY:
            cfg.body_file = optarg;
            break;
        case OPT_TEMPLATE:
            cfg.tmpl_file = optarg;
            break;
        case OPT_CTYPE:
            if (!*optarg || has_ctl(optarg))
                return bad_usage("bad --content-type");
            cfg.ctype = optarg;
            break;
        case OPT_EXPECT:
            if (parse_uint(optarg, 100, 599, &v) < 0)
                return bad_usage("--expect wants a status code 100..599");
            cfg.expect = (int)v;
            break;
        case OPT_TIMEOUT:
            if (parse_duration(optarg, &cfg.timeout_ns) < 0)
                return bad_usage("bad --timeout '%s'", optarg);
            break;
        case OPT_INSECURE:
            cfg.insecure = true;
            break;
        case OPT_SEQ:
            if (parse_uint(optarg, 0, UINT64_MAX / 2, &cfg.seq_start) < 0)
                return bad_usage("bad --seq-start");
            break;
        case OPT_LOG:
            cfg.log_file = optarg;
            break;
        case OPT_SEQFILE:
            cfg.seq_file = optarg;
            break;
        case OPT_RETRYAFTER:
            cfg.retry_after = true;
            break;
        case OPT_SELFTEST:
            *self_test = true;
            break;
        case ':':
            return bad_usage("option '%s' needs a value", argv[optind - 1]);
        default:
            return bad_usage("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (*self_test)
        return 1;
    if (optind != argc - 1)
        return bad_usage(optind >= argc ? "missing URL" : "exactly one URL expected");
    cfg.url = argv[optind];
    if (!cfg.ca && !cfg.insecure)
        return bad_usage("--ca FILE is required (or --insecure)");
    if (!cfg.cert != !cfg.key)
        return bad_usage("--cert and --key go together");
    if ((cfg.log_file || cfg.seq_file) && !cfg.tmpl_file)
        return bad_usage("--log and --seq-file need --body-template");
    if (cfg.body_file && cfg.tmpl_file)
        return bad_usage("--body and --body-template exclude each other");
    cfg.head_method = !strcmp(cfg.method, "HEAD");
    if (cfg.head_method && (cfg.body_file || cfg.tmpl_file))
        return bad_usage("HEAD requests cannot have a body");
    if (!threads)
        threads = cfg.conns < 2 ? cfg.conns : 2;
    if (threads > cfg.conns)
        threads = cfg.conns;
    cfg.threads = (unsigned)threads;
    return parse_url(cfg.url);
}

static void
raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t want = (rlim_t)cfg.conns + FD_RESERVE;
    if (rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < want)
        fprintf(stderr, "hubload: warning: open file limit %llu is too low for %u connections\n",
                (unsigned long long)rl.rlim_cur, cfg.conns);
}

/* ------------------------------------------------------------------------ */
/* Output                                                                  */

static const char *
fmt_ms(double ns, char *buf, size_t n)
{
    double ms = ns / 1e6;
    const char *f = ms < 0.1 ? "%.3f" : ms < 10 ? "%.2f" : ms < 100 ? "%.1f" : "%.0f";
    snprintf(buf, n, f, ms);
    return buf;
}

static void
print_results(const struct stats *st, double secs)
{
    uint64_t errors = st->bad_status + st->sock_errors + st->timeouts;
    double rps = secs > 0 ? (double)st->responses / secs : 0;
    char p50[32], p90[32], p99[32], max[32], mean[32], bad[32];
    fmt_ms(stats_quantile(st, 0.50), p50, sizeof p50);
    fmt_ms(stats_quantile(st, 0.90), p90, sizeof p90);
    fmt_ms(stats_quantile(st, 0.99), p99, sizeof p99);
    fmt_ms((double)st->lat_max, max, sizeof max);
    fmt_ms(st->responses ? (double)st->lat_sum / (double)st->responses : 0, mean, sizeof mean);
    if (cfg.expect)
        snprintf(bad, sizeof bad, "non-%d", cfg.expect);
    else
        snprintf(bad, sizeof bad, "non-2xx");

    printf("hubload: %u connections, %u threads, %.2f s, %s %s\n", cfg.conns, cfg.threads, secs,
           cfg.method, cfg.url);
    printf("requests      %-8" PRIu64 " (%.1f/s)\n", st->responses, rps);
    printf("errors        %-8" PRIu64 " (%s %" PRIu64 ", socket %" PRIu64 ", timeouts %" PRIu64
           ")   reconnects %" PRIu64 "\n",
           errors, bad, st->bad_status, st->sock_errors, st->timeouts, st->reconnects);
    printf("status       ");
    bool any = false;
    for (int i = 100; i < 600; i++) {
        if (st->status[i]) {
            printf(" %d:%" PRIu64, i, st->status[i]);
            any = true;
        }
    }
    printf("%s\n", any ? "" : " -");
    if (st->responses)
        printf("latency ms    p50 %s  p90 %s  p99 %s  max %s  mean %s\n", p50, p90, p99, max, mean);
    else
        printf("latency ms    -\n");
    printf("RESULT rps=%.1f p50_ms=%s p90_ms=%s p99_ms=%s max_ms=%s requests=%" PRIu64
           " errors=%" PRIu64 "\n",
           rps, p50, p90, p99, max, st->responses, errors);
    fflush(stdout);
}

/* ------------------------------------------------------------------------ */
/* Parser self-test                                                        */

struct ptest {
    const char *name;
    const char *resp;
    bool head_request;
    bool eof_after; /* the server closes after sending resp */
    int want;       /* P_DONE or P_ERR */
    int status;
    bool keep_alive;
    uint64_t body;
};

static int
run_ptest(const struct ptest *t, size_t piece, char *buf, size_t cap)
{
    struct parser p = {.buf = buf, .cap = cap};
    parser_reset(&p, t->head_request);
    size_t len = strlen(t->resp), pos = 0;
    int r = P_MORE;
    while (pos < len && r == P_MORE) {
        size_t space;
        char *dst = parser_space(&p, &space);
        size_t n = len - pos;
        if (n > piece)
            n = piece;
        if (n > space)
            n = space;
        memcpy(dst, t->resp + pos, n);
        pos += n;
        r = parser_feed(&p, n);
    }
    if (r == P_DONE && pos < len)
        r = P_ERR; /* bytes left over after the response */
    if (r == P_MORE && t->eof_after)
        r = parser_eof(&p);
    if (r != t->want) {
        printf("FAIL %s (pieces of %zu): result %d, want %d (%s)\n", t->name, piece, r, t->want,
               p.err ? p.err : "no error");
        return 1;
    }
    if (r == P_DONE &&
        (p.status != t->status || p.keep_alive != t->keep_alive || p.body_bytes != t->body)) {
        printf("FAIL %s (pieces of %zu): status %d keep-alive %d body %" PRIu64 "\n", t->name,
               piece, p.status, p.keep_alive, p.body_bytes);
        return 1;
    }
    return 0;
}

static int
self_test(void)
{
    static const struct ptest tests[] = {
        {"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, false,
         P_DONE, 200, true, 5},
        {"chunked",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
         "1a;name=val\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
         false, false, P_DONE, 200, true, 31},
        {"chunked with trailer",
         "HTTP/1.1 201 Created\r\ntransfer-encoding: gzip, chunked\r\n\r\n"
         "00A\r\n0123456789\r\nF \r\n0123456789abcde\r\n0\r\nX-Sum: 1\r\nX-B: 2\r\n\r\n",
         false, false, P_DONE, 201, true, 25},
        {"chunked bare LF", "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n", false,
         false, P_DONE, 200, true, 3},
        {"connection close",
         "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 3\r\n\r\nnop", false,
         false, P_DONE, 404, false, 3},
        {"http/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false, false, P_DONE, 200,
         false, 2},
        {"http/1.0 keep-alive",
         "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", false, false,
         P_DONE, 200, true, 2},
        {"close-delimited", "HTTP/1.1 200 OK\r\n\r\nuntil the end", false, true, P_DONE, 200, false,
         13},
        {"no content", "HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n", false, false, P_DONE, 204, true,
         0},
        {"not modified", "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", false, false,
         P_DONE, 304, true, 0},
        {"HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", true, false, P_DONE, 200, true,
         0},
        {"100 continue",
         "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", false, false,
         P_DONE, 200, true, 1},
        {"empty body", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, false, P_DONE, 200,
         true, 0},
        {"folded header", "HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\nContent-Length: 1\r\n\r\nx", false,
         false, P_DONE, 200, true, 1},
        {"same length twice", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
         false, false, P_DONE, 200, true, 1},
        {"bad status line", "HTTP/2 200 OK\r\n\r\n", false, false, P_ERR, 0, false, 0},
        {"bad status code", "HTTP/1.1 2x0 OK\r\n\r\n", false, false, P_ERR, 0, false, 0},
        {"bad length", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", false, false, P_ERR, 0,
         false, 0},
        {"conflicting lengths",
         "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx", false, false, P_ERR,
         0, false, 0},
        {"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", false,
         false, P_ERR, 0, false, 0},
        {"chunk without CRLF",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n0\r\n\r\n", false, false,
         P_ERR, 0, false, 0},
        {"huge chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",
         false, false, P_ERR, 0, false, 0},
        {"extra data", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabc", false, false, P_ERR, 0,
         false, 0},
        {"extra data after chunked",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX", false, false, P_ERR, 0,
         false, 0},
        {"truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", false, true, P_ERR,
         0, false, 0},
        {"truncated chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", false,
         true, P_ERR, 0, false, 0},
        {"truncated header", "HTTP/1.1 200 OK\r\nContent-Len", false, true, P_ERR, 0, false, 0},
        {"closed before response", "", false, true, P_ERR, 0, false, 0},
    };
    char buf[256];
    int failed = 0, runs = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        size_t len = strlen(tests[i].resp);
        for (size_t piece = 1; piece <= len + 1; piece++) {
            failed += run_ptest(&tests[i], piece, buf, sizeof buf);
            runs++;
        }
    }
    /* a header larger than the buffer */
    {
        char big[600];
        struct ptest t = {"header too large", big, false, true, P_ERR, 0, false, 0};
        memset(big, 'a', sizeof big - 1);
        memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
        big[sizeof big - 1] = '\0';
        failed += run_ptest(&t, 64, buf, sizeof buf);
        runs++;
    }
    /* histogram resolution: the midpoint of the bucket of v is within 0.4 % of v */
    for (uint64_t v = 1; v < (UINT64_C(1) << 39); v = v * 3 / 2 + 1) {
        double m = hist_value(hist_index(v));
        if (fabs(m - (double)v) > 0.004 * (double)v + 0.5) {
            printf("FAIL histogram: %" PRIu64 " -> %.1f\n", v, m);
            failed++;
        }
        runs++;
    }
    printf("self-test: %d of %d checks failed\n", failed, runs);
    return failed ? 1 : 0;
}

/* ------------------------------------------------------------------------ */

static void
free_config(void)
{
    free(cfg.hdrs);
    free(cfg.host);
    free(cfg.hostport);
    free(cfg.port);
    free(cfg.path);
    free(cfg.req);
    free(cfg.head);
    free(cfg.tmpl);
    free(cfg.seg_off);
    free(cfg.seg_len);
    free(cfg.seqs);
}

int
main(int argc, char **argv)
{
    bool want_self_test = false;
    int r = parse_args(argc, argv, &want_self_test);
    if (r != 0) {
        free_config();
        if (want_self_test)
            return self_test();
        return r > 0 ? 0 : 2;
    }
    if ((cfg.seq_file && load_seqs() < 0) || build_request() < 0 || resolve() < 0) {
        free_config();
        return 2;
    }
    struct worker *ws = xcalloc(cfg.threads, sizeof *ws);
    for (unsigned i = 0; i < cfg.threads; i++) {
        ws[i].ctx = make_tls_ctx();
        if (!ws[i].ctx) {
            for (unsigned k = 0; k < i; k++)
                SSL_CTX_free(ws[k].ctx);
            free(ws);
            free_config();
            return 2;
        }
    }
    if (pipe2(g_stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        perror("hubload: pipe");
        for (unsigned i = 0; i < cfg.threads; i++)
            SSL_CTX_free(ws[i].ctx);
        free(ws);
        free_config();
        return 2;
    }
    raise_nofile();
    atomic_store(&g_seq, cfg.seqs ? 0 : cfg.seq_start);
    if (cfg.log_file && !(g_log = fopen(cfg.log_file, "we"))) {
        fprintf(stderr, "hubload: %s: %s\n", cfg.log_file, strerror(errno));
        close(g_stop_pipe[0]);
        close(g_stop_pipe[1]);
        for (unsigned i = 0; i < cfg.threads; i++)
            SSL_CTX_free(ws[i].ctx);
        free(ws);
        free_config();
        return 2;
    }
    if (g_log)
        setvbuf(g_log, NULL, _IOLBF, 0); /* a line at a time: others read it during the run */

    struct sigaction sa = {0};
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C kills */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    /* workers block the stop signals; main receives them */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);

    struct conn *conns = xcalloc(cfg.conns, sizeof *conns);
    unsigned next = 0;
    for (unsigned i = 0; i < cfg.threads; i++) {
        struct worker *w = &ws[i];
        w->id = i;
        w->nconns = cfg.conns / cfg.threads + (i < cfg.conns % cfg.threads);
        w->conns = conns + next;
        next += (unsigned)w->nconns;
        w->pfds = xcalloc(w->nconns + 1, sizeof *w->pfds);
        w->pmap = xcalloc(w->nconns + 1, sizeof *w->pmap);
        w->st = xcalloc(1, sizeof *w->st);
        for (size_t k = 0; k < w->nconns; k++) {
            struct conn *c = &w->conns[k];
            c->id = (unsigned)(c - conns);
            c->fd = -1;
            c->state = C_DOWN;
            c->p.buf = xmalloc(RBUF_SIZE);
            c->p.cap = RBUF_SIZE;
            if (cfg.tmpl)
                c->own = xmalloc(cfg.req_max);
        }
    }

    int64_t start = mono_ns();
    unsigned started = 0;
    for (unsigned i = 0; i < cfg.threads; i++) {
        ws[i].end = start + cfg.duration_ns;
        int e = pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]);
        if (e != 0) {
            fprintf(stderr, "hubload: pthread_create: %s\n", strerror(e));
            request_stop();
            break;
        }
        started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    for (unsigned i = 0; i < started; i++)
        pthread_join(ws[i].tid, NULL);
    double secs = (double)(mono_ns() - start) / 1e9;

    struct stats *total = xcalloc(1, sizeof *total);
    for (unsigned i = 0; i < cfg.threads; i++)
        stats_merge(total, ws[i].st);

    int status = 0;
    if (started < cfg.threads) {
        status = 2;
    } else if (atomic_load(&g_established) == 0) {
        fprintf(stderr, "hubload: %s to %s:%s\n",
                atomic_load(&g_interrupted) ? "interrupted before a connection was made"
                                            : "no connection could be made",
                cfg.host, cfg.port);
        status = 2;
    } else {
        if (atomic_load(&g_interrupted))
            fprintf(stderr, "hubload: interrupted\n");
        else if (cfg.total && total->responses < cfg.total)
            fprintf(stderr,
                    "hubload: time limit reached after %" PRIu64 " of %" PRIu64 " requests\n",
                    total->responses, cfg.total);
        print_results(total, secs);
    }

    for (unsigned i = 0; i < cfg.threads; i++) {
        for (size_t k = 0; k < ws[i].nconns; k++) {
            free(ws[i].conns[k].p.buf);
            free(ws[i].conns[k].own);
        }
        free(ws[i].pfds);
        free(ws[i].pmap);
        free(ws[i].st);
        SSL_CTX_free(ws[i].ctx);
    }
    free(ws);
    free(conns);
    free(total);
    free_config();
    close(g_stop_pipe[0]);
    close(g_stop_pipe[1]);
    if (g_log && fclose(g_log) != 0) {
        fprintf(stderr, "hubload: %s: %s\n", cfg.log_file, strerror(errno));
        status = 2;
    }
    return status;
}
