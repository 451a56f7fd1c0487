/* referrals.h: referrals between partners, and outcomes.
 *
 *   POST /v1/reports/{id}/referrals   the owner refers a report (submit role)
 *   GET  /v1/referrals                ?direction=in|out, ?status=, keyset pages (read role)
 *   POST /v1/referrals/{id}/accept    the receiver accepts (submit role)
 *   POST /v1/referrals/{id}/decline   the receiver declines, with a reason (submit role)
 *   POST /v1/reports/{id}/outcomes    the owner, or a partner that accepted a referral,
 *                                     records an outcome allowed for its kind (submit role)
 *
 * Who may do what is row-level security's decision (sql/004); what the
 * codes mean comes from api/codes. */
#ifndef HUB_REFERRALS_H
#define HUB_REFERRALS_H

#include "codes.h"
#include "http.h"

void referrals_configure(const codes_t *codes);

void referrals_create(request_t *r);
void referrals_list(request_t *r);
void referrals_accept(request_t *r);
void referrals_decline(request_t *r);
void outcomes_create(request_t *r);

#endif
