/* me.h: GET /v1/me, the caller's own identity. */
#ifndef HUB_ME_H
#define HUB_ME_H

#include "http.h"

void me_get(request_t *r);

#endif
