/* pii.h: a guard against direct identifiers in submissions.
 *
 * The hub holds no names, addresses or contact details; partners send codes
 * and keyed pseudonyms. A string that looks like an e-mail address, a UK
 * telephone number, a full postcode, an NHS or National Insurance number, or
 * a name with a title ("Mrs O'Neil") is refused before it reaches the
 * database. The detectors err on the side of refusing: a partner can reword
 * a reference, but a leaked identifier cannot be unshared.
 *
 * Pure C: no regex library, no allocation, linear time, and never a read at
 * or beyond s[n]. Letters and digits are ASCII; any other byte, including
 * every byte of a multi-byte UTF-8 character, ends a token.
 *
 * Decisions the detectors make, beyond their one-line descriptions:
 *  - When several identifiers are present, the one that starts first in s
 *    wins; at the same start, the earlier kind in pii_kind_t wins.
 *  - Telephone and NHS numbers glued to a reference by '-', '/', '.' or '_'
 *    ("WMP-07700900123", "REF/9434765919", "07700900123-2") are parts of that
 *    reference, not numbers of their own. A space never glues.
 *  - A telephone number's first group of digits has at least two digits, so
 *    "0.1234567890" (a decimal) and "0 1 2 3 4 5 6 7 8 9" (a list) are not
 *    numbers; "+44 (0)20 7946 0018" drops the bracketed trunk 0.
 *  - NHS numbers written as ten copies of one digit ("0000000000") pass the
 *    modulus-11 check but are placeholders, not identifiers.
 *  - UTF-8 local parts ("zoë@example.com") and domain labels count as e-mail;
 *    the last label must still be two or more ASCII letters. */
#ifndef HUB_PII_H
#define HUB_PII_H

#include <stddef.h>

typedef enum {
    PII_NONE = 0,
    PII_EMAIL,
    PII_PHONE,
    PII_POSTCODE,
    PII_NHS_NUMBER,
    PII_NI_NUMBER,
    PII_TITLED_NAME,
} pii_kind_t;

/* The first kind of direct identifier found anywhere in s (n bytes of UTF-8,
 * not necessarily NUL-terminated), or PII_NONE. s may be NULL when n is 0. */
pii_kind_t pii_scan(const char *s, size_t n);

/* A phrase for messages, e.g. "an e-mail address"; never the value. */
const char *pii_kind_phrase(pii_kind_t kind);

#endif
