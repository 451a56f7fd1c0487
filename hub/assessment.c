#include "assessment.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define QUESTIONS "self_assessment"
#define STAGES "journey_stage"

/* Items beyond this many in answers are not looked at one by one: the
 * array is refused whole (no one answers eight questions 64 times). */
#define ANSWERS_ITEMS_MAX 64

/* A rank column value: a whole number 1..99, else 0. */
static int
rank_of(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) > 2)
        return 0;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p))
            return 0;
    return atoi(s);
}

bool
assessment_codes_check(const codes_t *codes, char *err, size_t errlen)
{
    const code_list_t *stages = codes_list(codes, STAGES);
    const code_list_t *questions = codes_list(codes, QUESTIONS);
    if (stages == NULL || questions == NULL) {
        snprintf(err, errlen, "HUB_API_DIR: code list %s.csv is missing",
                 stages == NULL ? STAGES : QUESTIONS);
        return false;
    }
    size_t n = code_list_rows(stages);
    if (n == 0 || n > 16) {
        snprintf(err, errlen, "HUB_API_DIR: %s.csv must have 1 to 16 stages", STAGES);
        return false;
    }
    unsigned seen = 0;
    for (size_t r = 0; r < n; r++) {
        int rank = rank_of(code_list_value(stages, r, "rank"));
        if (rank < 1 || (size_t)rank > n || (seen & (1u << rank))) {
            snprintf(err, errlen,
                     "HUB_API_DIR: %s.csv gives %s a rank that is not one of 1 to %zu, or "
                     "another stage's",
                     STAGES, code_list_code(stages, r), n);
            return false;
        }
        seen |= 1u << rank;
    }
    size_t q = code_list_rows(questions);
    if (q < ASSESSMENT_QUORUM || q > ASSESSMENT_QUESTIONS_MAX) {
        snprintf(err, errlen, "HUB_API_DIR: %s.csv must have %d to %d questions", QUESTIONS,
                 ASSESSMENT_QUORUM, ASSESSMENT_QUESTIONS_MAX);
        return false;
    }
    for (size_t r = 0; r < q; r++) {
        for (size_t s = 0; s < n; s++) {
            const char *d = code_list_value(questions, r, code_list_code(stages, s));
            if (d == NULL || *d == '\0') {
                snprintf(err, errlen, "HUB_API_DIR: %s.csv has no descriptor of %s for %s",
                         QUESTIONS, code_list_code(stages, s), code_list_code(questions, r));
                return false;
            }
        }
    }
    return true;
}

int
assessment_stage_rank(const codes_t *codes, const char *stage)
{
    const code_list_t *stages = codes_list(codes, STAGES);
    int row = stage != NULL ? code_list_find(stages, stage) : -1;
    return row < 0 ? 0 : rank_of(code_list_value(stages, (size_t)row, "rank"));
}

const char *
assessment_stage_of_rank(const codes_t *codes, int rank)
{
    const code_list_t *stages = codes_list(codes, STAGES);
    for (size_t r = 0; r < code_list_rows(stages); r++)
        if (rank >= 1 && rank_of(code_list_value(stages, r, "rank")) == rank)
            return code_list_code(stages, r);
    return NULL;
}

int
assessment_overall_rank(const int *ranks, size_t n, size_t quorum)
{
    if (quorum == 0 || n < quorum)
        return 0;
    hub_assert(quorum <= ASSESSMENT_QUESTIONS_MAX);
    int top[ASSESSMENT_QUESTIONS_MAX]; /* the `quorum` highest so far, highest first */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        int r = ranks[i];
        if (kept == quorum && r <= top[quorum - 1])
            continue;                                   /* not among the highest */
        size_t j = kept < quorum ? kept++ : quorum - 1; /* a new slot, or the lowest's */
        for (; j > 0 && top[j - 1] < r; j--)
            top[j] = top[j - 1];
        top[j] = r;
    }
    return top[quorum - 1];
}

/* ---- parsing ------------------------------------------------------------ */

static void
date_member(input_t *in, const char *today, assessment_t *out)
{
    char ptr[INPUT_POINTER_MAX];
    const char *v = input_string(in, "assessed_on", 1, 64, true);
    if (v == NULL)
        return;
    input_pointer(in, "assessed_on", ptr, sizeof(ptr));
    if (!report_date_valid(v))
        input_error(in, ptr, "Expected a real date written YYYY-MM-DD.");
    else if (strcmp(v, ASSESSMENT_EARLIEST) < 0)
        input_error(in, ptr, "Expected a date from " ASSESSMENT_EARLIEST ".");
    else if (strcmp(v, today) > 0)
        input_error(in, ptr, "This date is in the future.");
    else
        memcpy(out->assessed_on, v, 11);
}

static size_t
code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* The evidence note: absent, null or "" is none (NULL). Free text may run
 * over lines, so tab, LF and CR pass; other control characters do not. */
static const char *
evidence_member(input_t *in)
{
    char ptr[INPUT_POINTER_MAX];
    json_t *v = json_object_get(in->root, "evidence");
    if (v == NULL || json_is_null(v))
        return NULL;
    input_pointer(in, "evidence", ptr, sizeof(ptr));
    if (!json_is_string(v)) {
        input_error(in, ptr, "Expected a string of at most 1000 characters, or null.");
        return NULL;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        input_error(in, ptr, "The string contains a NUL character.");
        return NULL;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool c0 = *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r';
        if (c0 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) {
            input_error(in, ptr,
                        "The string contains control characters other than tab and "
                        "line breaks.");
            return NULL;
        }
    }
    if (code_points(s) > ASSESSMENT_EVIDENCE_MAX) {
        input_error(in, ptr, "Expected at most 1000 characters.");
        return NULL;
    }
    return *s ? s : NULL;
}

/* One item of answers; its question's row in the list, or -1. */
static int
answer_item(const codes_t *codes, input_t *item, assessment_answer_t *a)
{
    if (!json_is_object(item->root)) {
        input_error(item, item->prefix, "Expected an object with question, stage and evidence.");
        return -1;
    }
    input_only(item, (const char *const[]){"question", "stage", "evidence", NULL});
    a->question = report_code_member(item, codes, "question", QUESTIONS, true);
    a->stage = report_code_member(item, codes, "stage", STAGES, true);
    a->rank = assessment_stage_rank(codes, a->stage);
    a->evidence = evidence_member(item);
    return a->question != NULL ? code_list_find(codes_list(codes, QUESTIONS), a->question) : -1;
}

static void
answers_member(const codes_t *codes, input_t *in, assessment_t *out)
{
    char ptr[INPUT_POINTER_MAX], msg[160];
    const code_list_t *questions = codes_list(codes, QUESTIONS);
    size_t nq = code_list_rows(questions);
    input_pointer(in, "answers", ptr, sizeof(ptr));
    json_t *list = json_object_get(in->root, "answers");
    if (list == NULL || !json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > ANSWERS_ITEMS_MAX) {
        snprintf(msg, sizeof(msg),
                 list == NULL ? "This member is required: an array of the %zu answers, one per "
                                "question."
                              : "Expected an array of the %zu answers, one per question.",
                 nq);
        input_error(in, ptr, msg);
        return;
    }
    int at[ASSESSMENT_QUESTIONS_MAX]; /* the item answering each question, or -1 */
    for (size_t q = 0; q < nq; q++)
        at[q] = -1;
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        input_t item;
        char prefix[INPUT_POINTER_MAX + 24];
        snprintf(prefix, sizeof(prefix), "%s/%zu", ptr, i);
        input_begin_within(&item, v, prefix, in);
        assessment_answer_t a = {0};
        int q = answer_item(codes, &item, &a);
        if (q < 0)
            continue;
        if (at[q] >= 0) {
            char qptr[INPUT_POINTER_MAX];
            input_pointer(&item, "question", qptr, sizeof(qptr));
            snprintf(msg, sizeof(msg), "This question is answered already, by item %d of answers.",
                     at[q]);
            input_error(in, qptr, msg);
            continue;
        }
        at[q] = (int)i;
        out->answers[q] = a;
    }
    for (size_t q = 0; q < nq; q++) {
        if (at[q] < 0) {
            snprintf(msg, sizeof(msg),
                     "Question %s is not answered; answer each of the %zu questions of the list "
                     "self_assessment once.",
                     code_list_code(questions, q), nq);
            input_error(in, ptr, msg);
        }
    }
    out->nanswers = nq;
}

bool
assessment_parse(const codes_t *codes, input_t *in, const char *today, assessment_t *out)
{
    memset(out, 0, sizeof(*out));
    if (!json_is_object(in->root)) {
        input_error(in, in->prefix, "Expected an object.");
        return false;
    }
    if (!report_guard(in, in->root))
        return false; /* nothing else is looked at: messages could echo member names */
    input_only(in, (const char *const[]){"assessed_on", "answers", NULL});
    date_member(in, today, out);
    answers_member(codes, in, out);
    if (input_failed(in))
        return false;
    int ranks[ASSESSMENT_QUESTIONS_MAX];
    for (size_t q = 0; q < out->nanswers; q++)
        ranks[q] = out->answers[q].rank;
    out->overall = assessment_stage_of_rank(
        codes, assessment_overall_rank(ranks, out->nanswers, ASSESSMENT_QUORUM));
    hub_assert(out->overall != NULL); /* ranks 1..n, checked at start-up */
    return true;
}
