/* rejects.h: why a row was refused, and the rejects file hubctl submit
 * writes: CSV (RFC 4180) with the header
 *
 *   line,pointer,column,reason
 *
 * and one record per reason: the line of the input file on which the
 * refused row begins, the JSON Pointer of the field in the report ("" for
 * the row as a whole), the input column that field came from ("" when not
 * known), and the reason, as the hub or hubctl gives it. Never the refused
 * value: the hub's messages do not quote values, and hubctl's own neither. */
#ifndef HUBCTL_REJECTS_H
#define HUBCTL_REJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../../hub/util.h"

enum { REJECT_REASONS_MAX = 16 }; /* reasons kept per row; more are summed up in one */

typedef struct {
    char pointer[96];
    char column[128];
    char reason[320];
} reject_reason_t;

typedef struct {
    reject_reason_t reasons[REJECT_REASONS_MAX];
    size_t n;       /* reasons kept */
    size_t dropped; /* reasons beyond REJECT_REASONS_MAX */
} reject_t;

/* Adds a reason (pointer and column may be NULL: ""). */
void reject_add(reject_t *rj, const char *pointer, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The file's header line. */
HUB_MUST_CHECK bool rejects_write_header(FILE *f);

/* One record per reason of the row that begins on line. */
HUB_MUST_CHECK bool rejects_write(FILE *f, size_t line, const reject_t *rj);

#endif
