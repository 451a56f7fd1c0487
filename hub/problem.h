/* problem.h: RFC 9457 problem details (application/problem+json).
 *
 * Every error the hub answers is one of these: evhttp's own error pages
 * are HTML, so handlers never use evhttp_send_error. */
#ifndef HUB_PROBLEM_H
#define HUB_PROBLEM_H

#include <jansson.h>

#define PROBLEM_TYPE_BASE "/problems/"

/* {"type":"/problems/<slug>","title":<reason phrase>,"status":…,"detail":…}.
 * detail may be NULL. The caller owns the result. */
json_t *problem_new(int status, const char *slug, const char *detail);

/* Appends {"pointer":…,"message":…} to the problem's "errors" array. */
void problem_add_error(json_t *problem, const char *pointer, const char *message);

/* Standard reason phrase for a status code ("Not Found"); "Unknown" if none. */
const char *http_reason(int status);

#endif
