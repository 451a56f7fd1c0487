#include "csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CSV_BUF = 64 * 1024 };

typedef enum {
    ST_FIELD_START, /* at the first byte of a field */
    ST_UNQUOTED,    /* inside an unquoted field */
    ST_QUOTED,      /* inside a quoted field */
    ST_QUOTE,       /* a double quote inside a quoted field: "" or the end */
    ST_CR,          /* a CR ended a field outside quotes: LF must follow */
} state_t;

struct csv_reader {
    csv_read_fn read;
    void *arg;
    const char *mem; /* csv_open_mem: the buffer, read through mem_read */
    size_t mem_len, mem_pos;

    char buf[CSV_BUF];
    size_t pos, len;
    bool eof, started;
    size_t line;   /* the line of the next byte, from 1 */
    size_t offset; /* bytes consumed */

    char rec[CSV_RECORD_MAX + 2]; /* the fields' text, each followed by a NUL */
    size_t rec_len, nfields;
    const char *fields[CSV_FIELDS_MAX];
    size_t lens[CSV_FIELDS_MAX], starts[CSV_FIELDS_MAX];

    bool failed;
    char err[128];
    size_t err_line;
};

static ssize_t
mem_read(void *arg, char *buf, size_t len)
{
    csv_reader_t *r = arg;
    size_t n = r->mem_len - r->mem_pos;
    if (n > len)
        n = len;
    memcpy(buf, r->mem + r->mem_pos, n);
    r->mem_pos += n;
    return (ssize_t)n;
}

csv_reader_t *
csv_open(csv_read_fn read, void *arg)
{
    csv_reader_t *r = xcalloc(1, sizeof(*r));
    r->read = read;
    r->arg = arg;
    r->line = 1;
    return r;
}

csv_reader_t *
csv_open_mem(const char *buf, size_t len)
{
    csv_reader_t *r = csv_open(mem_read, NULL);
    r->arg = r;
    r->mem = buf;
    r->mem_len = len;
    return r;
}

void
csv_close(csv_reader_t *r)
{
    free(r);
}

const char *
csv_error(const csv_reader_t *r)
{
    return r->failed ? r->err : "no error";
}

size_t
csv_error_line(const csv_reader_t *r)
{
    return r->err_line;
}

size_t
csv_offset(const csv_reader_t *r)
{
    return r->offset;
}

static csv_status_t __attribute__((format(printf, 3, 4)))
fail(csv_reader_t *r, size_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof(r->err), fmt, ap);
    va_end(ap);
    r->failed = true;
    r->err_line = line;
    return CSV_ERROR;
}

/* Refills the buffer, keeping the unread bytes. False at the end of the
 * input or on a read error (r->failed then). */
static bool
fill(csv_reader_t *r)
{
    if (r->eof)
        return false;
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    while (r->len < sizeof(r->buf)) {
        ssize_t n = r->read(r->arg, r->buf + r->len, sizeof(r->buf) - r->len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail(r, r->line, "cannot read: %s", strerror(errno));
            r->eof = true;
            return false;
        }
        if (n == 0) {
            r->eof = true;
            break;
        }
        r->len += (size_t)n;
        break;
    }
    return r->pos < r->len;
}

/* The next byte, or -1 at the end (or after a read error). */
static inline int
peek(csv_reader_t *r)
{
    if (r->pos == r->len && !fill(r))
        return -1;
    return (unsigned char)r->buf[r->pos];
}

static inline void
consume(csv_reader_t *r)
{
    r->pos++;
    r->offset++;
}

/* Skips a UTF-8 byte order mark at the very start. */
static void
skip_bom(csv_reader_t *r)
{
    r->started = true;
    while (r->len - r->pos < 3 && fill(r)) /* a source may give a byte at a time */
        ;
    if (r->len - r->pos >= 3 && memcmp(r->buf + r->pos, "\xEF\xBB\xBF", 3) == 0) {
        r->pos += 3;
        r->offset += 3;
    }
}

static bool
field_begin(csv_reader_t *r)
{
    if (r->nfields == CSV_FIELDS_MAX)
        return false;
    r->starts[r->nfields] = r->rec_len;
    return true;
}

static void
field_end(csv_reader_t *r)
{
    size_t i = r->nfields++;
    r->lens[i] = r->rec_len - r->starts[i];
    r->rec[r->rec_len++] = '\0';
}

/* Skips empty lines (LF or CRLF). False when the input ended, or a CR was
 * not followed by LF (r->failed then). */
static bool
skip_empty_lines(csv_reader_t *r)
{
    for (;;) {
        int c = peek(r);
        if (c == '\n') {
            consume(r);
            r->line++;
        } else if (c == '\r') {
            consume(r);
            if (peek(r) != '\n') {
                fail(r, r->line, "a carriage return not followed by a line feed");
                return false;
            }
            consume(r);
            r->line++;
        } else {
            return c >= 0;
        }
    }
}

csv_status_t
csv_next(csv_reader_t *r, csv_record_t *rec)
{
    if (r->failed)
        return CSV_ERROR;
    if (!r->started)
        skip_bom(r);
    if (!skip_empty_lines(r))
        return r->failed ? CSV_ERROR : CSV_END;

    size_t first = r->line, quote_line = 0, raw = 0;
    state_t st = ST_FIELD_START;
    r->nfields = 0;
    r->rec_len = 0;
    for (;;) {
        int c = peek(r);
        if (r->failed)
            return CSV_ERROR;
        if (c >= 0) {
            consume(r);
            if (++raw > CSV_RECORD_MAX)
                return fail(r, first, "a record longer than %d bytes", CSV_RECORD_MAX);
            if (c == '\0')
                return fail(r, r->line, "a NUL byte: the file is not UTF-8 text");
        }
        bool end = false; /* the record ends with this byte */
        switch (st) {
        case ST_FIELD_START:
            if (!field_begin(r))
                return fail(r, first, "more than %d fields", CSV_FIELDS_MAX);
            if (c == '"') {
                st = ST_QUOTED;
                quote_line = r->line;
            } else if (c == ',') {
                field_end(r);
            } else if (c == '\n' || c < 0) {
                field_end(r);
                end = true;
            } else if (c == '\r') {
                field_end(r);
                st = ST_CR;
            } else {
                r->rec[r->rec_len++] = (char)c;
                st = ST_UNQUOTED;
            }
            break;
        case ST_UNQUOTED:
            if (c == ',') {
                field_end(r);
                st = ST_FIELD_START;
            } else if (c == '\n' || c < 0) {
                field_end(r);
                end = true;
            } else if (c == '\r') {
                field_end(r);
                st = ST_CR;
            } else if (c == '"') {
                return fail(r, r->line, "a double quote inside an unquoted field");
            } else {
                r->rec[r->rec_len++] = (char)c;
            }
            break;
        case ST_QUOTED:
            if (c == '"') {
                st = ST_QUOTE;
            } else if (c < 0) {
                return fail(r, quote_line, "a quoted field is not closed (it begins on line %zu)",
                            quote_line);
            } else {
                if (c == '\n')
                    r->line++;
                r->rec[r->rec_len++] = (char)c;
            }
            break;
        case ST_QUOTE:
            if (c == '"') {
                r->rec[r->rec_len++] = '"';
                st = ST_QUOTED;
            } else if (c == ',') {
                field_end(r);
                st = ST_FIELD_START;
            } else if (c == '\n' || c < 0) {
                field_end(r);
                end = true;
            } else if (c == '\r') {
                field_end(r);
                st = ST_CR;
            } else {
                return fail(r, r->line, "a character after the closing quote of a field");
            }
            break;
        case ST_CR:
            if (c != '\n' && c >= 0)
                return fail(r, r->line, "a carriage return not followed by a line feed");
            end = true;
            break;
        }
        if (end) {
            rec->lines = r->line - first + 1;
            if (c == '\n')
                r->line++;
            break;
        }
    }
    for (size_t i = 0; i < r->nfields; i++)
        r->fields[i] = r->rec + r->starts[i];
    rec->nfields = r->nfields;
    rec->fields = r->fields;
    rec->lens = r->lens;
    rec->line = first;
    return CSV_RECORD;
}
