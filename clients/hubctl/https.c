#include "https.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
    READ_CHUNK = 16 * 1024,
    POLL_SLICE_MS = 200, /* how often a wait looks at *cancel */
};

/* ---- the answer's parser ---------------------------------------------- */

enum { PH_HEAD, PH_LENGTH, PH_CHUNKED, PH_EOF, PH_DONE };
enum {
    CS_SIZE,         /* hex digits of a chunk's size */
    CS_EXT,          /* a chunk extension, skipped up to LF */
    CS_SIZE_LF,      /* CR seen after the size */
    CS_DATA,         /* the chunk's bytes */
    CS_DATA_CR,      /* CRLF after the bytes */
    CS_DATA_LF,      /* LF after the bytes' CR */
    CS_TRAILER,      /* the start of a trailer line, or the final empty line */
    CS_TRAILER_LINE, /* inside a trailer line, skipped up to LF */
    CS_END_LF,       /* CR of the final empty line seen */
};

void
https_parser_init(https_parser_t *p, size_t max_body)
{
    memset(p, 0, sizeof(*p));
    p->resp.retry_after = -1;
    p->max_body = max_body;
    p->phase = PH_HEAD;
    p->head = xmalloc(HTTPS_HEAD_MAX + 1);
}

void
https_parser_free(https_parser_t *p)
{
    free(p->head);
    p->head = NULL;
}

void
https_response_free(https_response_t *r)
{
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
}

static https_parse_t
parse_error(https_parser_t *p, const char *why)
{
    p->error = why;
    return HTTPS_PARSE_ERROR;
}

static bool
body_append(https_parser_t *p, const char *data, size_t n)
{
    https_response_t *r = &p->resp;
    if (r->body_len + n > p->max_body) {
        p->too_large = true;
        return false;
    }
    if (r->body_len + n + 1 > p->body_cap) {
        size_t cap = p->body_cap ? p->body_cap : 4096;
        while (cap < r->body_len + n + 1)
            cap *= 2;
        r->body = xrealloc(r->body, cap);
        p->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return true;
}

/* The value of a header line "Name: value" when its name is name: the
 * value without spaces around it, in *len. */
static const char *
header_value(const char *line, size_t len, const char *name, size_t *vlen)
{
    size_t n = strlen(name);
    if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
        return NULL;
    const char *v = line + n + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *vlen = (size_t)(end - v);
    return v;
}

/* Does the comma-separated list v (vlen bytes) hold tok (ignoring case)? */
static bool
list_has(const char *v, size_t vlen, const char *tok)
{
    size_t n = strlen(tok);
    for (size_t i = 0; i < vlen;) {
        while (i < vlen && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        size_t j = i;
        while (j < vlen && v[j] != ',')
            j++;
        size_t e = j;
        while (e > i && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e - i == n && strncasecmp(v + i, tok, n) == 0)
            return true;
        i = j;
    }
    return false;
}

/* Digits only, into *out; false otherwise or past max. */
static bool
parse_number(const char *v, size_t n, unsigned long long max, unsigned long long *out)
{
    if (n == 0 || n > 19)
        return false;
    unsigned long long x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)v[i]))
            return false;
        x = x * 10 + (unsigned)(v[i] - '0');
    }
    if (x > max)
        return false;
    *out = x;
    return true;
}

/* The status line and headers in p->head (head_len bytes, the empty line
 * included): decides how the body is delimited. */
static https_parse_t
parse_head(https_parser_t *p)
{
    https_response_t *r = &p->resp;
    char *h = p->head, *end = h + p->head_len;
    char *eol = memchr(h, '\n', p->head_len);
    size_t len = (size_t)(eol - h);
    if (len > 0 && h[len - 1] == '\r')
        len--;
    bool http11;
    if (len >= 12 && strncmp(h, "HTTP/1.1 ", 9) == 0)
        http11 = true;
    else if (len >= 12 && strncmp(h, "HTTP/1.0 ", 9) == 0)
        http11 = false;
    else
        return parse_error(p, "the answer is not HTTP/1.x");
    if (!isdigit((unsigned char)h[9]) || !isdigit((unsigned char)h[10]) ||
        !isdigit((unsigned char)h[11]) || (len > 12 && h[12] != ' '))
        return parse_error(p, "the answer's status line is malformed");
    r->status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
    if (r->status < 100)
        return parse_error(p, "the answer's status is not valid");

    long long content_length = -1;
    bool chunked = false, close = !http11, other_coding = false;
    for (char *line = eol + 1; line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t n = (size_t)(nl - line);
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (n == 0)
            break; /* the empty line */
        if (line[0] == ' ' || line[0] == '\t')
            return parse_error(p, "the answer folds a header line");
        if (memchr(line, ':', n) == NULL)
            return parse_error(p, "the answer has a header line without a colon");
        const char *v;
        size_t vlen;
        unsigned long long x;
        if ((v = header_value(line, n, "Content-Length", &vlen)) != NULL) {
            if (!parse_number(v, vlen, 1ULL << 40, &x) ||
                (content_length >= 0 && (unsigned long long)content_length != x))
                return parse_error(p, "the answer's Content-Length is not valid");
            content_length = (long long)x;
        } else if ((v = header_value(line, n, "Transfer-Encoding", &vlen)) != NULL) {
            if (list_has(v, vlen, "chunked"))
                chunked = true;
            else
                other_coding = true;
        } else if ((v = header_value(line, n, "Connection", &vlen)) != NULL) {
            if (list_has(v, vlen, "close"))
                close = true;
            else if (list_has(v, vlen, "keep-alive"))
                close = false;
        } else if ((v = header_value(line, n, "Content-Type", &vlen)) != NULL) {
            size_t t = 0;
            while (t < vlen && v[t] != ';' && v[t] != ' ' && t + 1 < sizeof(r->content_type)) {
                r->content_type[t] = (char)tolower((unsigned char)v[t]);
                t++;
            }
            r->content_type[t] = '\0';
        } else if ((v = header_value(line, n, "Retry-After", &vlen)) != NULL) {
            if (parse_number(v, vlen, 86400, &x)) /* an HTTP-date is ignored */
                r->retry_after = (long)x;
        }
        line = nl + 1;
    }
    if (other_coding)
        return parse_error(p, "the answer uses a transfer coding other than chunked");

    if (r->status < 200) { /* 100 Continue and the like: the real answer follows */
        if (r->status == 101)
            return parse_error(p, "the server switched protocols");
        p->head_len = 0;
        r->content_type[0] = '\0';
        r->retry_after = -1;
        return HTTPS_PARSE_MORE;
    }
    p->keep_alive = !close;
    if (r->status == 204 || r->status == 304) {
        p->phase = PH_DONE;
    } else if (chunked) {
        p->phase = PH_CHUNKED;
        p->chunk_state = CS_SIZE;
    } else if (content_length >= 0) {
        p->remaining = (unsigned long long)content_length;
        if (p->remaining > p->max_body) {
            p->too_large = true;
            return parse_error(p, "the answer is larger than allowed");
        }
        p->phase = p->remaining ? PH_LENGTH : PH_DONE;
    } else {
        p->phase = PH_EOF; /* the body ends when the connection does */
        p->keep_alive = false;
    }
    if (!body_append(p, "", 0)) /* an empty, NUL-terminated body at least */
        return parse_error(p, "the answer is larger than allowed");
    return HTTPS_PARSE_MORE;
}

/* Collects head bytes; *used: how many of data were taken. */
static https_parse_t
feed_head(https_parser_t *p, const char *data, size_t len, size_t *used)
{
    size_t from = p->head_len > 3 ? p->head_len - 3 : 0;
    size_t take = len;
    if (take > HTTPS_HEAD_MAX - p->head_len)
        take = HTTPS_HEAD_MAX - p->head_len;
    memcpy(p->head + p->head_len, data, take);
    p->head_len += take;
    for (size_t i = from; i < p->head_len; i++) {
        if (p->head[i] != '\n')
            continue;
        bool blank = (i >= 1 && p->head[i - 1] == '\n') ||
                     (i >= 2 && p->head[i - 1] == '\r' && p->head[i - 2] == '\n');
        if (!blank)
            continue;
        size_t head_end = i + 1;
        *used = take - (p->head_len - head_end);
        p->head_len = head_end;
        return parse_head(p);
    }
    *used = take;
    if (p->head_len == HTTPS_HEAD_MAX)
        return parse_error(p, "the answer's headers are too large");
    return HTTPS_PARSE_MORE;
}

static https_parse_t
feed_chunked(https_parser_t *p, const char *data, size_t len, size_t *i)
{
    while (*i < len) {
        char c = data[*i];
        switch (p->chunk_state) {
        case CS_SIZE: {
            int d = isdigit((unsigned char)c) ? c - '0'
                    : (c >= 'a' && c <= 'f')  ? c - 'a' + 10
                    : (c >= 'A' && c <= 'F')  ? c - 'A' + 10
                                              : -1;
            (*i)++;
            if (d >= 0) {
                if (++p->chunk_digits > 15)
                    return parse_error(p, "a chunk size is too large");
                p->remaining = p->remaining * 16 + (unsigned)d;
                continue;
            }
            if (p->chunk_digits == 0)
                return parse_error(p, "a chunk size is missing");
            if (c == ';' || c == ' ' || c == '\t')
                p->chunk_state = CS_EXT;
            else if (c == '\r')
                p->chunk_state = CS_SIZE_LF;
            else if (c == '\n')
                p->chunk_state = p->remaining ? CS_DATA : CS_TRAILER;
            else
                return parse_error(p, "a chunk size is malformed");
            continue;
        }
        case CS_EXT:
            (*i)++;
            if (c == '\r')
                p->chunk_state = CS_SIZE_LF;
            else if (c == '\n')
                p->chunk_state = p->remaining ? CS_DATA : CS_TRAILER;
            continue;
        case CS_SIZE_LF:
            (*i)++;
            if (c != '\n')
                return parse_error(p, "a chunk size line is malformed");
            p->chunk_state = p->remaining ? CS_DATA : CS_TRAILER;
            continue;
        case CS_DATA: {
            size_t n = len - *i;
            if (n > p->remaining)
                n = (size_t)p->remaining;
            if (!body_append(p, data + *i, n))
                return parse_error(p, "the answer is larger than allowed");
            *i += n;
            p->remaining -= n;
            if (p->remaining == 0)
                p->chunk_state = CS_DATA_CR;
            continue;
        }
        case CS_DATA_CR:
            (*i)++;
            if (c == '\r') {
                p->chunk_state = CS_DATA_LF;
                continue;
            }
            if (c != '\n')
                return parse_error(p, "a chunk does not end with CRLF");
            p->chunk_state = CS_SIZE;
            p->chunk_digits = 0;
            continue;
        case CS_DATA_LF:
            (*i)++;
            if (c != '\n')
                return parse_error(p, "a chunk does not end with CRLF");
            p->chunk_state = CS_SIZE;
            p->chunk_digits = 0;
            continue;
        case CS_TRAILER:
            (*i)++;
            if (c == '\r') {
                p->chunk_state = CS_END_LF;
            } else if (c == '\n') {
                p->phase = PH_DONE;
                return HTTPS_PARSE_DONE;
            } else {
                p->chunk_state = CS_TRAILER_LINE;
            }
            continue;
        case CS_TRAILER_LINE:
            (*i)++;
            if (c == '\n')
                p->chunk_state = CS_TRAILER;
            continue;
        case CS_END_LF:
            (*i)++;
            if (c != '\n')
                return parse_error(p, "the chunked body does not end with CRLF");
            p->phase = PH_DONE;
            return HTTPS_PARSE_DONE;
        }
    }
    return HTTPS_PARSE_MORE;
}

https_parse_t
https_parser_feed(https_parser_t *p, const char *data, size_t len, size_t *used)
{
    size_t i = 0;
    *used = 0;
    if (p->error != NULL)
        return HTTPS_PARSE_ERROR;
    while (p->phase != PH_DONE) {
        if (p->phase == PH_HEAD) {
            if (i == len)
                break;
            size_t n = 0;
            https_parse_t st = feed_head(p, data + i, len - i, &n);
            i += n;
            if (st == HTTPS_PARSE_ERROR) {
                *used = i;
                return st;
            }
            if (p->phase == PH_HEAD && n == 0)
                break;
            continue;
        }
        if (p->phase == PH_LENGTH) {
            size_t n = len - i;
            if (n > p->remaining)
                n = (size_t)p->remaining;
            if (!body_append(p, data + i, n)) {
                *used = i;
                return parse_error(p, "the answer is larger than allowed");
            }
            i += n;
            p->remaining -= n;
            if (p->remaining == 0)
                p->phase = PH_DONE;
            break;
        }
        if (p->phase == PH_CHUNKED) {
            https_parse_t st = feed_chunked(p, data, len, &i);
            *used = i;
            if (st != HTTPS_PARSE_MORE)
                return st;
            break;
        }
        /* PH_EOF */
        if (!body_append(p, data + i, len - i)) {
            *used = i;
            return parse_error(p, "the answer is larger than allowed");
        }
        i = len;
        break;
    }
    *used = i;
    return p->phase == PH_DONE ? HTTPS_PARSE_DONE : HTTPS_PARSE_MORE;
}

https_parse_t
https_parser_eof(https_parser_t *p)
{
    if (p->error != NULL)
        return HTTPS_PARSE_ERROR;
    if (p->phase == PH_DONE)
        return HTTPS_PARSE_DONE;
    if (p->phase == PH_EOF) {
        p->phase = PH_DONE;
        return HTTPS_PARSE_DONE;
    }
    return parse_error(p, p->phase == PH_HEAD && p->head_len == 0
                              ? "the server closed the connection without answering"
                              : "the server closed the connection in the middle of its answer");
}

/* ---- the connection --------------------------------------------------- */

struct https {
    https_opts_t o;
    char *host, *prefix;
    char port[8];
    char origin[300];      /* host:port, for messages */
    char host_header[300]; /* the Host header's value */
    bool host_is_ip;
    SSL_CTX *ctx;
    int fd;
    SSL *ssl;
    unsigned long requests; /* on this connection */
};

static https_err_t __attribute__((format(printf, 4, 5)))
set_err(https_err_t e, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return e;
}

/* The reason OpenSSL's error queue gives, or dflt; the queue is emptied. */
static const char *
ssl_reason(char *buf, size_t len, const char *dflt)
{
    unsigned long e, first = 0;
    while ((e = ERR_get_error()) != 0)
        if (first == 0)
            first = e;
    const char *r = first ? ERR_reason_error_string(first) : NULL;
    snprintf(buf, len, "%s", r ? r : dflt);
    return buf;
}

static bool
parse_url(https_t *c, const char *url, char *err, size_t errlen)
{
    if (strncasecmp(url, "https://", 8) != 0) {
        snprintf(err, errlen, "the hub's URL must begin with https:// (%s)",
                 strncasecmp(url, "http://", 7) == 0 ? "plain HTTP is not offered" : "no scheme");
        return false;
    }
    const char *p = url + 8, *host_end;
    const char *host = p;
    if (*p == '[') { /* [IPv6] */
        host = p + 1;
        host_end = strchr(host, ']');
        if (host_end == NULL) {
            snprintf(err, errlen, "the hub's URL has an unclosed [ in its host");
            return false;
        }
        p = host_end + 1;
    } else {
        host_end = p + strcspn(p, ":/?#@");
        p = host_end;
    }
    if (host_end == host || strchr(url, '@') != NULL || strpbrk(url, "?#") != NULL) {
        snprintf(err, errlen,
                 "the hub's URL must be https://HOST[:PORT][/PATH], without user, "
                 "query or fragment");
        return false;
    }
    c->host = strndup(host, (size_t)(host_end - host));
    hub_assert(c->host != NULL);
    snprintf(c->port, sizeof(c->port), "443");
    if (*p == ':') {
        p++;
        size_t n = strspn(p, "0123456789");
        long port = n > 0 && n <= 5 ? strtol(p, NULL, 10) : 0;
        if (port < 1 || port > 65535 || (p[n] != '\0' && p[n] != '/')) {
            snprintf(err, errlen, "the hub's URL has an invalid port");
            return false;
        }
        snprintf(c->port, sizeof(c->port), "%ld", port);
        p += n;
    }
    size_t plen = strlen(p);
    while (plen > 0 && p[plen - 1] == '/')
        plen--;
    c->prefix = strndup(p, plen);
    hub_assert(c->prefix != NULL);
    unsigned char addr[16];
    c->host_is_ip =
        inet_pton(AF_INET, c->host, addr) == 1 || inet_pton(AF_INET6, c->host, addr) == 1;
    bool v6 = strchr(c->host, ':') != NULL;
    snprintf(c->origin, sizeof(c->origin), v6 ? "[%s]:%s" : "%s:%s", c->host, c->port);
    if (strcmp(c->port, "443") == 0)
        snprintf(c->host_header, sizeof(c->host_header), v6 ? "[%s]" : "%s", c->host);
    else
        snprintf(c->host_header, sizeof(c->host_header), "%s", c->origin);
    return true;
}

https_t *
https_new(const https_opts_t *o, char *err, size_t errlen)
{
    char why[256];
    https_t *c = xcalloc(1, sizeof(*c));
    c->o = *o;
    c->fd = -1;
    if (!parse_url(c, o->url, err, errlen))
        goto fail;
    ERR_clear_error();
    c->ctx = SSL_CTX_new(TLS_client_method());
    hub_assert(c->ctx != NULL);
    SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(c->ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                    SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_mode(c->ctx, SSL_MODE_AUTO_RETRY);
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_verify_depth(c->ctx, 8);
    if (o->ca_file != NULL) {
        if (SSL_CTX_load_verify_locations(c->ctx, o->ca_file, NULL) != 1) {
            snprintf(err, errlen, "--ca %s: cannot load CA certificates: %s", o->ca_file,
                     ssl_reason(why, sizeof(why), "unknown error"));
            goto fail;
        }
    } else if (SSL_CTX_set_default_verify_paths(c->ctx) != 1) {
        snprintf(err, errlen, "cannot load the system's CA certificates: %s",
                 ssl_reason(why, sizeof(why), "unknown error"));
        goto fail;
    }
    if (o->cert_file != NULL) {
        const char *key = o->key_file ? o->key_file : o->cert_file;
        if (SSL_CTX_use_certificate_chain_file(c->ctx, o->cert_file) != 1) {
            snprintf(err, errlen, "--cert %s: cannot load the certificate: %s", o->cert_file,
                     ssl_reason(why, sizeof(why), "unknown error"));
            goto fail;
        }
        if (SSL_CTX_use_PrivateKey_file(c->ctx, key, SSL_FILETYPE_PEM) != 1) {
            snprintf(err, errlen, "--key %s: cannot load the private key: %s", key,
                     ssl_reason(why, sizeof(why), "unknown error"));
            goto fail;
        }
        if (SSL_CTX_check_private_key(c->ctx) != 1) {
            snprintf(err, errlen, "--key %s is not the key of the certificate %s", key,
                     o->cert_file);
            ERR_clear_error();
            goto fail;
        }
    }
    return c;
fail:
    https_free(c);
    return NULL;
}

static void
conn_close(https_t *c)
{
    if (c->ssl != NULL) {
        SSL_shutdown(c->ssl); /* one close_notify, not waited for */
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->requests = 0;
    ERR_clear_error();
}

void
https_free(https_t *c)
{
    if (c == NULL)
        return;
    conn_close(c);
    SSL_CTX_free(c->ctx);
    free(c->host);
    free(c->prefix);
    free(c);
}

const char *
https_origin(const https_t *c)
{
    return c->origin;
}

static int64_t
now_ms(void)
{
    return now_usec() / 1000;
}

/* Waits until fd is ready for events or the deadline passes. */
static https_err_t
wait_fd(https_t *c, int fd, short events, int64_t deadline, const char *doing, char *err,
        size_t errlen)
{
    for (;;) {
        if (c->o.cancel != NULL && *c->o.cancel)
            return set_err(HTTPS_ERR_CANCELLED, err, errlen, "interrupted");
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return set_err(HTTPS_ERR_IO, err, errlen, "%s %s: timed out", doing, c->origin);
        struct pollfd pfd = {.fd = fd, .events = events};
        int n = poll(&pfd, 1, (int)(left < POLL_SLICE_MS ? left : POLL_SLICE_MS));
        if (n > 0)
            return HTTPS_OK;
        if (n < 0 && errno != EINTR)
            return set_err(HTTPS_ERR_IO, err, errlen, "%s %s: %s", doing, c->origin,
                           strerror(errno));
    }
}

static https_err_t
tcp_connect(https_t *c, int64_t deadline, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    int rc = getaddrinfo(c->host, c->port, &hints, &ai);
    if (rc != 0)
        return set_err(HTTPS_ERR_CONNECT, err, errlen, "cannot resolve %s: %s", c->host,
                       rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
    https_err_t e = HTTPS_ERR_CONNECT;
    set_err(e, err, errlen, "cannot connect to %s", c->origin);
    for (struct addrinfo *a = ai; a != NULL; a = a->ai_next) {
        int fd =
            socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            set_err(e, err, errlen, "cannot connect to %s: %s", c->origin, strerror(errno));
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
            set_err(e, err, errlen, "cannot connect to %s: %s", c->origin, strerror(errno));
            close(fd);
            continue;
        }
        https_err_t w = wait_fd(c, fd, POLLOUT, deadline, "cannot connect to", err, errlen);
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (w == HTTPS_OK && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0) {
            int one = 1;
            (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            c->fd = fd;
            e = HTTPS_OK;
            break;
        }
        close(fd);
        if (w == HTTPS_ERR_CANCELLED) {
            e = w;
            break;
        }
        if (w == HTTPS_OK)
            set_err(e, err, errlen, "cannot connect to %s: %s", c->origin, strerror(soerr));
        else
            set_err(e, err, errlen, "cannot connect to %s: timed out", c->origin);
    }
    freeaddrinfo(ai);
    return e;
}

/* Why verification failed, as one line. */
static https_err_t
verify_error(https_t *c, long vr, char *err, size_t errlen)
{
    if (vr == X509_V_ERR_HOSTNAME_MISMATCH || vr == X509_V_ERR_IP_ADDRESS_MISMATCH)
        return set_err(HTTPS_ERR_VERIFY, err, errlen,
                       "the hub's certificate is not for %s (%s mismatch)", c->host,
                       c->host_is_ip ? "IP address" : "host name");
    return set_err(HTTPS_ERR_VERIFY, err, errlen, "the hub's certificate is not trusted: %s",
                   X509_verify_cert_error_string(vr));
}

static https_err_t
tls_handshake(https_t *c, int64_t deadline, char *err, size_t errlen)
{
    char why[256];
    ERR_clear_error();
    c->ssl = SSL_new(c->ctx);
    hub_assert(c->ssl != NULL && SSL_set_fd(c->ssl, c->fd) == 1);
    if (c->host_is_ip) {
        hub_assert(X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), c->host) == 1);
    } else {
        hub_assert(SSL_set_tlsext_host_name(c->ssl, c->host) == 1);
        hub_assert(SSL_set1_host(c->ssl, c->host) == 1);
        SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    }
    for (;;) {
        int r = SSL_connect(c->ssl);
        if (r == 1)
            return HTTPS_OK;
        int e = SSL_get_error(c->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            https_err_t w = wait_fd(c, c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline,
                                    "TLS handshake with", err, errlen);
            if (w != HTTPS_OK)
                return w;
            continue;
        }
        long vr = SSL_get_verify_result(c->ssl);
        if (vr != X509_V_OK) {
            ERR_clear_error();
            return verify_error(c, vr, err, errlen);
        }
        if (e == SSL_ERROR_SYSCALL) { /* the connection went, not the TLS: as if unreachable */
            const char *what = errno != 0 ? strerror(errno) : "the server closed the connection";
            ERR_clear_error();
            return set_err(HTTPS_ERR_CONNECT, err, errlen,
                           "cannot connect to %s: %s during the TLS handshake", c->origin, what);
        }
        return set_err(HTTPS_ERR_TLS, err, errlen, "TLS handshake with %s failed: %s", c->origin,
                       ssl_reason(why, sizeof(why), "TLS error"));
    }
}

static https_err_t
conn_open(https_t *c, char *err, size_t errlen)
{
    int64_t deadline = now_ms() + c->o.connect_timeout_ms;
    https_err_t e = tcp_connect(c, deadline, err, errlen);
    if (e == HTTPS_OK)
        e = tls_handshake(c, deadline, err, errlen);
    if (e != HTTPS_OK)
        conn_close(c);
    return e;
}

/* An SSL_read or SSL_write that failed: wait and go on (HTTPS_OK), or why
 * not. */
static https_err_t
io_failed(https_t *c, int r, int64_t deadline, const char *doing, char *err, size_t errlen)
{
    char why[256];
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return wait_fd(c, c->fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, doing, err,
                       errlen);
    if (e == SSL_ERROR_SSL)
        return set_err(HTTPS_ERR_TLS, err, errlen, "%s %s: %s", doing, c->origin,
                       ssl_reason(why, sizeof(why), "TLS error"));
    return set_err(HTTPS_ERR_IO, err, errlen, "%s %s: %s", doing, c->origin,
                   e == SSL_ERROR_SYSCALL && errno != 0 ? strerror(errno)
                                                        : "the connection was closed");
}

static https_err_t
io_write(https_t *c, const char *data, size_t len, int64_t deadline, char *err, size_t errlen)
{
    while (len > 0) {
        ERR_clear_error();
        int chunk = len > (1u << 30) ? 1 << 30 : (int)len;
        int r = SSL_write(c->ssl, data, chunk);
        if (r > 0) {
            data += r;
            len -= (size_t)r;
            continue;
        }
        https_err_t e = io_failed(c, r, deadline, "sending to", err, errlen);
        if (e != HTTPS_OK)
            return e;
    }
    return HTTPS_OK;
}

/* Reads the answer; *got: whether any byte of it arrived. */
static https_err_t
io_read_answer(https_t *c, https_parser_t *p, int64_t deadline, bool *got, char *err, size_t errlen)
{
    char buf[READ_CHUNK];
    for (;;) {
        ERR_clear_error();
        int r = SSL_read(c->ssl, buf, sizeof(buf));
        https_parse_t st;
        if (r > 0) {
            size_t used;
            *got = true;
            st = https_parser_feed(p, buf, (size_t)r, &used);
            if (st == HTTPS_PARSE_DONE && (used < (size_t)r || SSL_pending(c->ssl) > 0))
                p->keep_alive = false; /* bytes after the answer: do not trust the stream */
        } else {
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_ZERO_RETURN ||
                (e == SSL_ERROR_SYSCALL && (errno == 0 || errno == ECONNRESET) && *got)) {
                p->keep_alive = false;
                st = https_parser_eof(p);
            } else {
                https_err_t w = io_failed(c, r, deadline, "reading the answer from", err, errlen);
                if (w != HTTPS_OK)
                    return w;
                continue;
            }
        }
        if (st == HTTPS_PARSE_DONE)
            return HTTPS_OK;
        if (st == HTTPS_PARSE_ERROR) {
            if (p->too_large)
                return set_err(HTTPS_ERR_TOO_LARGE, err, errlen,
                               "the answer from %s is larger than %zu bytes", c->origin,
                               p->max_body);
            return set_err(*got ? HTTPS_ERR_PROTOCOL : HTTPS_ERR_IO, err, errlen, "%s: %s",
                           c->origin, p->error);
        }
    }
}

static char *
request_head(https_t *c, const char *method, const char *path, const char *const *headers,
             size_t body_len, size_t *len)
{
    size_t cap = 512 + strlen(c->prefix) + strlen(path);
    for (const char *const *h = headers; h && *h; h++)
        cap += strlen(*h) + 2;
    char *head = xmalloc(cap);
    size_t o = (size_t)snprintf(head, cap,
                                "%s %s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
                                "Accept: application/json, application/problem+json\r\n"
                                "Content-Length: %zu\r\n",
                                method, c->prefix, path, c->host_header,
                                c->o.user_agent ? c->o.user_agent : "hubctl", body_len);
    for (const char *const *h = headers; h && *h; h++)
        o += (size_t)snprintf(head + o, cap - o, "%s\r\n", *h);
    o += (size_t)snprintf(head + o, cap - o, "\r\n");
    hub_assert(o < cap);
    *len = o;
    return head;
}

https_err_t
https_request(https_t *c, const char *method, const char *path, const char *const *headers,
              const char *body, size_t body_len, https_response_t *resp, char *err, size_t errlen)
{
    memset(resp, 0, sizeof(*resp));
    resp->retry_after = -1;
    for (const char *const *h = headers; h && *h; h++)
        hub_assert(strpbrk(*h, "\r\n") == NULL); /* no header smuggling */
    size_t head_len;
    char *head = request_head(c, method, path, headers, body_len, &head_len);
    https_err_t e;
    for (int attempt = 0;; attempt++) {
        if (c->ssl == NULL && (e = conn_open(c, err, errlen)) != HTTPS_OK)
            break;
        bool reused = c->requests > 0, got = false;
        int64_t deadline = now_ms() + c->o.io_timeout_ms;
        https_parser_t p;
        https_parser_init(&p, c->o.max_body);
        e = io_write(c, head, head_len, deadline, err, errlen);
        if (e == HTTPS_OK && body_len > 0)
            e = io_write(c, body, body_len, deadline, err, errlen);
        if (e == HTTPS_OK)
            e = io_read_answer(c, &p, deadline, &got, err, errlen);
        if (e == HTTPS_OK) {
            *resp = p.resp;
            p.resp.body = NULL;
            c->requests++;
            if (!p.keep_alive)
                conn_close(c);
        } else {
            https_response_free(&p.resp);
            conn_close(c);
        }
        https_parser_free(&p);
        /* A kept-alive connection the server had closed: once more, anew. */
        if (e == HTTPS_ERR_IO && reused && !got && attempt == 0)
            continue;
        break;
    }
    free(head);
    return e;
}
