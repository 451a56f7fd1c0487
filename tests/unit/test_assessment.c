/* test_assessment.c: hub/assessment.h — the journey self-assessment against
 * the lists self_assessment and journey_stage of api/codes: the overall
 * stage rule (its boundaries, and every one of the 5^8 answer sets against
 * the rule's definition), valid submissions, the pointer of every refusal,
 * personal data refused without being echoed, and assessment_codes_check on
 * lists written here. The date is fixed (TODAY), never the clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../hub/assessment.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define TODAY "2026-11-23"

#include "codes_fixture.h"

/* ---- the overall stage ---------------------------------------------------- */

/* The rule as the header states it: the highest rank reached or passed by
 * at least quorum of the ranks. */
static int
overall_by_definition(const int *ranks, size_t n, size_t quorum)
{
    int best = 0;
    for (int r = 1; r <= 5; r++) {
        size_t reached = 0;
        for (size_t i = 0; i < n; i++)
            reached += ranks[i] >= r;
        if (reached >= quorum)
            best = r;
    }
    return best;
}

static void
test_overall_boundaries(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int ranks[8];
        int want;
    } cases[] = {
        {"all resisting", {1, 1, 1, 1, 1, 1, 1, 1}, 1},
        {"all achieving", {5, 5, 5, 5, 5, 5, 5, 5}, 5},
        {"six achieving, two resisting: achieving", {5, 5, 5, 5, 5, 5, 1, 1}, 5},
        {"five achieving, three resisting: resisting", {5, 5, 5, 5, 5, 1, 1, 1}, 1},
        {"five achieving, one developing: developing", {5, 5, 5, 5, 5, 4, 1, 1}, 4},
        {"the two lowest do not count", {3, 3, 3, 3, 3, 3, 1, 2}, 3},
        {"higher stages pass a lower one", {3, 3, 3, 3, 5, 5, 5, 5}, 3},
        {"a spread", {5, 5, 4, 4, 3, 3, 2, 2}, 3},
        {"one of each and more", {1, 2, 3, 4, 5, 5, 5, 5}, 3},
        {"order does not matter", {1, 5, 2, 5, 3, 5, 4, 5}, 3},
        {"seven achieving, one resisting", {1, 5, 5, 5, 5, 5, 5, 5}, 5},
        {"sixth highest is starting", {5, 4, 5, 4, 3, 2, 1, 3}, 3},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        int copy[8];
        memcpy(copy, cases[i].ranks, sizeof(copy));
        int got = assessment_overall_rank(cases[i].ranks, 8, ASSESSMENT_QUORUM);
        if (got != cases[i].want)
            fail_msg("%s: %d, want %d", cases[i].name, got, cases[i].want);
        assert_memory_equal(copy, cases[i].ranks, sizeof(copy)); /* not changed */
    }
    static const int some[] = {4, 2, 5, 3, 1, 5, 2, 4};
    assert_int_equal(assessment_overall_rank(some, 5, 6), 0); /* fewer than the quorum */
    assert_int_equal(assessment_overall_rank(some, 8, 0), 0);
    assert_int_equal(assessment_overall_rank(some, 0, 6), 0);
    assert_int_equal(assessment_overall_rank(some, 8, 8), 1); /* all: the lowest */
    assert_int_equal(assessment_overall_rank(some, 8, 1), 5); /* one: the highest */
    assert_int_equal(assessment_overall_rank(some, 6, 6), 1);
    assert_int_equal(assessment_overall_rank(some, 4, 4), 2);
    assert_int_equal(assessment_overall_rank(some, 8, 2), 5);
    assert_int_equal(assessment_overall_rank(some, 8, 3), 4);
}

/* Every set of eight answers (5^8 = 390,625) against the definition. */
static void
test_overall_every_answer_set(void **state)
{
    (void)state;
    int ranks[8];
    size_t wrong = 0;
    for (long k = 0; k < 390625; k++) {
        long x = k;
        for (int q = 0; q < 8; q++, x /= 5)
            ranks[q] = (int)(x % 5) + 1;
        for (size_t quorum = 6; quorum <= 8; quorum += 2)
            if (assessment_overall_rank(ranks, 8, quorum) !=
                overall_by_definition(ranks, 8, quorum))
                wrong++;
    }
    assert_int_equal(wrong, 0);
}

static void
test_stage_ranks(void **state)
{
    (void)state;
    static const char *const order[] = {"resisting", "intending", "starting", "developing",
                                        "achieving"};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(assessment_stage_rank(codes, order[i]), i + 1);
        assert_string_equal(assessment_stage_of_rank(codes, i + 1), order[i]);
    }
    assert_int_equal(assessment_stage_rank(codes, "Achieving"), 0);
    assert_int_equal(assessment_stage_rank(codes, ""), 0);
    assert_int_equal(assessment_stage_rank(codes, NULL), 0);
    assert_null(assessment_stage_of_rank(codes, 0));
    assert_null(assessment_stage_of_rank(codes, 6));
    assert_null(assessment_stage_of_rank(codes, -1));
}

/* ---- submissions ---------------------------------------------------------- */

/* Fixtures are JSON written with ' for " (none has an apostrophe). */
#define Q1_7                                                                                       \
    "{'question':'q1','stage':'starting'},{'question':'q2','stage':'developing'},"                 \
    "{'question':'q3','stage':'starting'},{'question':'q4','stage':'intending'},"                  \
    "{'question':'q5','stage':'achieving'},{'question':'q6','stage':'starting'},"                  \
    "{'question':'q7','stage':'resisting'}"
#define ALL8 Q1_7 ",{'question':'q8','stage':'developing'}"
#define ON_2025 "{'assessed_on':'2025-01-01','answers':["
#define Q8_SAYS(evidence)                                                                          \
    ON_2025 Q1_7 ",{'question':'q8','stage':'achieving','evidence':" evidence "}]}"

static json_t *
parse_text(const char *fixture)
{
    char *text = strdup(fixture);
    for (char *c = text; *c; c++)
        if (*c == '\'')
            *c = '"';
    json_error_t err;
    /* NUL allowed here to reach the module's own check; the body parser refuses it. */
    json_t *root = json_loads(text, JSON_ALLOW_NUL, &err);
    if (root == NULL)
        fail_msg("fixture is not JSON (%s): %s", err.text, text);
    free(text);
    return root;
}

/* The sorted pointers of a refusal, space-separated. */
static void
pointers_of(json_t *problem, char *out, size_t len)
{
    json_t *errors = json_object_get(problem, "errors");
    size_t n = json_array_size(errors);
    const char **p = calloc(n + 1, sizeof(*p));
    for (size_t i = 0; i < n; i++)
        p[i] = json_string_value(json_object_get(json_array_get(errors, i), "pointer"));
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(p[j], p[i]) < 0) {
                const char *t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o < len; i++)
        o += (size_t)snprintf(out + o, len - o, "%s%s", i ? " " : "", p[i]);
    free(p);
}

static void
test_valid(void **state)
{
    (void)state;
    /* q8 first, q1 last: kept in the list's order whatever the order sent. */
    json_t *root = parse_text(
        "{'assessed_on':'" TODAY "','answers':["
        "{'question':'q8','stage':'developing','evidence':'Targets agreed with the partnership.'},"
        "{'question':'q2','stage':'developing'},{'question':'q3','stage':'starting'},"
        "{'question':'q4','stage':'intending'},{'question':'q5','stage':'achieving'},"
        "{'question':'q6','stage':'starting','evidence':null},"
        "{'question':'q7','stage':'resisting','evidence':''},"
        "{'question':'q1','stage':'starting','evidence':'Board paper,\\n\\ttwo lines.'}]}");
    input_t in;
    input_begin(&in, root);
    assessment_t a;
    assert_true(assessment_parse(codes, &in, TODAY, &a));
    assert_null(input_end(&in));
    assert_string_equal(a.assessed_on, TODAY);
    assert_int_equal(a.nanswers, 8);
    static const char *const stages[] = {"starting",  "developing", "starting",  "intending",
                                         "achieving", "starting",   "resisting", "developing"};
    for (size_t q = 0; q < 8; q++) {
        char code[32];
        snprintf(code, sizeof(code), "q%zu", q + 1);
        assert_string_equal(a.answers[q].question, code);
        assert_string_equal(a.answers[q].stage, stages[q]);
        assert_int_equal(a.answers[q].rank, assessment_stage_rank(codes, stages[q]));
    }
    assert_string_equal(a.answers[0].evidence, "Board paper,\n\ttwo lines.");
    assert_string_equal(a.answers[7].evidence, "Targets agreed with the partnership.");
    assert_null(a.answers[1].evidence); /* absent */
    assert_null(a.answers[5].evidence); /* null */
    assert_null(a.answers[6].evidence); /* "" */
    /* ranks 3 4 3 2 5 3 1 4: sorted 5 4 4 3 3 3 2 1, the sixth is 3 */
    assert_string_equal(a.overall, "starting");
    json_decref(root);

    /* The bounds: the earliest date, 1000 characters (of two bytes each). */
    char text[4096];
    size_t o = (size_t)snprintf(text, sizeof(text),
                                "{'assessed_on':'" ASSESSMENT_EARLIEST "','answers':[" Q1_7
                                ",{'question':'q8','stage':'achieving','evidence':'");
    for (int i = 0; i < ASSESSMENT_EVIDENCE_MAX; i++)
        o += (size_t)snprintf(text + o, sizeof(text) - o, "\xc3\xa9"); /* é */
    snprintf(text + o, sizeof(text) - o, "'}]}");
    root = parse_text(text);
    input_begin(&in, root);
    assert_true(assessment_parse(codes, &in, TODAY, &a));
    assert_int_equal(strlen(a.answers[7].evidence), 2 * ASSESSMENT_EVIDENCE_MAX);
    assert_string_equal(a.assessed_on, "2000-01-01");
    json_decref(root);
}

/* Eight answers with the stages given, q1 to q8. */
static json_t *
with_stages(const char *const stages[8])
{
    json_t *answers = json_array();
    for (int q = 0; q < 8; q++) {
        char code[16];
        snprintf(code, sizeof(code), "q%d", q + 1);
        json_array_append_new(answers,
                              json_pack("{s:s, s:s}", "question", code, "stage", stages[q]));
    }
    return json_pack("{s:s, s:o}", "assessed_on", "2026-01-01", "answers", answers);
}

static void
test_overall_of_submissions(void **state)
{
    (void)state;
    static const struct {
        const char *stages[8], *overall;
    } cases[] = {
        {{"achieving", "achieving", "achieving", "achieving", "achieving", "achieving", "resisting",
          "resisting"},
         "achieving"},
        {{"achieving", "achieving", "achieving", "achieving", "achieving", "intending", "resisting",
          "resisting"},
         "intending"},
        {{"developing", "developing", "developing", "developing", "developing", "developing",
          "developing", "developing"},
         "developing"},
        {{"resisting", "intending", "starting", "developing", "achieving", "achieving", "achieving",
          "achieving"},
         "starting"},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        json_t *root = with_stages(cases[i].stages);
        input_t in;
        input_begin(&in, root);
        assessment_t a;
        assert_true(assessment_parse(codes, &in, TODAY, &a));
        assert_string_equal(a.overall, cases[i].overall);
        json_decref(root);
    }
}

#define LONG10 "abcdefghij"
#define LONG100 LONG10 LONG10 LONG10 LONG10 LONG10 LONG10 LONG10 LONG10 LONG10 LONG10
#define LONG1000 LONG100 LONG100 LONG100 LONG100 LONG100 LONG100 LONG100 LONG100 LONG100 LONG100

static void
test_refused(void **state)
{
    (void)state;
    static const struct {
        const char *name, *body, *pointers;
    } cases[] = {
        {"not an object", "[1]", ""},
        {"no date", "{'answers':[" ALL8 "]}", "/assessed_on"},
        {"tomorrow", "{'assessed_on':'2026-11-24','answers':[" ALL8 "]}", "/assessed_on"},
        {"before 2000", "{'assessed_on':'1999-12-31','answers':[" ALL8 "]}", "/assessed_on"},
        {"not a real date", "{'assessed_on':'2025-02-29','answers':[" ALL8 "]}", "/assessed_on"},
        {"not YYYY-MM-DD", "{'assessed_on':'2025-1-01','answers':[" ALL8 "]}", "/assessed_on"},
        {"a timestamp", "{'assessed_on':'2025-01-01T00:00:00Z','answers':[" ALL8 "]}",
         "/assessed_on"},
        {"a date as a number", "{'assessed_on':20250101,'answers':[" ALL8 "]}", "/assessed_on"},
        {"no answers", "{'assessed_on':'2025-01-01'}", "/answers"},
        {"answers not an array", "{'assessed_on':'2025-01-01','answers':{}}", "/answers"},
        {"no answer", ON_2025 "]}", "/answers"},
        {"seven answers", ON_2025 Q1_7 "]}", "/answers"},
        {"a question twice, one missing", ON_2025 Q1_7 ",{'question':'q3','stage':'starting'}]}",
         "/answers /answers/7/question"},
        {"an unknown question", ON_2025 Q1_7 ",{'question':'q9','stage':'starting'}]}",
         "/answers /answers/7/question"},
        {"a question by its label", ON_2025 Q1_7 ",{'question':'Q8','stage':'starting'}]}",
         "/answers /answers/7/question"},
        {"no question", ON_2025 Q1_7 ",{'stage':'achieving'}]}", "/answers /answers/7/question"},
        {"an unknown stage", ON_2025 Q1_7 ",{'question':'q8','stage':'arrived'}]}",
         "/answers/7/stage"},
        {"a stage by its rank", ON_2025 Q1_7 ",{'question':'q8','stage':5}]}", "/answers/7/stage"},
        {"no stage", ON_2025 Q1_7 ",{'question':'q8'}]}", "/answers/7/stage"},
        {"evidence of 1001 characters", Q8_SAYS("'" LONG1000 "x'"), "/answers/7/evidence"},
        {"evidence as a number", Q8_SAYS("12"), "/answers/7/evidence"},
        {"evidence as an array", Q8_SAYS("['x']"), "/answers/7/evidence"},
        {"evidence with a bell", Q8_SAYS("'a\\u0007'"), "/answers/7/evidence"},
        {"evidence with a C1 control", Q8_SAYS("'a\\u0085b'"), "/answers/7/evidence"},
        {"evidence with NUL", Q8_SAYS("'a\\u0000b'"), "/answers/7/evidence"},
        {"an unknown member", "{'assessed_on':'2025-01-01','note':'x','answers':[" ALL8 "]}",
         "/note"},
        {"an unknown member of an answer",
         ON_2025 Q1_7 ",{'question':'q8','stage':'starting','score':3}]}", "/answers/7/score"},
        {"an answer not an object", ON_2025 "'q1'," Q1_7 "]}", "/answers /answers/0"},
        {"everything wrong",
         "{'assessed_on':'2099-01-01','answers':[{'question':'q1','stage':'x'}]}",
         "/answers /answers /answers /answers /answers /answers /answers /answers/0/stage "
         "/assessed_on"},
        {"an e-mail address", Q8_SAYS("'ask alice@example.com'"), "/answers/7/evidence"},
        {"a phone number", Q8_SAYS("'ring 07700 900123'"), "/answers/7/evidence"},
        {"a postcode", Q8_SAYS("'meeting at SW1A 2AA'"), "/answers/7/evidence"},
        {"an NHS number", Q8_SAYS("'case 943 476 5919'"), "/answers/7/evidence"},
        {"a National Insurance number", Q8_SAYS("'NI AB123456C'"), "/answers/7/evidence"},
        {"a name with a title", Q8_SAYS("'led by Mrs Okafor'"), "/answers/7/evidence"},
        {"personal data and a bad date: only the personal data",
         "{'assessed_on':'2099-01-01','answers':[{'question':'q1','evidence':'x@y.co'}]}",
         "/answers/0/evidence"},
        {"personal data in a member name", "{'x@y.co':1,'assessed_on':'2025-01-01'}", ""},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        json_t *root = parse_text(cases[i].body);
        input_t in;
        input_begin(&in, root);
        assessment_t a;
        if (assessment_parse(codes, &in, TODAY, &a))
            fail_msg("%s: accepted", cases[i].name);
        json_t *problem = input_end(&in);
        assert_non_null(problem);
        char got[512];
        pointers_of(problem, got, sizeof(got));
        if (strcmp(got, cases[i].pointers) != 0)
            fail_msg("%s: pointers \"%s\", want \"%s\"", cases[i].name, got, cases[i].pointers);
        json_decref(problem);
        json_decref(root);
    }
}

static void
test_messages_hide_values(void **state)
{
    (void)state;
    static const struct {
        const char *body, *says;
    } says[] = {
        {Q8_SAYS("'" LONG1000 "x'"), "Expected at most 1000 characters."},
        {Q8_SAYS("'a\\u0007'"), "control characters other than tab and line breaks"},
        {Q8_SAYS("'ask alice@example.com'"), "This looks like an e-mail address"},
        {Q8_SAYS("'meeting at SW1A 2AA'"), "This looks like a"},
        {ON_2025 Q1_7 "]}", "Question q8 is not answered"},
        {ON_2025 Q1_7 ",{'question':'q2','stage':'starting'}]}", "answered already, by item 1"},
        {"{'assessed_on':'1999-12-31','answers':[" ALL8 "]}", "from 2000-01-01"},
    };
    for (size_t i = 0; i < LEN(says); i++) {
        json_t *root = parse_text(says[i].body);
        input_t in;
        input_begin(&in, root);
        assessment_t a;
        assert_false(assessment_parse(codes, &in, TODAY, &a));
        json_t *problem = input_end(&in);
        char *text = json_dumps(problem, 0);
        if (strstr(text, says[i].says) == NULL)
            fail_msg("%s does not say \"%s\"", text, says[i].says);
        assert_null(strstr(text, "alice"));
        assert_null(strstr(text, "SW1A"));
        free(text);
        json_decref(problem);
        json_decref(root);
    }

    json_t *root =
        parse_text("{'assessed_on':'1999-09-09','alice@example.com':1,'answers':[" Q1_7
                   ",{'question':'q8','stage':'x','evidence':'Mr Smith, 07700 900123'}]}");
    input_t in;
    input_begin(&in, root);
    assessment_t a;
    assert_false(assessment_parse(codes, &in, TODAY, &a));
    json_t *problem = input_end(&in);
    char *text = json_dumps(problem, 0);
    assert_null(strstr(text, "alice"));
    assert_null(strstr(text, "Smith"));
    assert_null(strstr(text, "07700"));
    assert_null(strstr(text, "1999"));
    free(text);
    json_decref(problem);
    json_decref(root);

    root = parse_text("{'assessed_on':'1999-09-09','answers':[" Q1_7
                      ",{'question':'q8','stage':'well_on_the_way'}]}");
    input_begin(&in, root);
    assert_false(assessment_parse(codes, &in, TODAY, &a));
    problem = input_end(&in);
    text = json_dumps(problem, 0);
    assert_null(strstr(text, "1999"));
    assert_null(strstr(text, "well_on"));
    assert_non_null(strstr(text, "resisting intending starting developing achieving"));
    free(text);
    json_decref(problem);
    json_decref(root);
}

/* ---- assessment_codes_check ---------------------------------------------- */

#define STAGES_OK                                                                                  \
    "code,label,rank\nresisting,R,1\nintending,I,2\nstarting,S,3\ndeveloping,D,4\nachieving,A,5\n"
#define QHEAD "code,label,resisting,intending,starting,developing,achieving\n"
#define QROW(q) q ",Question,r,i,s,d,a\n"
#define QUESTIONS6 QROW("q1") QROW("q2") QROW("q3") QROW("q4") QROW("q5") QROW("q6")

/* assessment_codes_check on a directory holding the two lists. */
static bool
check_lists(const char *stages, const char *questions, char *err, size_t errlen)
{
    char dir[] = "/tmp/test_assessment.XXXXXX", path[2][64];
    assert_non_null(mkdtemp(dir));
    const char *names[] = {"journey_stage", "self_assessment"};
    const char *bodies[] = {stages, questions};
    for (int i = 0; i < 2; i++) {
        snprintf(path[i], sizeof(path[i]), "%s/%s.csv", dir, names[i]);
        if (bodies[i] == NULL)
            continue;
        FILE *f = fopen(path[i], "w");
        assert_non_null(f);
        fputs(bodies[i], f);
        fclose(f);
    }
    codes_t *c = NULL;
    if (!codes_load(dir, &c, err, errlen))
        fail_msg("codes_load: %s", err);
    bool ok = assessment_codes_check(c, err, errlen);
    codes_free(c);
    for (int i = 0; i < 2; i++)
        unlink(path[i]);
    rmdir(dir);
    return ok;
}

static void
test_codes_check(void **state)
{
    (void)state;
    char err[512] = "";
    assert_true(assessment_codes_check(codes, err, sizeof(err)));
    assert_true(check_lists(STAGES_OK, QHEAD QUESTIONS6, err, sizeof(err)));
    /* ranks in another order than the rows are fine */
    assert_true(check_lists("code,label,rank\nb,B,2\na,A,1\n",
                            "code,label,a,b\nq1,Q,x,y\nq2,Q,x,y\nq3,Q,x,y\nq4,Q,x,y\nq5,Q,x,y\n"
                            "q6,Q,x,y\n",
                            err, sizeof(err)));
    static const struct {
        const char *name, *stages, *questions, *says;
    } bad[] = {
        {"no stages", NULL, QHEAD QUESTIONS6, "journey_stage.csv is missing"},
        {"no questions", STAGES_OK, NULL, "self_assessment.csv is missing"},
        {"a rank twice", "code,label,rank\na,A,1\nb,B,1\n", "code,label,a,b\nq1,Q,x,y\n",
         "gives b a rank"},
        {"a rank 0", "code,label,rank\na,A,0\nb,B,1\n", "code,label,a,b\nq1,Q,x,y\n",
         "gives a a rank"},
        {"a rank beyond the stages", "code,label,rank\na,A,1\nb,B,3\n",
         "code,label,a,b\nq1,Q,x,y\n", "gives b a rank"},
        {"a rank not a number", "code,label,rank\na,A,1\nb,B,two\n", "code,label,a,b\nq1,Q,x,y\n",
         "gives b a rank"},
        {"no rank column", "code,label\na,A\n", "code,label,a\nq1,Q,x\n", "gives a a rank"},
        {"five questions", STAGES_OK, QHEAD QROW("q1") QROW("q2") QROW("q3") QROW("q4") QROW("q5"),
         "must have 6 to 16 questions"},
        {"a stage without its column", STAGES_OK,
         "code,label,resisting,intending,starting,developing\nq1,Q,r,i,s,d\nq2,Q,r,i,s,d\n"
         "q3,Q,r,i,s,d\nq4,Q,r,i,s,d\nq5,Q,r,i,s,d\nq6,Q,r,i,s,d\n",
         "no descriptor of achieving for q1"},
        {"an empty descriptor", STAGES_OK, QHEAD QUESTIONS6 "q7,Question,r,i,,d,a\n",
         "no descriptor of starting for q7"},
    };
    for (size_t i = 0; i < LEN(bad); i++) {
        err[0] = '\0';
        if (check_lists(bad[i].stages, bad[i].questions, err, sizeof(err)))
            fail_msg("%s: accepted", bad[i].name);
        if (strstr(err, bad[i].says) == NULL)
            fail_msg("%s: says \"%s\", want \"%s\"", bad[i].name, err, bad[i].says);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overall_boundaries),
        cmocka_unit_test(test_overall_every_answer_set),
        cmocka_unit_test(test_stage_ranks),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_overall_of_submissions),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_messages_hide_values),
        cmocka_unit_test(test_codes_check),
    };
    return cmocka_run_group_tests(tests, load_codes, free_codes);
}
