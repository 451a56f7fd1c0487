/* log.h: one JSON object per line on stderr.
 *
 * Callers pass only values they chose (route names, status codes, ids):
 * never request bodies, tokens or anything a partner submitted. */
#ifndef HUB_LOG_H
#define HUB_LOG_H

#include <stdarg.h>

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_FATAL } log_level_t;

void log_set_level(log_level_t level);

/* Writes {"time":…,"level":…,"msg":msg, fields…}. fields is a printf
 * format producing further JSON members (without a leading comma), or NULL.
 * String values placed in fields must be escaped with log_escape. */
void log_write(log_level_t level, const char *msg, const char *fields, ...)
    __attribute__((format(printf, 3, 4)));

/* Escapes s as the inside of a JSON string into buf (truncating). */
const char *log_escape(const char *s, char *buf, int buflen);

#define log_info(msg, ...) log_write(LOG_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...) log_write(LOG_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...) log_write(LOG_ERROR, msg, __VA_ARGS__)

#endif
