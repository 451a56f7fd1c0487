#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum { BUF = 64 * 1024 };

typedef enum {
    ARR_START, /* before the opening [ */
    ARR_ITEM,  /* before an item (or the closing ] of an empty array) */
    ARR_NEXT,  /* after a comma: an item must follow */
    ARR_DONE,  /* after the closing ] */
} array_state_t;

struct source {
    source_format_t format;
    const char *path;
    int fd;
    EVP_MD_CTX *md;
    char err[300];

    csv_reader_t *csv; /* CSV */
    csv_record_t header, record;

    char buf[BUF]; /* JSON and NDJSON: bytes read and not yet used */
    size_t pos, len;
    bool eof, bom_checked;
    size_t line; /* of the next byte */
    char item[SOURCE_ITEM_MAX + 1];
    array_state_t array;
};

bool
source_format_parse(const char *name, source_format_t *f)
{
    static const char *const names[] = {"csv", "json", "ndjson"};
    for (size_t i = 0; i < ARRAY_LEN(names); i++)
        if (strcmp(name, names[i]) == 0) {
            *f = (source_format_t)i;
            return true;
        }
    return false;
}

const char *
source_format_name(source_format_t f)
{
    return f == SOURCE_JSON ? "json" : f == SOURCE_NDJSON ? "ndjson" : "csv";
}

static bool
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

source_format_t
source_format_guess(const char *path)
{
    if (ends_with(path, ".json"))
        return SOURCE_JSON;
    if (ends_with(path, ".ndjson") || ends_with(path, ".jsonl"))
        return SOURCE_NDJSON;
    return SOURCE_CSV;
}

static void __attribute__((format(printf, 3, 4)))
fail(source_t *s, size_t line, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(s->err, sizeof(s->err), "%s line %zu: %s", s->path, line, what);
    else
        snprintf(s->err, sizeof(s->err), "%s: %s", s->path, what);
}

/* Reads from the file, hashing what it reads. */
static ssize_t
source_read(void *arg, char *buf, size_t len)
{
    source_t *s = arg;
    ssize_t n = read(s->fd, buf, len);
    if (n > 0)
        hub_assert(EVP_DigestUpdate(s->md, buf, (size_t)n) == 1);
    return n;
}

source_t *
source_open(const char *path, source_format_t f, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    source_t *s = xcalloc(1, sizeof(*s));
    s->format = f;
    s->path = path;
    s->fd = fd;
    s->line = 1;
    s->md = EVP_MD_CTX_new();
    hub_assert(s->md != NULL && EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) == 1);
    if (f == SOURCE_CSV) {
        s->csv = csv_open(source_read, s);
        csv_status_t st = csv_next(s->csv, &s->header);
        if (st != CSV_RECORD) {
            if (st == CSV_END)
                fail(s, 0, "empty: a header row naming the columns is expected");
            else
                fail(s, csv_error_line(s->csv), "%s", csv_error(s->csv));
            snprintf(err, errlen, "%s", s->err);
            source_close(s);
            return NULL;
        }
    }
    return s;
}

void
source_close(source_t *s)
{
    if (s == NULL)
        return;
    csv_close(s->csv);
    EVP_MD_CTX_free(s->md);
    close(s->fd);
    free(s);
}

const csv_record_t *
source_header(const source_t *s)
{
    return s->csv ? &s->header : NULL;
}

const char *
source_error(const source_t *s)
{
    return s->err;
}

void
source_digest(source_t *s, unsigned char out[32])
{
    EVP_MD_CTX *copy = EVP_MD_CTX_new();
    unsigned int n = 0;
    hub_assert(copy != NULL && EVP_MD_CTX_copy_ex(copy, s->md) == 1 &&
               EVP_DigestFinal_ex(copy, out, &n) == 1 && n == 32);
    EVP_MD_CTX_free(copy);
}

/* ---- bytes, for JSON and NDJSON --------------------------------------- */

/* The next byte without consuming it; -1 at the end, -2 on a read error. */
static int
peek(source_t *s)
{
    if (s->pos == s->len) {
        if (s->eof)
            return -1;
        ssize_t n;
        do
            n = source_read(s, s->buf, sizeof(s->buf));
        while (n < 0 && errno == EINTR);
        if (n < 0) {
            fail(s, 0, "cannot read: %s", strerror(errno));
            return -2;
        }
        s->pos = 0;
        s->len = (size_t)n;
        if (n == 0) {
            s->eof = true;
            return -1;
        }
        if (!s->bom_checked) {
            s->bom_checked = true;
            if (s->len >= 3 && memcmp(s->buf, "\xEF\xBB\xBF", 3) == 0)
                s->pos = 3;
            if (s->pos == s->len)
                return peek(s);
        }
    }
    return (unsigned char)s->buf[s->pos];
}

static int
take(source_t *s)
{
    int c = peek(s);
    if (c >= 0) {
        s->pos++;
        if (c == '\n')
            s->line++;
    }
    return c;
}

static bool
is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Parses the item text collected in s->item into row. */
static void
parse_item(source_t *s, size_t len, source_row_t *row)
{
    json_error_t jerr;
    row->item = json_loadb(s->item, len, JSON_REJECT_DUPLICATES, &jerr);
    if (row->item == NULL) /* jerr.text may quote the input: only say where */
        snprintf(row->invalid, sizeof(row->invalid), "Not valid JSON (line %d, column %d).",
                 jerr.line, jerr.column);
}

static source_status_t
next_ndjson(source_t *s, source_row_t *row)
{
    for (;;) {
        int c;
        while ((c = peek(s)) >= 0 && is_space(c))
            (void)take(s);
        if (c == -2)
            return SOURCE_ERROR;
        if (c == -1)
            return SOURCE_END;
        row->line = s->line;
        size_t n = 0;
        while ((c = take(s)) >= 0 && c != '\n') {
            if (n == SOURCE_ITEM_MAX) {
                fail(s, row->line, "a line longer than %d bytes", SOURCE_ITEM_MAX);
                return SOURCE_ERROR;
            }
            s->item[n++] = (char)c;
        }
        if (c == -2)
            return SOURCE_ERROR;
        parse_item(s, n, row);
        return SOURCE_ROW;
    }
}

/* Collects one item of a JSON array, up to the comma or ] that ends it at
 * depth 0 outside strings. */
static source_status_t
next_json(source_t *s, source_row_t *row)
{
    int c;
    for (;;) {
        while ((c = peek(s)) >= 0 && is_space(c))
            (void)take(s);
        if (c == -2)
            return SOURCE_ERROR;
        switch (s->array) {
        case ARR_START:
            if (c != '[') {
                fail(s, s->line,
                     "a JSON file must hold one array of reports (--format ndjson reads one "
                     "report per line)");
                return SOURCE_ERROR;
            }
            (void)take(s);
            s->array = ARR_ITEM;
            continue;
        case ARR_DONE:
            if (c == -1)
                return SOURCE_END;
            fail(s, s->line, "text after the end of the array");
            return SOURCE_ERROR;
        case ARR_ITEM:
            if (c == ']') {
                (void)take(s);
                s->array = ARR_DONE;
                continue;
            }
            break;
        case ARR_NEXT:
            break;
        }
        break;
    }
    if (c == -1) {
        fail(s, s->line, "the array is not closed");
        return SOURCE_ERROR;
    }
    if (c == ',' || c == ']') {
        fail(s, s->line, "an empty item in the array");
        return SOURCE_ERROR;
    }
    row->line = s->line;
    size_t n = 0, depth = 0;
    bool in_string = false, escaped = false;
    for (;;) {
        c = peek(s);
        if (c == -2)
            return SOURCE_ERROR;
        if (c == -1) {
            fail(s, row->line, "the array is not closed (an item begins here)");
            return SOURCE_ERROR;
        }
        if (!in_string && depth == 0 && (c == ',' || c == ']'))
            break;
        (void)take(s);
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
        if (n == SOURCE_ITEM_MAX) {
            fail(s, row->line, "an item longer than %d bytes", SOURCE_ITEM_MAX);
            return SOURCE_ERROR;
        }
        s->item[n++] = (char)c;
    }
    s->array = take(s) == ',' ? ARR_NEXT : ARR_DONE;
    parse_item(s, n, row);
    return SOURCE_ROW;
}

source_status_t
source_next(source_t *s, source_row_t *row)
{
    memset(row, 0, sizeof(*row));
    if (s->err[0] != '\0')
        return SOURCE_ERROR;
    if (s->format == SOURCE_CSV) {
        csv_status_t st = csv_next(s->csv, &s->record);
        if (st == CSV_ERROR) {
            fail(s, csv_error_line(s->csv), "%s", csv_error(s->csv));
            return SOURCE_ERROR;
        }
        if (st == CSV_END)
            return SOURCE_END;
        row->line = s->record.line;
        row->record = &s->record;
        return SOURCE_ROW;
    }
    return s->format == SOURCE_JSON ? next_json(s, row) : next_ndjson(s, row);
}
