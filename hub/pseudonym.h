/* pseudonym.h: re-keying partners' subject keys.
 *
 * A partner sends subject_key = HMAC(link key, identity), made at its side.
 * The hub stores HMAC-SHA256(hub key, subject_key) instead, so a stored
 * value cannot be matched against anything a partner holds, while equal
 * subject keys still give equal stored values (repeat victimisation can be
 * counted across agencies). The hub key is 32 random bytes, hex, in the file
 * HUB_PSEUDONYM_KEY_FILE; `make run` makes one. */
#ifndef HUB_PSEUDONYM_H
#define HUB_PSEUDONYM_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Reads the key (64 hex characters, optional trailing newline). */
HUB_MUST_CHECK bool pseudonym_load(const char *path, char *err, size_t errlen);

/* subject_hex: 64 hex characters; out: the stored form, 64 hex characters. */
void pseudonym_rekey(const char *subject_hex, char out[65]);

/* Wipes the key from memory. */
void pseudonym_forget(void);

#endif
