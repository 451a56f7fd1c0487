/* audit.h: GET /v1/audit, reading the audit trail.
 *
 * A partner reads its own rows, a coordinator the partnership's (row-level
 * security decides). Newest first; ?limit=1..1000 (100), ?before=<id> for
 * the next page, which the answer's "next" gives. */
#ifndef HUB_AUDIT_H
#define HUB_AUDIT_H

#include "http.h"

void audit_list(request_t *r);

#endif
