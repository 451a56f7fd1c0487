/* tokens.h: API tokens of the caller's partnership.
 *
 *   GET    /v1/tokens        a partner's own tokens; a coordinator's: the partnership's
 *   POST   /v1/tokens        coordinators: issue {"partner_id", "roles", "label",
 *                            "expires_in_days"}; the token is shown in this answer only
 *   DELETE /v1/tokens/{id}   revoke (own tokens; coordinators: any of the partnership) */
#ifndef HUB_TOKENS_H
#define HUB_TOKENS_H

#include "http.h"

void tokens_list(request_t *r);
void tokens_issue(request_t *r);
void tokens_revoke(request_t *r);

#endif
