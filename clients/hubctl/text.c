#include "text.h"

#include "hubctl.h"

#include <stdarg.h>
#include <stdio.h>

size_t
text_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80) /* not a continuation byte */
            n++;
    return n;
}

/* Decodes one code point at *p, advancing it; -1 on an invalid sequence
 * (bad lead or continuation byte, overlong form, surrogate, > U+10FFFF). */
static long
utf8_next(const unsigned char **p)
{
    const unsigned char *s = *p;
    long cp;
    int more;
    if (s[0] < 0x80) {
        *p = s + 1;
        return s[0];
    } else if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        cp = s[0] & 0x1F, more = 1;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        cp = s[0] & 0x0F, more = 2;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        cp = s[0] & 0x07, more = 3;
    } else {
        return -1;
    }
    for (int i = 1; i <= more; i++) {
        if ((s[i] & 0xC0) != 0x80) /* also stops at the terminating NUL */
            return -1;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    static const long least[] = {0, 0x80, 0x800, 0x10000};
    if (cp < least[more] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *p = s + 1 + more;
    return cp;
}

bool
text_valid(const char *s, size_t min, size_t max, char *why, size_t whylen)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        long cp = utf8_next(&p);
        if (cp < 0) {
            snprintf(why, whylen, "is not valid UTF-8");
            return false;
        }
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
            snprintf(why, whylen, "contains a control character");
            return false;
        }
        n++;
    }
    if (n < min) {
        snprintf(why, whylen, min == 1 ? "must not be empty" : "is shorter than %zu characters",
                 min);
        return false;
    }
    if (n > max) {
        snprintf(why, whylen, "is longer than %zu characters", max);
        return false;
    }
    return true;
}

bool
text_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return false;
}

/* Here, in the library, rather than in main.c: the unit tests of the
 * modules that report through it link the real one. */
void
ctl_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("hubctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
