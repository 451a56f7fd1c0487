/* test_identity.c: clients/hubctl/identity.h and postcode.h — anonymisation
 * at source: the normalisation of each kind of identity value, the subject
 * key against values computed with
 *   printf '…' | openssl dgst -sha256 -hmac KEY
 * the column list and the link key's checks; postcodes normalised, and the
 * ONS Postcode Directory lookup read from memory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../clients/hubctl/identity.h"
#include "../../clients/hubctl/postcode.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* 64 hex characters, used as the key's text, as openssl -hmac does. */
#define KEY "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* --- normalisation ------------------------------------------------------- */

typedef struct {
    identity_kind_t kind;
    const char *in, *want; /* want NULL: invalid */
} norm_case_t;

static const norm_case_t norm_cases[] = {
    {IDENTITY_TEXT, "John Smith", "JOHN SMITH"},
    {IDENTITY_TEXT, "  john   smith  ", "JOHN SMITH"},
    {IDENTITY_TEXT, "\tjohn\t\tsmith\r\n", "JOHN SMITH"},
    {IDENTITY_TEXT, "john\xC2\xA0smith", "JOHN SMITH"}, /* a no-break space */
    {IDENTITY_TEXT, "o'brien-jones", "O'BRIEN-JONES"},  /* punctuation is kept */
    {IDENTITY_TEXT, "josé ångström", "JOSÉ ÅNGSTRÖM"},  /* Latin-1 letters upper-cased */
    {IDENTITY_TEXT, "þór ÷ ÿ", "ÞÓR ÷ ÿ"}, /* but not ÷, nor ÿ (U+0178 is not Latin-1) */
    {IDENTITY_TEXT, "łukasz", "łUKASZ"},   /* beyond Latin-1: ł as given */
    {IDENTITY_TEXT,
     "a\x1f"
     "b",
     "A B"}, /* the separator cannot survive */
    {IDENTITY_TEXT, "", ""},
    {IDENTITY_TEXT, "   ", ""},
    {IDENTITY_DATE, "1980-03-01", "1980-03-01"},
    {IDENTITY_DATE, "1980/3/1", "1980-03-01"},
    {IDENTITY_DATE, "01/03/1980", "1980-03-01"},
    {IDENTITY_DATE, "1/3/1980", "1980-03-01"},
    {IDENTITY_DATE, "1-3-1980", "1980-03-01"},
    {IDENTITY_DATE, "01.03.1980", "1980-03-01"},
    {IDENTITY_DATE, " 01/03/1980 ", "1980-03-01"},
    {IDENTITY_DATE, "1980-03-01 00:00:00", "1980-03-01"},
    {IDENTITY_DATE, "1980-03-01T00:00", "1980-03-01"},
    {IDENTITY_DATE, "29/02/2000", "2000-02-29"},
    {IDENTITY_DATE, "", ""},
    {IDENTITY_DATE, "29/02/1900", NULL}, /* not a leap year */
    {IDENTITY_DATE, "31/04/1980", NULL},
    {IDENTITY_DATE, "1980-13-01", NULL},
    {IDENTITY_DATE, "00/01/1980", NULL},
    {IDENTITY_DATE, "1980.03.01", NULL},
    {IDENTITY_DATE, "01/03/80", NULL}, /* a two-digit year is ambiguous */
    {IDENTITY_DATE, "01/03-1980", NULL},
    {IDENTITY_DATE, "March 1, 1980", NULL},
    {IDENTITY_DATE, "1980-03-01 noon", NULL},
    {IDENTITY_DATE, "19800301", NULL},
    {IDENTITY_POSTCODE, "sw1a 1aa", "SW1A1AA"},
    {IDENTITY_POSTCODE, " SW1A  1AA ", "SW1A1AA"},
    {IDENTITY_POSTCODE, "m1\t1ae", "M11AE"},
    {IDENTITY_POSTCODE, "", ""},
};

static void
test_normalise(void **state)
{
    (void)state;
    for (size_t i = 0; i < LEN(norm_cases); i++) {
        const norm_case_t *c = &norm_cases[i];
        char out[128];
        bool ok = identity_normalise(c->kind, c->in, out, sizeof(out));
        if (c->want == NULL) {
            if (ok)
                fail_msg("\"%s\" should be invalid, got \"%s\"", c->in, out);
        } else if (!ok || strcmp(out, c->want) != 0) {
            fail_msg("\"%s\": want \"%s\", got %s\"%s\"", c->in, c->want, ok ? "" : "invalid ",
                     out);
        }
    }
}

/* --- the subject key ------------------------------------------------------ */

static identity_t *
make(const char *columns)
{
    char err[256];
    identity_t *id = identity_new(columns, KEY, strlen(KEY), err, sizeof(err));
    if (id == NULL)
        fail_msg("%s", err);
    return id;
}

static void
test_subject_key(void **state)
{
    (void)state;
    identity_t *id = make("name,dob,postcode");
    assert_int_equal(identity_count(id), 3);
    assert_int_equal(identity_kind(id, 0), IDENTITY_TEXT);
    assert_int_equal(identity_kind(id, 1), IDENTITY_DATE);
    assert_int_equal(identity_kind(id, 2), IDENTITY_POSTCODE);
    char out[65];
    size_t bad = 99;

    /* printf 'JOHN SMITH\x1f1980-03-01\x1fSW1A1AA' | openssl dgst -sha256 -hmac KEY */
    const char *v1[] = {"  john  smith", "1/3/1980", "sw1a 1aa"};
    assert_int_equal(identity_subject_key(id, v1, out, &bad), IDENTITY_MADE);
    assert_string_equal(out, "a786685401c34d887f299731e8982bc30767043b0e3831da5b24055a834a9cd7");
    /* the same person written otherwise: the same key */
    const char *v1b[] = {"JOHN SMITH", "1980-03-01", "SW1A1AA"};
    assert_int_equal(identity_subject_key(id, v1b, out, &bad), IDENTITY_MADE);
    assert_string_equal(out, "a786685401c34d887f299731e8982bc30767043b0e3831da5b24055a834a9cd7");

    /* printf 'JOSÉ ÅNGSTRÖM\x1f2001-12-31\x1f' | openssl dgst -sha256 -hmac KEY */
    const char *v2[] = {"José Ångström", "31/12/2001", NULL};
    assert_int_equal(identity_subject_key(id, v2, out, &bad), IDENTITY_MADE);
    assert_string_equal(out, "dc5ad89b857b3cc93b743ba138a73c69ab35b00c83cbb4dbbc7fb6ae39ca03f6");

    /* printf '\x1f\x1fM11AE' | openssl dgst -sha256 -hmac KEY */
    const char *v3[] = {"", " ", "m1 1ae"};
    assert_int_equal(identity_subject_key(id, v3, out, &bad), IDENTITY_MADE);
    assert_string_equal(out, "24b686efbc3a58b697bfa45ff1c3aef55b04b2cd9068c8f625b46c8fdc26c920");

    const char *empty[] = {"", "  ", NULL};
    assert_int_equal(identity_subject_key(id, empty, out, &bad), IDENTITY_EMPTY);

    const char *baddate[] = {"John Smith", "31/02/1980", "SW1A 1AA"};
    assert_int_equal(identity_subject_key(id, baddate, out, &bad), IDENTITY_INVALID);
    assert_int_equal(bad, 1);

    /* the order of the columns matters: every partner must use the same list */
    identity_t *other = make("dob,name,postcode");
    const char *v1c[] = {"1980-03-01", "JOHN SMITH", "SW1A1AA"};
    assert_int_equal(identity_subject_key(other, v1c, out, &bad), IDENTITY_MADE);
    assert_string_not_equal(out,
                            "a786685401c34d887f299731e8982bc30767043b0e3831da5b24055a834a9cd7");
    identity_free(other);
    identity_free(id);
}

static void
test_columns(void **state)
{
    (void)state;
    identity_t *id = make("Full Name,Born:date,Home:postcode,DOB,nhs:text");
    assert_int_equal(identity_count(id), 5);
    assert_string_equal(identity_column(id, 0), "Full Name");
    assert_int_equal(identity_kind(id, 0), IDENTITY_TEXT);
    assert_string_equal(identity_column(id, 1), "Born");
    assert_int_equal(identity_kind(id, 1), IDENTITY_DATE);
    assert_int_equal(identity_kind(id, 2), IDENTITY_POSTCODE);
    assert_int_equal(identity_kind(id, 3), IDENTITY_DATE); /* by its name */
    assert_int_equal(identity_kind(id, 4), IDENTITY_TEXT);
    identity_free(id);

    static const struct {
        const char *columns, *err;
    } bad[] = {
        {"", "--identity-columns: an empty column name"},
        {"name,,dob", "--identity-columns: an empty column name"},
        {"name,", "--identity-columns: an empty column name"},
        {":date", "--identity-columns: an empty column name"},
        {"name,name", "--identity-columns: name is given twice"},
        {"dob:when", "--identity-columns: dob: the kind after ':' must be text, date or postcode"},
        {"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", "--identity-columns: more than 16 columns"},
    };
    for (size_t i = 0; i < LEN(bad); i++) {
        char err[256] = "";
        assert_null(identity_new(bad[i].columns, KEY, strlen(KEY), err, sizeof(err)));
        assert_string_equal(err, bad[i].err);
    }
}

static void
test_key(void **state)
{
    (void)state;
    char err[256];
    const char *why = "the link key must be one line of 32 to 1024 printable ASCII characters "
                      "without spaces (openssl rand -hex 32 makes one)";
    assert_null(identity_new("name", "short", 5, err, sizeof(err)));
    assert_string_equal(err, why);
    assert_null(identity_new("name", KEY " x", strlen(KEY) + 2, err, sizeof(err)));
    assert_string_equal(err, why);

    /* from a file: the first line; its CRLF is not part of it */
    char path[] = "/tmp/test_identity_keyXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, KEY "\r\nanything\n", strlen(KEY) + 11), (ssize_t)strlen(KEY) + 11);
    close(fd);
    identity_t *id = identity_load("name,dob,postcode", path, err, sizeof(err));
    assert_non_null(id);
    char out[65];
    size_t bad;
    const char *v[] = {"John Smith", "1980-03-01", "SW1A 1AA"};
    assert_int_equal(identity_subject_key(id, v, out, &bad), IDENTITY_MADE);
    assert_string_equal(out, "a786685401c34d887f299731e8982bc30767043b0e3831da5b24055a834a9cd7");
    /* what recognises the options says nothing of the key */
    char desc[256];
    identity_describe(id, desc, sizeof(desc));
    assert_non_null(strstr(desc, "name:text,dob:date,postcode:postcode, "));
    assert_null(strstr(desc, KEY));
    identity_free(id);
    unlink(path);
    assert_null(identity_load("name", path, err, sizeof(err)));
    assert_non_null(strstr(err, "No such file"));
}

/* --- postcodes ------------------------------------------------------------ */

static void
test_postcode_normalise(void **state)
{
    (void)state;
    char out[POSTCODE_MAX + 1];
    assert_true(postcode_normalise("sw1a 1aa", out, sizeof(out)));
    assert_string_equal(out, "SW1A1AA");
    assert_true(postcode_normalise(" EC1A\t1BB ", out, sizeof(out)));
    assert_string_equal(out, "EC1A1BB");
    assert_true(postcode_normalise("", out, sizeof(out)));
    assert_string_equal(out, "");
    assert_false(postcode_normalise("ABCDEFGHI", out, sizeof(out))); /* 9 > POSTCODE_MAX */
}

static postcode_table_t *
table(const char *text, char *err, size_t errlen)
{
    csv_reader_t *r = csv_open_mem(text, strlen(text));
    postcode_table_t *t = postcode_table_read(r, err, errlen);
    csv_close(r);
    return t;
}

static void
test_postcode_lookup(void **state)
{
    (void)state;
    char err[256];
    /* an ONSPD extract: pcd (7 wide), pcds, both LSOA columns; lsoa21cd wins */
    postcode_table_t *t = table("pcd,pcd2,pcds,dointr,lsoa11cd,lsoa21cd\r\n"
                                "SW1A1AA,SW1A 1AA,SW1A 1AA,199912,E01004736,E01004737\r\n"
                                "M1  1AE,M1   1AE,M1 1AE,198001,E01005206,E01033677\r\n"
                                "AB1 0AA,AB1  0AA,AB1 0AA,198001,,\r\n" /* no LSOA: left out */
                                "CF101AA,CF10 1AA,CF10 1AA,198001,W01001939,W01001939\r\n",
                                err, sizeof(err));
    assert_non_null(t);
    assert_int_equal(postcode_table_size(t), 3);
    assert_string_equal(postcode_lookup(t, "sw1a 1aa"), "E01004737");
    assert_string_equal(postcode_lookup(t, "SW1A1AA"), "E01004737");
    assert_string_equal(postcode_lookup(t, " m1 1ae"), "E01033677");
    assert_string_equal(postcode_lookup(t, "CF10 1AA"), "W01001939");
    assert_null(postcode_lookup(t, "AB1 0AA"));
    assert_null(postcode_lookup(t, "ZZ9 9ZZ"));
    assert_null(postcode_lookup(t, ""));
    assert_null(postcode_lookup(t, "SW1A 1AAX"));
    postcode_table_free(t);

    /* lsoa11cd alone, and pcd alone */
    t = table("PCD,LSOA11CD\nSW1A1AA,E01004736\n", err, sizeof(err));
    assert_non_null(t);
    assert_string_equal(postcode_lookup(t, "SW1A 1AA"), "E01004736");
    postcode_table_free(t);
    /* the same postcode twice, the same LSOA: fine */
    t = table("pcds,lsoa21cd\nSW1A 1AA,E01004736\nSW1A1AA,E01004736\n", err, sizeof(err));
    assert_non_null(t);
    assert_int_equal(postcode_table_size(t), 1);
    postcode_table_free(t);

    static const struct {
        const char *text, *err;
    } bad[] = {
        {"", "empty: a header naming pcds and lsoa21cd is expected"},
        {"postcode,lsoa21cd\n",
         "line 1: the header names no postcode column (expected pcds or pcd, and lsoa21cd or "
         "lsoa11cd)"},
        {"pcds,oa21cd\n", "line 1: the header names no LSOA column (expected pcds or pcd, and "
                          "lsoa21cd or lsoa11cd)"},
        {"pcds,lsoa21cd\nSW1A 1AA\n", "line 2: 1 fields, fewer than the header's"},
        {"pcds,lsoa21cd\nSW1A 1AA,E0100473\n", "line 2: the LSOA is not a 9-character GSS code"},
        {"pcds,lsoa21cd\n,E01004736\n",
         "line 2: the postcode is empty or longer than 8 characters"},
        {"pcds,lsoa21cd\nSW1A 1AA,E01004736\nSW1A1AA,E01004737\n",
         "a postcode is given twice with different LSOAs"},
        {"pcds,lsoa21cd\n\"SW1A,E01004736\n", "line 2: a quoted field is not closed (it begins "
                                              "on line 2)"},
    };
    for (size_t i = 0; i < LEN(bad); i++) {
        err[0] = '\0';
        t = table(bad[i].text, err, sizeof(err));
        if (t != NULL || strcmp(err, bad[i].err) != 0)
            fail_msg("case %zu: want \"%s\", got \"%s\"", i, bad[i].err, err);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalise),
        cmocka_unit_test(test_subject_key),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_key),
        cmocka_unit_test(test_postcode_normalise),
        cmocka_unit_test(test_postcode_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
