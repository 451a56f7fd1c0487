#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *
check(void *p, size_t n)
{
    if (p == NULL && n != 0) {
        fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"out of memory\",\"bytes\":%zu}\n", n);
        abort();
    }
    return p;
}

void *
xmalloc(size_t n)
{
    return check(malloc(n), n);
}

void *
xcalloc(size_t count, size_t n)
{
    return check(calloc(count, n), count * n);
}

void *
xrealloc(void *p, size_t n)
{
    return check(realloc(p, n), n);
}

char *
xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

void
hub_panic(const char *file, int line, const char *what)
{
    fprintf(stderr,
            "{\"level\":\"fatal\",\"msg\":\"assertion failed\",\"file\":\"%s\",\"line\":%d,"
            "\"cond\":\"%s\"}\n",
            file, line, what);
    abort();
}

void
hex_encode(const unsigned char *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

int64_t
now_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
utc_today(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}
