/* test_pseudonym.c: hub/pseudonym.h — the hub key read from
 * HUB_PSEUDONYM_KEY_FILE (64 hex characters, optional newline), re-keying a
 * partner's subject key as HMAC-SHA256(hub key, 32 subject bytes) checked
 * against OpenSSL's HMAC() and a vector made with `openssl dgst -mac HMAC`,
 * and forgetting the key. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../hub/pseudonym.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

#define KEY_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY_B "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee01"
#define SUBJECT_1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SUBJECT_2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdee"

/* printf '%s' SUBJECT_1 | xxd -r -p |
 *     openssl dgst -sha256 -mac HMAC -macopt hexkey:KEY_A */
#define VECTOR_A_1 "3c1f44b0017f8df566624bc377ccfef4b612512b26bce202a598c3dcc819d8fa"
/* the same over the 64 ASCII characters instead of the 32 bytes: wrong */
#define VECTOR_A_1_ASCII "ca7eb12f3689793fd47c65dcd0f01941299e641cc5db4f838f5c9f38e75c423b"

static char dir[] = "/tmp/test_pseudonym.XXXXXX";

static int
make_dir(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int
remove_dir(void **state)
{
    (void)state;
    pseudonym_forget();
    return rmdir(dir);
}

/* Writes len bytes of content to a key file; returns its path. */
static const char *
key_file(const char *content, size_t len)
{
    static char path[128];
    snprintf(path, sizeof(path), "%s/key", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* Loads content as the key; the answer, with err. */
static bool
load(const char *content, size_t len, char *err, size_t errlen)
{
    const char *path = key_file(content, len);
    bool ok = pseudonym_load(path, err, errlen);
    unlink(path);
    return ok;
}

static void
load_ok(const char *content)
{
    char err[256] = "";
    if (!load(content, strlen(content), err, sizeof(err)))
        fail_msg("key refused: %s", err);
}

static void
unhex(const char *hex, unsigned char *out, size_t n)
{
    assert_int_equal(strlen(hex), 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned int byte;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
        out[i] = (unsigned char)byte;
    }
}

/* HMAC-SHA256(key, subject bytes), hex, computed here. */
static void
expected(const char *key_hex, const char *subject_hex, char out[65])
{
    unsigned char key[32], subject[32], md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    unhex(key_hex, key, sizeof(key));
    unhex(subject_hex, subject, sizeof(subject));
    assert_non_null(HMAC(EVP_sha256(), key, sizeof(key), subject, sizeof(subject), md, &mdlen));
    assert_int_equal(mdlen, 32);
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void
rekey(const char *subject, char out[65])
{
    memset(out, 'Z', 65);
    pseudonym_rekey(subject, out);
    assert_int_equal(out[64], '\0');
}

static void
check_lower_hex(const char *s)
{
    assert_int_equal(strlen(s), 64);
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            fail_msg("%s is not 64 lower-case hex characters", s);
}

/* --- pseudonym_load ------------------------------------------------------ */

static void
test_load_accepted(void **state)
{
    (void)state;
    static const char *const good[] = {
        KEY_A "\n", KEY_A, KEY_A "\r\n",
        "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F\n", /* KEY_A upper */
    };
    char want[65], got[65];
    expected(KEY_A, SUBJECT_1, want);
    for (size_t i = 0; i < LEN(good); i++) {
        load_ok(good[i]);
        rekey(SUBJECT_1, got);
        if (strcmp(got, want) != 0)
            fail_msg("key file %zu: %s, want %s", i, got, want);
    }
}

static void
test_load_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1\n",   /* 63 */
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1",     /* 63 */
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0\n", /* 65 */
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g\n",  /* g */
        "g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
        "0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
        "000102030405060708090a0b0c0d0e0f 01112131415161718191a1b1c1d1e1f\n",
        " 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
        KEY_A " \n",
        KEY_A "\n" KEY_B "\n", /* two keys */
        KEY_A "\nx",
        ("\n" KEY_A), /* a blank line first */
        "000102030405060708090a0b0c0d0e0f\n01112131415161718191a1b1c1d1e1f", /* 64 bytes */
        "\n",
        "",
    };
    for (size_t i = 0; i < LEN(bad); i++) {
        char err[512] = "";
        if (load(bad[i], strlen(bad[i]), err, sizeof(err)))
            fail_msg("key file %zu accepted", i);
        if (strstr(err, "HUB_PSEUDONYM_KEY_FILE") == NULL || strstr(err, dir) == NULL)
            fail_msg("key file %zu: \"%s\" names neither the variable nor the file", i, err);
        /* the message never quotes the key */
        if (strstr(err, "0102030405") != NULL)
            fail_msg("key file %zu: \"%s\" repeats the key", i, err);
    }
    /* a NUL inside */
    char err[512] = "";
    static const char nul[] = "000102030405060708090a0b0c0d0e0f\0"
                              "01112131415161718191a1b1c1d1e1f\n";
    assert_false(load(nul, sizeof(nul) - 1, err, sizeof(err)));
    assert_non_null(strstr(err, "HUB_PSEUDONYM_KEY_FILE"));
}

/* The whole file is the key: content after blank lines is still content,
 * however far from the start it is. */
static void
test_load_refuses_trailing_content(void **state)
{
    (void)state;
    static const char *const bad[] = {
        KEY_A "\n\n\nx\n", KEY_A "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\nx\n", /* 79 bytes, then x */
        KEY_A "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n" KEY_B "\n",  /* another key */
    };
    size_t wrong = 0;
    for (size_t i = 0; i < LEN(bad); i++) {
        char err[512] = "";
        if (load(bad[i], strlen(bad[i]), err, sizeof(err))) {
            print_error("key file %zu (%zu bytes, content after byte 79) accepted\n", i,
                        strlen(bad[i]));
            wrong++;
        }
    }
    if (wrong > 0)
        fail_msg("%zu of %zu key files with trailing content accepted", wrong, LEN(bad));
}

static void
test_load_missing(void **state)
{
    (void)state;
    char path[160], err[512] = "";
    snprintf(path, sizeof(path), "%s/no-such-key", dir);
    assert_false(pseudonym_load(path, err, sizeof(err)));
    assert_non_null(strstr(err, "HUB_PSEUDONYM_KEY_FILE"));
    assert_non_null(strstr(err, path));
    /* a directory is not a key file either */
    err[0] = '\0';
    assert_false(pseudonym_load(dir, err, sizeof(err)));
    assert_non_null(strstr(err, "HUB_PSEUDONYM_KEY_FILE"));
}

static void
test_load_short_err(void **state)
{
    (void)state;
    char err[16];
    memset(err, 'Z', sizeof(err));
    assert_false(load("short\n", 6, err, 10));
    assert_int_equal(strlen(err), 9);
    assert_int_equal(err[10], 'Z');
}

/* --- pseudonym_rekey ----------------------------------------------------- */

static void
test_rekey_known_vector(void **state)
{
    (void)state;
    char got[65];
    load_ok(KEY_A "\n");
    rekey(SUBJECT_1, got);
    assert_string_equal(got, VECTOR_A_1);
    assert_string_not_equal(got, VECTOR_A_1_ASCII); /* the bytes, not the text */
}

static void
test_rekey_matches_hmac(void **state)
{
    (void)state;
    static const char *const keys[] = {
        KEY_A,
        KEY_B,
        "0000000000000000000000000000000000000000000000000000000000000000",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    };
    static const char *const subjects[] = {
        SUBJECT_1,
        SUBJECT_2,
        "0000000000000000000000000000000000000000000000000000000000000000",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4",
    };
    for (size_t k = 0; k < LEN(keys); k++) {
        char content[80];
        snprintf(content, sizeof(content), "%s\n", keys[k]);
        load_ok(content);
        for (size_t s = 0; s < LEN(subjects); s++) {
            char want[65], got[65];
            expected(keys[k], subjects[s], want);
            rekey(subjects[s], got);
            if (strcmp(got, want) != 0)
                fail_msg("key %zu subject %zu: %s, want %s", k, s, got, want);
            check_lower_hex(got);
        }
    }
}

static void
test_rekey_deterministic(void **state)
{
    (void)state;
    char a[65], b[65], c[65];
    load_ok(KEY_B "\n");
    rekey(SUBJECT_1, a);
    rekey(SUBJECT_2, c);
    rekey(SUBJECT_1, b);
    assert_string_equal(a, b);
    /* reloading the same key gives the same pseudonyms */
    load_ok(KEY_B);
    rekey(SUBJECT_1, b);
    assert_string_equal(a, b);
    check_lower_hex(a);
}

static void
test_rekey_differs(void **state)
{
    (void)state;
    char a1[65], a2[65], b1[65], b2[65];
    load_ok(KEY_A "\n");
    rekey(SUBJECT_1, a1);
    rekey(SUBJECT_2, a2); /* one bit apart */
    load_ok(KEY_B "\n");
    rekey(SUBJECT_1, b1);
    rekey(SUBJECT_2, b2);
    assert_string_not_equal(a1, a2);
    assert_string_not_equal(b1, b2);
    assert_string_not_equal(a1, b1);
    assert_string_not_equal(a2, b2);
    assert_string_not_equal(a1, b2);
    /* never the subject key itself */
    assert_string_not_equal(a1, SUBJECT_1);
    assert_string_not_equal(b1, SUBJECT_1);
}

/* The subject is hex: its case does not change the bytes. */
static void
test_rekey_subject_case(void **state)
{
    (void)state;
    char lower[65], upper[65];
    load_ok(KEY_A "\n");
    rekey("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", lower);
    rekey("0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF", upper);
    assert_string_equal(lower, upper);
    assert_string_equal(lower, VECTOR_A_1);
}

/* --- pseudonym_forget ---------------------------------------------------- */

/* After forget, the old key is not used: rekey either stops the process
 * (no key loaded) or gives something else; never the old pseudonym. */
static void
test_forget(void **state)
{
    (void)state;
    char before[65], after[65];
    load_ok(KEY_A "\n");
    rekey(SUBJECT_1, before);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDERR_FILENO);
        pseudonym_forget();
        char out[65] = "";
        pseudonym_rekey(SUBJECT_1, out);
        _exit(strcmp(out, before) == 0 ? 1 : 0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        fail_msg("the forgotten key still gave the old pseudonym");
    assert_true(WIFSIGNALED(status) || WIFEXITED(status));
    /* in this process the key is still loaded */
    rekey(SUBJECT_1, after);
    assert_string_equal(before, after);
    /* forgetting twice is harmless, and a key can be loaded again */
    pseudonym_forget();
    pseudonym_forget();
    load_ok(KEY_A "\n");
    rekey(SUBJECT_1, after);
    assert_string_equal(before, after);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_accepted),
        cmocka_unit_test(test_load_refused),
        cmocka_unit_test(test_load_refuses_trailing_content),
        cmocka_unit_test(test_load_missing),
        cmocka_unit_test(test_load_short_err),
        cmocka_unit_test(test_rekey_known_vector),
        cmocka_unit_test(test_rekey_matches_hmac),
        cmocka_unit_test(test_rekey_deterministic),
        cmocka_unit_test(test_rekey_differs),
        cmocka_unit_test(test_rekey_subject_case),
        cmocka_unit_test(test_forget),
    };
    return cmocka_run_group_tests_name("pseudonym", tests, make_dir, remove_dir);
}
