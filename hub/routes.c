#include "routes.h"

#include "audit.h"
#include "credential.h"
#include "me.h"
#include "ops.h"
#include "partners.h"
#include "tokens.h"
#include "util.h"

/* Row-level security decides which rows a caller sees; the roles here only
 * decide which endpoints a credential may call at all. */
const route_t routes[] = {
    {METHOD_GET, "/healthz", ops_healthz, "healthz", 0},
    {METHOD_GET, "/metrics", ops_metrics, "metrics", 0},
    {METHOD_GET, "/v1/me", me_get, "me", ROLES_PARTNER},
    {METHOD_GET, "/v1/partners", partners_list, "partners.list", ROLES_PARTNER},
    {METHOD_POST, "/v1/partners", partners_create, "partners.create", ROLE_COORDINATE},
    {METHOD_PATCH, "/v1/partners/{id}", partners_update, "partners.update", ROLE_COORDINATE},
    {METHOD_GET, "/v1/tokens", tokens_list, "tokens.list", ROLES_PARTNER},
    {METHOD_POST, "/v1/tokens", tokens_issue, "tokens.issue", ROLE_COORDINATE},
    {METHOD_DELETE, "/v1/tokens/{id}", tokens_revoke, "tokens.revoke", ROLES_PARTNER},
    {METHOD_GET, "/v1/audit", audit_list, "audit.list", ROLES_PARTNER},
};

const size_t nroutes = ARRAY_LEN(routes);
