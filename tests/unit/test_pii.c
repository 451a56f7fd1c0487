/* test_pii.c: hub/pii.h — for each detector a table of identifiers it must
 * find (alone and inside text) and a table of near-misses it must let
 * through; the protocol's own values, which must never be refused; which
 * identifier wins when there are several; and that a scan stays inside its
 * n bytes. Every case is scanned from a heap buffer of exactly its length,
 * so the sanitizer build catches a read at s[n]. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../hub/pii.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The scan of text from a heap copy with no terminator. */
static pii_kind_t
scan_exact(const char *text)
{
    size_t n = strlen(text);
    char *buf = malloc(n > 0 ? n : 1);
    assert_non_null(buf);
    memcpy(buf, text, n);
    pii_kind_t kind = pii_scan(buf, n);
    free(buf);
    return kind;
}

/* Every case scans as want; reports each one that does not. */
static void
check_table(const char *const *cases, size_t count, pii_kind_t want)
{
    assert_true(count >= 20);
    size_t wrong = 0;
    for (size_t i = 0; i < count; i++) {
        pii_kind_t got = scan_exact(cases[i]);
        if (got != want) {
            print_error("\"%s\": found %s, expected %s\n", cases[i], pii_kind_phrase(got),
                        pii_kind_phrase(want));
            wrong++;
        }
    }
    if (wrong > 0)
        fail_msg("%zu of %zu cases wrong", wrong, count);
}

/* --- e-mail ---------------------------------------------------------------- */

static const char *const email_found[] = {
    "x@y.co",
    "contact x@y.co today",
    "alice@example.com",
    "Alice.Smith@nhs.net",
    "first.last@council.gov.uk",
    "j_bloggs99@police.uk",
    "user+tag@example.org",
    "user%relay@example.com",
    "o-neil@sub-domain.example.com",
    "mailto:someone@example.com",
    "<a.person@example.co.uk>",
    "EMAIL: A.PERSON@EXAMPLE.COM.",
    "..leading.dots@example.com", /* the address starts after the dots */
    "name@123.example.com",
    "a@b-c.de",
    "zo\xc3\xab@example.com", /* zoë, a UTF-8 local part */
    "reply to bob@example.com, thanks",
    "(carol@example.net)",
    "99@example.com",
    "x@example.com.",
    "a@b@c.example.org",
    "line one\nx@y.co\n",
    "x@mail.example.co1", /* "mail.example" is already two labels */
};

static const char *const email_near[] = {
    "user@localhost",
    "user@",
    "@example.com",
    "user@.com",
    "user@example",
    "user@example.c",
    "user@example.c0m",
    "user@example.co1",
    "user@example.123",
    "user@192.168.0.1",
    "user.@example.com",
    ".@example.com",
    "user@@example.com",
    "user@example..com",
    "user @example.com",
    "user@ example.com",
    "user at example dot com",
    "user(at)example.com",
    "@@",
    "a@b",
    "a@b.c",
    "a@b.c.d",
    "@mention in text",
    "user@_example.com",
    "harassment-report/1",
};

static void
test_email_found(void **state)
{
    (void)state;
    check_table(email_found, LEN(email_found), PII_EMAIL);
}

static void
test_email_near_misses(void **state)
{
    (void)state;
    check_table(email_near, LEN(email_near), PII_NONE);
}

/* --- telephone ------------------------------------------------------------- */

static const char *const phone_found[] = {
    "07700 900123",
    "07700900123",
    "(020) 7946 0018",
    "+44 7700 900123",
    "0044 20 7946 0018",
    "01632-960-123",
    "01632 960123",
    "020 7946 0018",
    "0121 496 0000",
    "+447700900123",
    "+44 (0)20 7946 0018",
    "+44(0)7700 900123",
    "call 07700 900123 now",
    "tel: 07700 900 123",
    "07700.900.123",
    "0800 123 456",
    "0345 678 9012",
    "0500 123456",
    "0909 879 0000",
    "Phone (01632) 960123.",
    "0044 7700 900123",
    "numbers 07700900123 07700900124",
    "rang 07700 900123 3 times",
    "07700-900-123",
    "(07700) 900123",
};

static const char *const phone_near[] = {
    "07700 9001",      "077009001234",        "06700 900123",   "04700 900123",
    "00700 900123",    "+33 1 23 45 67 89",   "+4407700900123", "+440770090012",
    "+1 212 555 0100", "+44 7700 9001",       "+44 20 7946 00", "0044 1234 5678",
    "020 7946 00",     "12345678901",         "77009001234",    "WMP-07700900123",
    "E07700900123",    "07700900123X",        "07700900123-1",  "07700  900123",
    "07700--900123",   "07700/900123",        "07700_900123",   "07700:900123",
    "0.1234567890",    "0 1 2 3 4 5 6 7 8 9", "1.07700900123",  "ref 2026/07700900123",
};

static void
test_phone_found(void **state)
{
    (void)state;
    check_table(phone_found, LEN(phone_found), PII_PHONE);
}

static void
test_phone_near_misses(void **state)
{
    (void)state;
    check_table(phone_near, LEN(phone_near), PII_NONE);
}

/* --- postcode -------------------------------------------------------------- */

static const char *const postcode_found[] = {
    "M1 1AE",   "B33 8TH",
    "CR2 6XH",  "DN55 1PT",
    "W1A 0AX",  "EC1A 1BB",
    "SW1A 2AA", "b12 3ab",
    "B123AB",   "sw1a2aa",
    "L1 8JQ",   "E1 6AN",
    "N1 9GU",   "CF10 1EP",
    "EH1 1YZ",  "BT1 5GS",
    "AB10 1XG", "PL4 8AA",
    "ox1 2jd",  "KY16 9AJ",
    "M60 2LA",  "Postcode: LS1 4AP.",
    "(G2 5RG)", "at NE1 7RU today",
};

static const char *const postcode_near[] = {
    "B12",      "SW1A",     "W1",       "B12 3",    "B12 3A",   "B12 3CB",
    "B12 3AI",  "B12 3KM",  "B12 3OV",  "B12 3ABC", "B12 3AB5", "XYB12 3AB",
    "1B12 3AB", "B12  3AB", "B12-3AB",  "B1 23AB",  "B 12 3AB", "12B 3AB",
    "BA 1AA",   "B12 3A8",  "ABC1 2DE", "SW1A-2AA", "B12_3AB",  "Birmingham B12",
    "B1 2",     "EC1A",
};

static void
test_postcode_found(void **state)
{
    (void)state;
    check_table(postcode_found, LEN(postcode_found), PII_POSTCODE);
}

static void
test_postcode_near_misses(void **state)
{
    (void)state;
    check_table(postcode_near, LEN(postcode_near), PII_NONE);
}

/* --- NHS number ------------------------------------------------------------ */

static const char *const nhs_found[] = {
    "943 476 5919",   "943-476-5919",
    "9434765919",     "NHS no 943 476 5919",
    "7260181591",     "4830166134",
    "4860913906",     "3960308248",
    "9281948214",     "3935181906",
    "3378657979",     "7432319480", /* check digit 0 */
    "9574911861",     "6527601891",
    "7559797113",     "4139624590",
    "726 018 1591",   "483-016-6134",
    "(943 476 5919)", "nhs=4860913906;",
    "943 476 5919 2", "ids 6423667128, 9684268467",
};

static const char *const nhs_near[] = {
    "9434765918",    "9434765910",   "7260181592",   "4830166135",     "4860913907",
    "3960308249",    "7075291700", /* check digit would be 10 */
    "3599528900",    "0000000000",   "1111111111",   "999 999 9999",   "94347659191",
    "943476591",     "943 4765919",  "943 476-5919", "943  476 5919",  "943.476.5919",
    "943 476 59190", "E9434765919",  "9434765919x",  "REF-9434765919", "MET/9434765919",
    "9434765919-2",  "943_476_5919", "1234567890",
};

static void
test_nhs_found(void **state)
{
    (void)state;
    check_table(nhs_found, LEN(nhs_found), PII_NHS_NUMBER);
}

static void
test_nhs_near_misses(void **state)
{
    (void)state;
    check_table(nhs_near, LEN(nhs_near), PII_NONE);
}

/* --- National Insurance number --------------------------------------------- */

static const char *const ni_found[] = {
    "AB123456C",          "AB 12 34 56 C",
    "ab123456c",          "JG103759A",
    "AA 12 34 56 B",      "ZX 99 88 77 D",
    "NI: PA 12 34 56 A.", "CE123456B",
    "HH 00 00 00 A",      "OA123456C",
    "AB 123456 C",        "AB123456D",
    "Ab 12 34 56 c",      "ni=WP123456A;",
    "(SN 12 34 56 B)",    "BA123456A",
    "GA123456B",          "NA123456C",
    "TA123456D",          "KA123456A",
    "ZA123456B",          "number YZ654321C given",
    "AB12 34 56C",
};

static const char *const ni_near[] = {
    "QQ123456C",  "DA123456C",  "FA123456C",      "IA123456C",     "UA123456C",  "VA123456C",
    "AD123456C",  "AF123456C",  "AI123456C",      "AO123456C",     "AQ123456C",  "AU123456C",
    "AV123456C",  "BG123456C",  "GB123456C",      "NK123456C",     "KN123456C",  "TN123456C",
    "NT123456C",  "ZZ123456C",  "AB123456E",      "AB123456",      "AB12345C",   "AB1234567C",
    "AB123456CD", "XAB123456C", "AB  12 34 56 C", "AB-12-34-56-C", "A B123456C",
};

static void
test_ni_found(void **state)
{
    (void)state;
    check_table(ni_found, LEN(ni_found), PII_NI_NUMBER);
}

static void
test_ni_near_misses(void **state)
{
    (void)state;
    check_table(ni_near, LEN(ni_near), PII_NONE);
}

/* --- titled name ----------------------------------------------------------- */

static const char *const name_found[] = {
    "Mr Smith",
    "Mrs O'Neil",
    "Ms Smith-Jones",
    "Miss Patel",
    "Mx Taylor",
    "Dr Jones",
    "dr. Jones",
    "Prof Okafor",
    "Prof. Chen",
    "Sir Keir",
    "Dame Judi",
    "Rev Green",
    "Revd Brown",
    "Lord Sugar",
    "Lady Margaret Hall",
    "MR SMITH",
    "ref for Mr Smith",
    "victim: Mrs  Begum",
    "(Dr Who)",
    "Mrs O\xe2\x80\x99Neil", /* typographic apostrophe */
    "Mr\tAli",
    "Mr\xc2\xa0"
    "Ali", /* no-break space */
    "seen by DR. AHMED",
    "Mr Ab",
    "Mr Zo\xc3\xab",
    "Ms D'Arcy",
};

static const char *const name_near[] = {
    "Dr",          "Dr.",
    "Mr ",         "Mr",
    "Drive",       "Profile",
    "Misses",      "Mr 5",
    "Sirius",      "ref for mr smith",
    "Mr smith",    "Mr A",
    "Mr A.",       "Mr O'",
    "Mr.Smith",    "MrSmith",
    "Lordship",    "Ladybird",
    "Msc Smith",   "Mrs-Smith",
    "Mr_Smith",    "Hamr Smith",
    "Dr 1st",      "Dr \xc3\xa4rger",
    "Prof-Smith",  "Dames",
    "Revision",    "Miss. ",
    "Mr. - Smith",
};

static void
test_name_found(void **state)
{
    (void)state;
    check_table(name_found, LEN(name_found), PII_TITLED_NAME);
}

static void
test_name_near_misses(void **state)
{
    (void)state;
    check_table(name_near, LEN(name_near), PII_NONE);
}

/* --- the protocol's own values --------------------------------------------- */

static const char *const protocol_values[] = {
    /* GSS codes */
    "E01009417",
    "W01001234",
    "E05011111",
    "E09000033",
    "E06000001",
    "W06000015",
    /* partners' references */
    "WMP-2026-004211",
    "MET/2026/0001234",
    "NHS-INC-99812",
    "CASE-2026-10-14-0042",
    "HC2026000123",
    /* dates and times */
    "2026-10-14",
    "14/10/2026",
    "2026-10-14T09:30:00Z",
    "2026-10-14T09:30:00.123+01:00",
    "2026-10-14 09:30:00",
    /* code values */
    "verbal_abuse",
    "25-34",
    "65+",
    "W1",
    "A2",
    "M9",
    "NS",
    "not_stated",
    "sexual_orientation",
    "Q8",
    "achieving",
    /* subject keys and identifiers */
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12",
    "123e4567-e89b-12d3-a456-426614174000",
    "07700900-1234-4abc-8def-0123456789ab",
    "f47ac10b-58cc-4372-a567-0e02b2c3d479",
    /* numbers that are not identifiers */
    "9434765918",
    "1234567890",
    "12345678901",
    "44770090012",
    "0.1234567891",
    "rate 12.3456789012 per 1000",
    /* versions */
    "0.1.0",
    "v1.2.3",
    "1.0.0-rc.1",
    "HUB_VERSION 0.1.0",
    "OpenSSL 3.0.11",
    "harassment-report/1",
    /* text that is not ASCII */
    "Zo\xc3\xab",
    "\xc3\xa4rger",
    "Zo\xc3\xab \xc3\xa4rger \xc3\xbc"
    "ber",
    "",
    "{\"type\":\"verbal_abuse\",\"lsoa\":\"E01009417\",\"age\":\"25-34\",\"ref\":\"WMP-2026-"
    "004211\"}",
};

static void
test_protocol_values_pass(void **state)
{
    (void)state;
    check_table(protocol_values, LEN(protocol_values), PII_NONE);
}

/* --- several identifiers, odd inputs --------------------------------------- */

static void
test_first_identifier_wins(void **state)
{
    (void)state;
    assert_int_equal(scan_exact("Mr Smith, x@y.co"), PII_TITLED_NAME);
    assert_int_equal(scan_exact("x@y.co, Mr Smith"), PII_EMAIL);
    assert_int_equal(scan_exact("B12 3AB 07700 900123"), PII_POSTCODE);
    assert_int_equal(scan_exact("07700 900123 B12 3AB"), PII_PHONE);
    assert_int_equal(scan_exact("AB123456C 943 476 5919"), PII_NI_NUMBER);
    /* the same start: the earlier kind */
    assert_int_equal(scan_exact("07700900123@example.com"), PII_EMAIL);
    assert_int_equal(scan_exact("0123456789"), PII_PHONE); /* and passes the NHS check */
}

static void
test_empty(void **state)
{
    (void)state;
    assert_int_equal(pii_scan(NULL, 0), PII_NONE);
    assert_int_equal(pii_scan("", 0), PII_NONE);
    assert_int_equal(pii_scan("x@y.co", 0), PII_NONE);
}

static void
test_nul_is_a_byte(void **state)
{
    (void)state;
    static const char s[] = "abc\0x@y.co";
    assert_int_equal(pii_scan(s, sizeof(s) - 1), PII_EMAIL);
    static const char t[] = "ref\0Mr Smith";
    assert_int_equal(pii_scan(t, sizeof(t) - 1), PII_TITLED_NAME);
}

/* Each text's last byte completes an identifier: scanning one byte fewer
 * must not see it, though the byte is there in memory. */
static void
test_byte_n_completes_nothing(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        pii_kind_t kind;
    } cases[] = {
        {"x@y.co", PII_EMAIL},
        {"call 0800 123 456", PII_PHONE},
        {"+44 20 7946 001", PII_PHONE},
        {"B12 3AB", PII_POSTCODE},
        {"943 476 5919", PII_NHS_NUMBER},
        {"9434765919", PII_NHS_NUMBER},
        {"AB123456C", PII_NI_NUMBER},
        {"Mr Sm", PII_TITLED_NAME},
        {"Mrs O'N", PII_TITLED_NAME},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        size_t n = strlen(cases[i].text);
        if (pii_scan(cases[i].text, n) != cases[i].kind)
            fail_msg("\"%s\": not found whole", cases[i].text);
        if (pii_scan(cases[i].text, n - 1) != PII_NONE)
            fail_msg("\"%s\": found in its first %zu bytes", cases[i].text, n - 1);
    }
}

/* Each text's last byte would spoil an identifier that ends just before it:
 * scanning one byte fewer must find it. */
static void
test_byte_n_spoils_nothing(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        pii_kind_t kind;
    } cases[] = {
        {"x@y.co1", PII_EMAIL},        {"07700 9001231", PII_PHONE},
        {"07700900123-", PII_PHONE}, /* '-' then nothing: not a joiner */
        {"B12 3ABx", PII_POSTCODE},    {"94347659190", PII_NHS_NUMBER},
        {"AB123456CD", PII_NI_NUMBER},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        size_t n = strlen(cases[i].text);
        if (pii_scan(cases[i].text, n - 1) != cases[i].kind)
            fail_msg("\"%.*s\": not found", (int)(n - 1), cases[i].text);
    }
    /* and whole, they are not identifiers (but "07700900123-" is) */
    assert_int_equal(pii_scan("x@y.co1", 7), PII_NONE);
    assert_int_equal(pii_scan("B12 3ABx", 8), PII_NONE);
    assert_int_equal(pii_scan("94347659190", 11), PII_NONE);
    assert_int_equal(pii_scan("AB123456CD", 10), PII_NONE);
}

/* Inputs that would make a scan that restarts at every byte quadratic:
 * 256 KiB each takes milliseconds when linear, even under the sanitizers,
 * and minutes when not. */
static void
test_linear_time(void **state)
{
    (void)state;
    enum { N = 1 << 18 };
    static const char *const units[] = {"a", "a.", "a@", "@a.", "Mr 1 ", " ", "0 ", "0770 ", "1-"};
    char *buf = malloc(N);
    assert_non_null(buf);
    clock_t start = clock();
    for (size_t u = 0; u < LEN(units); u++) {
        size_t len = strlen(units[u]);
        for (size_t i = 0; i < N; i++)
            buf[i] = units[u][i % len];
        assert_int_equal(pii_scan(buf, N), PII_NONE);
    }
    /* one title before all spaces, then one before all apostrophes */
    memset(buf, ' ', N);
    memcpy(buf, "Mr", 2);
    assert_int_equal(pii_scan(buf, N), PII_NONE);
    memset(buf, '\'', N);
    memcpy(buf, "Mr A", 4);
    assert_int_equal(pii_scan(buf, N), PII_NONE);
    /* words, then an address at the very end */
    for (size_t i = 0; i < N; i++)
        buf[i] = "a "[i % 2];
    memcpy(buf + N - 6, "x@y.co", 6);
    assert_int_equal(pii_scan(buf, N), PII_EMAIL);
    /* one long local part, then an address at the very end */
    memset(buf, 'a', N);
    memcpy(buf + N - 6, "@y.com", 6);
    assert_int_equal(pii_scan(buf, N), PII_EMAIL);
    double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
    free(buf);
    if (seconds > 5.0)
        fail_msg("%zu scans of 256 KiB took %.1f s", LEN(units) + 4, seconds);
}

static void
test_phrases(void **state)
{
    (void)state;
    assert_string_equal(pii_kind_phrase(PII_EMAIL), "an e-mail address");
    assert_string_equal(pii_kind_phrase(PII_PHONE), "a telephone number");
    assert_string_equal(pii_kind_phrase(PII_POSTCODE), "a full postcode");
    assert_string_equal(pii_kind_phrase(PII_NHS_NUMBER), "an NHS number");
    assert_string_equal(pii_kind_phrase(PII_NI_NUMBER), "a National Insurance number");
    assert_string_equal(pii_kind_phrase(PII_TITLED_NAME), "a name with a title");
    assert_string_equal(pii_kind_phrase(PII_NONE), "no direct identifier");
    assert_string_equal(pii_kind_phrase((pii_kind_t)99), "a direct identifier");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_email_found),
        cmocka_unit_test(test_email_near_misses),
        cmocka_unit_test(test_phone_found),
        cmocka_unit_test(test_phone_near_misses),
        cmocka_unit_test(test_postcode_found),
        cmocka_unit_test(test_postcode_near_misses),
        cmocka_unit_test(test_nhs_found),
        cmocka_unit_test(test_nhs_near_misses),
        cmocka_unit_test(test_ni_found),
        cmocka_unit_test(test_ni_near_misses),
        cmocka_unit_test(test_name_found),
        cmocka_unit_test(test_name_near_misses),
        cmocka_unit_test(test_protocol_values_pass),
        cmocka_unit_test(test_first_identifier_wins),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_nul_is_a_byte),
        cmocka_unit_test(test_byte_n_completes_nothing),
        cmocka_unit_test(test_byte_n_spoils_nothing),
        cmocka_unit_test(test_linear_time),
        cmocka_unit_test(test_phrases),
    };
    return cmocka_run_group_tests_name("pii", tests, NULL, NULL);
}
