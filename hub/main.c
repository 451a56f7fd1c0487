/* hubd: the Partnership Data Hub server.
 *
 *   hubd            serve HTTPS until SIGTERM or SIGINT (SIGHUP reloads TLS)
 *   hubd migrate    apply sql/NNN_*.sql to HUB_DB and exit
 *   hubd --help     list the environment variables and their defaults */
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "arena.h"
#include "assessment.h"
#include "assessments.h"
#include "codes.h"
#include "dashboard.h"
#include "indicator.h"
#include "indicators.h"
#include "migrate.h"
#include "pseudonym.h"
#include "report.h"
#include "referrals.h"
#include "reports.h"
#include "sealer.h"
#include "access.h"
#include "server.h"
#include "stats.h"
#include "stats_query.h"
#include "targets.h"
#include "tls.h"

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: hubd [migrate | --help | --version]\n\n"
            "  hubd          serve the hub API over HTTPS (SIGTERM/SIGINT: drain and stop;\n"
            "                SIGHUP: reload the TLS certificate, key, CA and CRL)\n"
            "  hubd migrate  apply the migrations in HUB_SQL_DIR using HUB_DB (owner role)\n\n");
    config_usage(out);
}

static void
set_log_level(const char *name)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            log_set_level((log_level_t)i);
}

/* Signals are taken synchronously by the main thread (sigwait), so no
 * handler runs in the middle of a worker's work. */
static int
serve(const config_t *cfg)
{
    char err[512];
    SSL_CTX *ctx = tls_context_new(cfg, err, sizeof(err));
    if (ctx == NULL) {
        fprintf(stderr, "hubd: %s\n", err);
        return 1;
    }
    tls_install(ctx);

    /* The protocol's code lists and the pseudonym key: without them no
     * report can be checked, so their absence stops start-up. */
    arena_install_json();
    char codes_dir[4096];
    snprintf(codes_dir, sizeof(codes_dir), "%s/codes", cfg->api_dir);
    codes_t *codes = NULL;
    if (!codes_load(codes_dir, &codes, err, sizeof(err)) ||
        !report_codes_check(codes, err, sizeof(err)) ||
        !indicator_codes_check(codes, err, sizeof(err)) ||
        !assessment_codes_check(codes, err, sizeof(err)) ||
        !pseudonym_load(cfg->pseudonym_key_file, err, sizeof(err)) ||
        !dashboard_load(cfg->dashboard_dir, err, sizeof(err))) {
        fprintf(stderr, "hubd: %s\n", err);
        codes_free(codes);
        pseudonym_forget();
        tls_shutdown();
        return 1;
    }
    reports_configure(codes, cfg);
    referrals_configure(codes);
    indicators_configure(codes, cfg);
    stats_query_configure(codes, cfg);
    targets_configure(codes);
    assessments_configure(codes);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    server_t *s = server_new(cfg, err, sizeof(err));
    if (s == NULL) {
        fprintf(stderr, "hubd: %s\n", err);
        codes_free(codes);
        pseudonym_forget();
        dashboard_free();
        tls_shutdown();
        return 1;
    }
    access_configure(cfg);
    server_start(s);
    periodic_t *sealer = sealer_start(cfg->db, cfg->audit_seal_interval);
    periodic_t *refresher = stats_refresher_start(cfg->db, cfg->stats_refresh);
    log_info("listening", "\"address\":\"%s\",\"port\":%d,\"workers\":%d,\"pid\":%d",
             cfg->listen_host, cfg->listen_port, cfg->workers, (int)getpid());

    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            if (tls_reload(cfg, err, sizeof(err)))
                log_info("TLS context reloaded", NULL);
            else
                log_error("TLS reload failed, keeping the old context", "\"error\":\"%s\"", err);
            continue;
        }
        break;
    }
    log_info("stopping", "\"drain_timeout_ms\":%d", cfg->drain_timeout);
    server_stop(s);
    /* Workers bound their own drain; this margin covers one blocked in a
     * database call that statement_timeout has not yet ended. */
    if (!server_wait(s, cfg->drain_timeout + 2000)) {
        log_error("workers did not stop in time; exiting anyway", NULL);
        _exit(1);
    }
    server_free(s);
    periodic_stop(sealer);
    periodic_stop(refresher);
    codes_free(codes);
    pseudonym_forget();
    dashboard_free();
    tls_shutdown();
    log_info("stopped", NULL);
    return 0;
}

static const char *
env_lookup(const char *name)
{
    return getenv(name);
}

int
main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;
    if (cmd != NULL && (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (cmd != NULL && strcmp(cmd, "--version") == 0) {
        printf("hubd " HUB_VERSION "\n");
        return 0;
    }
    if (argc > 2 || (cmd != NULL && strcmp(cmd, "migrate") != 0)) {
        usage(stderr);
        return 2;
    }
    config_t cfg;
    char err[512];
    if (!config_load(&cfg, env_lookup, err, sizeof(err))) {
        fprintf(stderr, "hubd: %s\n", err);
        return 1;
    }
    set_log_level(cfg.log_level);
    int status = cmd != NULL ? migrate_run(cfg.db, cfg.sql_dir) : serve(&cfg);
    config_free(&cfg);
    return status;
}
