/* state.h: where an interrupted hubctl submit stopped, so that running the
 * same command again goes on from there.
 *
 * After each batch the hub has answered, its rejects are written and the
 * state file is replaced (written aside, then renamed: a kill at any
 * moment leaves the old state or the new one). It holds a fingerprint of
 * the run (the input's SHA-256, the format, the hub and credential, the
 * mapping, identity and postcode options), how many rows of the file are
 * done, the size of the rejects file at that point and the tallies so far.
 * A later run with the same fingerprint skips the rows done and cuts the
 * rejects file back to that size; any other run starts from the top. Either
 * way nothing is stored twice: the hub answers a report it already has with
 * 200 (same content) or 409 (different content), never a copy. */
#ifndef HUBCTL_STATE_H
#define HUBCTL_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "../../hub/util.h"

typedef struct {
    size_t rows;      /* rows of the file dealt with */
    size_t sent;      /* rows sent to the hub */
    size_t created;   /* 201 */
    size_t unchanged; /* 200: already there, same content */
    size_t valid;     /* dry run: would be stored */
    size_t conflicts; /* 409: already there, different content */
    size_t invalid;   /* 422: refused by the hub */
    size_t local;     /* refused before sending */
} tally_t;

typedef struct {
    char fingerprint[65];
    long long rejects_bytes;
    tally_t tally;
} state_t;

/* Reads the state at path. False when there is none or it cannot be used;
 * err is then "" for a missing file, else says why. */
HUB_MUST_CHECK bool state_load(const char *path, state_t *st, char *err, size_t errlen);

/* Lower-case hex SHA-256 of the file at path (out: 64 characters and a
 * NUL); false when it cannot be read. */
HUB_MUST_CHECK bool state_file_digest(const char *path, char out[65]);

/* Lower-case hex SHA-256 of text. */
void state_text_digest(const char *text, char out[65]);

/* Replaces the state at path; false with err set. */
HUB_MUST_CHECK bool state_save(const char *path, const state_t *st, char *err, size_t errlen);

#endif
