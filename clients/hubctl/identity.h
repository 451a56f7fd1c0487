/* identity.h: anonymisation at source. hubctl submit --link-key FILE
 * --identity-columns LIST makes each row's subject_key on the partner's
 * machine from the victim's identity, so that identity never leaves it:
 *
 *   subject_key = lower-case hex of HMAC-SHA256(link key,
 *                 norm(v1) 0x1F norm(v2) 0x1F … norm(vn))
 *
 * where v1…vn are the identity columns in the order LIST names them and
 * 0x1F (the ASCII unit separator) cannot occur in a normalised value. Every
 * partner of a partnership must use the same link key and the same list
 * (say name,dob,postcode) for their keys to match. Normalisation, by kind:
 *
 * - text: control characters, tabs and no-break spaces (U+00A0) count as
 *   spaces; spaces at either end are removed and runs inside become one;
 *   ASCII letters and the Latin-1 letters U+00E0-U+00FE (but U+00F7) are
 *   upper-cased; every other byte is kept as it is (UTF-8 is assumed, and
 *   not normalised to NFC).
 * - date: YYYY-MM-DD, YYYY/MM/DD, DD/MM/YYYY, DD-MM-YYYY or DD.MM.YYYY (UK
 *   order; day and month of one or two digits), optionally followed by a
 *   time (" 00:00:00" or "T00:00"), which is ignored; written YYYY-MM-DD.
 *   Anything else, or a day that does not exist, makes the row invalid.
 * - postcode: as text, then without any spaces ("sw1a 1aa" → "SW1A1AA").
 *
 * A column's kind is given as NAME:KIND (text, date, postcode); without
 * one it is date for dob, date_of_birth, birth_date and birthdate, postcode
 * for postcode, post_code and pcd, and text otherwise (names compared
 * ignoring ASCII case). A row whose identity values are all empty gets no
 * subject_key.
 *
 * The link key is the first line of its file (a trailing CR or LF is not
 * part of it), at least 32 printable ASCII characters without spaces, used
 * as the HMAC key byte for byte, so that
 *   printf 'JOHN SMITH\x1f1980-03-01\x1fSW1A1AA' | openssl dgst -sha256 -hmac "$(cat KEYFILE)"
 * gives the same subject_key. `openssl rand -hex 32 >link.key` makes one.
 * Pure apart from identity_load, which reads the key file. */
#ifndef HUBCTL_IDENTITY_H
#define HUBCTL_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#include "../../hub/util.h"

enum {
    IDENTITY_KEY_MIN = 32,     /* characters of a link key */
    IDENTITY_KEY_MAX = 1024,   /* characters of a link key */
    IDENTITY_COLUMNS_MAX = 16, /* identity columns */
    IDENTITY_SEPARATOR = 0x1F, /* between normalised values */
};

typedef enum { IDENTITY_TEXT, IDENTITY_DATE, IDENTITY_POSTCODE } identity_kind_t;

typedef struct identity identity_t;

/* From the column list ("name,dob,postcode:postcode") and the key's
 * keylen bytes; NULL with err set when either is invalid. */
HUB_MUST_CHECK identity_t *identity_new(const char *columns, const char *key, size_t keylen,
                                        char *err, size_t errlen);

/* The same with the key read from the file at key_path (errors name it). */
HUB_MUST_CHECK identity_t *identity_load(const char *columns, const char *key_path, char *err,
                                         size_t errlen);

/* Wipes the key and frees. */
void identity_free(identity_t *id);

/* What recognises these options when a run resumes: the columns with
 * their kinds, and HMAC(link key, a fixed text), which says nothing of the
 * key. */
void identity_describe(const identity_t *id, char *out, size_t len);

size_t identity_count(const identity_t *id);
const char *identity_column(const identity_t *id, size_t i);
identity_kind_t identity_kind(const identity_t *id, size_t i);

/* Normalises in as kind says into out, which needs strlen(in) + 11 bytes
 * (a date may grow: "1/3/1980" is "1980-03-01"). False for a date that is
 * not one (out is then ""). */
HUB_MUST_CHECK bool identity_normalise(identity_kind_t kind, const char *in, char *out,
                                       size_t outlen);

typedef enum {
    IDENTITY_MADE,    /* out holds the subject key */
    IDENTITY_EMPTY,   /* every value is empty: no subject key */
    IDENTITY_INVALID, /* value *bad is not valid for its kind */
} identity_result_t;

/* The subject key of one row: values[i] is the value of identity_column(i)
 * (NULL counts as empty). out: 64 lower-case hex characters and a NUL. */
HUB_MUST_CHECK identity_result_t identity_subject_key(const identity_t *id,
                                                      const char *const *values, char out[65],
                                                      size_t *bad);

#endif
