/* pii.c: the detectors behind pii_scan.
 *
 * Every detector but e-mail starts at a token boundary and looks at a
 * bounded number of bytes (or at a run of spaces or apostrophes that belongs
 * to that one start), so trying them at each boundary keeps the scan linear.
 * An e-mail address has no bounded shape; it is found from its '@' instead,
 * and every byte is looked at a fixed number of times. All reads go through
 * at(), which answers -1 at and beyond n. */
#include "pii.h"

#include <stdbool.h>
#include <string.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The byte at i as 0..255, or -1 at and beyond the end: the only read of s. */
static int
at(const char *s, size_t n, size_t i)
{
    return i < n ? (unsigned char)s[i] : -1;
}

static bool
is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool
is_upper(int c)
{
    return c >= 'A' && c <= 'Z';
}

static bool
is_alpha(int c)
{
    return is_upper(c) || (c >= 'a' && c <= 'z');
}

static bool
is_alnum(int c)
{
    return is_alpha(c) || is_digit(c);
}

static int
to_upper(int c)
{
    return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

/* Is c (an ASCII letter, or -1) one of the letters in set? */
static bool
is_one_of(int c, const char *set)
{
    return c > 0 && strchr(set, c) != NULL;
}

/* Does a token end before j (the end of s, or a byte that is not an ASCII
 * letter or digit)? Tokens start where one ends. */
static bool
token_ends(const char *s, size_t n, size_t j)
{
    return !is_alnum(at(s, n, j));
}

/* --- numbers: telephone and NHS ----------------------------------------- */

/* Characters that join the parts of a reference: "WMP-2026-004211". */
static bool
is_joiner(int c)
{
    return c == '-' || c == '/' || c == '.' || c == '_';
}

/* Is the number starting at i the tail of a reference ("WMP-0770...")? */
static bool
glued_before(const char *s, size_t n, size_t i)
{
    return i >= 2 && is_joiner(at(s, n, i - 1)) && is_alnum(at(s, n, i - 2));
}

/* May a number end before j? Not inside a token, nor before a joiner that
 * carries the reference on ("07700900123-2"). */
static bool
number_ends(const char *s, size_t n, size_t j)
{
    return token_ends(s, n, j) && !(is_joiner(at(s, n, j)) && is_alnum(at(s, n, j + 1)));
}

#define PHONE_DIGITS_MAX 14 /* "0044" and ten more */

/* Are the k digits in d, with or without a leading '+', a UK number? */
static bool
phone_digits_valid(const char *d, size_t k, bool plus)
{
    if (plus)
        return (k == 11 || k == 12) && d[0] == '4' && d[1] == '4' && d[2] != '0';
    if (k >= 4 && memcmp(d, "0044", 4) == 0)
        return (k == 13 || k == 14) && d[4] != '0';
    return (k == 10 || k == 11) && d[0] == '0' && strchr("1235789", d[1]) != NULL;
}

/* The length of the separator at j between two groups of digits: one or two
 * characters, brackets and at most one space, hyphen or dot. 0 if there is
 * none, or no digit after it. */
static size_t
phone_gap(const char *s, size_t n, size_t j)
{
    size_t len = 0, marks = 0;
    for (; len < 2; len++) {
        int c = at(s, n, j + len);
        if (c == ' ' || c == '-' || c == '.')
            marks++;
        else if (c != '(' && c != ')')
            break;
    }
    return len > 0 && marks <= 1 && is_digit(at(s, n, j + len)) ? len : 0;
}

/* The length of a bracketed trunk 0 after the country code, " (0)" in
 * "+44 (0)20 7946 0018", up to the next digit; 0 if there is none. */
static size_t
phone_trunk(const char *s, size_t n, size_t j)
{
    size_t i = j;
    if (at(s, n, i) == ' ')
        i++;
    if (at(s, n, i) != '(' || at(s, n, i + 1) != '0' || at(s, n, i + 2) != ')')
        return 0;
    i += 3;
    if (at(s, n, i) == ' ')
        i++;
    return is_digit(at(s, n, i)) ? i - j : 0;
}

/* A UK telephone number starting at i: its digits are collected group by
 * group, and each place where a group ends is a possible end of the number,
 * so "07700 900123 2" still holds one. */
static bool
phone_at(const char *s, size_t n, size_t i)
{
    bool plus = at(s, n, i) == '+';
    size_t j = i + plus;
    if (!is_digit(at(s, n, j)) || glued_before(s, n, i))
        return false;
    char d[PHONE_DIGITS_MAX];
    size_t k = 0;
    for (;;) {
        while (is_digit(at(s, n, j))) {
            if (k == PHONE_DIGITS_MAX)
                return false;
            d[k++] = (char)at(s, n, j++);
        }
        if (k < 2) /* a lone leading digit: "0.1234567890", "0 1 2 3 ..." */
            return false;
        if (phone_digits_valid(d, k, plus) && number_ends(s, n, j))
            return true;
        bool country =
            plus ? k == 2 && d[0] == '4' && d[1] == '4' : k == 4 && memcmp(d, "0044", 4) == 0;
        size_t skip = country ? phone_trunk(s, n, j) : 0;
        if (skip == 0)
            skip = phone_gap(s, n, j);
        if (skip == 0)
            return false;
        j += skip;
    }
}

/* An NHS number starting at i: ten digits, or 3-3-4 with the same space or
 * hyphen twice, passing the modulus-11 check. */
static bool
nhs_at(const char *s, size_t n, size_t i)
{
    if (glued_before(s, n, i))
        return false;
    int sep = at(s, n, i + 3);
    bool grouped = sep == ' ' || sep == '-';
    int d[10];
    size_t j = i;
    for (size_t k = 0; k < 10; k++) {
        if (grouped && (k == 3 || k == 6) && at(s, n, j++) != sep)
            return false;
        int c = at(s, n, j++);
        if (!is_digit(c))
            return false;
        d[k] = c - '0';
    }
    if (!number_ends(s, n, j))
        return false;
    int sum = 0;
    bool repeated = true;
    for (size_t k = 0; k < 9; k++)
        sum += d[k] * (int)(10 - k);
    for (size_t k = 1; k < 10; k++)
        repeated = repeated && d[k] == d[0];
    int check = 11 - sum % 11;
    if (check == 11)
        check = 0;
    return check != 10 && check == d[9] && !repeated;
}

/* --- letters and digits: postcode and National Insurance ---------------- */

/* Does s from i follow shape? 'A' is any letter, '9' a digit, 'I' a letter
 * of an inward code (not C I K M O V); letters in either case. */
static bool
shape_at(const char *s, size_t n, size_t i, const char *shape)
{
    for (; *shape != '\0'; shape++, i++) {
        int c = to_upper(at(s, n, i));
        bool ok = *shape == '9'   ? is_digit(c)
                  : *shape == 'I' ? is_upper(c) && !is_one_of(c, "CIKMOV")
                                  : is_upper(c);
        if (!ok)
            return false;
    }
    return true;
}

/* A full postcode starting at i: an outward code, an optional space, an
 * inward code, and the end of the token. */
static bool
postcode_at(const char *s, size_t n, size_t i)
{
    static const char *const outward[] = {"A9", "A99", "AA9", "AA99", "A9A", "AA9A"};
    for (size_t o = 0; o < LEN(outward); o++) {
        if (!shape_at(s, n, i, outward[o]))
            continue;
        size_t j = i + strlen(outward[o]);
        if (at(s, n, j) == ' ')
            j++;
        if (shape_at(s, n, j, "9II") && token_ends(s, n, j + 3))
            return true;
    }
    return false;
}

static bool
ni_prefix_valid(int a, int b)
{
    static const char *const never[] = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"};
    if (!is_upper(a) || !is_upper(b) || is_one_of(a, "DFIQUV") || is_one_of(b, "DFIOQUV"))
        return false;
    for (size_t k = 0; k < LEN(never); k++)
        if (never[k][0] == a && never[k][1] == b)
            return false;
    return true;
}

/* A National Insurance number starting at i: "AB123456C" or with single
 * spaces between its pairs, "AB 12 34 56 C". */
static bool
ni_at(const char *s, size_t n, size_t i)
{
    if (!ni_prefix_valid(to_upper(at(s, n, i)), to_upper(at(s, n, i + 1))))
        return false;
    size_t j = i + 2;
    for (int pair = 0; pair < 3; pair++) {
        if (at(s, n, j) == ' ')
            j++;
        if (!is_digit(at(s, n, j)) || !is_digit(at(s, n, j + 1)))
            return false;
        j += 2;
    }
    if (at(s, n, j) == ' ')
        j++;
    int suffix = to_upper(at(s, n, j));
    return suffix >= 'A' && suffix <= 'D' && token_ends(s, n, j + 1);
}

/* --- titled names -------------------------------------------------------- */

/* The length of one space at j (space, tab, or UTF-8 no-break space), or 0. */
static size_t
space_at(const char *s, size_t n, size_t j)
{
    int c = at(s, n, j);
    if (c == ' ' || c == '\t')
        return 1;
    return c == 0xC2 && at(s, n, j + 1) == 0xA0 ? 2 : 0;
}

/* After a name's capital at j: apostrophes (' or U+2019) and hyphens, then a
 * letter, as in "O'Neil". */
static bool
name_continues(const char *s, size_t n, size_t j)
{
    for (;;) {
        int c = at(s, n, j);
        if (is_alpha(c))
            return true;
        if (c == '\'' || c == '-')
            j++;
        else if (c == 0xE2 && at(s, n, j + 1) == 0x80 && at(s, n, j + 2) == 0x99)
            j += 3;
        else
            return false;
    }
}

/* A title starting at i, an optional '.', one or more spaces, then a word
 * with a capital and at least one more letter: "Mrs O'Neil", "dr. Jones". */
static bool
titled_name_at(const char *s, size_t n, size_t i)
{
    static const struct {
        const char *text;
        size_t len;
    } titles[] = {{"Mr", 2},   {"Mrs", 3},  {"Ms", 2},  {"Miss", 4}, {"Mx", 2},
                  {"Dr", 2},   {"Prof", 4}, {"Sir", 3}, {"Dame", 4}, {"Rev", 3},
                  {"Revd", 4}, {"Lord", 4}, {"Lady", 4}};
    /* This runs at every position of every string: most fail at once. */
    if (strchr("MDPSRL", to_upper(at(s, n, i))) == NULL || at(s, n, i) == '\0')
        return false;
    for (size_t t = 0; t < LEN(titles); t++) {
        size_t len = titles[t].len, j = i, k;
        for (k = 0; k < len && to_upper(at(s, n, j)) == to_upper(titles[t].text[k]); k++)
            j++;
        if (k < len)
            continue;
        if (at(s, n, j) == '.')
            j++;
        size_t space, spaces = 0;
        while ((space = space_at(s, n, j)) > 0) {
            j += space;
            spaces++;
        }
        if (spaces > 0 && is_upper(at(s, n, j)) && name_continues(s, n, j + 1))
            return true;
    }
    return false;
}

/* --- the scan ------------------------------------------------------------ */

/* Characters of a local part: the ASCII set, and any byte of a UTF-8
 * character (RFC 6531 addresses). */
static bool
is_local(int c)
{
    return is_alnum(c) || c >= 0x80 || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static bool
is_label(int c)
{
    return is_alnum(c) || c >= 0x80 || c == '-';
}

/* Do two or more dot-separated labels start at j, the last of them two or
 * more ASCII letters? Labels are taken whole: "x@y.co1" has none. */
static bool
domain_at(const char *s, size_t n, size_t j)
{
    for (size_t labels = 1;; labels++) {
        size_t start = j;
        bool letters = true;
        for (; is_label(at(s, n, j)); j++)
            letters = letters && is_alpha(at(s, n, j));
        if (j == start)
            return false;
        if (labels >= 2 && letters && j - start >= 2)
            return true;
        if (at(s, n, j) != '.')
            return false;
        j++;
    }
}

/* Where the first e-mail address starts, or n. A local part is the run of
 * local characters before an '@', without leading dots, and must not end in
 * one. Neither that run nor a domain crosses an '@', so each byte is looked
 * at a bounded number of times. */
static size_t
email_find(const char *s, size_t n)
{
    for (size_t a = 1; a < n; a++) {
        int last = at(s, n, a - 1);
        if (at(s, n, a) != '@' || !is_local(last) || last == '.' || !domain_at(s, n, a + 1))
            continue;
        size_t start = a - 1;
        while (start > 0 && is_local(at(s, n, start - 1)))
            start--;
        while (at(s, n, start) == '.')
            start++;
        return start;
    }
    return n;
}

pii_kind_t
pii_scan(const char *s, size_t n)
{
    /* Every identifier needs an '@', two digits or a capital letter: most
     * strings of a submission (codes) have none, and end here. */
    size_t digits = 0;
    bool at_sign = false, capital = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        digits += c >= '0' && c <= '9';
        at_sign |= c == '@';
        capital |= c >= 'A' && c <= 'Z';
    }
    if (!at_sign && digits < 2 && !capital)
        return PII_NONE;
    size_t email = email_find(s, n);
    for (size_t i = 0; i < n; i++) {
        if (i == email)
            return PII_EMAIL;
        if (i > 0 && is_alnum(at(s, n, i - 1)))
            continue; /* inside a token */
        if (phone_at(s, n, i))
            return PII_PHONE;
        if (postcode_at(s, n, i))
            return PII_POSTCODE;
        if (nhs_at(s, n, i))
            return PII_NHS_NUMBER;
        if (ni_at(s, n, i))
            return PII_NI_NUMBER;
        if (titled_name_at(s, n, i))
            return PII_TITLED_NAME;
    }
    return PII_NONE;
}

const char *
pii_kind_phrase(pii_kind_t kind)
{
    switch (kind) {
    case PII_NONE:
        return "no direct identifier";
    case PII_EMAIL:
        return "an e-mail address";
    case PII_PHONE:
        return "a telephone number";
    case PII_POSTCODE:
        return "a full postcode";
    case PII_NHS_NUMBER:
        return "an NHS number";
    case PII_NI_NUMBER:
        return "a National Insurance number";
    case PII_TITLED_NAME:
        return "a name with a title";
    }
    return "a direct identifier";
}
