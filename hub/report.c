#include "report.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "pii.h"

static const char *const protocol_lists[] = {"ethnic_group",     "ethnic_high_level_group",
                                             "ethnic_police",    "ethnic_nhs",
                                             "ethnic_scheme",    "strand",
                                             "incident_type",    "location_type",
                                             "age_band",         "sex",
                                             "channel",          "repeat",
                                             "referral_reason",  "decline_reason",
                                             "urgency",          "outcome",
                                             "victim_satisfied", NULL};

bool
report_codes_check(const codes_t *codes, char *err, size_t errlen)
{
    for (const char *const *name = protocol_lists; *name; name++) {
        if (codes_list(codes, *name) == NULL) {
            snprintf(err, errlen, "HUB_API_DIR: code list %s.csv is missing", *name);
            return false;
        }
    }
    const code_list_t *ons = codes_list(codes, "ethnic_group");
    const char *const crosswalks[] = {"ethnic_police", "ethnic_nhs"};
    for (int c = 0; c < 2; c++) {
        const code_list_t *l = codes_list(codes, crosswalks[c]);
        for (size_t r = 0; r < code_list_rows(l); r++) {
            const char *to = code_list_value(l, r, "ons_code");
            if (to == NULL || code_list_find(ons, to) < 0) {
                snprintf(err, errlen, "HUB_API_DIR: %s.csv maps %s to an unknown ONS code",
                         crosswalks[c], code_list_code(l, r));
                return false;
            }
        }
    }
    return true;
}

/* base + "/" + tail, cut to fit (pointers here are short; the cut is a
 * guard, not a case that occurs). */
static void
ptr_join(char *buf, size_t len, const char *base, const char *tail)
{
    size_t b = strnlen(base, len - 1), t = strlen(tail);
    memcpy(buf, base, b);
    size_t o = b;
    if (o + 1 < len)
        buf[o++] = '/';
    if (t > len - 1 - o)
        t = len - 1 - o;
    memcpy(buf + o, tail, t);
    buf[o + t] = '\0';
}

/* ---- personal data and shape ----------------------------------------- */

/* Where guard_walk is, as a chain up to the root; a pointer string is only
 * built when something is found, not for every member visited. */
typedef struct path {
    const struct path *up;
    const char *key; /* member name, or NULL for an array index */
    size_t index;
} path_t;

static size_t
path_format(const path_t *p, const char *prefix, char *buf, size_t len)
{
    if (p == NULL)
        return (size_t)snprintf(buf, len, "%s", prefix);
    size_t o = path_format(p->up, prefix, buf, len);
    if (o + 2 >= len)
        return o;
    buf[o++] = '/';
    if (p->key == NULL)
        return o + (size_t)snprintf(buf + o, len - o, "%zu", p->index);
    for (const char *c = p->key; *c && o + 3 < len; c++) {
        if (*c == '~' || *c == '/') { /* RFC 6901 escapes */
            buf[o++] = '~';
            buf[o++] = *c == '~' ? '0' : '1';
        } else {
            buf[o++] = *c;
        }
    }
    buf[o] = '\0';
    return o;
}

static void
guard_error(input_t *in, const path_t *at, const char *message)
{
    char ptr[INPUT_POINTER_MAX];
    path_format(at, in->prefix, ptr, sizeof(ptr));
    input_error(in, ptr, message);
}

static void
guard_walk(input_t *in, json_t *v, const path_t *here, int depth, bool *clean)
{
    char msg[128];
    if (depth > REPORT_DEPTH_MAX) {
        guard_error(in, here, "Nesting is deeper than the protocol allows.");
        *clean = false;
        return;
    }
    if (json_is_string(v)) {
        pii_kind_t k = pii_scan(json_string_value(v), json_string_length(v));
        if (k != PII_NONE) {
            snprintf(msg, sizeof(msg),
                     "This looks like %s: the hub accepts no personal data; nothing was stored.",
                     pii_kind_phrase(k));
            guard_error(in, here, msg);
            *clean = false;
        }
    } else if (json_is_object(v)) {
        const char *key;
        json_t *m;
        json_object_foreach(v, key, m)
        {
            pii_kind_t k = pii_scan(key, strlen(key));
            if (k != PII_NONE) {
                /* The pointer would repeat the name: point at the object. */
                snprintf(msg, sizeof(msg),
                         "A member name here looks like %s: the hub accepts no personal data.",
                         pii_kind_phrase(k));
                guard_error(in, here, msg);
                *clean = false;
                continue;
            }
            path_t child = {here, key, 0};
            guard_walk(in, m, &child, depth + 1, clean);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            path_t child = {here, NULL, i};
            guard_walk(in, m, &child, depth + 1, clean);
        }
    }
}

bool
report_guard(input_t *in, json_t *value)
{
    bool clean = true;
    guard_walk(in, value, NULL, 0, &clean);
    return clean;
}

/* ---- field checks ---------------------------------------------------- */

static bool
leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool
report_date_valid(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || m < 1 || m > 12 || d < 1)
        return false;
    return d <= days[m - 1] + (m == 2 && leap(y));
}

bool
report_area_valid(const char *s)
{
    if (strlen(s) != 9)
        return false;
    if (!(s[0] == 'E' || s[0] == 'W') || s[1] != '0' || !(s[2] == '1' || s[2] == '5'))
        return false;
    for (int i = 3; i < 9; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static bool
ref_valid(const char *s)
{
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '.' || *s == '_' || *s == '/' || *s == '-'))
            return false;
    return true;
}

/* A member whose value is a code of list; the code's stable copy or NULL. */
static const char *
code_member_of(input_t *in, const char *key, const code_list_t *list, const char *listname,
               bool required)
{
    const char *v = input_string(in, key, 1, 64, required);
    if (v == NULL)
        return NULL;
    int row = code_list_find(list, v);
    if (row >= 0)
        return code_list_code(list, (size_t)row);
    char ptr[INPUT_POINTER_MAX], msg[512];
    input_pointer(in, key, ptr, sizeof(ptr));
    snprintf(msg, sizeof(msg), "Unknown code; the list %s allows: %s.", listname,
             code_list_allowed(list));
    input_error(in, ptr, msg);
    return NULL;
}

/* An array of 1..max distinct codes of list. */
static int
codes_member(input_t *in, const char *key, const code_list_t *list, const char *listname,
             const char **out, int max)
{
    char ptr[INPUT_POINTER_MAX], item[INPUT_POINTER_MAX + 8], msg[512];
    input_pointer(in, key, ptr, sizeof(ptr));
    json_t *a = json_object_get(in->root, key);
    if (a == NULL) {
        input_error(in, ptr, "This member is required.");
        return 0;
    }
    if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > (size_t)max) {
        snprintf(msg, sizeof(msg), "Expected an array of 1 to %d codes.", max);
        input_error(in, ptr, msg);
        return 0;
    }
    int n = 0;
    bool ok = true;
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        char index[24];
        snprintf(index, sizeof(index), "%zu", i);
        ptr_join(item, sizeof(item), ptr, index);
        int row = json_is_string(v) ? code_list_find(list, json_string_value(v)) : -1;
        if (row < 0) {
            snprintf(msg, sizeof(msg), "Unknown code; the list %s allows: %s.", listname,
                     code_list_allowed(list));
            input_error(in, item, msg);
            ok = false;
            continue;
        }
        const char *code = code_list_code(list, (size_t)row);
        bool repeated = false;
        for (int j = 0; j < n && !repeated; j++)
            repeated = out[j] == code;
        if (repeated) {
            input_error(in, item, "This code is already listed.");
            ok = false;
            continue;
        }
        out[n++] = code;
    }
    return ok ? n : 0;
}

/* A member that must be a string passing valid; one error at most. */
static const char *
shaped_member(input_t *in, const char *key, bool required, bool (*valid)(const char *),
              const char *expected)
{
    char ptr[INPUT_POINTER_MAX];
    input_pointer(in, key, ptr, sizeof(ptr));
    json_t *v = json_object_get(in->root, key);
    if (v == NULL) {
        if (required)
            input_error(in, ptr, "This member is required.");
        return NULL;
    }
    const char *s = json_string_value(v);
    if (s == NULL || strlen(s) != json_string_length(v) || !valid(s)) {
        input_error(in, ptr, expected);
        return NULL;
    }
    return s;
}

static bool
date_member(input_t *in, const char *key, bool required, char out[11])
{
    const char *v = shaped_member(in, key, required, report_date_valid,
                                  "Expected a real date written YYYY-MM-DD.");
    if (v == NULL)
        return false;
    memcpy(out, v, 11);
    return true;
}

static const code_list_t *
list_of(const codes_t *codes, const char *name)
{
    const code_list_t *l = codes_list(codes, name);
    hub_assert(l != NULL); /* checked when the codes were loaded */
    return l;
}

static const char *
code_member(input_t *in, const char *key, const code_list_t *list, const char *listname)
{
    return code_member_of(in, key, list, listname, true);
}

const char *
report_code_member(input_t *in, const codes_t *codes, const char *key, const char *listname,
                   bool required)
{
    return code_member_of(in, key, list_of(codes, listname), listname, required);
}

/* victim: ethnic group in its scheme, mapped to ONS 2021; age band; sex. */
static void
parse_victim(const codes_t *codes, input_t *in, report_t *out)
{
    input_t v;
    if (!input_object(in, "victim", true, &v))
        return;
    input_only(&v, (const char *const[]){"ethnic_group", "ethnic_scheme", "age_band", "sex", NULL});
    out->ethnic_scheme = "ons2021";
    if (json_object_get(v.root, "ethnic_scheme") != NULL)
        out->ethnic_scheme =
            code_member(&v, "ethnic_scheme", list_of(codes, "ethnic_scheme"), "ethnic_scheme");
    if (out->ethnic_scheme != NULL) {
        const char *listname = strcmp(out->ethnic_scheme, "police") == 0 ? "ethnic_police"
                               : strcmp(out->ethnic_scheme, "nhs") == 0  ? "ethnic_nhs"
                                                                         : "ethnic_group";
        const code_list_t *list = list_of(codes, listname);
        out->ethnic_native = code_member(&v, "ethnic_group", list, listname);
        if (out->ethnic_native != NULL) {
            int row = code_list_find(list, out->ethnic_native);
            const char *ons = code_list_value(list, (size_t)row, "ons_code");
            const code_list_t *onslist = list_of(codes, "ethnic_group");
            int onsrow = ons ? code_list_find(onslist, ons) : row;
            hub_assert(onsrow >= 0); /* codes_check verified every crosswalk */
            out->ethnic_group = code_list_code(onslist, (size_t)onsrow);
        }
    } else if (json_object_get(v.root, "ethnic_group") == NULL) {
        char ptr[INPUT_POINTER_MAX];
        input_pointer(&v, "ethnic_group", ptr, sizeof(ptr)); /* checked once the scheme is right */
        input_error(&v, ptr, "This member is required.");
    }
    out->age_band = code_member(&v, "age_band", list_of(codes, "age_band"), "age_band");
    out->sex = code_member(&v, "sex", list_of(codes, "sex"), "sex");
}

bool
report_parse(const codes_t *codes, input_t *in, const char *today, report_t *out)
{
    char ptr[INPUT_POINTER_MAX];
    memset(out, 0, sizeof(*out));
    input_only(in, (const char *const[]){"protocol", "external_ref", "occurred_from", "occurred_to",
                                         "reported_on", "area", "location_type", "strands",
                                         "incident_types", "victim", "repeat", "channel",
                                         "subject_key", NULL});
    const char *protocol = input_string(in, "protocol", 1, 64, true);
    if (protocol != NULL && strcmp(protocol, REPORT_PROTOCOL) != 0) {
        input_pointer(in, "protocol", ptr, sizeof(ptr));
        input_error(in, ptr, "Expected \"" REPORT_PROTOCOL "\".");
    }
    const char *ref = input_string(in, "external_ref", 1, REPORT_REF_MAX, true);
    if (ref != NULL && !ref_valid(ref)) {
        input_pointer(in, "external_ref", ptr, sizeof(ptr));
        input_error(in, ptr, "Use only letters, digits and . _ / -");
    } else if (ref != NULL) {
        snprintf(out->external_ref, sizeof(out->external_ref), "%s", ref);
    }
    bool from = date_member(in, "occurred_from", true, out->occurred_from);
    bool to = date_member(in, "occurred_to", false, out->occurred_to);
    bool rep = date_member(in, "reported_on", true, out->reported_on);
    bool to_given = json_object_get(in->root, "occurred_to") != NULL;
    if (from && !to_given)
        memcpy(out->occurred_to, out->occurred_from, 11); /* a single day */
    if (from && to && strcmp(out->occurred_to, out->occurred_from) < 0) {
        input_pointer(in, "occurred_to", ptr, sizeof(ptr));
        input_error(in, ptr, "occurred_to is before occurred_from.");
    }
    if (from && rep && strcmp(out->reported_on, out->occurred_from) < 0) {
        input_pointer(in, "reported_on", ptr, sizeof(ptr));
        input_error(in, ptr, "reported_on is before occurred_from.");
    }
    const char *const date_keys[] = {"occurred_from", "occurred_to", "reported_on"};
    /* A defaulted occurred_to is not blamed for its occurred_from. */
    const char *dates[] = {from ? out->occurred_from : NULL,
                           to && to_given ? out->occurred_to : NULL, rep ? out->reported_on : NULL};
    for (int i = 0; i < 3; i++) {
        if (dates[i] != NULL && strcmp(dates[i], today) > 0) {
            input_pointer(in, date_keys[i], ptr, sizeof(ptr));
            input_error(in, ptr, "This date is in the future.");
        }
    }
    const char *area = shaped_member(in, "area", true, report_area_valid,
                                     "Expected the GSS code of an LSOA or ward: E01, W01, E05 or "
                                     "W05 and six digits.");
    if (area != NULL)
        memcpy(out->area, area, 10);
    out->location_type =
        code_member(in, "location_type", list_of(codes, "location_type"), "location_type");
    out->nstrands = codes_member(in, "strands", list_of(codes, "strand"), "strand", out->strands,
                                 REPORT_STRANDS_MAX);
    out->nincident_types = codes_member(in, "incident_types", list_of(codes, "incident_type"),
                                        "incident_type", out->incident_types, REPORT_INCIDENTS_MAX);
    parse_victim(codes, in, out);
    out->repeat = code_member(in, "repeat", list_of(codes, "repeat"), "repeat");
    out->channel = code_member(in, "channel", list_of(codes, "channel"), "channel");
    json_t *sk = json_object_get(in->root, "subject_key");
    if (sk != NULL) {
        const char *s = json_string_value(sk);
        bool hex = s != NULL && strlen(s) == 64;
        for (int i = 0; hex && i < 64; i++)
            hex = isdigit((unsigned char)s[i]) || (s[i] >= 'a' && s[i] <= 'f');
        if (hex) {
            memcpy(out->subject_key, s, 65);
            out->has_subject = true;
        } else {
            input_pointer(in, "subject_key", ptr, sizeof(ptr));
            input_error(in, ptr,
                        "Expected the keyed pseudonym: 64 lower-case hexadecimal characters.");
        }
    }
    return !input_failed(in);
}

static void
digest_field(EVP_MD_CTX *ctx, const char *v, char end)
{
    EVP_DigestUpdate(ctx, v, strlen(v));
    EVP_DigestUpdate(ctx, &end, 1);
}

void
report_content_hash(const report_t *r, const char *subject_hash, char out[65])
{
    const char *const fields[] = {
        r->external_ref,  r->occurred_from, r->occurred_to,   r->reported_on,   r->area,
        r->location_type, r->ethnic_group,  r->ethnic_scheme, r->ethnic_native, r->age_band,
        r->sex,           r->repeat,        r->channel,       subject_hash};
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    hub_assert(ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1);
    for (size_t i = 0; i < ARRAY_LEN(fields); i++)
        digest_field(ctx, fields[i], '|');
    /* Order within a list does not change what was reported. */
    const char *sorted[REPORT_INCIDENTS_MAX];
    for (int list = 0; list < 2; list++) {
        int count = list == 0 ? r->nstrands : r->nincident_types;
        memcpy(sorted, list == 0 ? r->strands : r->incident_types, (size_t)count * sizeof(char *));
        for (int i = 1; i < count; i++)
            for (int j = i; j > 0 && strcmp(sorted[j - 1], sorted[j]) > 0; j--) {
                const char *t = sorted[j];
                sorted[j] = sorted[j - 1];
                sorted[j - 1] = t;
            }
        for (int i = 0; i < count; i++)
            digest_field(ctx, sorted[i], ',');
        EVP_DigestUpdate(ctx, "|", 1);
    }
    unsigned char md[32];
    unsigned int mdlen = 0;
    hub_assert(EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32);
    EVP_MD_CTX_free(ctx);
    hex_encode(md, 32, out);
}
