/* routes.h: the API's route table. */
#ifndef HUB_ROUTES_H
#define HUB_ROUTES_H

#include "router.h"

extern const route_t routes[];
extern const size_t nroutes;

#endif
