/* cred.h: what the token and certificate commands share: listing and
 * revoking rows of hub.credential of one kind. */
#ifndef HUBCTL_CRED_H
#define HUBCTL_CRED_H

#include "hubctl.h"

typedef enum { CRED_ANY, CRED_TOKEN, CRED_CERTIFICATE } cred_kind_t;

/* hubctl token|cert|credential list. */
int cred_list(ctl_t *ctl, int argc, char **argv, cred_kind_t kind);

/* hubctl token|cert revoke ID: sets revoked_at once; revoking again is not
 * an error. */
int cred_revoke(ctl_t *ctl, int argc, char **argv, cred_kind_t kind);

/* Parses ROLES for a partner's credential (submit, read, coordinate) into
 * the text of a PostgreSQL text[] body ("submit,read"); false if invalid. */
HUB_MUST_CHECK bool cred_partner_roles(const char *text, char *out, size_t len);

#endif
