/* assessments.h: the journey self-assessment.
 *
 *   POST /v1/self-assessments          the calling partner's answers to the
 *                                      eight questions for a date (submit role)
 *   GET  /v1/self-assessments          the partnership's assessments with
 *                                      their answers and overall stage;
 *                                      filters, keyset pages (read role)
 *   GET  /v1/self-assessments/journey  the partnership view: each partner's
 *                                      stages per question and overall stage
 *                                      over time, with live evidence beside
 *                                      the questions the hub's data speaks
 *                                      to (read role)
 *
 * An assessment submitted again for the same partner and date replaces the
 * current one when its answers differ (201; the old one is kept as history)
 * and changes nothing when they are the same (200). The submission's checks
 * and the overall-stage rule are hub/assessment.h. */
#ifndef HUB_ASSESSMENTS_H
#define HUB_ASSESSMENTS_H

#include "codes.h"
#include "http.h"

/* Once at start-up, after assessment_codes_check passed. */
void assessments_configure(const codes_t *codes);

void assessments_submit(request_t *r);
void assessments_list(request_t *r);
void assessments_journey(request_t *r);

#endif
