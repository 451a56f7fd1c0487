#include "routes.h"

#include "ops.h"
#include "util.h"

const route_t routes[] = {
    {METHOD_GET, "/healthz", ops_healthz, "healthz"},
    {METHOD_GET, "/metrics", ops_metrics, "metrics"},
};

const size_t nroutes = ARRAY_LEN(routes);
