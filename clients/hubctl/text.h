/* text.h: UTF-8 text as PostgreSQL measures it (characters are code points). */
#ifndef HUBCTL_TEXT_H
#define HUBCTL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Code points in s, which must be valid UTF-8 (text from the database). */
size_t text_chars(const char *s);

/* Is s valid UTF-8 of min to max characters with no control characters
 * (C0, DEL, C1)? On false, why says what is wrong ("is not valid UTF-8"). */
bool text_valid(const char *s, size_t min, size_t max, char *why, size_t whylen);

/* Writes the message into err (errlen bytes) and returns false, so that a
 * check can end with `return text_error(err, errlen, "…", …);`. */
bool text_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
