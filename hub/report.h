/* report.h: one report of the common protocol harassment-report/1.
 *
 * report_parse checks a JSON report against the protocol and the code
 * lists, noting every problem (not just the first) with its JSON Pointer,
 * and turns it into a typed report: codes point into the code lists, the
 * ethnic group is mapped to ONS 2021 with the native code kept. Messages
 * never repeat a submitted value. */
#ifndef HUB_REPORT_H
#define HUB_REPORT_H

#include <jansson.h>
#include <stdbool.h>

#include "codes.h"
#include "input.h"

#define REPORT_PROTOCOL "harassment-report/1"
#define REPORT_REF_MAX 64
#define REPORT_STRANDS_MAX 7
#define REPORT_INCIDENTS_MAX 9
#define REPORT_DEPTH_MAX 4

typedef struct report {
    char external_ref[REPORT_REF_MAX + 1];
    char occurred_from[11], occurred_to[11], reported_on[11];
    char area[10];
    const char *location_type;
    const char *strands[REPORT_STRANDS_MAX];
    int nstrands;
    const char *incident_types[REPORT_INCIDENTS_MAX];
    int nincident_types;
    const char *ethnic_group;  /* ONS 2021 code */
    const char *ethnic_scheme; /* ons2021, police or nhs */
    const char *ethnic_native; /* the code as submitted */
    const char *age_band, *sex, *repeat, *channel;
    bool has_subject;
    char subject_key[65]; /* as submitted: only ever stored re-keyed */
} report_t;

/* Checks that codes has every list the protocol needs and that every
 * crosswalk row names a known ONS 2021 code; false with err otherwise. */
HUB_MUST_CHECK bool report_codes_check(const codes_t *codes, char *err, size_t errlen);

/* Refuses personal data anywhere in value (every string and member name),
 * and nesting deeper than the protocol's. True when nothing was found. */
bool report_guard(input_t *in, json_t *value);

/* Checks in->root as a report. today is "YYYY-MM-DD" (UTC). True when
 * valid, with out filled; otherwise the problems are noted in in. */
bool report_parse(const codes_t *codes, input_t *in, const char *today, report_t *out);

/* A member of in whose value is a code of the named list: the code's
 * stable copy, or NULL with the problem noted (missing when required, or
 * unknown, listing the allowed codes). */
const char *report_code_member(input_t *in, const codes_t *codes, const char *key,
                               const char *listname, bool required);

/* Is s a real calendar date written YYYY-MM-DD? */
bool report_date_valid(const char *s);

/* Is s a GSS code of an LSOA or ward (E01, W01, E05, W05 and six digits)? */
bool report_area_valid(const char *s);

/* SHA-256 (hex) of the report's normalised content, with the stored
 * pseudonym (hex, or "" without one): equal hashes mean a resubmission. */
void report_content_hash(const report_t *r, const char *subject_hash, char out[65]);

#endif
