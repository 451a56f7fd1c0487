/* test_convert.c: clients/hubctl/mapping.h, convert.h and rejects.h — an
 * agency's rows turned into protocol reports before anything is sent: the
 * mapping file and its refusals, the columns a header may have, each kind
 * of field (dates, lists, codes, defaults, the victim's fields), identity
 * hashed and dropped, postcodes turned into areas, the reasons a row is
 * refused here, JSON items, and the rejects file's records. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../clients/hubctl/convert.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define KEY "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* --- the mapping --------------------------------------------------------- */

static mapping_t *
mapping(const char *text)
{
    char err[400];
    mapping_t *m = mapping_parse(text, strlen(text), err, sizeof(err));
    if (m == NULL)
        fail_msg("%s", err);
    return m;
}

static void
test_mapping(void **state)
{
    (void)state;
    mapping_t *m = mapping("{\"columns\": {\"Crime Ref\": \"external_ref\", \"Officer\": null},"
                           " \"codes\": {\"channel\": {\"Phone\": \"telephone\", \" Walk-In \":"
                           " \"in_person\"}, \"victim.sex\": {\"F\": \"female\"}},"
                           " \"defaults\": {\"ethnic_scheme\": \"police\"}}");
    const char *target = "x";
    assert_true(mapping_column(m, "Crime Ref", &target));
    assert_string_equal(target, "external_ref");
    assert_true(mapping_column(m, "Officer", &target));
    assert_null(target);
    assert_false(mapping_column(m, "crime ref", &target)); /* column names: exact */
    assert_string_equal(mapping_code(m, "channel", "Phone"), "telephone");
    assert_string_equal(mapping_code(m, "channel", "  PHONE "), "telephone"); /* codes: loose */
    assert_string_equal(mapping_code(m, "channel", "walk-in"), "in_person");
    assert_string_equal(mapping_code(m, "sex", "f"), "female");
    assert_null(mapping_code(m, "channel", "Fax"));
    assert_null(mapping_code(m, "repeat", "Y"));
    assert_string_equal(mapping_default(m, "ethnic_scheme"), "police");
    assert_null(mapping_default(m, "sex"));
    mapping_free(m);

    m = mapping("{}");
    assert_false(mapping_column(m, "a", &target));
    mapping_free(m);
    /* no mapping at all: nothing mapped */
    assert_false(mapping_column(NULL, "a", &target));
    assert_null(mapping_code(NULL, "channel", "Phone"));
    assert_null(mapping_default(NULL, "sex"));

    static const struct {
        const char *text, *err;
    } bad[] = {
        {"{", "not valid JSON at line 1, column 1: *"}, /* then jansson's words */
        {"[]", "a mapping is a JSON object with columns, codes and defaults"},
        {"{\"column\": {}}", "unknown member column: a mapping has columns, codes and defaults"},
        {"{\"columns\": []}", "columns must be an object of column name to field name"},
        {"{\"columns\": {\"A\": 1}}", "columns.A must be a field name or null"},
        {"{\"columns\": {\"A\": \"\"}}", "columns.A must be a field name or null"},
        {"{\"columns\": {\"A\": \"area\", \"B\": \"area\"}}", "columns A and B both map to area"},
        {"{\"codes\": {\"area\": {}}}",
         "codes.area: not a coded field (location_type, strands, incident_types, ethnic_group, "
         "ethnic_scheme, age_band, sex, repeat, channel)"},
        {"{\"codes\": {\"channel\": []}}",
         "codes.channel must be an object of agency code to protocol code"},
        {"{\"codes\": {\"channel\": {\"Phone\": 1}}}",
         "codes.channel.Phone must be a protocol code (a string)"},
        {"{\"codes\": {\"channel\": {\"Phone\": \"telephone\", \"PHONE\": \"email\"}}}",
         "codes.channel.PHONE: given twice (codes are matched ignoring case and spaces around "
         "them)"},
        {"{\"codes\": {\"sex\": {}, \"victim.sex\": {}}}", "codes.victim.sex: the field is given "
                                                           "twice"},
        {"{\"defaults\": {\"colour\": \"red\"}}", "defaults.colour: not a field of the protocol"},
        {"{\"defaults\": {\"external_ref\": \"X\"}}",
         "defaults.external_ref: this field cannot have a default"},
        {"{\"defaults\": {\"sex\": 1}}", "defaults.sex must be a non-empty string"},
        {"{\"columns\": {}, \"columns\": {}}", "not valid JSON at line 1, *"},
    };
    for (size_t i = 0; i < LEN(bad); i++) {
        char err[400] = "";
        m = mapping_parse(bad[i].text, strlen(bad[i].text), err, sizeof(err));
        size_t n = strlen(bad[i].err);
        if (bad[i].err[n - 1] == '*') /* a prefix */
            n--;
        else
            n++;
        if (m != NULL || strncmp(err, bad[i].err, n) != 0)
            fail_msg("%s:\n  want: %s\n  got:  %s", bad[i].text, bad[i].err, err);
    }
}

/* --- rows ---------------------------------------------------------------- */

/* The first record of text (a header, or a row). */
typedef struct {
    csv_reader_t *r;
    csv_record_t rec;
} rec_t;

static void
rec_open(rec_t *x, const char *text)
{
    x->r = csv_open_mem(text, strlen(text));
    assert_int_equal(csv_next(x->r, &x->rec), CSV_RECORD);
}

static convert_t *
plan(const char *header, const convert_opts_t *o, char *err, size_t errlen)
{
    rec_t h;
    rec_open(&h, header);
    convert_t *c = convert_new_csv(&h.rec, o, err, errlen);
    csv_close(h.r);
    return c;
}

/* The row's report as compact JSON in protocol order, or "REJECT" and each
 * reason as " [pointer|column] reason". Caller frees. */
static char *
row(const convert_t *c, const char *text)
{
    rec_t x;
    rec_open(&x, text);
    reject_t why = {.n = 0};
    json_t *report = convert_record(c, &x.rec, &why);
    csv_close(x.r);
    if (report != NULL) {
        assert_int_equal(why.n, 0);
        char *s = json_dumps(report, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(report);
        return s;
    }
    char *out = calloc(1, 4096);
    size_t o = (size_t)snprintf(out, 4096, "REJECT");
    for (size_t i = 0; i < why.n; i++)
        o += (size_t)snprintf(out + o, 4096 - o, " [%s|%s] %s", why.reasons[i].pointer,
                              why.reasons[i].column, why.reasons[i].reason);
    return out;
}

static void
expect_row(const convert_t *c, const char *text, const char *want)
{
    char *got = row(c, text);
    if (strcmp(got, want) != 0)
        fail_msg("row %s\n  want: %s\n  got:  %s", text, want, got);
    free(got);
}

#define HEADER                                                                                     \
    "external_ref,occurred_from,occurred_to,reported_on,area,location_type,strands,"               \
    "incident_types,ethnic_group,ethnic_scheme,age_band,sex,repeat,channel,subject_key"

static void
test_protocol_columns(void **state)
{
    (void)state;
    char err[400];
    convert_opts_t o = {0};
    convert_t *c = plan(HEADER, &o, err, sizeof(err));
    assert_non_null(c);
    expect_row(c,
               "WMP-1,2026-10-14,2026-10-14,2026-10-15,E01009417,street,race;religion,"
               "verbal_abuse;threats,A2,police,25-34,female,yes,in_person,"
               "3ca25834a5707465d96a0c9b488a4238de17d2f23ca0bdb00c0bc22d8f3c2b98",
               "{\"protocol\":\"harassment-report/1\",\"external_ref\":\"WMP-1\","
               "\"occurred_from\":\"2026-10-14\",\"occurred_to\":\"2026-10-14\","
               "\"reported_on\":\"2026-10-15\",\"area\":\"E01009417\",\"location_type\":"
               "\"street\",\"strands\":[\"race\",\"religion\"],\"incident_types\":"
               "[\"verbal_abuse\",\"threats\"],\"victim\":{\"ethnic_group\":\"A2\","
               "\"ethnic_scheme\":\"police\",\"age_band\":\"25-34\",\"sex\":\"female\"},"
               "\"repeat\":\"yes\",\"channel\":\"in_person\",\"subject_key\":"
               "\"3ca25834a5707465d96a0c9b488a4238de17d2f23ca0bdb00c0bc22d8f3c2b98\"}");
    /* empty cells are left out; spaces trimmed; UK dates written ISO; list items
     * trimmed, empty ones dropped; anything else is sent as it is */
    expect_row(c,
               " X-2 ,1/2/2026,,03/02/2026, E05011121 ,home, race ; ;,threats;,,,16-24,male,no,"
               "letter,",
               "{\"protocol\":\"harassment-report/1\",\"external_ref\":\"X-2\","
               "\"occurred_from\":\"2026-02-01\",\"reported_on\":\"2026-02-03\",\"area\":"
               "\"E05011121\",\"location_type\":\"home\",\"strands\":[\"race\"],"
               "\"incident_types\":[\"threats\"],\"victim\":{\"age_band\":\"16-24\",\"sex\":"
               "\"male\"},\"repeat\":\"no\",\"channel\":\"letter\"}");
    expect_row(c, "X-3,2026-13-45,,1/2/26,,,,,,,,,,,",
               "{\"protocol\":\"harassment-report/1\",\"external_ref\":\"X-3\","
               "\"occurred_from\":\"2026-13-45\",\"reported_on\":\"1/2/26\"}");
    /* refused here */
    expect_row(c, "X-4,2026-10-14", "REJECT [|] The row has 2 fields; the header has 15.");
    expect_row(c, "X-5,2026-10-14,,2026-10-15,E01009417,street,race,\xff,,,,,,,",
               "REJECT [/incident_types|incident_types] Not valid UTF-8 text; the row was not "
               "sent.");
    assert_string_equal(convert_column(c, "/victim/age_band"), "age_band");
    assert_string_equal(convert_column(c, "/strands/1"), "strands");
    assert_null(convert_column(c, "/victim"));
    assert_null(convert_column(c, "/protocol"));
    convert_free(c);

    /* victim.NAME is the same as NAME; a protocol column wins over the default */
    c = plan("external_ref,victim.age_band,protocol", &o, err, sizeof(err));
    assert_non_null(c);
    expect_row(c, "A,65+,harassment-report/2",
               "{\"protocol\":\"harassment-report/2\",\"external_ref\":\"A\",\"victim\":"
               "{\"age_band\":\"65+\"}}");
    assert_string_equal(convert_column(c, "/victim/age_band"), "victim.age_band");
    convert_free(c);
}

static void
test_mapped_columns(void **state)
{
    (void)state;
    char err[400];
    mapping_t *m = mapping(
        "{\"columns\": {\"Ref\": \"external_ref\", \"When\": \"occurred_from\", \"Told\":"
        " \"reported_on\", \"Kind\": \"strands\", \"How\": \"channel\", \"Notes\": null,"
        " \"Ethnicity\": \"victim.ethnic_group\"},"
        " \"codes\": {\"strands\": {\"Racial\": \"race\", \"Faith\": \"religion\"},"
        " \"channel\": {\"Phone\": \"telephone\"}, \"ethnic_group\": {\"White British\": \"W1\"}},"
        " \"defaults\": {\"ethnic_scheme\": \"police\", \"repeat\": \"unknown\", \"strands\":"
        " \"race\"}}");
    convert_opts_t o = {.mapping = m};
    convert_t *c = plan("Ref,When,Told,Kind,How,Notes,Ethnicity,repeat", &o, err, sizeof(err));
    assert_non_null(c);
    expect_row(c, "R1,14/10/2026,15/10/2026,Racial;faith;other,PHONE,free text,white british,",
               "{\"protocol\":\"harassment-report/1\",\"external_ref\":\"R1\","
               "\"occurred_from\":\"2026-10-14\",\"reported_on\":\"2026-10-15\","
               "\"strands\":[\"race\",\"religion\",\"other\"],\"victim\":{\"ethnic_group\":"
               "\"W1\",\"ethnic_scheme\":\"police\"},\"repeat\":\"unknown\",\"channel\":"
               "\"telephone\"}");
    /* a default fills an empty cell, and is not mapped */
    expect_row(c, "R2,,,,Fax,,,yes",
               "{\"protocol\":\"harassment-report/1\",\"external_ref\":\"R2\",\"strands\":"
               "[\"race\"],\"victim\":{\"ethnic_scheme\":\"police\"},\"repeat\":\"yes\","
               "\"channel\":\"Fax\"}");
    assert_string_equal(convert_column(c, "/channel"), "How");
    assert_string_equal(convert_column(c, "/victim/ethnic_group"), "Ethnicity");
    assert_null(convert_column(c, "/victim/ethnic_scheme")); /* from the defaults */
    convert_free(c);
    mapping_free(m);
}

static void
test_header_refusals(void **state)
{
    (void)state;
    char err[400];
    identity_t *id = identity_new("name,dob", KEY, strlen(KEY), err, sizeof(err));
    assert_non_null(id);
    const char *lookup = "pcds,lsoa21cd\nSW1A 1AA,E01004736\n";
    csv_reader_t *r = csv_open_mem(lookup, strlen(lookup));
    postcode_table_t *pc = postcode_table_read(r, err, sizeof(err));
    csv_close(r);
    assert_non_null(pc);
    mapping_t *m = mapping("{\"columns\": {\"Area\": \"area\", \"Ref\": \"external_ref\"}}");

    static const struct {
        const char *header;
        int opts; /* 1 identity, 2 postcodes, 4 mapping */
        const char *err;
    } bad[] = {
        {"external_ref,colour", 0,
         "column colour is not a field of the protocol: name it as one in --mapping, or ignore "
         "it there (\"colour\": null)"},
        {"external_ref,postcode", 0,
         "column postcode is a postcode: give --postcode-lookup to turn it into the area, list "
         "it in --identity-columns, or ignore it in --mapping (\"postcode\": null); a postcode "
         "is never sent"},
        {"external_ref,,area", 0, "column 2 has no name in the header"},
        {"area,external_ref,area", 0, "column area is named twice in the header"},
        {"area,Area", 4, "columns area and Area are both area"},
        {"sex,victim.sex", 0, "columns sex and victim.sex are both sex"},
        {"external_ref,name", 1, "identity column dob is not in the file"},
        {"external_ref,name,dob,subject_key", 1,
         "column subject_key holds subject keys, and --identity-columns makes them: drop one"},
        {"external_ref,area", 2,
         "--postcode-lookup needs a postcode column (named postcode, or mapped to it)"},
        {"postcode,postcode", 2, "column postcode is named twice in the header"},
    };
    for (size_t i = 0; i < LEN(bad); i++) {
        convert_opts_t o = {bad[i].opts & 4 ? m : NULL, bad[i].opts & 1 ? id : NULL,
                            bad[i].opts & 2 ? pc : NULL};
        err[0] = '\0';
        convert_t *c = plan(bad[i].header, &o, err, sizeof(err));
        if (c != NULL || strcmp(err, bad[i].err) != 0)
            fail_msg("%s:\n  want: %s\n  got:  %s", bad[i].header, bad[i].err, err);
    }
    /* an identity column that is a protocol field */
    identity_t *id2 = identity_new("area", KEY, strlen(KEY), err, sizeof(err));
    convert_opts_t o = {NULL, id2, NULL};
    assert_null(plan("external_ref,area", &o, err, sizeof(err)));
    assert_string_equal(err, "identity column area is the protocol field area: identity is "
                             "never sent");
    identity_free(id2);
    mapping_free(m);
    postcode_table_free(pc);
    identity_free(id);
}

static void
test_anonymise(void **state)
{
    (void)state;
    char err[400];
    identity_t *id = identity_new("name,dob,postcode", KEY, strlen(KEY), err, sizeof(err));
    const char *lookup = "pcds,lsoa21cd\nSW1A 1AA,E01004736\nM1 1AE,E01033677\n";
    csv_reader_t *r = csv_open_mem(lookup, strlen(lookup));
    postcode_table_t *pc = postcode_table_read(r, err, sizeof(err));
    csv_close(r);
    assert_non_null(pc);
    mapping_t *m = mapping("{\"columns\": {\"Victim\": \"name\", \"Born\": \"dob\", \"Post Code\":"
                           " \"postcode\"}}");
    convert_opts_t o = {m, id, pc};
    convert_t *c = plan("external_ref,Victim,Born,Post Code,area", &o, err, sizeof(err));
    if (c == NULL)
        fail_msg("%s", err);
    /* printf 'JOHN SMITH\x1f1980-03-01\x1fSW1A1AA' | openssl dgst -sha256 -hmac KEY; the
     * identity columns are gone and the postcode's area replaces the area column's */
    expect_row(c, "A-1, john  smith ,01/03/1980,sw1a 1aa,E01000001",
               "{\"protocol\":\"harassment-report/1\",\"external_ref\":\"A-1\",\"area\":"
               "\"E01004736\",\"subject_key\":"
               "\"a786685401c34d887f299731e8982bc30767043b0e3831da5b24055a834a9cd7\"}");
    /* no identity, no postcode: no subject_key, the area column stays */
    expect_row(c, "A-2,,,,E01000001",
               "{\"protocol\":\"harassment-report/1\",\"external_ref\":\"A-2\",\"area\":"
               "\"E01000001\"}");
    /* both refusals at once, naming the columns, never the values */
    expect_row(c, "A-3,Jane Doe,31/02/1980,ZZ9 9ZZ,",
               "REJECT [/subject_key|Born] Not a date (YYYY-MM-DD or DD/MM/YYYY): no "
               "subject_key can be made; the row was not sent. [/area|Post Code] The postcode "
               "is not in the postcode lookup; the row was not sent.");
    assert_string_equal(convert_column(c, "/area"), "area");
    convert_free(c);
    /* without an area column, the area's pointer names the postcode column */
    c = plan("external_ref,Victim,Born,Post Code", &o, err, sizeof(err));
    assert_non_null(c);
    assert_string_equal(convert_column(c, "/area"), "Post Code");
    convert_free(c);

    /* JSON items: top-level members */
    c = convert_new_json(&o);
    reject_t why = {.n = 0};
    json_t *item = json_loads("{\"external_ref\":\"J-1\",\"name\":\"John Smith\",\"dob\":"
                              "\"1980-03-01\",\"postcode\":\"SW1A 1AA\"}",
                              0, NULL);
    json_t *report = convert_object(c, item, &why);
    assert_non_null(report);
    char *s = json_dumps(report, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(s, "{\"external_ref\":\"J-1\",\"subject_key\":"
                           "\"a786685401c34d887f299731e8982bc30767043b0e3831da5b24055a834a9cd7\","
                           "\"area\":\"E01004736\"}");
    free(s);
    json_decref(report);
    item = json_loads("{\"external_ref\":\"J-2\",\"subject_key\":\"00\",\"name\":\"X\","
                      "\"postcode\":\"nowhere\"}",
                      0, NULL);
    assert_null(convert_object(c, item, &why));
    assert_int_equal(why.n, 2);
    assert_string_equal(why.reasons[0].reason,
                        "The item has a subject_key, and --identity-columns makes one.");
    assert_string_equal(why.reasons[1].pointer, "/area");
    why.n = 0;
    assert_null(convert_object(c, json_integer(1), &why));
    assert_string_equal(why.reasons[0].reason, "Expected a report object; the item was not sent.");
    assert_null(convert_column(c, "/area"));
    convert_free(c);

    mapping_free(m);
    postcode_table_free(pc);
    identity_free(id);
}

/* --- the rejects file ---------------------------------------------------- */

static void
test_rejects_file(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_true(rejects_write_header(f));
    reject_t rj = {.n = 0};
    reject_add(&rj, "/victim/age_band", "Age, band", "Expected one of: \"a\" b");
    reject_add(&rj, NULL, NULL, "two\nlines");
    assert_true(rejects_write(f, 42, &rj));
    reject_t many = {.n = 0};
    for (int i = 0; i < REJECT_REASONS_MAX + 3; i++)
        reject_add(&many, "/x", "x", "problem %d", i);
    assert_true(rejects_write(f, 43, &many));
    fclose(f);
    const char *want_start = "line,pointer,column,reason\n"
                             "42,/victim/age_band,\"Age, band\",\"Expected one of: \"\"a\"\" b\"\n"
                             "42,,,two lines\n"
                             "43,/x,x,problem 0\n";
    assert_memory_equal(text, want_start, strlen(want_start));
    assert_non_null(strstr(text, "43,/x,x,problem 15\n43,,,3 more problems in this row\n"));
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mapping),        cmocka_unit_test(test_protocol_columns),
        cmocka_unit_test(test_mapped_columns), cmocka_unit_test(test_header_refusals),
        cmocka_unit_test(test_anonymise),      cmocka_unit_test(test_rejects_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
