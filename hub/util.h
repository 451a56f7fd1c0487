/* util.h: allocation that aborts on failure, invariants, small helpers.
 *
 * The hub treats allocation failure as fatal (Redis zmalloc style): a
 * half-built response is worse than a restart by the supervisor. */
#ifndef HUB_UTIL_H
#define HUB_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define HUB_MUST_CHECK __attribute__((warn_unused_result))
#define HUB_NORETURN __attribute__((noreturn))
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

HUB_NORETURN void hub_panic(const char *file, int line, const char *what);

/* A named invariant: logs where it broke and aborts. */
#define hub_assert(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            hub_panic(__FILE__, __LINE__, #cond);                                                  \
    } while (0)

/* Lower-case hex of n bytes into out (2n characters and a NUL). */
void hex_encode(const unsigned char *bytes, size_t n, char *out);

/* Today's date in UTC, written YYYY-MM-DD. */
void utc_today(char out[11]);

/* Monotonic clock in microseconds. */
int64_t now_usec(void);

#endif
