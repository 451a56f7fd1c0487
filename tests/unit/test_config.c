/* test_config.c: hub/config.h — settings from a fake environment, the size,
 * duration and listen parsers, and the --help listing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hub/config.h"

/* Every variable the contract promises; config_usage must list them all. */
static const char *const all_vars[] = {
    "HUB_LISTEN",        "HUB_DB",         "HUB_TLS_CERT",        "HUB_TLS_KEY",
    "HUB_CLIENT_CA",     "HUB_CLIENT_CRL", "HUB_CLIENT_CERT",     "HUB_WORKERS",
    "HUB_MAX_BODY",      "HUB_MAX_HEADER", "HUB_MAX_CONNECTIONS", "HUB_REQUEST_TIMEOUT",
    "HUB_DRAIN_TIMEOUT", "HUB_DB_TIMEOUT", "HUB_DB_RETRY",        "HUB_SQL_DIR",
    "HUB_LOG_LEVEL",     "HUB_RATE_LIMIT", "HUB_QUEUE_TIMEOUT",
};

/* The fake environment: the lookup function has no user pointer, so the
 * current variables live here. Each test sets it with env_set(). */
typedef struct var {
    const char *name;
    const char *value;
} var_t;

#define ENV_MAX 8
static var_t env[ENV_MAX];
static size_t env_n;

/* Names config_load asked for, to check it reads the documented ones. */
#define SEEN_MAX 64
static char seen[SEEN_MAX][64];
static size_t seen_n;

static void
env_clear(void)
{
    env_n = 0;
    seen_n = 0;
}

static void
env_set(const char *name, const char *value)
{
    assert_true(env_n < ENV_MAX);
    env[env_n].name = name;
    env[env_n].value = value;
    env_n++;
}

static const char *
fake_lookup(const char *name)
{
    if (seen_n < SEEN_MAX)
        snprintf(seen[seen_n++], sizeof(seen[0]), "%s", name);
    for (size_t i = 0; i < env_n; i++)
        if (strcmp(env[i].name, name) == 0)
            return env[i].value;
    return NULL;
}

static int
setup(void **state)
{
    (void)state;
    env_clear();
    return 0;
}

/* Loads the fake environment, expecting success. */
static void
load_ok(config_t *cfg)
{
    char err[256] = "";
    bool ok = config_load(cfg, fake_lookup, err, sizeof(err));
    if (!ok)
        fail_msg("config_load failed: %s", err);
}

/* Loads with one variable set to a bad value: must fail with a message that
 * starts with "NAME: ". */
static void
expect_bad(const char *name, const char *value)
{
    config_t cfg;
    char err[256] = "";
    char prefix[80];
    env_clear();
    env_set(name, value);
    bool ok = config_load(&cfg, fake_lookup, err, sizeof(err));
    if (ok) {
        config_free(&cfg);
        fail_msg("%s=\"%s\" was accepted", name, value);
    }
    snprintf(prefix, sizeof(prefix), "%s: ", name);
    if (strncmp(err, prefix, strlen(prefix)) != 0)
        fail_msg("%s=\"%s\": message \"%s\" does not start with \"%s\"", name, value, err, prefix);
    assert_true(strlen(err) > strlen(prefix)); /* a reason follows the name */
}

/* Loads with one variable set, expecting success; the caller frees. */
static void
load_one(config_t *cfg, const char *name, const char *value)
{
    env_clear();
    env_set(name, value);
    load_ok(cfg);
}

/* --- config_load ------------------------------------------------------- */

static void
test_rate_limit(void **state)
{
    (void)state;
    config_t cfg;
    env_clear();
    load_ok(&cfg);
    assert_int_equal(cfg.rate_limit, 0); /* off unless set */
    assert_int_equal(cfg.queue_timeout, 5000);
    config_free(&cfg);
    load_one(&cfg, "HUB_RATE_LIMIT", "50");
    assert_int_equal(cfg.rate_limit, 50);
    assert_int_equal(cfg.rate_burst, 50);
    config_free(&cfg);
    load_one(&cfg, "HUB_RATE_LIMIT", "50/100");
    assert_int_equal(cfg.rate_limit, 50);
    assert_int_equal(cfg.rate_burst, 100);
    config_free(&cfg);
    load_one(&cfg, "HUB_QUEUE_TIMEOUT", "0");
    assert_int_equal(cfg.queue_timeout, 0);
    config_free(&cfg);
}

static void
test_defaults(void **state)
{
    (void)state;
    config_t cfg;
    load_ok(&cfg);

    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 8443);
    assert_string_equal(cfg.db, "dbname=hub user=hub_app");
    assert_string_equal(cfg.tls_cert, "var/certs/server.pem");
    assert_string_equal(cfg.tls_key, "var/certs/server.key");
    assert_string_equal(cfg.client_ca, "var/certs/ca.pem");
    assert_non_null(cfg.client_crl);
    assert_string_equal(cfg.client_crl, "");
    assert_int_equal(cfg.client_cert, CLIENT_CERT_OPTIONAL);
    assert_true(cfg.workers >= 1);
    assert_int_equal(cfg.max_body, 1024 * 1024);
    assert_int_equal(cfg.max_header, 8 * 1024);
    assert_int_equal(cfg.max_connections, 4096);
    assert_int_equal(cfg.request_timeout, 15000);
    assert_int_equal(cfg.drain_timeout, 10000);
    assert_int_equal(cfg.db_timeout, 5000);
    assert_int_equal(cfg.db_retry, 1000);
    assert_string_equal(cfg.sql_dir, "sql");
    assert_string_equal(cfg.log_level, "info");
    config_free(&cfg);
}

/* Captures config_usage's text; the caller frees it. */
static char *
usage_text(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    config_usage(out);
    assert_int_equal(fclose(out), 0);
    assert_non_null(text);
    return text;
}

static void
test_reads_every_documented_variable(void **state)
{
    (void)state;
    config_t cfg;
    load_ok(&cfg);
    config_free(&cfg);
    for (size_t i = 0; i < ARRAY_LEN(all_vars); i++) {
        bool found = false;
        for (size_t j = 0; j < seen_n && !found; j++)
            found = strcmp(seen[j], all_vars[i]) == 0;
        if (!found)
            fail_msg("config_load never looked up %s", all_vars[i]);
    }
    /* and whatever else it reads is documented too */
    char *text = usage_text();
    for (size_t j = 0; j < seen_n; j++)
        if (strstr(text, seen[j]) == NULL)
            fail_msg("config_load reads %s, which usage does not list", seen[j]);
    free(text);
}

static void
test_values_override_defaults(void **state)
{
    (void)state;
    config_t cfg;
    env_set("HUB_LISTEN", "0.0.0.0:9443");
    env_set("HUB_DB", "host=/tmp dbname=x");
    env_set("HUB_CLIENT_CERT", "required");
    env_set("HUB_WORKERS", "3");
    env_set("HUB_MAX_BODY", "64k");
    env_set("HUB_REQUEST_TIMEOUT", "250ms");
    env_set("HUB_CLIENT_CRL", "var/certs/crl.pem");
    env_set("HUB_LOG_LEVEL", "debug");
    load_ok(&cfg);
    assert_string_equal(cfg.listen_host, "0.0.0.0");
    assert_int_equal(cfg.listen_port, 9443);
    assert_string_equal(cfg.db, "host=/tmp dbname=x");
    assert_int_equal(cfg.client_cert, CLIENT_CERT_REQUIRED);
    assert_int_equal(cfg.workers, 3);
    assert_int_equal(cfg.max_body, 64 * 1024);
    assert_int_equal(cfg.request_timeout, 250);
    assert_string_equal(cfg.client_crl, "var/certs/crl.pem");
    assert_string_equal(cfg.log_level, "debug");
    /* untouched ones keep their defaults */
    assert_int_equal(cfg.max_header, 8 * 1024);
    assert_string_equal(cfg.sql_dir, "sql");
    config_free(&cfg);
}

static void
test_ipv6_listen(void **state)
{
    (void)state;
    config_t cfg;
    load_one(&cfg, "HUB_LISTEN", "[::1]:8443");
    assert_string_equal(cfg.listen_host, "::1");
    assert_int_equal(cfg.listen_port, 8443);
    config_free(&cfg);
}

static void
test_client_cert_modes(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        client_cert_mode_t mode;
    } cases[] = {
        {"off", CLIENT_CERT_OFF},
        {"optional", CLIENT_CERT_OPTIONAL},
        {"required", CLIENT_CERT_REQUIRED},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        config_t cfg;
        load_one(&cfg, "HUB_CLIENT_CERT", cases[i].value);
        assert_int_equal(cfg.client_cert, cases[i].mode);
        config_free(&cfg);
    }
}

static void
test_log_levels(void **state)
{
    (void)state;
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    for (size_t i = 0; i < ARRAY_LEN(levels); i++) {
        config_t cfg;
        load_one(&cfg, "HUB_LOG_LEVEL", levels[i]);
        assert_string_equal(cfg.log_level, levels[i]);
        config_free(&cfg);
    }
}

static void
test_workers_zero_means_per_core(void **state)
{
    (void)state;
    config_t cfg;
    load_one(&cfg, "HUB_WORKERS", "0");
    assert_true(cfg.workers >= 1);
    config_free(&cfg);
    load_one(&cfg, "HUB_WORKERS", "1");
    assert_int_equal(cfg.workers, 1);
    config_free(&cfg);
    load_one(&cfg, "HUB_WORKERS", "256");
    assert_int_equal(cfg.workers, 256);
    config_free(&cfg);
}

static void
test_range_limits_accepted(void **state)
{
    (void)state;
    config_t cfg;
    load_one(&cfg, "HUB_MAX_BODY", "1k");
    assert_int_equal(cfg.max_body, 1024);
    config_free(&cfg);
    load_one(&cfg, "HUB_MAX_BODY", "256m");
    assert_int_equal(cfg.max_body, (size_t)256 << 20);
    config_free(&cfg);
    load_one(&cfg, "HUB_MAX_HEADER", "1m");
    assert_int_equal(cfg.max_header, (size_t)1 << 20);
    config_free(&cfg);
    load_one(&cfg, "HUB_MAX_CONNECTIONS", "1");
    assert_int_equal(cfg.max_connections, 1);
    config_free(&cfg);
    load_one(&cfg, "HUB_REQUEST_TIMEOUT", "100ms");
    assert_int_equal(cfg.request_timeout, 100);
    config_free(&cfg);
    load_one(&cfg, "HUB_REQUEST_TIMEOUT", "60m");
    assert_int_equal(cfg.request_timeout, 3600000);
    config_free(&cfg);
    load_one(&cfg, "HUB_DRAIN_TIMEOUT", "0");
    assert_int_equal(cfg.drain_timeout, 0);
    config_free(&cfg);
    load_one(&cfg, "HUB_DB_RETRY", "60s");
    assert_int_equal(cfg.db_retry, 60000);
    config_free(&cfg);
    load_one(&cfg, "HUB_LISTEN", "localhost:1");
    assert_int_equal(cfg.listen_port, 1);
    config_free(&cfg);
    load_one(&cfg, "HUB_LISTEN", "localhost:65535");
    assert_int_equal(cfg.listen_port, 65535);
    config_free(&cfg);
}

static void
test_bad_values_name_the_variable(void **state)
{
    (void)state;
    static const var_t bad[] = {
        /* listen */
        {"HUB_LISTEN", ""},
        {"HUB_LISTEN", "127.0.0.1"},
        {"HUB_LISTEN", "127.0.0.1:"},
        {"HUB_LISTEN", ":8443"},
        {"HUB_LISTEN", "127.0.0.1:0"},
        {"HUB_LISTEN", "127.0.0.1:65536"},
        {"HUB_LISTEN", "127.0.0.1:http"},
        {"HUB_LISTEN", "::1:8443"},
        {"HUB_LISTEN", "[::1]"},
        {"HUB_LISTEN", "[::1]8443"},
        {"HUB_LISTEN", "[]:8443"},
        /* enumerations */
        {"HUB_CLIENT_CERT", "yes"},
        {"HUB_CLIENT_CERT", ""},
        {"HUB_CLIENT_CERT", "Required"},
        {"HUB_LOG_LEVEL", "verbose"},
        /* rate limit */
        {"HUB_RATE_LIMIT", "fast"},
        {"HUB_RATE_LIMIT", "50/"},
        {"HUB_RATE_LIMIT", "50/0"},
        {"HUB_RATE_LIMIT", "-5"},
        {"HUB_QUEUE_TIMEOUT", "soon"},
        {"HUB_LOG_LEVEL", ""},
        /* whole numbers and their ranges */
        {"HUB_WORKERS", "-1"},
        {"HUB_WORKERS", "257"},
        {"HUB_WORKERS", "two"},
        {"HUB_WORKERS", ""},
        {"HUB_WORKERS", "4x"},
        {"HUB_MAX_CONNECTIONS", "0"},
        {"HUB_MAX_CONNECTIONS", "1000001"},
        {"HUB_MAX_CONNECTIONS", "99999999999999999999"},
        /* sizes and their ranges */
        {"HUB_MAX_BODY", "1023"},
        {"HUB_MAX_BODY", "0"},
        {"HUB_MAX_BODY", "257m"},
        {"HUB_MAX_BODY", "1g"},
        {"HUB_MAX_BODY", "lots"},
        {"HUB_MAX_BODY", "1mb"},
        {"HUB_MAX_BODY", "-1"},
        {"HUB_MAX_BODY", ""},
        {"HUB_MAX_HEADER", "1023"},
        {"HUB_MAX_HEADER", "2m"},
        /* durations and their ranges */
        {"HUB_REQUEST_TIMEOUT", "99ms"},
        {"HUB_REQUEST_TIMEOUT", "3601s"},
        {"HUB_REQUEST_TIMEOUT", "15x"},
        {"HUB_REQUEST_TIMEOUT", "-1"},
        {"HUB_REQUEST_TIMEOUT", ""},
        {"HUB_DRAIN_TIMEOUT", "11m"},
        {"HUB_DB_TIMEOUT", "0"},
        {"HUB_DB_RETRY", "61s"},
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        expect_bad(bad[i].name, bad[i].value);
}

static void
test_bad_value_after_good_ones_frees(void **state)
{
    (void)state;
    /* Strings already copied must be released when a later one is bad; the
     * sanitizer build turns a leak here into a failure. */
    config_t cfg;
    char err[256] = "";
    env_set("HUB_DB", "dbname=other");
    env_set("HUB_SQL_DIR", "elsewhere");
    env_set("HUB_LOG_LEVEL", "loud");
    assert_false(config_load(&cfg, fake_lookup, err, sizeof(err)));
    assert_int_equal(strncmp(err, "HUB_LOG_LEVEL: ", 15), 0);
}

static void
test_error_message_truncated_to_buffer(void **state)
{
    (void)state;
    config_t cfg;
    char err[12];
    memset(err, 'X', sizeof(err));
    env_set("HUB_MAX_BODY", "huge");
    assert_false(config_load(&cfg, fake_lookup, err, sizeof(err)));
    assert_int_equal(strlen(err), sizeof(err) - 1);
    assert_string_equal(err, "HUB_MAX_BOD");
}

/* --- config_parse_size --------------------------------------------------- */

static void
test_parse_size_ok(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t want;
    } cases[] = {
        {"0", 0},
        {"512", 512},
        {"64k", 64 * 1024},
        {"64K", 64 * 1024},
        {"1m", 1024 * 1024},
        {"1M", 1024 * 1024},
        {"3g", (size_t)3 << 30},
        {"2G", (size_t)2 << 30},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        size_t got = 7;
        if (!config_parse_size(cases[i].in, &got))
            fail_msg("\"%s\" refused", cases[i].in);
        assert_int_equal(got, cases[i].want);
    }
}

static void
test_parse_size_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "k",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1 k",
        "1kb",
        "1t",
        "1.5m",
        "0x10",
        "ten",
        "1e3",
        "18446744073709551616",  /* 2^64: does not fit */
        "18446744073709551615k", /* fits as a number, overflows when scaled */
        "17179869184g",          /* 2^34 g = 2^64 bytes */
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        size_t got = 7;
        if (config_parse_size(bad[i], &got))
            fail_msg("\"%s\" accepted as %zu", bad[i], got);
        assert_int_equal(got, 7); /* untouched on failure */
    }
}

static void
test_parse_size_largest(void **state)
{
    (void)state;
    char buf[32];
    size_t got = 0;
    /* the largest number of gibibytes that still fits in a size_t */
    snprintf(buf, sizeof(buf), "%zug", SIZE_MAX >> 30);
    assert_true(config_parse_size(buf, &got));
    assert_int_equal(got, (SIZE_MAX >> 30) << 30);
    snprintf(buf, sizeof(buf), "%zug", (SIZE_MAX >> 30) + 1);
    assert_false(config_parse_size(buf, &got));
}

/* --- config_parse_duration ----------------------------------------------- */

static void
test_parse_duration_ok(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int want;
    } cases[] = {
        {"250ms", 250},
        {"15s", 15000},
        {"15", 15000},
        {"2m", 120000},
        {"0", 0},
        {"0ms", 0},
        {"1ms", 1},
        {"60m", 3600000},
        {"100ms", 100},
        {"2147483s", 2147483000},
        {"2147483647ms", INT_MAX},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        int got = -7;
        if (!config_parse_duration(cases[i].in, &got))
            fail_msg("\"%s\" refused", cases[i].in);
        assert_int_equal(got, cases[i].want);
    }
}

static void
test_parse_duration_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "15x",      "-1",     "",
        "s",        "ms",     "1.5s",
        " 15",      "15 ",    "15 s",
        "+15",      "15sec",  "15h",
        "15msx",    "1e3",    "2147483648ms",
        "2147484s", "35792m", "99999999999999999999999",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        int got = -7;
        if (config_parse_duration(bad[i], &got))
            fail_msg("\"%s\" accepted as %d", bad[i], got);
        assert_int_equal(got, -7);
    }
}

/* --- config_parse_listen ------------------------------------------------- */

static void
test_parse_listen_ok(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *host;
        int port;
    } cases[] = {
        {"127.0.0.1:8443", "127.0.0.1", 8443},
        {"0.0.0.0:1", "0.0.0.0", 1},
        {"hub.example.org:443", "hub.example.org", 443},
        {"[::1]:8443", "::1", 8443},
        {"[::]:65535", "::", 65535},
        {"[fe80::1%eth0]:80", "fe80::1%eth0", 80},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char *host = NULL;
        int port = 0;
        if (!config_parse_listen(cases[i].in, &host, &port))
            fail_msg("\"%s\" refused", cases[i].in);
        assert_string_equal(host, cases[i].host);
        assert_int_equal(port, cases[i].port);
        free(host);
    }
}

static void
test_parse_listen_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",          "8443",      ":8443",
        "host:",     "host:0",    "host:65536",
        "host:-1",   "host:80x",  "host:99999999999999999999",
        "::1:8443",  "[::1]",     "[::1]:",
        "[::1]8443", "[::1:8443", "[]:8443",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        char *host = NULL;
        int port = -7;
        if (config_parse_listen(bad[i], &host, &port)) {
            fail_msg("\"%s\" accepted as host \"%s\" port %d", bad[i], host, port);
        }
        assert_null(host);
        assert_int_equal(port, -7);
    }
}

/* --- config_usage -------------------------------------------------------- */

static void
test_usage_lists_every_variable(void **state)
{
    (void)state;
    char *text = usage_text();
    for (size_t i = 0; i < ARRAY_LEN(all_vars); i++)
        if (strstr(text, all_vars[i]) == NULL)
            fail_msg("usage does not mention %s", all_vars[i]);
    /* and shows defaults */
    assert_non_null(strstr(text, "127.0.0.1:8443"));
    assert_non_null(strstr(text, "15s"));
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_defaults, setup),
        cmocka_unit_test_setup(test_reads_every_documented_variable, setup),
        cmocka_unit_test_setup(test_values_override_defaults, setup),
        cmocka_unit_test_setup(test_ipv6_listen, setup),
        cmocka_unit_test_setup(test_client_cert_modes, setup),
        cmocka_unit_test_setup(test_log_levels, setup),
        cmocka_unit_test_setup(test_workers_zero_means_per_core, setup),
        cmocka_unit_test_setup(test_range_limits_accepted, setup),
        cmocka_unit_test_setup(test_bad_values_name_the_variable, setup),
        cmocka_unit_test_setup(test_bad_value_after_good_ones_frees, setup),
        cmocka_unit_test_setup(test_error_message_truncated_to_buffer, setup),
        cmocka_unit_test(test_parse_size_ok),
        cmocka_unit_test(test_parse_size_bad),
        cmocka_unit_test(test_parse_size_largest),
        cmocka_unit_test(test_parse_duration_ok),
        cmocka_unit_test(test_parse_duration_bad),
        cmocka_unit_test(test_parse_listen_ok),
        cmocka_unit_test(test_parse_listen_bad),
        cmocka_unit_test(test_usage_lists_every_variable),
        cmocka_unit_test(test_rate_limit),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
