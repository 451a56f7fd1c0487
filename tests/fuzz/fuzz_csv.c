/* fuzz_csv.c: hubctl's CSV reader (clients/hubctl/csv.h) on arbitrary bytes.
 *
 * The input is read twice: from memory (csv_open_mem, a buffer of exactly
 * its size, so any read beyond it is an AddressSanitizer report) and
 * through a read callback that hands it out three bytes at a time, as a
 * file or pipe may. Besides memory safety and undefined behaviour it
 * checks that:
 *  - both readings give the same records and end the same way: where a
 *    read boundary falls must not change what a line means;
 *  - every record has a field, each field's length is its strlen (a field
 *    holds no NUL), lines only go forward, and the offset stays within the
 *    input;
 *  - an error says what and where (a line from 1). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../../clients/hubctl/csv.h"

/* A reading's outcome: how it ended and a hash of every record. */
typedef struct {
    csv_status_t end;
    uint64_t hash;
    size_t records;
} reading_t;

static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL; /* FNV-1a */
    return h;
}

static void
fail(const char *what)
{
    fprintf(stderr, "fuzz_csv: %s\n", what);
    abort();
}

static reading_t
read_all(csv_reader_t *r, size_t size)
{
    reading_t out = {CSV_END, 14695981039346656037ULL, 0};
    size_t last_line = 0;
    csv_record_t rec;
    for (;;) {
        csv_status_t s = csv_next(r, &rec);
        if (csv_offset(r) > size + 3) /* + a byte order mark's worth of slack */
            fail("the offset passed the end of the input");
        if (s != CSV_RECORD) {
            out.end = s;
            if (s == CSV_ERROR && (csv_error(r) == NULL || csv_error_line(r) < 1))
                fail("an error without a message or a line");
            return out;
        }
        if (rec.nfields < 1 || rec.line < 1 || rec.lines < 1 || rec.line < last_line)
            fail("a record without a field, or lines out of order");
        last_line = rec.line;
        out.records++;
        out.hash = mix(out.hash, &rec.nfields, sizeof(rec.nfields));
        out.hash = mix(out.hash, &rec.line, sizeof(rec.line));
        for (size_t i = 0; i < rec.nfields; i++) {
            if (strlen(rec.fields[i]) != rec.lens[i])
                fail("a field's length is not its strlen");
            out.hash = mix(out.hash, rec.fields[i], rec.lens[i] + 1);
        }
    }
}

typedef struct {
    const uint8_t *data;
    size_t size, at;
} source_t;

static ssize_t
read_three(void *arg, char *buf, size_t len)
{
    source_t *s = arg;
    size_t n = s->size - s->at;
    if (n > 3)
        n = 3;
    if (n > len)
        n = len;
    memcpy(buf, s->data + s->at, n);
    s->at += n;
    return (ssize_t)n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    csv_reader_t *r = csv_open_mem(copy, size);
    reading_t a = read_all(r, size);
    csv_close(r);
    free(copy);

    source_t src = {data, size, 0};
    r = csv_open(read_three, &src);
    reading_t b = read_all(r, size);
    csv_close(r);
    if (a.end != b.end || a.records != b.records || a.hash != b.hash)
        fail("reading from memory and three bytes at a time disagree");
    return 0;
}
