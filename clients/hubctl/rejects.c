#include "rejects.h"

#include <stdarg.h>
#include <string.h>

void
reject_add(reject_t *rj, const char *pointer, const char *column, const char *fmt, ...)
{
    if (rj->n == REJECT_REASONS_MAX) {
        rj->dropped++;
        return;
    }
    reject_reason_t *r = &rj->reasons[rj->n++];
    snprintf(r->pointer, sizeof(r->pointer), "%s", pointer ? pointer : "");
    snprintf(r->column, sizeof(r->column), "%s", column ? column : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
    va_end(ap);
}

/* One field, quoted when it must be; control characters become spaces so
 * that one reason is one line. */
static void
put_field(FILE *f, const char *s)
{
    bool quote = strpbrk(s, ",\"") != NULL || *s == ' ' || (*s && s[strlen(s) - 1] == ' ');
    if (quote)
        fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"')
            fputs("\"\"", f);
        else
            fputc(*p < 0x20 || *p == 0x7F ? ' ' : *p, f);
    }
    if (quote)
        fputc('"', f);
}

bool
rejects_write_header(FILE *f)
{
    return fputs("line,pointer,column,reason\n", f) >= 0;
}

bool
rejects_write(FILE *f, size_t line, const reject_t *rj)
{
    for (size_t i = 0; i < rj->n; i++) {
        const reject_reason_t *r = &rj->reasons[i];
        fprintf(f, "%zu,", line);
        put_field(f, r->pointer);
        fputc(',', f);
        put_field(f, r->column);
        fputc(',', f);
        put_field(f, r->reason);
        fputc('\n', f);
    }
    if (rj->dropped > 0)
        fprintf(f, "%zu,,,%zu more problems in this row\n", line, rj->dropped);
    return !ferror(f);
}
