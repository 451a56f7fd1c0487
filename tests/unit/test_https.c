/* test_https.c: clients/hubctl/https.h's answer parser — Content-Length,
 * chunked and close-delimited bodies, keep-alive, 1xx answers, the headers
 * hubctl reads (Content-Type, Retry-After), bytes after an answer, every
 * kind of malformed answer and the size limits; each answer fed whole and
 * a byte at a time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../clients/hubctl/https.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

typedef struct {
    const char *name, *in;
    bool eof; /* the connection ends after in */
    /* want */
    https_parse_t result;
    int status;
    const char *body, *content_type, *error;
    long retry_after;
    bool keep_alive;
    size_t rest; /* bytes after the answer */
} parse_case_t;

#define OK_CASE(name, in, eof, status, body, ctype, retry, keep, rest)                             \
    {                                                                                              \
        name, in, eof, HTTPS_PARSE_DONE, status, body, ctype, NULL, retry, keep, rest              \
    }
#define BAD_CASE(name, in, eof, error)                                                             \
    {                                                                                              \
        name, in, eof, HTTPS_PARSE_ERROR, 0, NULL, NULL, error, -1, false, 0                       \
    }

static const parse_case_t cases[] = {
    OK_CASE("Content-Length",
            "HTTP/1.1 200 OK\r\nContent-Type: Application/JSON; charset=utf-8\r\n"
            "Content-Length: 7\r\n\r\n{\"a\":1}",
            false, 200, "{\"a\":1}", "application/json", -1, true, 0),
    OK_CASE("LF line ends", "HTTP/1.1 201 Created\nContent-Length: 2\n\nok", false, 201, "ok", "",
            -1, true, 0),
    OK_CASE("an empty body", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, 200, "", "", -1,
            true, 0),
    OK_CASE("Retry-After and Connection: close",
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nConnection: close\r\n"
            "Content-Type: application/problem+json\r\nContent-Length: 2\r\n\r\n{}",
            false, 503, "{}", "application/problem+json", 7, false, 0),
    OK_CASE("an HTTP-date Retry-After is ignored",
            "HTTP/1.1 429 Too Many Requests\r\nRetry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n"
            "Content-Length: 0\r\n\r\n",
            false, 429, "", "", -1, true, 0),
    OK_CASE("chunked, with an extension and a trailer",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            "4;x=y\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\n",
            false, 200, "Wikipedia in\r\n\r\nchunks.", "", -1, true, 0),
    OK_CASE("chunked, upper-case hex, LF only",
            "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\nA\n0123456789\n0\n\n", false, 200,
            "0123456789", "", -1, true, 0),
    OK_CASE("close-delimited", "HTTP/1.1 200 OK\r\n\r\nall of it", true, 200, "all of it", "", -1,
            false, 0),
    OK_CASE("HTTP/1.0 closes by default", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", false,
            200, "x", "", -1, false, 0),
    OK_CASE("HTTP/1.0 keep-alive",
            "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx", false, 200,
            "x", "", -1, true, 0),
    OK_CASE("100 Continue first",
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", false,
            200, "hi", "", -1, true, 0),
    OK_CASE("204 has no body", "HTTP/1.1 204 No Content\r\n\r\n", false, 204, "", "", -1, true, 0),
    OK_CASE("bytes after the answer", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1",
            false, 200, "hi", "", -1, true, 8),
    OK_CASE("the same Content-Length twice",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\ncontent-length: 1\r\n\r\nx", false, 200, "x",
            "", -1, true, 0),
    BAD_CASE("not HTTP", "SSH-2.0-OpenSSH\r\n\r\n", false, "the answer is not HTTP/1.x"),
    BAD_CASE("HTTP/2", "HTTP/2 200\r\n\r\n", false, "the answer is not HTTP/1.x"),
    BAD_CASE("a bad status", "HTTP/1.1 2x0 OK\r\n\r\n", false,
             "the answer's status line is malformed"),
    BAD_CASE("a folded header", "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", false,
             "the answer folds a header line"),
    BAD_CASE("a header without a colon", "HTTP/1.1 200 OK\r\nnonsense\r\n\r\n", false,
             "the answer has a header line without a colon"),
    BAD_CASE("a bad Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false,
             "the answer's Content-Length is not valid"),
    BAD_CASE("two Content-Lengths",
             "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx", false,
             "the answer's Content-Length is not valid"),
    BAD_CASE("gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false,
             "the answer uses a transfer coding other than chunked"),
    BAD_CASE("101", "HTTP/1.1 101 Switching Protocols\r\n\r\n", false,
             "the server switched protocols"),
    BAD_CASE("a chunk without a size",
             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\n", false,
             "a chunk size is missing"),
    BAD_CASE("a bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1g\r\n",
             false, "a chunk size is malformed"),
    BAD_CASE("a chunk too long", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n",
             false, "a chunk does not end with CRLF"),
    BAD_CASE("a huge chunk size",
             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n", false,
             "a chunk size is too large"),
    BAD_CASE("closed before answering", "", true,
             "the server closed the connection without answering"),
    BAD_CASE("closed in the headers", "HTTP/1.1 200 OK\r\n", true,
             "the server closed the connection in the middle of its answer"),
    BAD_CASE("closed in the body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", true,
             "the server closed the connection in the middle of its answer"),
    BAD_CASE("closed in a chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
             true, "the server closed the connection in the middle of its answer"),
    BAD_CASE("a body over the limit", "HTTP/1.1 200 OK\r\nContent-Length: 65\r\n\r\n", false,
             "the answer is larger than allowed"),
    BAD_CASE("a chunked body over the limit",
             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
             "20\r\n0123456789abcdef0123456789abcdef\r\n"
             "20\r\n0123456789abcdef0123456789abcdef\r\n1\r\nx\r\n0\r\n\r\n",
             false, "the answer is larger than allowed"),
};

enum { MAX_BODY = 64 };

/* Feeds in, whole or step bytes at a time; checks the outcome. */
static void
run_case(const parse_case_t *c, size_t step)
{
    https_parser_t p;
    https_parser_init(&p, MAX_BODY);
    size_t len = strlen(c->in), pos = 0, rest = 0;
    https_parse_t st = HTTPS_PARSE_MORE;
    while (pos < len && st == HTTPS_PARSE_MORE) {
        size_t n = step && len - pos > step ? step : len - pos, used = 0;
        st = https_parser_feed(&p, c->in + pos, n, &used);
        assert_true(used <= n);
        if (st == HTTPS_PARSE_DONE)
            rest = len - pos - used;
        pos += n;
    }
    if (st == HTTPS_PARSE_MORE && c->eof)
        st = https_parser_eof(&p);
    if (st != c->result)
        fail_msg("%s (%zu a time): result %d, want %d (%s)", c->name, step, st, c->result,
                 p.error ? p.error : "");
    if (st == HTTPS_PARSE_ERROR) {
        assert_string_equal(p.error, c->error);
    } else {
        assert_int_equal(p.resp.status, c->status);
        assert_int_equal(p.resp.body_len, strlen(c->body));
        assert_string_equal(p.resp.body, c->body);
        assert_string_equal(p.resp.content_type, c->content_type);
        assert_int_equal(p.resp.retry_after, c->retry_after);
        if (p.keep_alive != c->keep_alive)
            fail_msg("%s: keep_alive %d", c->name, p.keep_alive);
        if (step == 0)
            assert_int_equal(rest, c->rest);
    }
    https_response_free(&p.resp);
    https_parser_free(&p);
}

static void
test_whole(void **state)
{
    (void)state;
    for (size_t i = 0; i < LEN(cases); i++)
        run_case(&cases[i], 0);
}

static void
test_bytewise(void **state)
{
    (void)state;
    for (size_t i = 0; i < LEN(cases); i++)
        if (cases[i].rest == 0) /* with leftovers, the answer ends mid-piece */
            for (size_t step = 1; step <= 3; step++)
                run_case(&cases[i], step);
}

static void
test_head_limit(void **state)
{
    (void)state;
    https_parser_t p;
    https_parser_init(&p, MAX_BODY);
    const char *start = "HTTP/1.1 200 OK\r\n";
    size_t used;
    assert_int_equal(https_parser_feed(&p, start, strlen(start), &used), HTTPS_PARSE_MORE);
    char line[1024];
    memset(line, 'a', sizeof(line));
    memcpy(line, "X-Pad: ", 7);
    line[sizeof(line) - 2] = '\r';
    line[sizeof(line) - 1] = '\n';
    https_parse_t st = HTTPS_PARSE_MORE;
    for (int i = 0; i < 40 && st == HTTPS_PARSE_MORE; i++)
        st = https_parser_feed(&p, line, sizeof(line), &used);
    assert_int_equal(st, HTTPS_PARSE_ERROR);
    assert_string_equal(p.error, "the answer's headers are too large");
    https_response_free(&p.resp);
    https_parser_free(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole),
        cmocka_unit_test(test_bytewise),
        cmocka_unit_test(test_head_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
