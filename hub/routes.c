#include "routes.h"

#include "assessments.h"
#include "audit.h"
#include "credential.h"
#include "dashboard.h"
#include "indicators.h"
#include "me.h"
#include "ops.h"
#include "partners.h"
#include "referrals.h"
#include "reports.h"
#include "stats.h"
#include "stats_flow.h"
#include "targets.h"
#include "tokens.h"
#include "util.h"

/* Row-level security decides which rows a caller sees; the roles here only
 * decide which endpoints a credential may call at all. */
const route_t routes[] = {
    {METHOD_GET, "/healthz", ops_healthz, "healthz", 0, 0},
    {METHOD_GET, "/metrics", ops_metrics, "metrics", 0, ROUTE_NEVER_SHED},
    {METHOD_GET, "/v1/me", me_get, "me", ROLES_PARTNER, 0},
    {METHOD_GET, "/v1/partners", partners_list, "partners.list", ROLES_PARTNER, 0},
    {METHOD_POST, "/v1/partners", partners_create, "partners.create", ROLE_COORDINATE, 0},
    {METHOD_PATCH, "/v1/partners/{id}", partners_update, "partners.update", ROLE_COORDINATE, 0},
    {METHOD_GET, "/v1/tokens", tokens_list, "tokens.list", ROLES_PARTNER, 0},
    {METHOD_POST, "/v1/tokens", tokens_issue, "tokens.issue", ROLE_COORDINATE, 0},
    {METHOD_DELETE, "/v1/tokens/{id}", tokens_revoke, "tokens.revoke", ROLES_PARTNER, 0},
    {METHOD_GET, "/v1/audit", audit_list, "audit.list", ROLES_PARTNER, 0},
    {METHOD_POST, "/v1/reports", reports_create, "reports.create", ROLE_SUBMIT, 0},
    {METHOD_POST, "/v1/reports/batch", reports_batch, "reports.batch", ROLE_SUBMIT,
     ROUTE_BATCH_BODY},
    {METHOD_GET, "/v1/reports", reports_list, "reports.list", ROLE_READ, 0},
    {METHOD_GET, "/v1/reports/{id}", reports_get, "reports.get", ROLE_READ, 0},
    {METHOD_PATCH, "/v1/reports/{id}", reports_amend, "reports.amend", ROLE_SUBMIT, 0},
    {METHOD_DELETE, "/v1/reports/{id}", reports_withdraw, "reports.withdraw", ROLE_SUBMIT, 0},
    {METHOD_GET, "/v1/reports/{id}/versions", reports_versions, "reports.versions", ROLE_READ, 0},
    {METHOD_POST, "/v1/reports/{id}/referrals", referrals_create, "referrals.create", ROLE_SUBMIT,
     0},
    {METHOD_GET, "/v1/referrals", referrals_list, "referrals.list", ROLE_READ, 0},
    {METHOD_POST, "/v1/referrals/{id}/accept", referrals_accept, "referrals.accept", ROLE_SUBMIT,
     0},
    {METHOD_POST, "/v1/referrals/{id}/decline", referrals_decline, "referrals.decline", ROLE_SUBMIT,
     0},
    {METHOD_POST, "/v1/reports/{id}/outcomes", outcomes_create, "outcomes.create", ROLE_SUBMIT, 0},
    {METHOD_POST, "/v1/indicators", indicators_submit, "indicators.submit", ROLE_SUBMIT,
     ROUTE_BATCH_BODY},
    {METHOD_GET, "/v1/indicators", indicators_list, "indicators.list", ROLE_READ, 0},
    {METHOD_GET, "/v1/stats/reports", stats_reports, "stats.reports", ROLE_READ | ROLE_PUBLIC, 0},
    {METHOD_GET, "/v1/stats/rates", stats_rates, "stats.rates", ROLE_READ | ROLE_PUBLIC, 0},
    {METHOD_GET, "/v1/stats/repeat", stats_repeat, "stats.repeat", ROLE_READ | ROLE_PUBLIC, 0},
    {METHOD_GET, "/v1/stats/referrals", stats_referrals, "stats.referrals", ROLE_READ | ROLE_PUBLIC,
     0},
    {METHOD_GET, "/v1/stats/outcomes", stats_outcomes, "stats.outcomes", ROLE_READ | ROLE_PUBLIC,
     0},
    {METHOD_POST, "/v1/targets", targets_create, "targets.create", ROLE_COORDINATE, 0},
    {METHOD_GET, "/v1/targets", targets_list, "targets.list", ROLES_PARTNER, 0},
    {METHOD_GET, "/v1/targets/{id}", targets_get, "targets.get", ROLES_PARTNER, 0},
    {METHOD_PATCH, "/v1/targets/{id}", targets_update, "targets.update", ROLE_COORDINATE, 0},
    {METHOD_GET, "/v1/targets/{id}/versions", targets_versions, "targets.versions", ROLES_PARTNER,
     0},
    {METHOD_POST, "/v1/self-assessments", assessments_submit, "self_assessments.submit",
     ROLE_SUBMIT, 0},
    {METHOD_GET, "/v1/self-assessments", assessments_list, "self_assessments.list", ROLE_READ, 0},
    {METHOD_GET, "/v1/self-assessments/journey", assessments_journey, "self_assessments.journey",
     ROLE_READ, 0},
    {METHOD_GET, "/v1/codes", codes_index, "codes.index", 0, 0},
    {METHOD_GET, "/v1/codes/{list}", codes_get, "codes.get", 0, 0},
    {METHOD_GET, "/dashboard", dashboard_serve, "dashboard.redirect", 0, ROUTE_NEVER_SHED},
    {METHOD_GET, "/dashboard/*", dashboard_serve, "dashboard.file", 0, ROUTE_NEVER_SHED},
};

const size_t nroutes = ARRAY_LEN(routes);
