/* config.h: hubd's settings, read once from environment variables.
 *
 * Every variable has a default shown by `hubd --help`; a bad value is
 * reported in one line naming the variable, and start-up stops. */
#ifndef HUB_CONFIG_H
#define HUB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util.h"

typedef enum { CLIENT_CERT_OFF, CLIENT_CERT_OPTIONAL, CLIENT_CERT_REQUIRED } client_cert_mode_t;

typedef struct config {
    char *listen_host; /* HUB_LISTEN, host part */
    int listen_port;   /* HUB_LISTEN, port part */
    char *db;          /* HUB_DB: libpq conninfo */
    char *tls_cert;
    char *tls_key;
    char *client_ca;
    char *client_crl; /* "" when unset */
    client_cert_mode_t client_cert;
    int workers;         /* 0 in the variable means one per core */
    size_t max_body;     /* bytes */
    size_t max_header;   /* bytes */
    int max_connections; /* per worker */
    int request_timeout; /* ms: deadline to receive a whole request */
    int drain_timeout;   /* ms: bounded wait for in-flight requests at shutdown */
    int db_timeout;      /* ms: statement_timeout */
    int db_retry;        /* ms: minimum gap between reconnection attempts */
    char *sql_dir;
    char *log_level;
    char *cert_identity; /* fingerprint or subject */
    char *api_dir;       /* the protocol: code lists in codes/ */
    char *dashboard_dir; /* "": no dashboard */
    char *pseudonym_key_file;
    int max_batch;           /* reports in one batch submission */
    size_t max_batch_body;   /* bytes, for routes that take batches */
    int audit_seal_interval; /* ms; 0: this hubd does not seal */
    int stats_refresh;       /* ms; 0: this hubd does not refresh the rollups */
    char *sdc;               /* suppress or cellkey */
    int min_cell;            /* counts 1..min_cell-1 are not published */
    int round_to;            /* published counts are multiples of this */
    int rate_limit;          /* HUB_RATE_LIMIT: requests/s per credential; 0: no limit */
    int rate_burst;          /* HUB_RATE_LIMIT's burst (the rate when not given) */
    int queue_timeout;       /* ms a request may wait for its busy worker; 0: no limit */
} config_t;

/* Looks up one variable; NULL when unset. getenv fits. */
typedef const char *(*config_lookup_fn)(const char *name);

/* Fills cfg from the variables. On a bad value writes "HUB_X: reason" to err
 * and returns false; cfg is then freed. */
HUB_MUST_CHECK bool config_load(config_t *cfg, config_lookup_fn lookup, char *err, size_t errlen);
void config_free(config_t *cfg);

/* Lists every variable, its default and meaning. */
void config_usage(FILE *out);

/* Parsers shared with other modules and tested on their own. */
HUB_MUST_CHECK bool config_parse_size(const char *s, size_t *out); /* 512, 64k, 1m */
HUB_MUST_CHECK bool config_parse_duration(const char *s, int *ms); /* 250ms, 15s, 2m; bare = s */
HUB_MUST_CHECK bool config_parse_listen(const char *s, char **host, int *port);

#endif
