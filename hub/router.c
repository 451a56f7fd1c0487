#include "router.h"

#include <stdio.h>
#include <string.h>

/* Does path match pattern? Captures {name} segments into params. */
static int
match(const char *pattern, const char *path, route_params_t *params)
{
    params->n = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (strcmp(p, "*") == 0)
            return 1; /* a trailing * takes the rest of the path, whatever it is */
        if (*p == '{') {
            const char *pend = strchr(p, '}');
            size_t len = strcspn(s, "/");
            if (pend == NULL || len == 0 || len > ROUTE_PARAM_MAX || params->n == ROUTE_PARAMS)
                return 0;
            memcpy(params->value[params->n], s, len);
            params->value[params->n++][len] = '\0';
            p = pend + 1;
            s += len;
        } else if (*p++ != *s++) {
            return 0;
        }
    }
    return (*p == '\0' || strcmp(p, "*") == 0) && *s == '\0';
}

route_result_t
router_match(const route_t *routes, size_t nroutes, unsigned method, const char *path,
             const route_t **found, route_params_t *params, unsigned *allowed)
{
    unsigned allow = 0;
    route_params_t scratch;
    for (size_t i = 0; i < nroutes; i++) {
        if (!match(routes[i].pattern, path, &scratch))
            continue;
        unsigned methods = routes[i].methods;
        if (methods & METHOD_GET)
            methods |= METHOD_HEAD; /* HEAD is GET without the body */
        if (methods & method) {
            *found = &routes[i];
            *params = scratch;
            return ROUTE_FOUND;
        }
        allow |= methods;
    }
    if (allow == 0)
        return ROUTE_NOT_FOUND;
    *allowed = allow;
    return ROUTE_BAD_METHOD;
}

void
router_allow_header(unsigned methods, char *buf, size_t len)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{METHOD_GET, "GET"},        {METHOD_HEAD, "HEAD"},   {METHOD_POST, "POST"},
                 {METHOD_PUT, "PUT"},        {METHOD_PATCH, "PATCH"}, {METHOD_DELETE, "DELETE"},
                 {METHOD_OPTIONS, "OPTIONS"}};
    size_t o = 0;
    if (len == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(methods & names[i].bit))
            continue;
        int n = snprintf(buf + o, len - o, "%s%s", o ? ", " : "", names[i].name);
        if (n < 0 || (size_t)n >= len - o) {
            buf[o] = '\0'; /* never a method name cut in half */
            break;
        }
        o += (size_t)n;
    }
}
