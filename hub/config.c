#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ratelimit.h"

typedef enum {
    T_STRING,
    T_LISTEN,
    T_INT,
    T_SIZE,
    T_DURATION,
    T_CERT_MODE,
    T_CHOICE,
    T_RATE
} kind_t;

typedef struct setting {
    const char *name;
    const char *def;
    kind_t kind;
    size_t offset;
    long min, max; /* for T_INT, T_SIZE, T_DURATION (ms) */
    const char *help;
    const char *choices; /* for T_CHOICE: "a|b|c" */
} setting_t;

#define AT(field) offsetof(config_t, field)

static const setting_t settings[] = {
    {"HUB_LISTEN", "127.0.0.1:8443", T_LISTEN, AT(listen_host), 0, 0,
     "address and port of the HTTPS listener (host:port, [v6]:port)", NULL},
    {"HUB_DB", "dbname=hub user=hub_app", T_STRING, AT(db), 0, 0,
     "libpq conninfo; the application role for serving, the owner role for `hubd migrate`", NULL},
    {"HUB_TLS_CERT", "var/certs/server.pem", T_STRING, AT(tls_cert), 0, 0,
     "server certificate chain (PEM)", NULL},
    {"HUB_TLS_KEY", "var/certs/server.key", T_STRING, AT(tls_key), 0, 0, "server private key (PEM)",
     NULL},
    {"HUB_CLIENT_CA", "var/certs/ca.pem", T_STRING, AT(client_ca), 0, 0,
     "CA certificates that sign partners' client certificates", NULL},
    {"HUB_CLIENT_CRL", "", T_STRING, AT(client_crl), 0, 0,
     "CRL for client certificates (PEM); empty: no revocation check", NULL},
    {"HUB_CLIENT_CERT", "optional", T_CERT_MODE, AT(client_cert), 0, 0,
     "client certificates: off, optional (verified when presented) or required", NULL},
    {"HUB_WORKERS", "0", T_INT, AT(workers), 0, 256,
     "worker threads, each with its event loop and database connection; 0 = one per core", NULL},
    {"HUB_MAX_BODY", "1m", T_SIZE, AT(max_body), 1024, 256L << 20,
     "largest request body; larger gets 413", NULL},
    {"HUB_MAX_HEADER", "8k", T_SIZE, AT(max_header), 1024, 1L << 20,
     "largest request line plus headers; larger gets 431", NULL},
    {"HUB_MAX_CONNECTIONS", "4096", T_INT, AT(max_connections), 1, 1000000,
     "open connections per worker; the excess is closed at once", NULL},
    {"HUB_REQUEST_TIMEOUT", "15s", T_DURATION, AT(request_timeout), 100, 3600000,
     "a request must arrive whole within this time (also the idle keep-alive limit)", NULL},
    {"HUB_DRAIN_TIMEOUT", "10s", T_DURATION, AT(drain_timeout), 0, 600000,
     "on SIGTERM, how long in-flight requests may take to finish", NULL},
    {"HUB_DB_TIMEOUT", "5s", T_DURATION, AT(db_timeout), 100, 3600000,
     "statement_timeout of every database statement", NULL},
    {"HUB_DB_RETRY", "1s", T_DURATION, AT(db_retry), 0, 60000,
     "while the database is down, least time between reconnection attempts", NULL},
    {"HUB_API_DIR", "api", T_STRING, AT(api_dir), 0, 0,
     "directory of the protocol: code lists in codes/ are loaded at start-up", NULL},
    {"HUB_DASHBOARD_DIR", "", T_STRING, AT(dashboard_dir), 0, 0,
     "the web dashboard's files (make dashboard: build/dashboard), served at /dashboard/; "
     "empty: no dashboard",
     NULL},
    {"HUB_PSEUDONYM_KEY_FILE", "var/pseudonym.key", T_STRING, AT(pseudonym_key_file), 0, 0,
     "the hub's key for re-keying subject pseudonyms (64 hex characters)", NULL},
    {"HUB_MAX_BATCH", "10000", T_INT, AT(max_batch), 1, 100000,
     "most reports in one POST /v1/reports/batch", NULL},
    {"HUB_MAX_BATCH_BODY", "16m", T_SIZE, AT(max_batch_body), 1024, 1L << 30,
     "largest body of a batch submission; larger gets 413", NULL},
    {"HUB_SQL_DIR", "sql", T_STRING, AT(sql_dir), 0, 0, "directory of NNN_name.sql migrations",
     NULL},
    {"HUB_LOG_LEVEL", "info", T_CHOICE, AT(log_level), 0, 0, "debug, info, warn or error",
     "debug|info|warn|error"},
    {"HUB_CERT_IDENTITY", "fingerprint", T_CHOICE, AT(cert_identity), 0, 0,
     "how a client certificate maps to a partner: fingerprint (SHA-256) or subject",
     "fingerprint|subject"},
    {"HUB_AUDIT_SEAL_INTERVAL", "1s", T_DURATION, AT(audit_seal_interval), 0, 3600000,
     "how often the audit log's new rows are chained; 0: leave sealing to others", NULL},
    {"HUB_STATS_REFRESH", "5s", T_DURATION, AT(stats_refresh), 0, 3600000,
     "how often the statistics rollups take in changed reports; 0: leave it to others", NULL},
    {"HUB_SDC", "suppress", T_CHOICE, AT(sdc), 0, 0,
     "disclosure control of joint statistics: suppress (small counts) or cellkey (perturb)",
     "suppress|cellkey"},
    {"HUB_MIN_CELL", "5", T_INT, AT(min_cell), 2, 100,
     "the smallest count published; 1 to HUB_MIN_CELL-1 are suppressed", NULL},
    {"HUB_ROUND_TO", "1", T_INT, AT(round_to), 1, 100,
     "published counts are rounded to a multiple of this (1: not rounded)", NULL},
    {"HUB_RATE_LIMIT", "0", T_RATE, AT(rate_limit), 0, 0,
     "requests per second per credential, as rate or rate/burst (e.g. 50/100); over it: 429; "
     "0: no limit",
     NULL},
    {"HUB_QUEUE_TIMEOUT", "5s", T_DURATION, AT(queue_timeout), 0, 3600000,
     "a request that waited this long for its busy worker is answered 503 at once; 0: never", NULL},
};

/* The decimal number s starts with (no sign, no space); end: what follows. */
static bool
leading_number(const char *s, unsigned long long *v, char **end)
{
    if (!isdigit((unsigned char)*s))
        return false;
    errno = 0;
    *v = strtoull(s, end, 10);
    return errno == 0;
}

bool
config_parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v;
    if (!leading_number(s, &v, &end))
        return false;
    unsigned shift = 0;
    if (*end == 'k' || *end == 'K')
        shift = 10, end++;
    else if (*end == 'm' || *end == 'M')
        shift = 20, end++;
    else if (*end == 'g' || *end == 'G')
        shift = 30, end++;
    if (*end != '\0' || v > (SIZE_MAX >> shift))
        return false;
    *out = (size_t)(v << shift);
    return true;
}

bool
config_parse_duration(const char *s, int *ms)
{
    char *end;
    unsigned long long v;
    if (!leading_number(s, &v, &end))
        return false;
    unsigned long long mult;
    if (strcmp(end, "ms") == 0)
        mult = 1;
    else if (*end == '\0' || strcmp(end, "s") == 0)
        mult = 1000;
    else if (strcmp(end, "m") == 0)
        mult = 60000;
    else
        return false;
    if (v > INT_MAX / mult)
        return false;
    *ms = (int)(v * mult);
    return true;
}

static bool
parse_int(const char *s, long *out)
{
    errno = 0;
    char *end;
    if (!isdigit((unsigned char)*s) && !(*s == '-' && isdigit((unsigned char)s[1])))
        return false;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

bool
config_parse_listen(const char *s, char **host, int *port)
{
    const char *colon;
    size_t hlen;
    const char *hstart = s;
    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':')
            return false;
        hstart = s + 1;
        hlen = (size_t)(close - hstart);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL || memchr(s, ':', (size_t)(colon - s)) != NULL)
            return false;
        hlen = (size_t)(colon - s);
    }
    long p;
    if (hlen == 0 || hlen > 255 || !parse_int(colon + 1, &p) || p < 1 || p > 65535)
        return false;
    *host = xmalloc(hlen + 1);
    memcpy(*host, hstart, hlen);
    (*host)[hlen] = '\0';
    *port = (int)p;
    return true;
}

static bool
choice_ok(const char *choices, const char *v)
{
    size_t n = strlen(v);
    for (const char *c = choices; *c;) {
        size_t len = strcspn(c, "|");
        if (len == n && n > 0 && strncmp(c, v, n) == 0)
            return true;
        c += len + (c[len] == '|');
    }
    return false;
}

static bool
apply(config_t *cfg, const setting_t *st, const char *v, char *err, size_t errlen)
{
    char *base = (char *)cfg;
    const char *why = NULL;
    long n;
    size_t sz;
    int ms;
    switch (st->kind) {
    case T_STRING:
        *(char **)(base + st->offset) = xstrdup(v);
        return true;
    case T_CHOICE:
        if (!choice_ok(st->choices, v)) {
            snprintf(err, errlen, "%s: invalid value: expected one of %s", st->name, st->choices);
            return false;
        }
        *(char **)(base + st->offset) = xstrdup(v);
        return true;
    case T_LISTEN:
        if (!config_parse_listen(v, &cfg->listen_host, &cfg->listen_port))
            why = "expected host:port with port 1-65535";
        break;
    case T_CERT_MODE:
        if (strcmp(v, "off") == 0)
            cfg->client_cert = CLIENT_CERT_OFF;
        else if (strcmp(v, "optional") == 0)
            cfg->client_cert = CLIENT_CERT_OPTIONAL;
        else if (strcmp(v, "required") == 0)
            cfg->client_cert = CLIENT_CERT_REQUIRED;
        else
            why = "expected off, optional or required";
        break;
    case T_INT:
        if (!parse_int(v, &n) || n < st->min || n > st->max)
            why = "expected a whole number in range";
        else
            *(int *)(base + st->offset) = (int)n;
        break;
    case T_RATE:
        if (!ratelimit_parse(v, &cfg->rate_limit, &cfg->rate_burst))
            why = "expected rate or rate/burst, whole numbers up to 1000000 (e.g. 50 or 50/100)";
        break;
    case T_SIZE:
        if (!config_parse_size(v, &sz) || sz < (size_t)st->min || sz > (size_t)st->max)
            why = "expected a size in range (e.g. 512k, 1m)";
        else
            *(size_t *)(base + st->offset) = sz;
        break;
    case T_DURATION:
        if (!config_parse_duration(v, &ms) || ms < st->min || ms > st->max)
            why = "expected a duration in range (e.g. 500ms, 15s, 2m)";
        else
            *(int *)(base + st->offset) = ms;
        break;
    }
    if (why != NULL) {
        snprintf(err, errlen, "%s: invalid value: %s", st->name, why);
        return false;
    }
    return true;
}

bool
config_load(config_t *cfg, config_lookup_fn lookup, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < ARRAY_LEN(settings); i++) {
        const char *v = lookup(settings[i].name);
        if (v == NULL)
            v = settings[i].def;
        if (!apply(cfg, &settings[i], v, err, errlen)) {
            config_free(cfg);
            return false;
        }
    }
    if (cfg->workers == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->workers = cores > 0 ? (int)cores : 1;
    }
    return true;
}

void
config_free(config_t *cfg)
{
    for (size_t i = 0; i < ARRAY_LEN(settings); i++) {
        if (settings[i].kind == T_STRING || settings[i].kind == T_CHOICE ||
            settings[i].kind == T_LISTEN) {
            char **p = (char **)((char *)cfg + settings[i].offset);
            free(*p);
            *p = NULL;
        }
    }
}

void
config_usage(FILE *out)
{
    fprintf(out, "Environment (default in brackets):\n");
    for (size_t i = 0; i < ARRAY_LEN(settings); i++)
        fprintf(out, "  %-20s [%s]\n      %s\n", settings[i].name, settings[i].def,
                settings[i].help);
}
