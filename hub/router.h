/* router.h: maps a method and path onto a route of a fixed table.
 *
 * Patterns are literal segments and {name} segments; a {name} matches one
 * non-empty segment of at most ROUTE_PARAM_MAX characters; a pattern ending
 * in a "*" segment takes any rest of the path, even none, which the handler reads. */
#ifndef HUB_ROUTER_H
#define HUB_ROUTER_H

#include <stddef.h>

enum {
    METHOD_GET = 1 << 0,
    METHOD_HEAD = 1 << 1,
    METHOD_POST = 1 << 2,
    METHOD_PUT = 1 << 3,
    METHOD_PATCH = 1 << 4,
    METHOD_DELETE = 1 << 5,
    METHOD_OPTIONS = 1 << 6,
};

#define ROUTE_PARAMS 4
#define ROUTE_PARAM_MAX 64

typedef struct request request_t;
typedef void (*route_handler_fn)(request_t *req);

typedef struct route {
    unsigned methods;
    const char *pattern;
    route_handler_fn handler;
    const char *name; /* stable label for logs, metrics and audit rows */
    unsigned roles;   /* credential roles admitted (any of them); 0: no credential needed */
    unsigned flags;   /* ROUTE_* */
} route_t;

/* The route takes batch bodies, up to HUB_MAX_BATCH_BODY (else HUB_MAX_BODY). */
#define ROUTE_BATCH_BODY 1u
/* Answered from memory: never shed under overload (HUB_QUEUE_TIMEOUT), so
 * operators can still read it when they most need it. */
#define ROUTE_NEVER_SHED 2u

typedef struct route_params {
    int n;
    char value[ROUTE_PARAMS][ROUTE_PARAM_MAX + 1];
} route_params_t;

typedef enum { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD } route_result_t;

/* Finds the route for method and path (path without query). On ROUTE_FOUND
 * sets *found and params; on ROUTE_BAD_METHOD sets *allowed to the methods
 * the path accepts. */
route_result_t router_match(const route_t *routes, size_t nroutes, unsigned method,
                            const char *path, const route_t **found, route_params_t *params,
                            unsigned *allowed);

/* Writes "GET, HEAD, POST" style text for an Allow header. */
void router_allow_header(unsigned methods, char *buf, size_t len);

#endif
