/* retention.h: hubctl retention run, the purge of reports whose retention
 * period has ended (sql/012_retention.sql). */
#ifndef HUBCTL_RETENTION_H
#define HUBCTL_RETENTION_H

#include "hubctl.h"

int retention_run_cmd(ctl_t *ctl, int argc, char **argv);

#endif
