/* test_migration.c: hub/migration.h — file names, scanning a directory,
 * checksums, and the plan against what was applied. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../hub/migration.h"

#define SHA256_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA256_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* --- temporary directories ----------------------------------------------- */

/* Each test that needs one gets a fresh directory, removed by teardown. */
static char tmpdir[64];

static int
dir_setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/hub_test_migration.XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

/* Removes the directory and everything in it (one level of subdirectories,
 * which is all the tests make). */
static int
remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            rc |= remove_tree(path);
        else
            rc |= unlink(path);
    }
    closedir(d);
    return rc | rmdir(dir);
}

static int
dir_teardown(void **state)
{
    (void)state;
    return remove_tree(tmpdir) == 0 ? 0 : -1;
}

static void
write_bytes(const char *name, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void
write_text(const char *name, const char *text)
{
    write_bytes(name, text, strlen(text));
}

/* --- migration_parse_name ------------------------------------------------ */

static void
test_parse_name_accepts(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int version;
    } ok[] = {
        {"001_init.sql", 1},
        {"000_a.sql", 0},
        {"999_z.sql", 999},
        {"010_eight_not_octal.sql", 10},
        {"042_add_reports_2.sql", 42},
        {"123_0.sql", 123},
        {"007___.sql", 7},
    };
    for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
        int v = -1;
        if (!migration_parse_name(ok[i].name, &v))
            fail_msg("\"%s\" refused", ok[i].name);
        assert_int_equal(v, ok[i].version);
    }
}

static void
test_parse_name_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "01_x.sql",
        "001-init.sql",
        "001_Init.sql",
        "001_init.SQL",
        "001_.sql",
        "abc_init.sql",
        "0001_init.sql",
        "001init.sql",
        "001_init",
        "001_init.sql~",
        "001_init.sql.bak",
        "001_in-it.sql",
        "001_in it.sql",
        "001_init..sql",
        "001_init.psql",
        ".001_init.sql",
        " 001_init.sql",
        "-01_init.sql",
        "1e2_init.sql",
        "00a_init.sql",
        "001_init.sq",
        "",
        ".sql",
        "README.md",
        "001_ñ.sql",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        int v = -1;
        if (migration_parse_name(bad[i], &v))
            fail_msg("\"%s\" accepted as version %d", bad[i], v);
    }
}

static void
test_parse_name_length_limit(void **state)
{
    (void)state;
    /* The name must fit migration_t.name with its terminator. */
    char name[MIGRATION_NAME_MAX + 8];
    int v = -1;
    memset(name, 'a', sizeof(name));
    memcpy(name, "005_", 4);
    memcpy(name + MIGRATION_NAME_MAX - 1 - 4, ".sql", 5); /* strlen == MAX - 1 */
    assert_int_equal(strlen(name), MIGRATION_NAME_MAX - 1);
    assert_true(migration_parse_name(name, &v));
    assert_int_equal(v, 5);

    memset(name, 'a', sizeof(name));
    memcpy(name, "005_", 4);
    memcpy(name + MIGRATION_NAME_MAX - 4, ".sql", 5); /* strlen == MAX */
    assert_int_equal(strlen(name), MIGRATION_NAME_MAX);
    assert_false(migration_parse_name(name, &v));
}

/* --- sha256_hex ---------------------------------------------------------- */

static void
test_sha256_known_values(void **state)
{
    (void)state;
    char hex[65];
    sha256_hex("abc", 3, hex);
    assert_string_equal(hex, SHA256_ABC);
    sha256_hex("", 0, hex);
    assert_string_equal(hex, SHA256_EMPTY);
    sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* --- migration_scan ------------------------------------------------------ */

static void
test_scan_orders_by_version(void **state)
{
    (void)state;
    /* created out of order, so directory order is no help */
    write_text("003_third.sql", "create table c ();\n");
    write_text("001_first.sql", "create table a ();\n");
    write_text("010_tenth.sql", "create table j ();\n");
    write_text("002_second.sql", "create table b ();\n");

    migration_t *m = NULL;
    size_t n = 0;
    char err[256] = "";
    if (!migration_scan(tmpdir, &m, &n, err, sizeof(err)))
        fail_msg("scan failed: %s", err);
    assert_int_equal(n, 4);
    static const struct {
        int version;
        const char *name, *sql;
    } want[] = {
        {1, "001_first.sql", "create table a ();\n"},
        {2, "002_second.sql", "create table b ();\n"},
        {3, "003_third.sql", "create table c ();\n"},
        {10, "010_tenth.sql", "create table j ();\n"},
    };
    for (size_t i = 0; i < n; i++) {
        char hex[65];
        assert_int_equal(m[i].version, want[i].version);
        assert_string_equal(m[i].name, want[i].name);
        assert_non_null(m[i].sql);
        assert_string_equal(m[i].sql, want[i].sql);
        sha256_hex(want[i].sql, strlen(want[i].sql), hex);
        assert_string_equal(m[i].checksum, hex);
    }
    migration_free(m, n);
}

static void
test_scan_ignores_other_files(void **state)
{
    (void)state;
    char sub[128];
    write_text("README.md", "not a migration");
    write_text("01_short.sql", "select 1;");
    write_text("001-dash.sql", "select 1;");
    write_text("001_Upper.sql", "select 1;");
    write_text("002_init.SQL", "select 1;");
    write_text("002_init.sql~", "select 1;");
    write_text(".003_hidden.sql", "select 1;");
    write_text("004_real.sql", "select 4;");
    snprintf(sub, sizeof(sub), "%s/old", tmpdir);
    assert_int_equal(mkdir(sub, 0700), 0);

    migration_t *m = NULL;
    size_t n = 0;
    char err[256] = "";
    if (!migration_scan(tmpdir, &m, &n, err, sizeof(err)))
        fail_msg("scan failed: %s", err);
    assert_int_equal(n, 1);
    assert_int_equal(m[0].version, 4);
    assert_string_equal(m[0].name, "004_real.sql");
    assert_string_equal(m[0].sql, "select 4;");
    migration_free(m, n);
}

static void
test_scan_checksum_is_sha256_of_content(void **state)
{
    (void)state;
    static const char binary[] = {'a', '\0', 'b', '\n'}; /* a NUL must not end it */
    char hex[65];
    write_text("001_abc.sql", "abc");
    write_bytes("002_nul.sql", binary, sizeof(binary));
    write_text("003_empty.sql", "");

    migration_t *m = NULL;
    size_t n = 0;
    char err[256] = "";
    if (!migration_scan(tmpdir, &m, &n, err, sizeof(err)))
        fail_msg("scan failed: %s", err);
    assert_int_equal(n, 3);
    assert_string_equal(m[0].checksum, SHA256_ABC);
    sha256_hex(binary, sizeof(binary), hex);
    assert_string_equal(m[1].checksum, hex);
    assert_memory_equal(m[1].sql, binary, sizeof(binary));
    assert_string_equal(m[2].checksum, SHA256_EMPTY);
    assert_string_equal(m[2].sql, "");
    migration_free(m, n);
}

static void
test_scan_refuses_duplicate_version(void **state)
{
    (void)state;
    write_text("001_init.sql", "select 1;");
    write_text("002_users.sql", "select 2;");
    write_text("002_reports.sql", "select 2;");
    write_text("003_more.sql", "select 3;");

    migration_t *m = NULL;
    size_t n = 0;
    char err[256] = "";
    assert_false(migration_scan(tmpdir, &m, &n, err, sizeof(err)));
    if (strstr(err, "002_users.sql") == NULL || strstr(err, "002_reports.sql") == NULL)
        fail_msg("message does not name both files: \"%s\"", err);
}

static void
test_scan_empty_directory(void **state)
{
    (void)state;
    migration_t *m = NULL;
    size_t n = 99;
    char err[256] = "";
    if (!migration_scan(tmpdir, &m, &n, err, sizeof(err)))
        fail_msg("scan of an empty directory failed: %s", err);
    assert_int_equal(n, 0);
    migration_free(m, n);
}

static void
test_scan_missing_directory(void **state)
{
    (void)state;
    char missing[128];
    migration_t *m = NULL;
    size_t n = 0;
    char err[256] = "";
    snprintf(missing, sizeof(missing), "%s/nowhere", tmpdir);
    assert_false(migration_scan(missing, &m, &n, err, sizeof(err)));
    if (strstr(err, "nowhere") == NULL)
        fail_msg("message does not name the directory: \"%s\"", err);
}

/* --- migration_plan ------------------------------------------------------ */

/* Files 001..004 with distinct contents, as migration_scan would give. */
#define NFILES 4
static migration_t files[NFILES];

static int
files_setup(void **state)
{
    (void)state;
    static const char *const names[NFILES] = {"001_init.sql", "002_users.sql", "003_reports.sql",
                                              "004_stats.sql"};
    memset(files, 0, sizeof(files));
    for (int i = 0; i < NFILES; i++) {
        char body[32];
        snprintf(body, sizeof(body), "select %d;", i + 1);
        files[i].version = i + 1;
        snprintf(files[i].name, sizeof(files[i].name), "%s", names[i]);
        sha256_hex(body, strlen(body), files[i].checksum);
        files[i].sql = NULL; /* the plan never needs the text */
    }
    return 0;
}

static applied_migration_t
applied_as_file(int index)
{
    applied_migration_t a;
    a.version = files[index].version;
    memcpy(a.checksum, files[index].checksum, sizeof(a.checksum));
    return a;
}

static void
test_plan_nothing_applied(void **state)
{
    (void)state;
    size_t first = 99;
    char err[256] = "";
    if (!migration_plan(files, NFILES, NULL, 0, &first, err, sizeof(err)))
        fail_msg("plan failed: %s", err);
    assert_int_equal(first, 0);
}

static void
test_plan_all_applied(void **state)
{
    (void)state;
    applied_migration_t applied[NFILES];
    for (int i = 0; i < NFILES; i++)
        applied[i] = applied_as_file(i);
    size_t first = 99;
    char err[256] = "";
    if (!migration_plan(files, NFILES, applied, NFILES, &first, err, sizeof(err)))
        fail_msg("plan failed: %s", err);
    assert_int_equal(first, NFILES);
}

static void
test_plan_some_applied(void **state)
{
    (void)state;
    applied_migration_t applied[2] = {applied_as_file(0), applied_as_file(1)};
    size_t first = 99;
    char err[256] = "";
    if (!migration_plan(files, NFILES, applied, 2, &first, err, sizeof(err)))
        fail_msg("plan failed: %s", err);
    assert_int_equal(first, 2);
}

static void
test_plan_applied_in_any_order(void **state)
{
    (void)state;
    applied_migration_t applied[3] = {applied_as_file(2), applied_as_file(0), applied_as_file(1)};
    size_t first = 99;
    char err[256] = "";
    if (!migration_plan(files, NFILES, applied, 3, &first, err, sizeof(err)))
        fail_msg("plan failed: %s", err);
    assert_int_equal(first, 3);
}

static void
test_plan_no_files(void **state)
{
    (void)state;
    size_t first = 99;
    char err[256] = "";
    assert_true(migration_plan(files, 0, NULL, 0, &first, err, sizeof(err)));
    assert_int_equal(first, 0);
}

static void
test_plan_refuses_changed_file(void **state)
{
    (void)state;
    applied_migration_t applied[3] = {applied_as_file(0), applied_as_file(1), applied_as_file(2)};
    static const char old[] = "select 2; -- as it was";
    sha256_hex(old, strlen(old), applied[1].checksum);
    size_t first = 99;
    char err[256] = "";
    assert_false(migration_plan(files, NFILES, applied, 3, &first, err, sizeof(err)));
    if (strstr(err, "002_users.sql") == NULL)
        fail_msg("message does not name the changed file: \"%s\"", err);
}

static void
test_plan_refuses_applied_without_file(void **state)
{
    (void)state;
    /* 005 is recorded as applied but there is no 005_*.sql */
    applied_migration_t applied[2] = {applied_as_file(0), applied_as_file(1)};
    applied[1].version = 5;
    size_t first = 99;
    char err[256] = "";
    assert_false(migration_plan(files, NFILES, applied, 2, &first, err, sizeof(err)));
    if (strstr(err, "005") == NULL)
        fail_msg("message does not name the version: \"%s\"", err);
}

static void
test_plan_refuses_new_file_older_than_applied(void **state)
{
    (void)state;
    /* 001 and 003 applied; 002 appeared later and would run out of order */
    applied_migration_t applied[2] = {applied_as_file(2), applied_as_file(0)};
    size_t first = 99;
    char err[256] = "";
    assert_false(migration_plan(files, NFILES, applied, 2, &first, err, sizeof(err)));
    if (strstr(err, "002_users.sql") == NULL)
        fail_msg("message does not name the out-of-order file: \"%s\"", err);
}

/* --- scan and plan together ---------------------------------------------- */

static void
test_scan_then_plan(void **state)
{
    (void)state;
    write_text("001_init.sql", "abc");
    write_text("002_next.sql", "select 2;");
    applied_migration_t applied = {.version = 1, .checksum = SHA256_ABC};

    migration_t *m = NULL;
    size_t n = 0, first = 99;
    char err[256] = "";
    if (!migration_scan(tmpdir, &m, &n, err, sizeof(err)))
        fail_msg("scan failed: %s", err);
    bool ok = migration_plan(m, n, &applied, 1, &first, err, sizeof(err));
    migration_free(m, n);
    if (!ok)
        fail_msg("plan failed: %s", err);
    assert_int_equal(first, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_name_accepts),
        cmocka_unit_test(test_parse_name_rejects),
        cmocka_unit_test(test_parse_name_length_limit),
        cmocka_unit_test(test_sha256_known_values),
        cmocka_unit_test_setup_teardown(test_scan_orders_by_version, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_scan_ignores_other_files, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_scan_checksum_is_sha256_of_content, dir_setup,
                                        dir_teardown),
        cmocka_unit_test_setup_teardown(test_scan_refuses_duplicate_version, dir_setup,
                                        dir_teardown),
        cmocka_unit_test_setup_teardown(test_scan_empty_directory, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_scan_missing_directory, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(test_scan_then_plan, dir_setup, dir_teardown),
        cmocka_unit_test_setup(test_plan_nothing_applied, files_setup),
        cmocka_unit_test_setup(test_plan_all_applied, files_setup),
        cmocka_unit_test_setup(test_plan_some_applied, files_setup),
        cmocka_unit_test_setup(test_plan_applied_in_any_order, files_setup),
        cmocka_unit_test_setup(test_plan_no_files, files_setup),
        cmocka_unit_test_setup(test_plan_refuses_changed_file, files_setup),
        cmocka_unit_test_setup(test_plan_refuses_applied_without_file, files_setup),
        cmocka_unit_test_setup(test_plan_refuses_new_file_older_than_applied, files_setup),
    };
    return cmocka_run_group_tests_name("migration", tests, NULL, NULL);
}
