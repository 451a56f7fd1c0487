#include "audit.h"

#include <stdio.h>

#include "access.h"

void
audit_list(request_t *r)
{
    long long limit, before;
    snprintf(r->audit_type, sizeof(r->audit_type), "audit_log");
    if (!http_query_int(r, "limit", 1, 1000, 100, &limit) ||
        !http_query_int(r, "before", 1, (1LL << 62), (1LL << 62), &before))
        return;
    char limit_text[16], before_text[24];
    snprintf(limit_text, sizeof(limit_text), "%lld", limit);
    snprintf(before_text, sizeof(before_text), "%lld", before);
    const char *params[] = {before_text, limit_text};
    db_stmt_t q = {
        "SELECT json_build_object('entries', coalesce(json_agg(json_build_object("
        " 'id', audit_id, 'at', at, 'partner_id', partner_id, 'credential_id', credential_id,"
        " 'request_id', request_id, 'action', action, 'object_type', object_type,"
        " 'object_id', object_id, 'outcome', outcome, 'isa_reference', isa_reference,"
        " 'sealed', hash IS NOT NULL) ORDER BY audit_id DESC), '[]'),"
        " 'next', CASE WHEN count(*) = $2::int THEN min(audit_id) END)::text"
        " FROM (SELECT * FROM hub.audit_log WHERE partnership_id = hub.current_partnership()"
        " AND audit_id < $1::bigint ORDER BY audit_id DESC LIMIT $2::int) a",
        2, params};
    access_respond_json(r, &q, 200, NULL);
}
