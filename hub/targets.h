/* targets.h: the partnership's joint targets (definitions: target.h).
 *
 *   POST  /v1/targets                a new target (coordinate)
 *   GET   /v1/targets                the current targets with their progress
 *   GET   /v1/targets/{id}           one target with its progress
 *   PATCH /v1/targets/{id}           a JSON merge patch: a new version (coordinate)
 *   GET   /v1/targets/{id}/versions  every version, oldest first
 *
 * Reads are for any partner credential of the partnership. Each read
 * computes the metric's series by review period from the same
 * disclosure-controlled statistics the /v1/stats endpoints publish (the
 * rollups of sql/009 and sql/010, the population of sql/007, the outcome
 * indicators of sql/006), then the progress and status (target.h), and
 * each owner partner's contribution where the metric has one. */
#ifndef HUB_TARGETS_H
#define HUB_TARGETS_H

#include "codes.h"
#include "http.h"

/* Keeps the code lists; the disclosure rules are the statistics' (stats_query.h). */
void targets_configure(const codes_t *codes);

void targets_create(request_t *r);
void targets_list(request_t *r);
void targets_get(request_t *r);
void targets_update(request_t *r);
void targets_versions(request_t *r);

/* The statuses of the partnership's active targets by owner partner, for
 * the journey view: {"<partner id>": [{id, title, role, status}, …]}. NULL
 * when the database failed (the answer is then made). */
json_t *targets_by_owner(request_t *r);

#endif
