/*
 * pagewalk - follow a keyset-paginated JSON list over one keep-alive TLS
 * connection and time it.
 *
 * Usage: pagewalk --ca CAFILE [--token TOKEN] [--key NAME] https://HOST:PORT/path?query
 *
 * Requests URL&after=0, then URL&after=NEXT for as long as the answer's
 * "next" member is a number, each page on the same HTTP/1.1 connection
 * (pages are sequential: each depends on the one before). The server
 * certificate is verified against CAFILE with an IP or host name check.
 * Answers must be 200 with a Content-Length body (hubd's are); anything else
 * stops the walk with exit status 1.
 *
 * Output, one line on stdout:
 *
 *     RESULT pages=P items=N connect_ms=C walk_ms=W
 *
 * pages counts requests (the empty last page included), items the objects
 * of the pages' arrays (counted by their "id" members: --key names the
 * member, default "id"), connect_ms the TCP connection and TLS handshake,
 * walk_ms the pages from the first request sent to the last byte of the last
 * body.
 *
 * Build: cc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o pagewalk pagewalk.c \
 *            -lssl -lcrypto
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

static double
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
die(const char *what)
{
    fprintf(stderr, "pagewalk: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static void
usage(void)
{
    fprintf(stderr, "usage: pagewalk --ca CAFILE [--token TOKEN] [--key NAME] "
                    "https://HOST:PORT/path[?query]\n");
    exit(2);
}

/* Reads exactly n bytes. */
static void
read_full(SSL *ssl, char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        int r = SSL_read(ssl, buf + got, (int)(n - got > 1 << 30 ? 1 << 30 : n - got));
        if (r <= 0)
            die("connection closed in the middle of an answer");
        got += (size_t)r;
    }
}

/* Reads the status line and headers into head, up to and past the blank
 * line: *len bytes in all, the body's first bytes from *body_off. */
static void
read_head(SSL *ssl, char *head, size_t cap, size_t *body_off, size_t *len)
{
    *len = 0;
    for (;;) {
        if (*len == cap - 1)
            die("headers too long");
        int r = SSL_read(ssl, head + *len, (int)(cap - 1 - *len));
        if (r <= 0)
            die("connection closed before an answer");
        *len += (size_t)r;
        head[*len] = '\0';
        char *end = strstr(head, "\r\n\r\n");
        if (end != NULL) {
            *body_off = (size_t)(end - head) + 4;
            return;
        }
    }
}

/* The value of header name (case-insensitive) in head, or NULL. */
static const char *
header(const char *head, size_t head_len, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p != NULL && p < head + head_len;
         p = strstr(p + 2, "\r\n")) {
        if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':')
            return p + 3 + n;
    }
    return NULL;
}

/* Members named by needle ("\"id\"") in json[0..len): the quoted name
 * followed, after optional spaces, by a colon. */
static long
count_members(const char *json, size_t len, const char *needle)
{
    long k = 0;
    size_t n = strlen(needle);
    for (const char *p = json; (p = memmem(p, len - (size_t)(p - json), needle, n)) != NULL;) {
        p += n;
        p += strspn(p, " ");
        if (*p == ':')
            k++;
    }
    return k;
}

int
main(int argc, char **argv)
{
    const char *ca = NULL, *token = NULL, *key = "id", *url = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--ca") == 0 && i + 1 < argc)
            ca = argv[++i];
        else if (strcmp(argv[i], "--token") == 0 && i + 1 < argc)
            token = argv[++i];
        else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            key = argv[++i];
        else if (url == NULL && strncmp(argv[i], "https://", 8) == 0)
            url = argv[i];
        else
            usage();
    }
    if (ca == NULL || url == NULL)
        usage();

    /* https://HOST:PORT/path?query */
    char host[256], port[16];
    const char *hp = url + 8, *path = strchr(hp, '/'), *colon = strchr(hp, ':');
    if (path == NULL || colon == NULL || colon > path || (size_t)(colon - hp) >= sizeof host ||
        (size_t)(path - colon - 1) >= sizeof port || path == colon + 1)
        usage();
    memcpy(host, hp, (size_t)(colon - hp));
    host[colon - hp] = '\0';
    memcpy(port, colon + 1, (size_t)(path - colon - 1));
    port[path - colon - 1] = '\0';
    const char *sep = strchr(path, '?') ? "&" : "?";

    char needle[80];
    snprintf(needle, sizeof needle, "\"%s\"", key);

    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
        SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
        die("cannot set up TLS with that CA file");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    struct in6_addr ip;
    bool is_ip = inet_pton(AF_INET, host, &ip) == 1 || inet_pton(AF_INET6, host, &ip) == 1;
    X509_VERIFY_PARAM *vp = SSL_CTX_get0_param(ctx);
    if ((is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, host)
               : X509_VERIFY_PARAM_set1_host(vp, host, 0)) != 1)
        die("cannot set the name to verify");

    double t0 = now_ms();
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
    if (getaddrinfo(host, port, &hints, &ai) != 0)
        die("cannot resolve the host");
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)
        die("cannot connect");
    freeaddrinfo(ai);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (!is_ip)
        SSL_set_tlsext_host_name(ssl, host);
    if (SSL_connect(ssl) != 1)
        die("TLS handshake failed");
    double t1 = now_ms();

    char head[16384], req[4096], after[32] = "0";
    size_t body_cap = 1 << 20;
    char *body = malloc(body_cap);
    long pages = 0, items = 0;
    if (body == NULL)
        die("out of memory");
    for (;;) {
        int n = snprintf(req, sizeof req, "GET %s%safter=%s HTTP/1.1\r\nHost: %s:%s\r\n%s%s%s\r\n",
                         path, sep, after, host, port, token ? "Authorization: Bearer " : "",
                         token ? token : "", token ? "\r\n" : "");
        if (n <= 0 || (size_t)n >= sizeof req)
            die("request too long");
        if (SSL_write(ssl, req, n) != n)
            die("cannot send the request");
        size_t head_len, off;
        read_head(ssl, head, sizeof head, &off, &head_len);
        if (strncmp(head, "HTTP/1.1 200 ", 13) != 0) {
            fprintf(stderr, "pagewalk: after=%s: %.*s\n", after, (int)strcspn(head, "\r"), head);
            return 1;
        }
        const char *cl = header(head, off, "Content-Length");
        if (cl == NULL)
            die("an answer without Content-Length");
        size_t len = strtoul(cl, NULL, 10);
        if (len + 1 > body_cap) {
            body_cap = len + 1;
            body = realloc(body, body_cap);
            if (body == NULL)
                die("out of memory");
        }
        size_t have = head_len - off;
        if (have > len)
            die("more bytes than Content-Length (pipelining is not used)");
        memcpy(body, head + off, have);
        read_full(ssl, body + have, len - have);
        body[len] = '\0';
        pages++;
        items += count_members(body, len, needle);
        /* "next" : 123 or "next" : null */
        const char *nx = strstr(body, "\"next\"");
        if (nx == NULL)
            die("an answer without next");
        nx += strlen("\"next\"");
        nx += strcspn(nx, "0123456789n");
        if (*nx == 'n')
            break;
        snprintf(after, sizeof after, "%.*s", (int)strspn(nx, "0123456789"), nx);
    }
    double t2 = now_ms();
    printf("RESULT pages=%ld items=%ld connect_ms=%.2f walk_ms=%.2f\n", pages, items, t1 - t0,
           t2 - t1);
    SSL_shutdown(ssl);
    SSL_free(ssl);
    close(fd);
    SSL_CTX_free(ctx);
    free(body);
    return 0;
}
