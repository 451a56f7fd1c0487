/* partners.h: the partners of the caller's partnership.
 *
 *   GET   /v1/partners        any partner credential
 *   POST  /v1/partners        coordinators: add {"name", "kind"}
 *   PATCH /v1/partners/{id}   coordinators: {"active": false|true} */
#ifndef HUB_PARTNERS_H
#define HUB_PARTNERS_H

#include "http.h"

void partners_list(request_t *r);
void partners_create(request_t *r);
void partners_update(request_t *r);

#endif
