/* fuzz_report.c: the protocol validator (harassment-report/1) from raw
 * bytes.
 *
 * The bytes are parsed as hubd parses a request body (jansson, duplicate
 * members refused), then checked in the order the handlers check them:
 *  - an object as one report (POST /v1/reports): the personal-data guard
 *    over every string and member name, then report_parse, then the
 *    content hash;
 *  - an array as a batch (POST /v1/reports/batch): each item under its
 *    index;
 *  - an object also as a merge patch (PATCH /v1/reports/{id}) onto a valid
 *    report, and the merged report checked again.
 * Besides memory safety and undefined behaviour, it checks that:
 *  - a batch item is valid exactly when no problem was noted for it, and
 *    its problems point inside it;
 *  - an accepted report holds what the protocol promises (real dates, a
 *    GSS area, 1..7 distinct strands, a 64-hex content hash);
 *  - every problem has a JSON Pointer ("" or starting with '/') and a
 *    message, and neither a message nor a member name in a pointer holds
 *    anything the personal-data guard would refuse: a refusal never echoes
 *    a submitted identifier.
 *
 * Run from the repository root (the code lists are read from api/codes). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hub/codes.h"
#include "../../hub/input.h"
#include "../../hub/pii.h"
#include "../../hub/report.h"

#define TODAY "2026-11-23"

/* A valid report, as a stored one reads back for an amendment. */
static const char stored[] =
    "{\"protocol\":\"harassment-report/1\",\"external_ref\":\"WMP/2026/000123\","
    "\"occurred_from\":\"2026-11-01\",\"occurred_to\":\"2026-11-03\","
    "\"reported_on\":\"2026-11-04\",\"area\":\"E01009417\",\"location_type\":\"street\","
    "\"strands\":[\"race\",\"religion\"],\"incident_types\":[\"verbal_abuse\",\"threats\"],"
    "\"victim\":{\"ethnic_scheme\":\"police\",\"ethnic_group\":\"W3\",\"age_band\":\"25-34\","
    "\"sex\":\"female\"},\"repeat\":\"yes\",\"channel\":\"in_person\"}";

static codes_t *codes;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char err[512];
    if (!codes_load("api/codes", &codes, err, sizeof(err)) ||
        !report_codes_check(codes, err, sizeof(err))) {
        fprintf(stderr, "fuzz_report: api/codes (run from the repository root): %s\n", err);
        abort();
    }
    return 0;
}

static void
fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_report: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

/* Does any segment of the JSON Pointer, unescaped, look like personal
 * data? Segments are member names the guard passed (or indexes). Two
 * things a pointer does to a name can make a new shape that was never
 * submitted, and are not counted: escaping ("~" + "333333333" is written
 * "~0333333333", a telephone number) and the cut of a pointer to
 * INPUT_POINTER_MAX ("k99pdW" cut to "k99pd", a postcode). */
static bool
pointer_has_pii(const char *ptr)
{
    char seg[INPUT_POINTER_MAX];
    bool cut = strlen(ptr) >= INPUT_POINTER_MAX - 4; /* pointer_of_at stops 3 short */
    for (const char *p = ptr; *p == '/';) {
        size_t n = 0;
        for (p++; *p && *p != '/'; p++) {
            char c = *p;
            if (c == '~' && (p[1] == '0' || p[1] == '1'))
                c = *++p == '0' ? '~' : '/';
            if (n < sizeof(seg))
                seg[n++] = c;
        }
        if ((*p == '/' || !cut) && pii_scan(seg, n) != PII_NONE)
            return true;
    }
    return false;
}

static void
check_errors(json_t *errors)
{
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
    {
        const char *ptr = json_string_value(json_object_get(e, "pointer"));
        const char *msg = json_string_value(json_object_get(e, "message"));
        if (ptr == NULL || msg == NULL || msg[0] == '\0')
            fail("a problem without pointer or message", NULL);
        if (ptr[0] != '\0' && ptr[0] != '/')
            fail("not a JSON Pointer", ptr);
        if (pointer_has_pii(ptr))
            fail("a pointer holds personal data", ptr);
        if (pii_scan(msg, strlen(msg)) != PII_NONE)
            fail("a message holds personal data", msg);
    }
}

static void
check_report(const report_t *r)
{
    if (!report_date_valid(r->occurred_from) || !report_date_valid(r->occurred_to) ||
        !report_date_valid(r->reported_on))
        fail("an accepted report with a bad date", NULL);
    if (strcmp(r->occurred_from, r->occurred_to) > 0 ||
        strcmp(r->occurred_from, r->reported_on) > 0 || strcmp(r->occurred_to, TODAY) > 0 ||
        strcmp(r->reported_on, TODAY) > 0)
        fail("an accepted report with dates out of order or in the future", NULL);
    if (r->has_subject && strspn(r->subject_key, "0123456789abcdef") != 64)
        fail("an accepted subject_key that is not 64 lower-case hex", NULL);
    if (!report_area_valid(r->area))
        fail("an accepted report with a bad area", r->area);
    if (r->nstrands < 1 || r->nstrands > REPORT_STRANDS_MAX || r->nincident_types < 1 ||
        r->nincident_types > REPORT_INCIDENTS_MAX)
        fail("an accepted report with a bad number of codes", NULL);
    for (int i = 0; i < r->nstrands; i++)
        for (int j = 0; j < i; j++)
            if (r->strands[i] == r->strands[j])
                fail("an accepted report with a strand twice", r->strands[i]);
    if (r->external_ref[0] == '\0' || r->location_type == NULL || r->ethnic_group == NULL ||
        r->ethnic_scheme == NULL || r->ethnic_native == NULL || r->age_band == NULL ||
        r->sex == NULL || r->repeat == NULL || r->channel == NULL)
        fail("an accepted report with a member missing", NULL);
    char hash[65];
    report_content_hash(r, r->has_subject ? r->subject_key : "", hash);
    if (strlen(hash) != 64 || strspn(hash, "0123456789abcdef") != 64)
        fail("a content hash that is not 64 hex characters", hash);
}

/* Checks root at prefix as reports.c's prepare() does; true when valid. */
static bool
check_one(json_t *root, input_t *in)
{
    report_t r;
    memset(&r, 0xA5, sizeof(r)); /* report_parse must set all it reports valid */
    bool ok = report_guard(in, root);
    if (ok && !json_is_object(root)) {
        input_error(in, in->prefix, "Expected a report object.");
        ok = false;
    }
    bool parsed = ok && report_parse(codes, in, TODAY, &r);
    if (parsed)
        check_report(&r);
    return parsed;
}

static void
check_single(json_t *root)
{
    input_t in;
    input_begin(&in, root);
    check_one(root, &in);
    json_t *errors = input_end_errors(&in);
    check_errors(errors);
    json_decref(errors);
}

static void
check_batch(json_t *batch)
{
    size_t i;
    json_t *item;
    json_array_foreach(batch, i, item)
    {
        input_t in;
        char prefix[24];
        snprintf(prefix, sizeof(prefix), "/%zu", i);
        input_begin_at(&in, item, prefix);
        bool ok = check_one(item, &in);
        json_t *errors = input_end_errors(&in);
        if (ok != (errors == NULL))
            fail("a batch item valid with problems, or invalid without", NULL);
        for (size_t k = 0; k < json_array_size(errors); k++) {
            const char *p =
                json_string_value(json_object_get(json_array_get(errors, k), "pointer"));
            if (p == NULL || strncmp(p, prefix, strlen(prefix)) != 0)
                fail("a batch item's problem outside the item", p);
        }
        check_errors(errors);
        json_decref(errors);
    }
}

/* As reports_amend: the patch guarded, then merged, then all checked. */
static void
check_patch(json_t *patch)
{
    json_t *doc = json_loads(stored, 0, NULL);
    if (doc == NULL)
        fail("the stored report is not JSON", NULL);
    input_t in;
    input_begin(&in, patch);
    bool ok = report_guard(&in, patch);
    if (ok) {
        json_t *ref = json_object_get(patch, "external_ref");
        if (ref == NULL || json_equal(ref, json_object_get(doc, "external_ref")))
            input_merge_patch(doc, patch);
        else
            ok = false;
    }
    input_t whole;
    input_begin(&whole, doc);
    whole.errors = input_end_errors(&in);
    if (ok)
        check_one(doc, &whole);
    json_t *errors = input_end_errors(&whole);
    check_errors(errors);
    json_decref(errors);
    json_decref(doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t err;
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL)
        return 0;
    if (json_is_array(root)) {
        check_batch(root);
    } else {
        check_single(root);
        if (json_is_object(root))
            check_patch(root);
    }
    json_decref(root);
    return 0;
}
