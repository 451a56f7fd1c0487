#include "reports.h"

#include <sys/queue.h> /* before keyvalq_struct.h */

#include <ctype.h>
#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "problem.h"
#include "pseudonym.h"
#include "report.h"

/* Rows per INSERT of a batch: large enough to amortise the statement,
 * small enough to keep each parameter array a few hundred kilobytes. */
#define BATCH_CHUNK 1000
#define LIST_DEFAULT 100
#define LIST_MAX 1000
#define CSV_MAX 10000

static const codes_t *codes;
static const config_t *config;

void
reports_configure(const codes_t *c, const config_t *cfg)
{
    codes = c;
    config = cfg;
}

/* ---- one report in, checked and ready for the database --------------- */

typedef struct prepared {
    report_t report;
    char subject[65]; /* re-keyed pseudonym, or "" */
    char content[65]; /* content hash */
    char strands[128], incidents[256];
} prepared_t;

static void
join_codes(const char *const *list, int n, char *out, size_t len)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < n && o < len; i++)
        o += (size_t)snprintf(out + o, len - o, "%s%s", i ? "," : "", list[i]);
}

/* Checks root as a report at prefix; true and p filled when valid. */
static bool
prepare(json_t *root, input_t *in, const char *today, prepared_t *p)
{
    if (!report_guard(in, root))
        return false; /* nothing else is looked at: messages could echo names */
    if (!json_is_object(root)) {
        input_error(in, in->prefix, "Expected a report object.");
        return false;
    }
    if (!report_parse(codes, in, today, &p->report))
        return false;
    p->subject[0] = '\0';
    if (p->report.has_subject)
        pseudonym_rekey(p->report.subject_key, p->subject);
    report_content_hash(&p->report, p->subject, p->content);
    join_codes(p->report.strands, p->report.nstrands, p->strands, sizeof(p->strands));
    join_codes(p->report.incident_types, p->report.nincident_types, p->incidents,
               sizeof(p->incidents));
    return true;
}

#define REPORT_COLUMNS                                                                             \
    "partnership_id, partner_id, external_ref, occurred_from, occurred_to, reported_on, area,"     \
    " location_type, strands, incident_types, ethnic_group, ethnic_scheme, ethnic_native,"         \
    " age_band, sex, repeat, channel, subject_hash, content_hash"

/* One report: inserted (201), the same content already there (200), or a
 * different report under that external_ref (409). One statement, which also
 * writes its audit row (the outcome known only here), then COMMIT in the
 * same round trip. */
static const char insert_one_sql[] =
    "WITH ins AS (INSERT INTO hub.report (" REPORT_COLUMNS ")"
    " VALUES (hub.current_partnership(), hub.current_partner(), $1, $2::date, $3::date, $4::date,"
    " $5, $6, string_to_array($7, ','), string_to_array($8, ','), $9, $10, $11, $12, $13, $14,"
    " $15, decode($16, 'hex'), decode($17, 'hex'))"
    " ON CONFLICT (partnership_id, partner_id, external_ref) DO NOTHING RETURNING *),"
    " res AS (SELECT 201 AS status, report_id, hub.report_json(ins::hub.report)::text AS body"
    " FROM ins UNION ALL"
    " SELECT CASE WHEN r.content_hash = decode($17, 'hex') THEN 200 ELSE 409 END, r.report_id,"
    " hub.report_json(r)::text FROM hub.report r"
    " WHERE r.partnership_id = hub.current_partnership() AND r.partner_id = hub.current_partner()"
    " AND r.external_ref = $1 AND NOT EXISTS (SELECT FROM ins)),"
    " aud AS (INSERT INTO hub.audit_log (partnership_id, partner_id, credential_id, request_id,"
    " action, object_type, object_id, outcome) SELECT hub.current_partnership(),"
    " hub.current_partner(), $18::bigint, $19, 'reports.create', 'report', report_id::text,"
    " CASE WHEN status = 409 THEN 'refused' ELSE 'ok' END FROM res)"
    " SELECT status, report_id, body FROM res";

static void
report_params(const prepared_t *p, const char *params[17])
{
    const report_t *rp = &p->report;
    const char *v[17] = {
        rp->external_ref, rp->occurred_from, rp->occurred_to,   rp->reported_on,
        rp->area,         rp->location_type, p->strands,        p->incidents,
        rp->ethnic_group, rp->ethnic_scheme, rp->ethnic_native, rp->age_band,
        rp->sex,          rp->repeat,        rp->channel,       p->subject[0] ? p->subject : NULL,
        p->content};
    memcpy(params, v, sizeof(v));
}

static void
respond_conflict(request_t *r, const char *id)
{
    char detail[256];
    snprintf(detail, sizeof(detail),
             "You already submitted a different report with this external_ref; amend it with "
             "PATCH /v1/reports/%s.",
             id);
    json_t *p = problem_new(409, "conflict", detail);
    problem_add_error(p, "/external_ref", "Already used for a report with other content.");
    json_object_set_new(p, "report", json_string(id));
    http_respond_problem(r, p);
}

void
reports_create(request_t *r)
{
    snprintf(r->audit_type, sizeof(r->audit_type), "report");
    json_t *body = http_read_json(r);
    if (body == NULL)
        return;
    char today[11];
    utc_today(today);
    input_t in;
    input_begin(&in, body);
    prepared_t p;
    bool ok = prepare(body, &in, today, &p);
    json_decref(body);
    if (!ok) {
        http_respond_problem(r, input_end(&in));
        return;
    }
    const char *params[19];
    char credential[24];
    report_params(&p, params);
    snprintf(credential, sizeof(credential), "%lld", r->who->credential_id);
    params[17] = credential;
    params[18] = r->id;
    db_stmt_t q = {insert_one_sql, 19, params};
    PGresult *res;
    char state[6];
    for (int attempt = 0;; attempt++) {
        if (!access_run_commit(r, &q, 1, &res, state)) {
            access_fail(r, state);
            return;
        }
        if (PQntuples(res) == 1)
            break;
        /* No row: another request stored the same external_ref after this
         * statement's snapshot was taken, so neither branch saw it and
         * nothing was written. A new transaction sees it. */
        PQclear(res);
        r->audited = false;
        if (attempt == 1) {
            http_respond_error(r, 503, "busy",
                               "The same external_ref is being stored by another request; "
                               "send the report again.");
            return;
        }
        if (!access_authenticate(r))
            return; /* answered */
    }
    int status = atoi(PQgetvalue(res, 0, 0));
    snprintf(r->audit_id, sizeof(r->audit_id), "%s", PQgetvalue(res, 0, 1));
    if (status == 409) {
        respond_conflict(r, r->audit_id);
    } else {
        char location[96];
        snprintf(location, sizeof(location), "/v1/reports/%s", r->audit_id);
        http_set_header(r, "Location", location);
        http_respond_json_text(r, status, PQgetvalue(res, 0, 2));
    }
    PQclear(res);
}

/* ---- batches ---------------------------------------------------------- */

typedef struct item {
    json_t *errors; /* owned; NULL when valid */
    bool valid;
    int status;
    char id[24];
} item_t;

/* Inserts a chunk of reports in one statement; sets each item's status and
 * id. Status 0: the external_ref was stored by another transaction after
 * this statement's snapshot (ON CONFLICT saw it, the join cannot), so a
 * later statement must look again. Only the rows not inserted look up the
 * stored report: the anti-join spares the usual batch, all new, a probe
 * of the unique index per row. Rows come back in no particular order. */
static const char insert_many_sql[] =
    "WITH v AS (SELECT * FROM unnest($1::text[], $2::date[], $3::date[], $4::date[], $5::text[],"
    " $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],"
    " $13::text[], $14::text[], $15::text[], $16::text[], $17::text[]) WITH ORDINALITY"
    " AS u(ref, f, t, rp, area, loc, st, it, eg, es, en, ab, sx, rep, ch, sh, chh, i)),"
    " ins AS (INSERT INTO hub.report (" REPORT_COLUMNS ")"
    " SELECT hub.current_partnership(), hub.current_partner(), ref, f, t, rp, area, loc,"
    " string_to_array(st, ','), string_to_array(it, ','), eg, es, en, ab, sx, rep, ch,"
    " decode(sh, 'hex'), decode(chh, 'hex') FROM v"
    " ON CONFLICT (partnership_id, partner_id, external_ref) DO NOTHING"
    " RETURNING external_ref, report_id)"
    " SELECT v.i, ins.report_id, 201 FROM v JOIN ins ON ins.external_ref = v.ref"
    " UNION ALL SELECT v.i, r.report_id, CASE WHEN r.report_id IS NULL THEN 0"
    " WHEN r.content_hash = decode(v.chh, 'hex') THEN 200 ELSE 409 END"
    " FROM v LEFT JOIN hub.report r ON r.partnership_id = hub.current_partnership()"
    " AND r.partner_id = hub.current_partner() AND r.external_ref = v.ref"
    " WHERE NOT EXISTS (SELECT FROM ins WHERE ins.external_ref = v.ref)";

typedef struct chunk {
    db_array_t cols[17];
    int index[BATCH_CHUNK]; /* item index of each row */
    int n;
} chunk_t;

static void
chunk_begin(chunk_t *c)
{
    for (int i = 0; i < 17; i++)
        db_array_init(&c->cols[i]);
    c->n = 0;
}

static void
chunk_end(chunk_t *c)
{
    for (int i = 0; i < 17; i++)
        db_array_free(&c->cols[i]);
}

/* Stores the valid items still without a status in chunks, all in one
 * pipeline. False (with the SQLSTATE) when the database refused. */
static bool
store_pass(request_t *r, const prepared_t *preps, item_t *items, int n, char state[6])
{
    int nchunks = 0, total = 0;
    for (int i = 0; i < n; i++)
        total += items[i].valid && items[i].status == 0;
    if (total == 0)
        return true;
    int max_chunks = (total + BATCH_CHUNK - 1) / BATCH_CHUNK;
    chunk_t *chunks = xcalloc((size_t)max_chunks, sizeof(*chunks));
    for (int i = 0; i < n; i++) {
        if (!items[i].valid || items[i].status != 0)
            continue;
        if (nchunks == 0 || chunks[nchunks - 1].n == BATCH_CHUNK)
            chunk_begin(&chunks[nchunks++]);
        chunk_t *c = &chunks[nchunks - 1];
        const char *params[17];
        report_params(&preps[i], params);
        for (int k = 0; k < 17; k++)
            db_array_add(&c->cols[k], params[k]);
        c->index[c->n++] = i;
    }
    bool ok = true;
    /* A pipeline holds at most 16 statements: more chunks, more trips. */
    for (int first = 0; ok && first < nchunks; first += 16) {
        int m = nchunks - first < 16 ? nchunks - first : 16;
        db_stmt_t stmts[16];
        const char *params[16][17];
        PGresult *res[16];
        for (int c = 0; c < m; c++) {
            for (int k = 0; k < 17; k++)
                params[c][k] = db_array_text(&chunks[first + c].cols[k]);
            stmts[c] = (db_stmt_t){insert_many_sql, 17, params[c]};
        }
        ok = access_run(r, stmts, m, res, state);
        for (int c = 0; ok && c < m; c++) {
            const chunk_t *ch = &chunks[first + c];
            for (int row = 0; row < PQntuples(res[c]); row++) {
                int k = atoi(PQgetvalue(res[c], row, 0)) - 1;
                hub_assert(k >= 0 && k < ch->n);
                item_t *it = &items[ch->index[k]];
                snprintf(it->id, sizeof(it->id), "%s", PQgetvalue(res[c], row, 1));
                it->status = atoi(PQgetvalue(res[c], row, 2));
            }
        }
        for (int c = 0; ok && c < m; c++)
            PQclear(res[c]);
    }
    for (int c = 0; c < nchunks; c++)
        chunk_end(&chunks[c]);
    free(chunks);
    return ok;
}

/* Stores the valid items: a second pass, a new statement with a new
 * snapshot, settles those a concurrent request stored meanwhile. */
static bool
store(request_t *r, const prepared_t *preps, item_t *items, int n, char state[6])
{
    for (int i = 0; i < n; i++)
        items[i].status = 0;
    if (!store_pass(r, preps, items, n, state) || !store_pass(r, preps, items, n, state))
        return false;
    for (int i = 0; i < n; i++)
        if (items[i].valid && items[i].status == 0)
            items[i].status = 503; /* still unsettled (a purge between?): send it again */
    return true;
}

/* The same external_ref twice in one batch would make the second item's
 * outcome depend on row order: refuse the later ones. Sorted, not pairwise:
 * a batch may hold 10,000 items. */
static int
by_ref_then_index(const void *a, const void *b, void *arg)
{
    const prepared_t *preps = arg;
    int i = *(const int *)a, j = *(const int *)b;
    int c = strcmp(preps[i].report.external_ref, preps[j].report.external_ref);
    return c ? c : i - j;
}

static void
refuse_repeated_refs(prepared_t *preps, item_t *items, int n)
{
    int *order = xmalloc((size_t)n * sizeof(int)), m = 0;
    for (int i = 0; i < n; i++)
        if (items[i].valid)
            order[m++] = i;
    qsort_r(order, (size_t)m, sizeof(int), by_ref_then_index, preps);
    for (int k = 0; k < m;) {
        int first = order[k++]; /* the earliest item with this reference stays */
        for (; k < m &&
               strcmp(preps[order[k]].report.external_ref, preps[first].report.external_ref) == 0;
             k++) {
            int i = order[k];
            char ptr[32], msg[96];
            snprintf(ptr, sizeof(ptr), "/%d/external_ref", i);
            snprintf(msg, sizeof(msg), "The same external_ref is used by item %d.", first);
            items[i].errors = json_array();
            json_array_append_new(items[i].errors,
                                  json_pack("{s:s, s:s}", "pointer", ptr, "message", msg));
            items[i].valid = false;
        }
    }
    free(order);
}

/* Item statuses: 201 stored, 200 already there unchanged, 409 conflict,
 * 422 invalid, and in an atomic batch that failed, 424 for an item that
 * was fine but is not stored because another was not. */
#define HELD_BACK 424

static json_t *
batch_answer(const item_t *items, int n, bool dry_run, bool atomic)
{
    json_t *list = json_array();
    int counts[4] = {0}; /* stored, unchanged, conflict, invalid */
    for (int i = 0; i < n; i++) {
        const item_t *it = &items[i];
        json_t *o = json_pack("{s:i}", "index", i);
        if (!it->valid) {
            json_object_set_new(o, "status", json_integer(422));
            json_object_set(o, "errors", it->errors);
            counts[3]++;
        } else if (dry_run) {
            json_object_set_new(o, "status", json_integer(200));
            json_object_set_new(o, "valid", json_true());
        } else {
            json_object_set_new(o, "status", json_integer(it->status));
            if (it->status != HELD_BACK)
                json_object_set_new(o, "id", json_string(it->id));
            counts[0] += it->status == 201;
            counts[1] += it->status == 200;
            counts[2] += it->status == 409;
        }
        json_array_append_new(list, o);
    }
    return json_pack("{s:b, s:b, s:i, s:i, s:i, s:i, s:o}", "dry_run", dry_run, "atomic", atomic,
                     "stored", counts[0], "unchanged", counts[1], "conflicts", counts[2], "invalid",
                     counts[3], "items", list);
}

void
reports_batch(request_t *r)
{
    snprintf(r->audit_type, sizeof(r->audit_type), "report_batch");
    struct evkeyvalq kv;
    bool atomic, dry_run;
    if (!http_query(r, &kv))
        return;
    bool flags_ok =
        http_query_flag(r, &kv, "atomic", &atomic) && http_query_flag(r, &kv, "dry_run", &dry_run);
    evhttp_clear_headers(&kv);
    if (!flags_ok)
        return;
    json_t *batch = http_read_json_batch(r, "reports", config->max_batch);
    if (batch == NULL)
        return;
    int n = (int)json_array_size(batch);
    char today[11];
    utc_today(today);
    prepared_t *preps = xmalloc((size_t)n * sizeof(*preps));
    item_t *items = xcalloc((size_t)n, sizeof(*items));
    int invalid = 0;
    for (int i = 0; i < n; i++) {
        input_t in;
        char prefix[16];
        snprintf(prefix, sizeof(prefix), "/%d", i);
        input_begin_at(&in, json_array_get(batch, (size_t)i), prefix);
        items[i].valid = prepare(json_array_get(batch, (size_t)i), &in, today, &preps[i]);
        items[i].errors = input_end_errors(&in);
    }
    json_decref(batch);
    refuse_repeated_refs(preps, items, n);
    for (int i = 0; i < n; i++)
        invalid += !items[i].valid;
    snprintf(r->audit_id, sizeof(r->audit_id), "items=%d", n);

    char state[6];
    bool stored = true;
    if (!dry_run && !(atomic && invalid > 0))
        stored = store(r, preps, items, n, state);
    int conflicts = 0;
    for (int i = 0; i < n; i++)
        conflicts += items[i].valid && items[i].status == 409;
    if (!stored) {
        access_fail(r, state);
    } else if (atomic && !dry_run && (invalid > 0 || conflicts > 0)) {
        /* All or nothing: undo what this batch wrote, then say why. */
        PGresult *rb = db_exec(r->db, "ROLLBACK", 0, NULL);
        PQclear(rb);
        r->in_transaction = false;
        for (int i = 0; i < n; i++)
            if (items[i].valid && items[i].status != 409)
                items[i].status = HELD_BACK;
        http_respond_json(r, invalid ? 422 : 409, batch_answer(items, n, false, true));
    } else {
        http_respond_json(r, 200, batch_answer(items, n, dry_run, atomic));
    }
    for (int i = 0; i < n; i++)
        json_decref(items[i].errors);
    free(items);
    free(preps);
}

/* ---- reading ---------------------------------------------------------- */

static bool
timestamp_valid(const char *s)
{
    /* YYYY-MM-DDTHH:MM:SS, optional fraction, then Z or +HH:MM / -HH:MM. */
    size_t n = strlen(s);
    if (n < 20 || n > 35)
        return false;
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!report_date_valid(date) || (s[10] != 'T' && s[10] != ' '))
        return false;
    for (int i = 11; i < 19; i++)
        if ((i == 13 || i == 16) ? s[i] != ':' : !isdigit((unsigned char)s[i]))
            return false;
    const char *p = s + 19;
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++)
            ;
    if (*p == 'Z')
        return p[1] == '\0';
    return (*p == '+' || *p == '-') && strlen(p) == 6 && isdigit((unsigned char)p[1]) &&
           isdigit((unsigned char)p[2]) && p[3] == ':' && isdigit((unsigned char)p[4]) &&
           isdigit((unsigned char)p[5]);
}

static const char list_sql[] =
    "SELECT json_build_object('reports', coalesce(json_agg(hub.report_json(r) ORDER BY"
    " r.report_id), '[]'), 'next', CASE WHEN count(*) = $7::int THEN max(r.report_id) END)::text"
    " FROM (SELECT * FROM hub.report r WHERE partnership_id = hub.current_partnership()"
    " AND report_id > $1::bigint AND ($2::date IS NULL OR occurred_from >= $2::date)"
    " AND ($3::date IS NULL OR occurred_from <= $3::date) AND ($4::text IS NULL OR area = $4)"
    " AND ($5::text IS NULL OR $5 = ANY (strands))"
    " AND ($6::timestamptz IS NULL OR updated_at > $6::timestamptz)"
    " ORDER BY report_id LIMIT $7::int) r";

static const char csv_sql[] =
    "SELECT coalesce(string_agg(concat_ws(',', report_id, external_ref, version, occurred_from,"
    " occurred_to, reported_on, area, location_type, array_to_string(strands, ';'),"
    " array_to_string(incident_types, ';'), ethnic_group, ethnic_scheme, ethnic_native,"
    " age_band, sex, repeat, channel, subject_hash IS NOT NULL, to_char(created_at AT TIME ZONE"
    " 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), to_char(updated_at AT TIME ZONE 'UTC',"
    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), coalesce(to_char(withdrawn_at AT TIME ZONE 'UTC',"
    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')) || E'\\r\\n', '' ORDER BY report_id), ''),"
    " count(*), max(report_id)"
    " FROM (SELECT * FROM hub.report r WHERE partnership_id = hub.current_partnership()"
    " AND report_id > $1::bigint AND ($2::date IS NULL OR occurred_from >= $2::date)"
    " AND ($3::date IS NULL OR occurred_from <= $3::date) AND ($4::text IS NULL OR area = $4)"
    " AND ($5::text IS NULL OR $5 = ANY (strands))"
    " AND ($6::timestamptz IS NULL OR updated_at > $6::timestamptz)"
    " ORDER BY report_id LIMIT $7::int) r";

#define CSV_HEADER                                                                                 \
    "id,external_ref,version,occurred_from,occurred_to,reported_on,area,location_type,strands,"    \
    "incident_types,ethnic_group,ethnic_scheme,ethnic_native,age_band,sex,repeat,channel,"         \
    "subject_key_present,created_at,updated_at,withdrawn_at\r\n"

static bool
wants_csv(request_t *r)
{
    const char *accept = evhttp_find_header(evhttp_request_get_input_headers(r->ev), "Accept");
    return accept != NULL && strstr(accept, "text/csv") != NULL;
}

/* Reads and checks the list filters into params[1..5]; false (answered) when one is bad. */
static bool
list_filters(request_t *r, struct evkeyvalq *kv, const char *params[7])
{
    const char *from = evhttp_find_header(kv, "from"), *to = evhttp_find_header(kv, "to");
    const char *area = evhttp_find_header(kv, "area"), *strand = evhttp_find_header(kv, "strand");
    const char *since = evhttp_find_header(kv, "updated_since");
    const char *bad = NULL;
    if ((from && !report_date_valid(from)) || (to && !report_date_valid(to)))
        bad = "from and to are dates written YYYY-MM-DD.";
    else if (area && !report_area_valid(area))
        bad = "area is the GSS code of an LSOA or ward (E01, W01, E05, W05 and six digits).";
    else if (strand && code_list_find(codes_list(codes, "strand"), strand) < 0)
        bad = "strand is a code of the strand list (GET /v1/codes/strand).";
    else if (since && !timestamp_valid(since))
        bad = "updated_since is an ISO 8601 time with its offset, e.g. 2026-11-01T00:00:00Z.";
    if (bad != NULL) {
        http_respond_error(r, 400, "bad-query", bad);
        return false;
    }
    params[1] = from, params[2] = to, params[3] = area, params[4] = strand, params[5] = since;
    return true;
}

void
reports_list(request_t *r)
{
    snprintf(r->audit_type, sizeof(r->audit_type), "report");
    bool csv = wants_csv(r);
    long long after, limit;
    if (!http_query_int(r, "after", 0, (1LL << 62), 0, &after) ||
        !http_query_int(r, "limit", 1, csv ? CSV_MAX : LIST_MAX, csv ? CSV_MAX : LIST_DEFAULT,
                        &limit))
        return;
    struct evkeyvalq kv;
    if (!http_query(r, &kv))
        return;
    char after_text[24], limit_text[16];
    snprintf(after_text, sizeof(after_text), "%lld", after);
    snprintf(limit_text, sizeof(limit_text), "%lld", limit);
    const char *params[7] = {after_text, NULL, NULL, NULL, NULL, NULL, limit_text};
    if (!list_filters(r, &kv, params)) {
        evhttp_clear_headers(&kv);
        return;
    }
    db_stmt_t q = {csv ? csv_sql : list_sql, 7, params};
    if (!csv) {
        access_respond_json(r, &q, 200, NULL);
        evhttp_clear_headers(&kv);
        return;
    }
    PGresult *res;
    char state[6];
    if (access_run(r, &q, 1, &res, state)) {
        struct evbuffer *out = evbuffer_new();
        evbuffer_add(out, CSV_HEADER, strlen(CSV_HEADER));
        evbuffer_add(out, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
        if (atoll(PQgetvalue(res, 0, 1)) == limit) {
            /* A full page: the next one starts after its last row, with the
             * same filters. */
            struct evbuffer *link = evbuffer_new();
            evbuffer_add_printf(link, "</v1/reports?after=%s&limit=%lld", PQgetvalue(res, 0, 2),
                                limit);
            struct evkeyval *f;
            TAILQ_FOREACH(f, &kv, next)
            {
                if (strcmp(f->key, "after") == 0 || strcmp(f->key, "limit") == 0)
                    continue;
                char *k = evhttp_uriencode(f->key, -1, 0), *v = evhttp_uriencode(f->value, -1, 0);
                evbuffer_add_printf(link, "&%s=%s", k ? k : "", v ? v : "");
                free(k);
                free(v);
            }
            evbuffer_add_printf(link, ">; rel=\"next\"");
            evbuffer_add(link, "", 1);
            http_set_header(r, "Link", (const char *)evbuffer_pullup(link, -1));
            evbuffer_free(link);
        }
        http_respond_buffer(r, 200, "text/csv; charset=utf-8", out);
        evbuffer_free(out);
        PQclear(res);
    } else {
        access_fail(r, state);
    }
    evhttp_clear_headers(&kv);
}

#define NOT_FOUND "No such report is visible to you."

static bool
report_id_param(request_t *r, const char **id)
{
    long long v;
    snprintf(r->audit_type, sizeof(r->audit_type), "report");
    if (!http_param_id(r, 0, &v)) {
        http_respond_error(r, 404, "not-found", NOT_FOUND);
        return false;
    }
    snprintf(r->audit_id, sizeof(r->audit_id), "%lld", v);
    *id = r->audit_id;
    return true;
}

/* Answers with the JSON one statement makes of the report named in the
 * path ($1), or 404. */
static void
respond_report_statement(request_t *r, const char *sql)
{
    const char *id;
    if (!report_id_param(r, &id))
        return;
    const char *params[] = {id};
    db_stmt_t q = {sql, 1, params};
    access_respond_json(r, &q, 200, NOT_FOUND);
}

void
reports_get(request_t *r)
{
    /* With its referrals and outcomes as far as the caller may see them
     * (row-level security on both). */
    respond_report_statement(
        r, "SELECT (hub.report_json(r) || jsonb_build_object('referrals', (SELECT"
           " coalesce(jsonb_agg(hub.referral_json(f) ORDER BY f.referral_id), '[]') FROM"
           " hub.referral f WHERE f.report_id = r.report_id AND f.partnership_id ="
           " r.partnership_id), 'outcomes', (SELECT coalesce(jsonb_agg(hub.outcome_json(o)"
           " ORDER BY o.outcome_id), '[]') FROM hub.outcome o WHERE o.report_id = r.report_id"
           " AND o.partnership_id = r.partnership_id)))::text FROM hub.report r"
           " WHERE r.report_id = $1::bigint AND r.partnership_id = hub.current_partnership()");
}

void
reports_versions(request_t *r)
{
    /* The history is the owner's: a partner a report is referred to sees
     * the current version only (GET /v1/reports/{id}). */
    respond_report_statement(
        r, "SELECT json_build_object('versions', (SELECT coalesce(json_agg(v.content ORDER BY"
           " v.version), '[]') FROM hub.report_version v WHERE v.report_id = r.report_id"
           " AND v.partnership_id = r.partnership_id), 'current', hub.report_json(r))::text"
           " FROM hub.report r WHERE r.report_id = $1::bigint"
           " AND r.partnership_id = hub.current_partnership()"
           " AND r.partner_id = hub.current_partner()");
}

void
reports_withdraw(request_t *r)
{
    respond_report_statement(
        r, "UPDATE hub.report AS r SET withdrawn_at = coalesce(withdrawn_at, now())"
           " WHERE report_id = $1::bigint AND partnership_id = hub.current_partnership()"
           " AND partner_id = hub.current_partner() RETURNING hub.report_json(r)::text");
}

/* The stored report in the wire format it was submitted in, for merging a
 * patch into: the native ethnic code and scheme, not the mapped one. */
static const char wire_sql[] =
    "SELECT json_build_object('protocol', 'harassment-report/1', 'external_ref', external_ref,"
    " 'occurred_from', occurred_from, 'occurred_to', occurred_to, 'reported_on', reported_on,"
    " 'area', area, 'location_type', location_type, 'strands', strands, 'incident_types',"
    " incident_types, 'victim', json_build_object('ethnic_group', ethnic_native,"
    " 'ethnic_scheme', ethnic_scheme, 'age_band', age_band, 'sex', sex), 'repeat', repeat,"
    " 'channel', channel)::text, encode(subject_hash, 'hex'), withdrawn_at IS NOT NULL"
    " FROM hub.report WHERE report_id = $1::bigint"
    " AND partnership_id = hub.current_partnership() AND partner_id = hub.current_partner()"
    " FOR UPDATE";

static const char amend_sql[] =
    "UPDATE hub.report AS r SET occurred_from = $2::date, occurred_to = $3::date,"
    " reported_on = $4::date, area = $5, location_type = $6, strands = string_to_array($7, ','),"
    " incident_types = string_to_array($8, ','), ethnic_group = $9, ethnic_scheme = $10,"
    " ethnic_native = $11, age_band = $12, sex = $13, repeat = $14, channel = $15,"
    " subject_hash = decode($16, 'hex'), content_hash = decode($17, 'hex')"
    " WHERE report_id = $18::bigint AND external_ref = $1 AND partnership_id ="
    " hub.current_partnership() AND partner_id = hub.current_partner()"
    " RETURNING hub.report_json(r)::text";

void
reports_amend(request_t *r)
{
    const char *id;
    if (!report_id_param(r, &id))
        return;
    json_t *patch = http_read_json(r);
    if (patch == NULL)
        return;
    const char *params[18] = {id};
    db_stmt_t q = {wire_sql, 1, params}; /* params is reused for the UPDATE below */
    PGresult *cur;
    char state[6];
    if (!access_run(r, &q, 1, &cur, state)) {
        json_decref(patch);
        access_fail(r, state);
        return;
    }
    if (PQntuples(cur) != 1 || strcmp(PQgetvalue(cur, 0, 2), "t") == 0) {
        if (PQntuples(cur) != 1)
            http_respond_error(r, 404, "not-found", NOT_FOUND);
        else
            http_respond_error(r, 409, "withdrawn", "A withdrawn report cannot be amended.");
        PQclear(cur);
        json_decref(patch);
        return;
    }
    /* RFC 7396 merge: members of the patch replace, null removes. */
    json_t *doc = json_loads(PQgetvalue(cur, 0, 0), 0, NULL);
    char old_subject[65];
    snprintf(old_subject, sizeof(old_subject), "%s", PQgetvalue(cur, 0, 1));
    PQclear(cur);
    hub_assert(doc != NULL);
    input_t in;
    input_begin(&in, patch);
    bool ok = report_guard(&in, patch);
    if (ok) {
        json_t *ref = json_object_get(patch, "external_ref");
        if (ref != NULL && !json_equal(ref, json_object_get(doc, "external_ref"))) {
            input_error(&in, "/external_ref", "The external_ref of a report cannot change.");
            ok = false;
        }
        if (ok)
            input_merge_patch(doc, patch);
    }
    json_decref(patch);
    char today[11];
    utc_today(today);
    prepared_t p;
    input_t whole;
    input_begin(&whole, doc);
    whole.errors = input_end_errors(&in); /* keep what the patch itself got wrong */
    if (ok && prepare(doc, &whole, today, &p)) {
        if (!p.report.has_subject && json_object_get(doc, "subject_key") == NULL &&
            old_subject[0] != '\0') {
            /* No new pseudonym: the stored (re-keyed) one stays. */
            memcpy(p.subject, old_subject, sizeof(p.subject));
            report_content_hash(&p.report, p.subject, p.content);
        }
    } else {
        ok = false;
    }
    json_decref(doc);
    if (!ok) {
        http_respond_problem(r, input_end(&whole));
        return;
    }
    report_params(&p, params);
    params[17] = id;
    db_stmt_t u = {amend_sql, 18, params};
    PGresult *res;
    if (!access_run(r, &u, 1, &res, state)) {
        access_fail(r, state);
        return;
    }
    http_respond_json_text(r, 200, PQgetvalue(res, 0, 0));
    PQclear(res);
}

/* ---- code lists ------------------------------------------------------- */

void
codes_index(request_t *r)
{
    http_respond_json_text(r, 200, codes_index_json(codes));
}

void
codes_get(request_t *r)
{
    const code_list_t *l = codes_list(codes, r->params.value[0]);
    if (l == NULL) {
        http_respond_error(r, 404, "not-found", "No such code list; GET /v1/codes lists them.");
        return;
    }
    http_respond_json_text(r, 200, code_list_json(l));
}
