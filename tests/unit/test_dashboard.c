/* test_dashboard.c: hub/dashboard.h — which names are served, their media
 * types, If-None-Match, and what dashboard_load takes from a folder (made
 * here in a temp dir): hidden files, odd names, unknown types, symbolic
 * links and too deep folders are skipped; a folder without index.html, with
 * too many files or that does not exist stops start-up. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../hub/dashboard.h"

static void
test_media_types(void **state)
{
    (void)state;
    assert_string_equal(dashboard_media_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(dashboard_media_type("js/app.js"), "text/javascript; charset=utf-8");
    assert_string_equal(dashboard_media_type("a.mjs"), "text/javascript; charset=utf-8");
    assert_string_equal(dashboard_media_type("css/site.css"), "text/css; charset=utf-8");
    assert_string_equal(dashboard_media_type("logo.svg"), "image/svg+xml");
    assert_string_equal(dashboard_media_type("x.png"), "image/png");
    assert_string_equal(dashboard_media_type("LICENSE.txt"), "text/plain; charset=utf-8");
    const char *not_served[] = {"README",     "a.sh",       "key.pem",    "x.HTML", "x.js.bak",
                                "dir.js/sub", "archive",    "server.key", "a.",     "x.htm",
                                "y.php",      "hub.env",    "z.map~",     "cgi.pl", "a.exe",
                                "a.c",        "build.ninja"};
    for (size_t i = 0; i < sizeof(not_served) / sizeof(not_served[0]); i++)
        if (dashboard_media_type(not_served[i]) != NULL)
            fail_msg("%s has a media type", not_served[i]);
}

static void
test_path_ok(void **state)
{
    (void)state;
    const char *good[] = {"index.html", "js/app.js", "a/b/c/d.css", "chart.umd.min.js",
                          "A_b-1.txt"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (!dashboard_path_ok(good[i]))
            fail_msg("%s refused", good[i]);
    const char *bad[] = {
        "",           "../etc/passwd", "..",           ".git/config",  "js/../index.html",
        "js//app.js", "/etc/passwd",   "js/",          "%2e%2e/x",     "a%2fb",
        "a\\b",       "a b.html",      "a/b/c/d/e.js", "index.html\n", "\xc0\xae\xc0\xae/x",
        ".hidden.js", "js/.env",       "a;b.js",       "a?b",          "a:b"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (dashboard_path_ok(bad[i]))
            fail_msg("%s accepted", bad[i]);
}

static void
test_etag_matches(void **state)
{
    (void)state;
    const char *tag = "\"0123456789abcdef0123456789abcdef\"";
    assert_true(dashboard_etag_matches(tag, tag));
    assert_true(dashboard_etag_matches("*", tag));
    assert_true(dashboard_etag_matches("W/\"0123456789abcdef0123456789abcdef\"", tag));
    assert_true(dashboard_etag_matches("\"x\", \"0123456789abcdef0123456789abcdef\"", tag));
    assert_true(dashboard_etag_matches(" \"0123456789abcdef0123456789abcdef\" ,\"y\"", tag));
    assert_false(dashboard_etag_matches("", tag));
    assert_false(dashboard_etag_matches("\"x\"", tag));
    assert_false(dashboard_etag_matches("0123456789abcdef0123456789abcdef", tag)); /* unquoted */
    assert_false(dashboard_etag_matches("\"0123456789abcdef0123456789abcdee\"", tag));
    assert_false(dashboard_etag_matches("\"0123456789abcdef0123456789abcdef", tag));
    assert_false(dashboard_etag_matches("**", tag));
}

/* --- dashboard_load on a folder made here -------------------------------- */

static char root[64];

static void
put(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void
dir(const char *rel)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

static int
make_root(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/test_dashboard.XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int
remove_root(void **state)
{
    (void)state;
    dashboard_free();
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void
test_load_takes_only_servable_files(void **state)
{
    (void)state;
    char err[256] = "";
    put("index.html", "<!doctype html>");
    dir("js");
    put("js/app.js", "export {};");
    dir("js/lib");
    dir("js/lib/deep");
    put("js/lib/deep/x.js", "1");
    dir("js/lib/deep/deeper");
    put("js/lib/deep/deeper/too-deep.js", "1"); /* a fifth segment: never servable */
    put(".env", "HUB_TOKEN=x");
    put("notes.md", "#");
    put("a b.html", "x");
    dir(".git");
    put(".git/config", "x");
    char link[256];
    snprintf(link, sizeof(link), "%s/passwd.txt", root);
    assert_int_equal(symlink("/etc/passwd", link), 0);
    assert_true(dashboard_load(root, err, sizeof(err)));
    assert_int_equal(dashboard_files(), 3); /* index.html, js/app.js, js/lib/deep/x.js */
}

static void
test_load_refuses_bad_folders(void **state)
{
    (void)state;
    char err[256] = "";
    assert_true(dashboard_load("", err, sizeof(err)));
    assert_int_equal(dashboard_files(), 0);

    assert_false(dashboard_load("/nonexistent/dashboard", err, sizeof(err)));
    assert_non_null(strstr(err, "HUB_DASHBOARD_DIR"));
    assert_int_equal(dashboard_files(), 0);

    char sub[128];
    snprintf(sub, sizeof(sub), "%s/noindex", root);
    assert_int_equal(mkdir(sub, 0755), 0);
    put("noindex/app.js", "1");
    assert_false(dashboard_load(sub, err, sizeof(err)));
    assert_non_null(strstr(err, "no index.html"));

    snprintf(sub, sizeof(sub), "%s/many", root);
    assert_int_equal(mkdir(sub, 0755), 0);
    put("many/index.html", "x");
    for (int i = 0; i < DASHBOARD_MAX_FILES; i++) {
        char rel[64];
        snprintf(rel, sizeof(rel), "many/f%03d.js", i);
        put(rel, "1");
    }
    assert_false(dashboard_load(sub, err, sizeof(err)));
    assert_non_null(strstr(err, "more than 256 files"));
    assert_int_equal(dashboard_files(), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_media_types),
        cmocka_unit_test(test_path_ok),
        cmocka_unit_test(test_etag_matches),
        cmocka_unit_test_setup_teardown(test_load_takes_only_servable_files, make_root,
                                        remove_root),
        cmocka_unit_test_setup_teardown(test_load_refuses_bad_folders, make_root, remove_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
