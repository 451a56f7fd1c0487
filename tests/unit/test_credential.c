/* test_credential.c: hub/credential.h — token shape and hashing, the
 * Authorization header, client certificates made in memory, and the role
 * list in both directions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hub/credential.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* A valid token body: 43 base64url characters. */
#define BODY43 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_x"

static bool
is_lower_hex(const char *s, size_t len)
{
    if (strlen(s) != len)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

/* --- token_generate ------------------------------------------------------ */

static void
test_generate_shape(void **state)
{
    (void)state;
    for (int i = 0; i < 200; i++) {
        char t[TOKEN_LEN + 1];
        memset(t, '*', sizeof(t));
        token_generate(t);
        assert_int_equal(strlen(t), 47);
        assert_memory_equal(t, "hub_", 4);
        for (size_t j = 4; j < 47; j++)
            if (strchr(b64url, t[j]) == NULL)
                fail_msg("%s: character %zu is not base64url", t, j);
        /* 43 characters carry 258 bits: the last one's 2 spare bits are 0 */
        size_t last = (size_t)(strchr(b64url, t[46]) - b64url);
        if (last % 4 != 0)
            fail_msg("%s: last character is not canonical base64url", t);
        if (!token_well_formed(t))
            fail_msg("%s: generated but not well formed", t);
    }
}

static void
test_generate_differs(void **state)
{
    (void)state;
    enum { N = 100 };
    static char t[N][TOKEN_LEN + 1];
    for (int i = 0; i < N; i++) {
        token_generate(t[i]);
        for (int j = 0; j < i; j++)
            if (strcmp(t[i], t[j]) == 0)
                fail_msg("token %d repeats token %d: %s", i, j, t[i]);
    }
}

static void
test_generate_uses_whole_alphabet(void **state)
{
    (void)state;
    /* Over 200 tokens each of positions 0..41 should take ~61 of its 64
     * values and the last ~16 of its 16; fewer than 3/4 of them by chance is
     * vanishingly unlikely, but a stuck bit halves the count. */
    static bool seen[43][64];
    memset(seen, 0, sizeof(seen));
    for (int i = 0; i < 200; i++) {
        char t[TOKEN_LEN + 1];
        token_generate(t);
        for (size_t j = 0; j < 43; j++) {
            const char *c = strchr(b64url, t[4 + j]);
            assert_non_null(c);
            seen[j][c - b64url] = true;
        }
    }
    bool any[64] = {false};
    for (size_t j = 0; j < 43; j++) {
        size_t distinct = 0;
        for (size_t k = 0; k < 64; k++) {
            distinct += seen[j][k];
            any[k] = any[k] || seen[j][k];
        }
        size_t least = j < 42 ? 48 : 12;
        if (distinct < least)
            fail_msg("position %zu: only %zu distinct characters", j, distinct);
    }
    for (size_t k = 0; k < 64; k++)
        if (!any[k])
            fail_msg("'%c' never appeared", b64url[k]);
}

/* --- token_well_formed --------------------------------------------------- */

static void
test_well_formed_accepts(void **state)
{
    (void)state;
    assert_int_equal(strlen("hub_" BODY43), TOKEN_LEN);
    assert_true(token_well_formed("hub_" BODY43));
    char t[TOKEN_LEN + 1] = "hub_";
    memset(t + 4, '-', 43);
    t[TOKEN_LEN] = '\0';
    assert_true(token_well_formed(t));
    memset(t + 4, '_', 43);
    assert_true(token_well_formed(t));
    memset(t + 4, '9', 43);
    assert_true(token_well_formed(t));
}

static void
test_well_formed_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "hub_",
        "hab_" BODY43,
        "HUB_" BODY43,
        "hub-" BODY43,
        "bub_" BODY43,
        "_hub" BODY43,
        "hub_" BODY43 "A",                                    /* 48 */
        "hub_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_",     /* 46 */
        "hub_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_+",    /* + */
        "hub_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123/_x",    /* / */
        "hub_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_=",    /* = */
        "hub_abcdefghij lmnopqrstuvwxyzABCDEFGHIJ0123-_x",    /* space */
        "hub_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_ ",    /* trailing space */
        " hub_bcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_x",    /* leading space */
        "hub_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_.",    /* . */
        "hub_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_\xc3", /* high byte */
    };
    for (size_t i = 0; i < LEN(bad); i++)
        if (token_well_formed(bad[i]))
            fail_msg("accepted \"%s\"", bad[i]);
}

/* --- token_hash_hex ------------------------------------------------------ */

static void
test_hash_known(void **state)
{
    (void)state;
    static const struct {
        const char *in, *sha256;
    } cases[] = {
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        char out[HEX_SHA256_LEN + 1];
        memset(out, '*', sizeof(out));
        token_hash_hex(cases[i].in, out);
        assert_true(is_lower_hex(out, 64));
        assert_string_equal(out, cases[i].sha256);
    }
}

static void
test_hash_of_token(void **state)
{
    (void)state;
    char t[TOKEN_LEN + 1], h1[HEX_SHA256_LEN + 1], h2[HEX_SHA256_LEN + 1];
    token_generate(t);
    token_hash_hex(t, h1);
    token_hash_hex(t, h2);
    assert_true(is_lower_hex(h1, 64));
    assert_string_equal(h1, h2);
    /* independently */
    unsigned char md[32];
    unsigned int n = 0;
    assert_int_equal(EVP_Digest(t, strlen(t), md, &n, EVP_sha256(), NULL), 1);
    assert_int_equal(n, 32);
    char want[65];
    for (size_t i = 0; i < 32; i++)
        snprintf(want + 2 * i, 3, "%02x", md[i]);
    assert_string_equal(h1, want);
}

/* --- auth_bearer --------------------------------------------------------- */

static void
test_bearer(void **state)
{
    (void)state;
    static const struct {
        const char *header, *token; /* token NULL: refused */
    } cases[] = {
        {"Bearer x", "x"},     {"bearer x", "x"},
        {"BEARER x", "x"},     {"BeArEr x", "x"},
        {"Bearer    x", "x"},  {"Bearer hub_" BODY43, "hub_" BODY43},
        {"Basic x", NULL},     {"Basic dXNlcjpwYXNz", NULL},
        {"Bearer", NULL},      {"Bearer ", NULL},
        {"Bearer     ", NULL}, {"Bearerx", NULL},
        {"Bear x", NULL},      {"", NULL},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        const char *got = auth_bearer(cases[i].header);
        if (cases[i].token == NULL && got != NULL)
            fail_msg("\"%s\": got \"%s\", want NULL", cases[i].header, got);
        if (cases[i].token != NULL && (got == NULL || strcmp(got, cases[i].token) != 0))
            fail_msg("\"%s\": got \"%s\", want \"%s\"", cases[i].header, got ? got : "(null)",
                     cases[i].token);
    }
    assert_null(auth_bearer(NULL));
}

/* --- certificates -------------------------------------------------------- */

static X509 *
make_cert(EVP_PKEY **key)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_non_null(k);
    X509 *x = X509_new();
    assert_non_null(x);
    assert_int_equal(X509_set_version(x, 2), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 4242), 1);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
    X509_NAME *name = X509_get_subject_name(x);
    assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                                (const unsigned char *)"test-partner", -1, -1, 0),
                     1);
    assert_int_equal(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                                (const unsigned char *)"Hub", -1, -1, 0),
                     1);
    assert_int_equal(X509_set_issuer_name(x, name), 1);
    assert_int_equal(X509_set_pubkey(x, k), 1);
    assert_true(X509_sign(x, k, EVP_sha256()) > 0);
    *key = k;
    return x;
}

static void
test_cert_fingerprint(void **state)
{
    (void)state;
    EVP_PKEY *k;
    X509 *x = make_cert(&k);

    unsigned char *der = NULL;
    int len = i2d_X509(x, &der);
    assert_true(len > 0);
    unsigned char md[32];
    unsigned int n = 0;
    assert_int_equal(EVP_Digest(der, (size_t)len, md, &n, EVP_sha256(), NULL), 1);
    OPENSSL_free(der);
    char want[65];
    for (size_t i = 0; i < 32; i++)
        snprintf(want + 2 * i, 3, "%02x", md[i]);

    char out[HEX_SHA256_LEN + 1];
    memset(out, '*', sizeof(out));
    assert_true(cert_fingerprint(x, out));
    assert_true(is_lower_hex(out, 64));
    assert_string_equal(out, want);

    /* a different certificate, a different fingerprint */
    EVP_PKEY *k2;
    X509 *x2 = make_cert(&k2);
    char out2[HEX_SHA256_LEN + 1];
    assert_true(cert_fingerprint(x2, out2));
    assert_string_not_equal(out, out2);

    X509_free(x2);
    EVP_PKEY_free(k2);
    X509_free(x);
    EVP_PKEY_free(k);
}

static void
test_cert_subject(void **state)
{
    (void)state;
    EVP_PKEY *k;
    X509 *x = make_cert(&k);
    char out[256];
    memset(out, '*', sizeof(out));
    assert_true(cert_subject(x, out, sizeof(out)));
    assert_non_null(strstr(out, "CN=test-partner"));
    /* RFC 2253 lists the most significant RDN last: reverse of the DER */
    assert_string_equal(out, "O=Hub,CN=test-partner");
    X509_free(x);
    EVP_PKEY_free(k);
}

static void
test_cert_subject_small_buffer(void **state)
{
    (void)state;
    EVP_PKEY *k;
    X509 *x = make_cert(&k);
    const size_t want = strlen("O=Hub,CN=test-partner");
    static const size_t sizes[] = {1, 2, 5, 10, 21};
    assert_int_equal(sizes[LEN(sizes) - 1], want);
    for (size_t i = 0; i < LEN(sizes); i++) {
        char out[64];
        memset(out, '*', sizeof(out));
        if (cert_subject(x, out, sizes[i]))
            fail_msg("size %zu: accepted \"%.*s\"", sizes[i], (int)sizes[i], out);
        /* and nothing written past the buffer */
        for (size_t j = sizes[i]; j < sizeof(out); j++)
            if (out[j] != '*')
                fail_msg("size %zu: byte %zu written", sizes[i], j);
    }
    X509_free(x);
    EVP_PKEY_free(k);
}

/* --- roles --------------------------------------------------------------- */

static void
test_roles_parse_ok(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned roles;
    } cases[] = {
        {"submit", ROLE_SUBMIT},
        {"read", ROLE_READ},
        {"coordinate", ROLE_COORDINATE},
        {"submit,read", ROLE_SUBMIT | ROLE_READ},
        {"read,submit", ROLE_SUBMIT | ROLE_READ},
        {"{submit,read}", ROLE_SUBMIT | ROLE_READ},
        {"{submit}", ROLE_SUBMIT},
        {"read,coordinate", ROLE_READ | ROLE_COORDINATE},
        {"submit,read,coordinate", ROLES_PARTNER},
        {"{coordinate,read,submit}", ROLES_PARTNER},
        {"public", ROLE_PUBLIC},
        {"{public}", ROLE_PUBLIC},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        unsigned got = 0xdead;
        if (!roles_parse(cases[i].text, &got))
            fail_msg("\"%s\" refused", cases[i].text);
        if (got != cases[i].roles)
            fail_msg("\"%s\": %#x, want %#x", cases[i].text, got, cases[i].roles);
    }
}

static void
test_roles_parse_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "{}",
        "{",
        "}",
        "admin",
        "submit,",
        ",submit",
        "submit,,read",
        ",",
        "{submit,}",
        "{,submit}",
        "public,read",
        "submit,public",
        "{read,public}",
        "SUBMIT",
        "Submit",
        "submit ",
        " submit",
        "submit, read",
        "{submit",
        "submit}",
        "{{submit}}",
        "{reads",
        "xread}",
        "submitread",
        "sub",
        "submits",
    };
    for (size_t i = 0; i < LEN(bad); i++) {
        unsigned got = 0;
        if (roles_parse(bad[i], &got))
            fail_msg("\"%s\" accepted as %#x", bad[i], got);
    }
}

static void
test_roles_format_exact(void **state)
{
    (void)state;
    static const struct {
        unsigned roles;
        const char *text;
    } cases[] = {
        {0, ""},
        {ROLE_SUBMIT, "submit"},
        {ROLE_SUBMIT | ROLE_READ, "submit,read"},
        {ROLE_READ | ROLE_COORDINATE, "read,coordinate"},
        {ROLES_PARTNER, "submit,read,coordinate"},
        {ROLE_PUBLIC, "public"},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        char buf[64];
        memset(buf, '*', sizeof(buf));
        roles_format(cases[i].roles, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].text);
    }
}

static void
test_roles_round_trip(void **state)
{
    (void)state;
    unsigned all[9];
    size_t n = 0;
    for (unsigned r = 1; r <= ROLES_PARTNER; r++)
        all[n++] = r;
    all[n++] = ROLE_PUBLIC;
    for (size_t i = 0; i < n; i++) {
        char buf[64], braced[70];
        roles_format(all[i], buf, sizeof(buf));
        unsigned got = 0;
        if (!roles_parse(buf, &got) || got != all[i])
            fail_msg("%#x -> \"%s\" -> %#x", all[i], buf, got);
        snprintf(braced, sizeof(braced), "{%s}", buf);
        got = 0;
        if (!roles_parse(braced, &got) || got != all[i])
            fail_msg("%#x -> \"%s\" -> %#x", all[i], braced, got);
    }
}

/* Is s made only of whole role names joined by commas (or empty)? */
static bool
whole_names(const char *s)
{
    static const char *const names[] = {"submit", "read", "coordinate", "public"};
    while (*s) {
        size_t len = strcspn(s, ",");
        bool known = false;
        for (size_t i = 0; i < LEN(names); i++)
            known = known || (strlen(names[i]) == len && strncmp(s, names[i], len) == 0);
        if (!known)
            return false;
        s += len;
        if (*s == ',' && *++s == '\0')
            return false;
    }
    return true;
}

static void
test_roles_format_small_buffer(void **state)
{
    (void)state;
    static const unsigned combos[] = {ROLE_SUBMIT, ROLE_SUBMIT | ROLE_READ,
                                      ROLE_READ | ROLE_COORDINATE, ROLES_PARTNER, ROLE_PUBLIC};
    for (size_t c = 0; c < LEN(combos); c++) {
        char full[64];
        roles_format(combos[c], full, sizeof(full));
        size_t flen = strlen(full);
        for (size_t len = 1; len <= flen + 1; len++) {
            char buf[64];
            memset(buf, '*', sizeof(buf));
            roles_format(combos[c], buf, len);
            size_t got = strnlen(buf, len);
            if (got == len)
                fail_msg("%#x in %zu bytes: not terminated", combos[c], len);
            for (size_t j = len; j < sizeof(buf); j++)
                if (buf[j] != '*')
                    fail_msg("%#x in %zu bytes: byte %zu written", combos[c], len, j);
            if (strncmp(buf, full, got) != 0 || !whole_names(buf))
                fail_msg("%#x in %zu bytes: \"%s\" (full \"%s\")", combos[c], len, buf, full);
            /* the longest whole-name prefix that fits */
            size_t best = 0;
            for (size_t k = 1; k <= flen && k < len; k++)
                if (full[k] == ',' || full[k] == '\0')
                    best = k;
            if (len > flen)
                best = flen;
            if (got != best)
                fail_msg("%#x in %zu bytes: \"%s\", want %zu characters", combos[c], len, buf,
                         best);
        }
    }
    /* a zero-length buffer is left alone */
    char b = '*';
    roles_format(ROLES_PARTNER, &b, 0);
    assert_int_equal(b, '*');
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_shape),
        cmocka_unit_test(test_generate_differs),
        cmocka_unit_test(test_generate_uses_whole_alphabet),
        cmocka_unit_test(test_well_formed_accepts),
        cmocka_unit_test(test_well_formed_rejects),
        cmocka_unit_test(test_hash_known),
        cmocka_unit_test(test_hash_of_token),
        cmocka_unit_test(test_bearer),
        cmocka_unit_test(test_cert_fingerprint),
        cmocka_unit_test(test_cert_subject),
        cmocka_unit_test(test_cert_subject_small_buffer),
        cmocka_unit_test(test_roles_parse_ok),
        cmocka_unit_test(test_roles_parse_refused),
        cmocka_unit_test(test_roles_format_exact),
        cmocka_unit_test(test_roles_round_trip),
        cmocka_unit_test(test_roles_format_small_buffer),
    };
    return cmocka_run_group_tests_name("credential", tests, NULL, NULL);
}
