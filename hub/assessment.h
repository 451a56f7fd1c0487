/* assessment.h: one journey self-assessment, checked against the code lists
 * self_assessment (the briefing's eight questions, Q1-Q8) and journey_stage
 * (the five stages, resisting to achieving, with their rank), and the rule
 * that gives its overall stage.
 *
 * A submission is {"assessed_on": "YYYY-MM-DD", "answers": [{"question":
 * "q1", "stage": "starting", "evidence": "…"}, …]}. The date is a real one,
 * from 2000-01-01 up to today (UTC). Every question of the list is answered
 * exactly once, in any order: the overall stage needs them all, and a
 * question left out is not a stage. The evidence note is optional: the
 * partner's own words about its organisation, so free text is allowed, but
 * at most ASSESSMENT_EVIDENCE_MAX characters, no control characters but tab
 * and line breaks, and nothing that looks like personal data (hub/pii.h,
 * through report_guard, over the whole body). Messages never repeat a
 * submitted value.
 *
 * The overall stage is the highest stage reached or passed on at least
 * ASSESSMENT_QUORUM (six) of the eight questions: sort the answers' ranks
 * from highest to lowest and take the sixth. Two questions lagging behind
 * do not hold an organisation back; a third does. */
#ifndef HUB_ASSESSMENT_H
#define HUB_ASSESSMENT_H

#include <stdbool.h>
#include <stddef.h>

#include "codes.h"
#include "input.h"

#define ASSESSMENT_QUORUM 6
#define ASSESSMENT_EVIDENCE_MAX 1000
#define ASSESSMENT_QUESTIONS_MAX 16
#define ASSESSMENT_EARLIEST "2000-01-01"

typedef struct assessment_answer {
    const char *question; /* code of the list self_assessment */
    const char *stage;    /* code of the list journey_stage */
    int rank;             /* the stage's rank: 1 (resisting) and up */
    const char *evidence; /* borrowed from the parsed body; NULL when none */
} assessment_answer_t;

typedef struct assessment {
    char assessed_on[11];
    size_t nanswers; /* every question, in the list's order */
    assessment_answer_t answers[ASSESSMENT_QUESTIONS_MAX];
    const char *overall; /* stage code, by assessment_overall_rank */
} assessment_t;

/* Checks that codes has both lists; that journey_stage's ranks are 1 to
 * its number of stages, each once; and that self_assessment has between
 * ASSESSMENT_QUORUM and ASSESSMENT_QUESTIONS_MAX questions, each with a
 * non-empty descriptor column per stage. False with err otherwise. */
HUB_MUST_CHECK bool assessment_codes_check(const codes_t *codes, char *err, size_t errlen);

/* The rank of stage (a code of journey_stage), or 0 when unknown. */
int assessment_stage_rank(const codes_t *codes, const char *stage);

/* The stage code of rank, or NULL when no stage has it. */
const char *assessment_stage_of_rank(const codes_t *codes, int rank);

/* The overall rank of n answers' ranks: the highest rank that at least
 * quorum of them reach or pass, i.e. the quorum-th highest. 0 when n <
 * quorum or quorum is 0. ranks is not changed. */
int assessment_overall_rank(const int *ranks, size_t n, size_t quorum);

/* Checks in->root as a submission; today is "YYYY-MM-DD" (UTC). True with
 * out filled (its evidence borrowed from in->root), else the problems are
 * noted in in, each with its JSON Pointer. */
bool assessment_parse(const codes_t *codes, input_t *in, const char *today, assessment_t *out);

#endif
