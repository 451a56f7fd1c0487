/* read.h: hubctl's read commands, a partner's client of the hub's API over
 * HTTPS like hubctl submit: stats, targets, referrals (tables, --json,
 * --csv) and report (a printable HTML progress report, or PDF). */
#ifndef HUBCTL_READ_H
#define HUBCTL_READ_H

#include <jansson.h>
#include <stdbool.h>

#include "grid.h"
#include "hubctl.h"

enum {
    CTL_NO_CONVERTER = 3, /* hubctl report --pdf: no HTML-to-PDF converter installed */
};

int stats_cmd(ctl_t *ctl, int argc, char **argv);
int targets_cmd(ctl_t *ctl, int argc, char **argv);
int referrals_cmd(ctl_t *ctl, int argc, char **argv);
int report_cmd(ctl_t *ctl, int argc, char **argv);

/* stats: the figures of a /v1/stats answer as rows of g (figure, the
 * dimensions, value; low and high for an interval), a suppressed one as
 * "suppressed" (csv: an empty value and suppressed true). */
void stats_flatten(const json_t *answer, grid_t *g, bool csv);

#endif
