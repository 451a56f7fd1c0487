/* test_csv.c: clients/hubctl/csv.h — RFC 4180 records from memory: quoted
 * fields, doubled quotes, LF and CRLF, embedded line breaks, empty fields
 * and lines, the byte order mark, line numbers; every kind of malformed
 * input with its message and line; the limits; and the same records
 * whatever size the reads come in. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../clients/hubctl/csv.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Every record of input, as "line:field|field|…" joined with newlines
 * (a record spanning lines shows "line+lines"), then "END" or
 * "ERROR line: message". */
static char *
dump(csv_reader_t *r)
{
    size_t cap = 1 << 20, o = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    out[0] = '\0';
    csv_record_t rec;
    csv_status_t st;
    while ((st = csv_next(r, &rec)) == CSV_RECORD) {
        o += (size_t)snprintf(out + o, cap - o, "%zu", rec.line);
        if (rec.lines > 1)
            o += (size_t)snprintf(out + o, cap - o, "+%zu", rec.lines);
        o += (size_t)snprintf(out + o, cap - o, ":");
        for (size_t i = 0; i < rec.nfields; i++) {
            assert_int_equal(strlen(rec.fields[i]), rec.lens[i]);
            o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "|" : "", rec.fields[i]);
        }
        o += (size_t)snprintf(out + o, cap - o, "\n");
    }
    if (st == CSV_END)
        snprintf(out + o, cap - o, "END");
    else
        snprintf(out + o, cap - o, "ERROR %zu: %s", csv_error_line(r), csv_error(r));
    /* An error is final. */
    if (st == CSV_ERROR)
        assert_int_equal(csv_next(r, &rec), CSV_ERROR);
    else
        assert_int_equal(csv_next(r, &rec), CSV_END);
    return out;
}

static char *
dump_mem(const char *in, size_t len)
{
    csv_reader_t *r = csv_open_mem(in, len);
    char *out = dump(r);
    csv_close(r);
    return out;
}

/* A source that gives at most `step` bytes per read. */
typedef struct {
    const char *p;
    size_t len, pos, step;
} trickle_t;

static ssize_t
trickle_read(void *arg, char *buf, size_t len)
{
    trickle_t *t = arg;
    size_t n = t->len - t->pos;
    if (n > t->step)
        n = t->step;
    if (n > len)
        n = len;
    memcpy(buf, t->p + t->pos, n);
    t->pos += n;
    return (ssize_t)n;
}

typedef struct {
    const char *name;
    const char *in;
    size_t len; /* 0: strlen(in) */
    const char *want;
} csv_case_t;

static const csv_case_t cases[] = {
    {"plain fields, LF", "a,b,c\n1,2,3\n", 0, "1:a|b|c\n2:1|2|3\nEND"},
    {"CRLF", "a,b\r\n1,2\r\n", 0, "1:a|b\n2:1|2\nEND"},
    {"no final line break", "a,b\n1,2", 0, "1:a|b\n2:1|2\nEND"},
    {"CRLF, no final line break after a quoted field", "a\r\n\"x\"", 0, "1:a\n2:x\nEND"},
    {"empty fields", ",a,,\n", 0, "1:|a||\nEND"},
    {"a lone empty field is a line of its own kind: skipped", "a\n\nb\n", 0, "1:a\n3:b\nEND"},
    {"empty lines, CRLF, anywhere", "\r\n\na\r\n\r\n\nb", 0, "3:a\n6:b\nEND"},
    {"only empty lines", "\n\r\n\n", 0, "END"},
    {"nothing", "", 0, "END"},
    {"spaces are kept", " a , b \n", 0, "1: a | b \nEND"},
    {"quoted fields", "\"a\",\"b c\",\"\"\n", 0, "1:a|b c|\nEND"},
    {"a comma in quotes", "\"a,b\",c\n", 0, "1:a,b|c\nEND"},
    {"doubled quotes", "\"say \"\"hi\"\"\",\"\"\"\"\n", 0, "1:say \"hi\"|\"\nEND"},
    {"an embedded LF", "x,\"line 1\nline 2\",y\nz\n", 0, "1+2:x|line 1\nline 2|y\n3:z\nEND"},
    {"an embedded CRLF is kept as it is", "\"a\r\nb\"\r\nc\r\n", 0, "1+2:a\r\nb\n3:c\nEND"},
    {"several embedded line breaks", "\"1\n2\n3\n\",x\ny\n", 0, "1+4:1\n2\n3\n|x\n5:y\nEND"},
    {"a quoted empty line is a record", "\"\"\n", 0, "1:\nEND"},
    {"a byte order mark",
     "\xEF\xBB\xBF"
     "a,b\n",
     0, "1:a|b\nEND"},
    {"a byte order mark later is data",
     "a\n\xEF\xBB\xBF"
     "b\n",
     0,
     "1:a\n2:\xEF\xBB\xBF"
     "b\nEND"},
    {"UTF-8 passes through", "Zoë,Łódź\n", 0, "1:Zoë|Łódź\nEND"},
    /* malformed */
    {"a quote inside an unquoted field", "a,b\"c\n", 0,
     "ERROR 1: a double quote inside an unquoted field"},
    {"a record before the error is returned", "ok\nbad\"\n", 0,
     "1:ok\nERROR 2: a double quote inside an unquoted field"},
    {"text after a closing quote", "\"a\"b,c\n", 0,
     "ERROR 1: a character after the closing quote of a field"},
    {"a space after a closing quote", "\"a\" ,c\n", 0,
     "ERROR 1: a character after the closing quote of a field"},
    {"an unclosed quote", "a\n\"b,\nc\n", 0,
     "1:a\nERROR 2: a quoted field is not closed (it begins on line 2)"},
    {"an unclosed quote at the very end", "\"", 0,
     "ERROR 1: a quoted field is not closed (it begins on line 1)"},
    {"a CR alone ends nothing", "a\rb\n", 0,
     "ERROR 1: a carriage return not followed by a line feed"},
    {"a CR alone on an empty line", "a\n\rb\n", 0,
     "1:a\nERROR 2: a carriage return not followed by a line feed"},
    {"a CR at the very end is a line end", "a\r", 0, "1:a\nEND"},
    {"a NUL byte", "a,b\nc\0d\n", 8, "1:a|b\nERROR 2: a NUL byte: the file is not UTF-8 text"},
    {"UTF-16 is not CSV",
     "\xFF\xFE"
     "a\0,\0b\0",
     8, "ERROR 1: a NUL byte: the file is not UTF-8 text"},
};

static void
test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < LEN(cases); i++) {
        const csv_case_t *c = &cases[i];
        size_t len = c->len ? c->len : strlen(c->in);
        char *got = dump_mem(c->in, len);
        if (strcmp(got, c->want) != 0)
            fail_msg("%s:\n  want: %s\n  got:  %s", c->name, c->want, got);
        free(got);
    }
}

/* Reads of any size give the same records and errors. */
static void
test_trickle(void **state)
{
    (void)state;
    for (size_t i = 0; i < LEN(cases); i++) {
        const csv_case_t *c = &cases[i];
        size_t len = c->len ? c->len : strlen(c->in);
        for (size_t step = 1; step <= 4; step++) {
            trickle_t t = {c->in, len, 0, step};
            csv_reader_t *r = csv_open(trickle_read, &t);
            char *got = dump(r);
            csv_close(r);
            if (strcmp(got, c->want) != 0)
                fail_msg("%s, %zu bytes a read:\n  want: %s\n  got:  %s", c->name, step, c->want,
                         got);
            free(got);
        }
    }
}

static void
test_fields_limit(void **state)
{
    (void)state;
    size_t n = CSV_FIELDS_MAX;
    char *in = malloc(2 * n + 8);
    assert_non_null(in);
    /* exactly the limit: n fields, n - 1 commas */
    memset(in, ',', n - 1);
    strcpy(in + n - 1, "\n");
    csv_reader_t *r = csv_open_mem(in, strlen(in));
    csv_record_t rec;
    assert_int_equal(csv_next(r, &rec), CSV_RECORD);
    assert_int_equal(rec.nfields, n);
    csv_close(r);
    /* one more */
    memset(in, ',', n);
    strcpy(in + n, "\n");
    r = csv_open_mem(in, strlen(in));
    assert_int_equal(csv_next(r, &rec), CSV_ERROR);
    assert_string_equal(csv_error(r), "more than 512 fields");
    assert_int_equal(csv_error_line(r), 1);
    csv_close(r);
    free(in);
}

static void
test_record_limit(void **state)
{
    (void)state;
    size_t n = CSV_RECORD_MAX;
    char *in = malloc(n + 16);
    assert_non_null(in);
    /* a record of exactly CSV_RECORD_MAX bytes, its LF included, then another */
    in[0] = '"';
    memset(in + 1, 'x', n - 3);
    in[n - 2] = '"';
    in[n - 1] = '\n';
    strcpy(in + n, "next\n");
    csv_reader_t *r = csv_open_mem(in, strlen(in));
    csv_record_t rec;
    assert_int_equal(csv_next(r, &rec), CSV_RECORD);
    assert_int_equal(rec.lens[0], n - 3);
    assert_int_equal(csv_next(r, &rec), CSV_RECORD);
    assert_string_equal(rec.fields[0], "next");
    csv_close(r);
    /* one byte more */
    in[0] = 'y';
    memset(in + 1, 'x', n);
    strcpy(in + n + 1, "\n");
    r = csv_open_mem(in, strlen(in));
    assert_int_equal(csv_next(r, &rec), CSV_ERROR);
    assert_string_equal(csv_error(r), "a record longer than 65536 bytes");
    csv_close(r);
    free(in);
}

/* Memory stays bounded: a long file is read a record at a time. */
static void
test_many_records(void **state)
{
    (void)state;
    size_t rows = 200000, cap = rows * 16 + 16, o = 0;
    char *in = malloc(cap);
    assert_non_null(in);
    o += (size_t)snprintf(in, cap, "n,sq\r\n");
    for (size_t i = 1; i <= rows; i++)
        o += (size_t)snprintf(in + o, cap - o, "%zu,\"%zu\"\r\n", i, i % 1000);
    csv_reader_t *r = csv_open_mem(in, o);
    csv_record_t rec;
    size_t seen = 0;
    assert_int_equal(csv_next(r, &rec), CSV_RECORD);
    while (csv_next(r, &rec) == CSV_RECORD) {
        seen++;
        assert_int_equal(rec.line, seen + 1);
        assert_int_equal(strtoul(rec.fields[0], NULL, 10), seen);
        assert_int_equal(strtoul(rec.fields[1], NULL, 10), seen % 1000);
    }
    assert_int_equal(seen, rows);
    assert_int_equal(csv_offset(r), o);
    csv_close(r);
    free(in);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),        cmocka_unit_test(test_trickle),
        cmocka_unit_test(test_fields_limit), cmocka_unit_test(test_record_limit),
        cmocka_unit_test(test_many_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
