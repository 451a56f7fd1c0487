/* csv.h: an RFC 4180 reader that streams records from any byte source.
 *
 * Pure: no files of its own and no output; bytes come from a read function
 * (csv_open) or a buffer in memory (csv_open_mem), so that the tests and a
 * fuzzer can drive it directly. Memory is bounded: one read buffer and one
 * record of at most CSV_RECORD_MAX bytes, whatever the input.
 *
 * The dialect:
 * - fields are separated by commas; records end in LF or CRLF (the last
 *   record may have neither); a CR elsewhere outside quotes is an error;
 * - a field that begins with a double quote is quoted: it ends at the next
 *   lone double quote, "" inside it stands for one ", and it may hold
 *   commas, CR and LF; the closing quote must be followed by a comma or the
 *   end of the record;
 * - a double quote inside an unquoted field is an error (strict: a stray
 *   quote usually means the columns have shifted);
 * - empty lines (outside quotes) are skipped, so they are not records;
 * - a UTF-8 byte order mark at the very start is skipped;
 * - a NUL byte is an error (UTF-16 or binary input);
 * - spaces are part of a field: trimming is the caller's business.
 * An error is final: later calls return CSV_ERROR again. */
#ifndef HUBCTL_CSV_H
#define HUBCTL_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../../hub/util.h"

enum {
    CSV_RECORD_MAX = 64 * 1024, /* bytes of one record, quotes and separators included */
    CSV_FIELDS_MAX = 512,       /* fields in one record */
};

/* Fills buf with up to len bytes; returns how many (0 at the end), or -1
 * with errno set. */
typedef ssize_t (*csv_read_fn)(void *arg, char *buf, size_t len);

typedef struct csv_reader csv_reader_t;

/* One record. fields[i] is NUL-terminated (a field cannot hold a NUL) and
 * lens[i] its length; both stay valid until the next csv_next or
 * csv_close. line is the line on which the record begins (from 1), lines
 * how many lines it spans (more than one when a quoted field holds a line
 * break). */
typedef struct {
    size_t nfields;
    const char *const *fields;
    const size_t *lens;
    size_t line, lines;
} csv_record_t;

typedef enum {
    CSV_ERROR = -1, /* csv_error says what and where */
    CSV_END = 0,    /* no more records */
    CSV_RECORD = 1, /* *rec holds the next record */
} csv_status_t;

/* A reader of the bytes read gives (arg is passed to it). Never NULL. */
csv_reader_t *csv_open(csv_read_fn read, void *arg);

/* A reader of the len bytes at buf, which must outlive the reader. */
csv_reader_t *csv_open_mem(const char *buf, size_t len);

void csv_close(csv_reader_t *r);

/* The next record. */
HUB_MUST_CHECK csv_status_t csv_next(csv_reader_t *r, csv_record_t *rec);

/* After CSV_ERROR: what went wrong ("a quoted field is not closed"), never
 * quoting the input, and the line where it was found. */
const char *csv_error(const csv_reader_t *r);
size_t csv_error_line(const csv_reader_t *r);

/* Bytes consumed so far (the byte order mark included). */
size_t csv_offset(const csv_reader_t *r);

#endif
