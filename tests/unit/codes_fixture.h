/* codes_fixture.h: the code lists of api/codes for a cmocka group, for
 * unit tests run from the repository root: load_codes and free_codes are
 * the group's setup and teardown; codes is what they hold. */
#ifndef TEST_CODES_FIXTURE_H
#define TEST_CODES_FIXTURE_H

#include "../../hub/codes.h"

static codes_t *codes;

static int
load_codes(void **state)
{
    (void)state;
    char err[512] = "";
    if (!codes_load("api/codes", &codes, err, sizeof(err))) {
        print_error("codes_load(api/codes): %s\n", err);
        return -1;
    }
    return 0;
}

static int
free_codes(void **state)
{
    (void)state;
    codes_free(codes);
    return 0;
}

#endif
