/* submit.c: hubctl submit FILE: an agency's export (CSV, JSON or NDJSON)
 * sent to the hub in batches over HTTPS (POST /v1/reports/batch).
 *
 * The file is read twice, a row at a time: once to count the rows and
 * fingerprint the file (nothing is sent from a file that is not well
 * formed), then to send it. Each row becomes a report on this machine
 * (convert.h: the mapping, the subject key made from identity columns, the
 * area looked up from a postcode); a row refused here is never sent. A
 * batch is sent as NDJSON, retried with back-off while the hub is
 * unreachable or answers 429 or 5xx, and its answer gives each report's
 * fate: created, unchanged (the hub already had it), or refused with the
 * reasons, which go to the rejects file with the row's line. After each
 * batch the state file says how far the run got (state.h), so that the
 * same command, run again after an interruption, goes on from there; the
 * hub's idempotency on external_ref makes even a second full run safe. */
#include <errno.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "convert.h"
#include "hubctl.h"
#include "remote.h"
#include "source.h"
#include "state.h"

enum {
    BATCH_DEFAULT = 1000,
    BATCH_MAX = 10000,          /* the hub's HUB_MAX_BATCH default */
    BODY_MAX = 8 * 1024 * 1024, /* bytes of one batch, below HUB_MAX_BATCH_BODY's 16m */
    RETRIES_DEFAULT = 5,
    TIMEOUT_DEFAULT = 60,    /* seconds for one batch and its answer */
    BACKOFF_FIRST_MS = 1000, /* then doubled at each attempt */
    BACKOFF_MAX_MS = 60000,
    RETRY_AFTER_MAX = 300, /* seconds: a longer Retry-After is cut to this */
    SETTLE_ROUNDS = 3,     /* batch_settle: conflicts without a report sent again */
    SETTLE_PAUSE_MS = 500, /* times the round */
    PROGRESS_EVERY_MS = 200,
};

static const char submit_usage[] =
    "Usage: hubctl submit FILE [--url URL] [--ca FILE] [--token TOKEN | --cert FILE --key FILE]\n"
    "                     [--format csv|json|ndjson] [--batch N] [--mapping FILE]\n"
    "                     [--link-key FILE --identity-columns LIST] [--postcode-lookup FILE]\n"
    "                     [--dry-run] [--rejects FILE] [--state FILE] [--retries N]\n"
    "                     [--timeout SECONDS] [--quiet]\n"
    "\n"
    "Sends the reports in FILE to the hub over HTTPS, in batches (POST\n"
    "/v1/reports/batch). FILE is CSV with a header row naming the columns (by\n"
    "default; see clients/hubctl/README.md), a JSON array of reports (.json) or one\n"
    "report per line (.ndjson, .jsonl).\n"
    "\n"
    "Connection (options win over the environment):\n"
    "  --url URL              the hub, https://HOST[:PORT] (HUB_URL)\n"
    "  --ca FILE              CA certificate(s) that signed the hub's certificate\n"
    "                         (HUB_CA; default: the system's). The certificate and host\n"
    "                         name are always verified.\n"
    "  --token TOKEN          a bearer token with the role submit (HUB_TOKEN; prefer the\n"
    "                         variable: other users can see command lines)\n"
    "  --cert FILE, --key FILE  a client certificate and its key instead (HUB_CERT,\n"
    "                         HUB_KEY)\n"
    "  --timeout SECONDS      for one batch and its answer, 1-3600 (default 60)\n"
    "  --retries N            attempts after the first for a batch the hub could not\n"
    "                         take (unreachable, 429, 5xx), 0-100 (default 5); waits\n"
    "                         1 s, 2 s, 4 s... up to 60 s, or what Retry-After says\n"
    "\n"
    "The rows:\n"
    "  --format F             csv, json or ndjson (default: by FILE's extension)\n"
    "  --batch N              reports per request, 1-10000 (default 1000)\n"
    "  --mapping FILE         the agency's column names and codes in protocol terms\n"
    "                         (JSON: {\"columns\": {...}, \"codes\": {...}, \"defaults\": {...}})\n"
    "  --link-key FILE        the partnership's link key, for --identity-columns\n"
    "  --identity-columns LIST  comma-separated columns (NAME or NAME:text|date|postcode)\n"
    "                         hashed here into subject_key (HMAC-SHA256 with the link\n"
    "                         key) and never sent\n"
    "  --postcode-lookup FILE ONS Postcode Directory CSV (pcds, lsoa21cd): the postcode\n"
    "                         column becomes the area and is never sent; an unknown\n"
    "                         postcode refuses the row\n"
    "\n"
    "The run:\n"
    "  --dry-run              the hub checks every report and stores none\n"
    "  --rejects FILE         refused rows: line, pointer, column, reason, never the\n"
    "                         values (default FILE.rejects.csv)\n"
    "  --state FILE           where an interrupted run records how far it got\n"
    "                         (default FILE.hubctl-state); the same command run again\n"
    "                         goes on from there, and never stores a report twice\n"
    "  --quiet                no progress line on a terminal\n"
    "\n"
    "Prints a summary on stdout. Exit status: 0 every row accepted, 2 some rows\n"
    "refused (see the rejects file), 1 a failure (or interrupted; run it again).\n";

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* The rejects of one row, already formatted, waiting for its batch. */
typedef struct {
    size_t line, seq;
    char *text;
} pending_t;

typedef struct {
    char *body;
    size_t len, cap;
    size_t *lines;   /* input line of each report in the body */
    size_t *offsets; /* where each report begins in the body */
    size_t n, lines_cap;
    pending_t *pending;
    size_t npending, pending_cap;
    size_t rows; /* file rows the batch covers, refused here or sent */
} batch_t;

typedef struct {
    /* options */
    const char *path, *rejects_path, *state_path;
    bool dry_run, quiet;
    size_t batch_size;
    int retries;
    source_format_t format;
    /* parts */
    source_t *src;
    convert_t *conv;
    remote_t *remote;
    FILE *rejects;
    /* progress */
    tally_t t;
    size_t total, skip, read;
    bool tty, use_state, state_warned;
    state_t state;
    int64_t started, last_progress;
    char run_id[17];
    unsigned long batch_no;
} run_t;

/* ---- output ----------------------------------------------------------- */

static void
progress_clear(run_t *run)
{
    if (run->tty)
        fputs("\r\033[K", stderr);
}

static void
progress(run_t *run, bool force)
{
    if (!run->tty)
        return;
    int64_t now = now_usec();
    if (!force && now - run->last_progress < PROGRESS_EVERY_MS * 1000LL)
        return;
    run->last_progress = now;
    double secs = (double)(now - run->started) / 1e6;
    const tally_t *t = &run->state.tally; /* what the hub has answered for */
    size_t done = t->rows, rejected = t->local + t->invalid + t->conflicts;
    fprintf(stderr, "\r\033[Khubctl: %zu/%zu rows (%zu%%), %.0f rows/s, %zu rejected", done,
            run->total, run->total ? done * 100 / run->total : 100,
            secs > 0 ? (double)(done - run->skip) / secs : 0.0, rejected);
    fflush(stderr);
}

/* A note on stderr, below the progress line. */
static void __attribute__((format(printf, 2, 3))) note(run_t *run, const char *fmt, ...)
{
    progress_clear(run);
    va_list ap;
    va_start(ap, fmt);
    fputs("hubctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    progress(run, true);
}

static size_t
rejected(const tally_t *t)
{
    return t->local + t->invalid + t->conflicts;
}

static void
summary(run_t *run, bool complete)
{
    progress_clear(run);
    double secs = (double)(now_usec() - run->started) / 1e6;
    double rate = secs > 0 ? (double)(run->t.rows - run->skip) / secs : 0;
    const tally_t *t = &run->t;
    printf("%s %s: %zu rows, %zu sent, ", complete ? "submitted" : "stopped", run->path, t->rows,
           t->sent);
    if (run->dry_run)
        printf("%zu valid, ", t->valid);
    else
        printf("%zu created, %zu unchanged, ", t->created, t->unchanged);
    printf("%zu rejected in %.2f s (%.0f rows/s)%s\n", rejected(t), secs, rate,
           run->dry_run ? "; dry run: nothing was stored" : "");
    if (rejected(t) > 0)
        printf("rejects: %s\n", run->rejects_path);
    fflush(stdout);
}

/* ---- batches ---------------------------------------------------------- */

static void
batch_reset(batch_t *b)
{
    for (size_t i = 0; i < b->npending; i++)
        free(b->pending[i].text);
    b->len = b->n = b->npending = b->rows = 0;
}

static void
batch_free(batch_t *b)
{
    batch_reset(b);
    free(b->body);
    free(b->lines);
    free(b->offsets);
    free(b->pending);
}

/* Keeps a row's rejects, formatted, until its batch is written. */
static void
batch_reject(batch_t *b, size_t line, const reject_t *rj)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    hub_assert(m != NULL);
    hub_assert(rejects_write(m, line, rj)); /* into memory */
    hub_assert(fclose(m) == 0);
    if (b->npending == b->pending_cap) {
        b->pending_cap = b->pending_cap ? 2 * b->pending_cap : 64;
        b->pending = xrealloc(b->pending, b->pending_cap * sizeof(pending_t));
    }
    b->pending[b->npending] = (pending_t){line, b->npending, text};
    b->npending++;
}

static void
batch_add(batch_t *b, size_t line, const char *json, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        b->cap = b->cap ? b->cap : 64 * 1024;
        while (b->len + len + 1 > b->cap)
            b->cap *= 2;
        b->body = xrealloc(b->body, b->cap);
    }
    if (b->n == b->lines_cap) {
        b->lines_cap = b->lines_cap ? 2 * b->lines_cap : 1024;
        b->lines = xrealloc(b->lines, b->lines_cap * sizeof(size_t));
        b->offsets = xrealloc(b->offsets, b->lines_cap * sizeof(size_t));
    }
    b->offsets[b->n] = b->len;
    b->lines[b->n++] = line;
    memcpy(b->body + b->len, json, len);
    b->len += len;
    b->body[b->len++] = '\n';
}

/* Reads rows into b until it holds batch_size reports (or as many refused
 * rows), BODY_MAX bytes, or the file ends (*eof). False after an error. */
static bool
batch_fill(run_t *run, batch_t *b, bool *eof)
{
    *eof = false;
    while (b->n < run->batch_size && b->npending < run->batch_size && b->len < BODY_MAX &&
           !interrupted) {
        source_row_t row;
        source_status_t st = source_next(run->src, &row);
        if (st == SOURCE_END) {
            *eof = true;
            return true;
        }
        if (st == SOURCE_ERROR) {
            progress_clear(run);
            ctl_error("%s (has it changed since the run began?)", source_error(run->src));
            return false;
        }
        if (++run->read <= run->skip) { /* done by an earlier run */
            json_decref(row.item);
            continue;
        }
        run->t.rows++;
        b->rows++;
        reject_t rj;
        rj.n = rj.dropped = 0; /* not the whole struct: it is 8 KiB, a row at a time */
        json_t *report;
        if (row.record != NULL) {
            report = convert_record(run->conv, row.record, &rj);
        } else if (row.item == NULL) {
            reject_add(&rj, "", NULL, "%s The item was not sent.", row.invalid);
            report = NULL;
        } else {
            report = convert_object(run->conv, row.item, &rj);
        }
        if (report == NULL) {
            run->t.local++;
            batch_reject(b, row.line, &rj);
            continue;
        }
        char *json = json_dumps(report, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
        json_decref(report);
        hub_assert(json != NULL);
        batch_add(b, row.line, json, strlen(json));
        free(json);
    }
    return true;
}

/* Sleeps ms, or less when interrupted. */
static void
pause_ms(long ms)
{
    int64_t until = now_usec() + (int64_t)ms * 1000;
    while (!interrupted) {
        int64_t left = until - now_usec();
        if (left <= 0)
            break;
        struct timespec ts = {(time_t)(left / 1000000), (long)(left % 1000000) * 1000};
        if (ts.tv_sec > 0) {
            ts.tv_sec = 0;
            ts.tv_nsec = 200 * 1000000L;
        } else if (ts.tv_nsec > 200 * 1000000L) {
            ts.tv_nsec = 200 * 1000000L;
        }
        nanosleep(&ts, NULL);
    }
}

typedef enum { SENT, SEND_FAILED, SEND_INTERRUPTED } send_t;

/* Sends body (n reports) until the hub takes it, within the retries. */
static send_t
batch_send(run_t *run, const char *body, size_t len, json_t **answer)
{
    char why[600], rid[64];
    run->batch_no++;
    for (int attempt = 1;; attempt++) {
        snprintf(rid, sizeof(rid), "hubctl-%s-%lu-%d", run->run_id, run->batch_no, attempt);
        long retry_after;
        remote_result_t r = remote_post_batch(run->remote, body, len, run->dry_run, rid, answer,
                                              &retry_after, why, sizeof(why));
        if (r == REMOTE_OK)
            return SENT;
        if (r == REMOTE_CANCELLED)
            return SEND_INTERRUPTED;
        if (r == REMOTE_FATAL) {
            progress_clear(run);
            ctl_error("%s", why);
            return SEND_FAILED;
        }
        if (attempt > run->retries) {
            progress_clear(run);
            ctl_error("%s; gave up after %d attempt%s", why, attempt, attempt > 1 ? "s" : "");
            return SEND_FAILED;
        }
        long ms;
        if (retry_after >= 0) {
            ms = (retry_after < RETRY_AFTER_MAX ? retry_after : RETRY_AFTER_MAX) * 1000L;
        } else {
            ms = BACKOFF_FIRST_MS << (attempt - 1 < 10 ? attempt - 1 : 10);
            if (ms > BACKOFF_MAX_MS)
                ms = BACKOFF_MAX_MS;
            unsigned char j;
            if (RAND_bytes(&j, 1) == 1)
                ms += ms * j / 1024; /* up to a quarter more, so that clients spread out */
        }
        note(run, "%s; trying again in %.1f s (attempt %d of %d)", why, (double)ms / 1000,
             attempt + 1, run->retries + 1);
        pause_ms(ms);
        if (interrupted)
            return SEND_INTERRUPTED;
    }
}

/* A conflict the hub could not name a report for (no id, or "") is not settled:
 * the same external_ref was being stored by a request still in flight (the
 * one a killed run left behind, say), which the hub's statement could not
 * yet see. Such reports are sent again, alone, a few times, until the hub
 * answers 200 (the same content), 409 with the report, or 201. */
static send_t
batch_settle(run_t *run, batch_t *b, json_t *answer)
{
    json_t *items = json_object_get(answer, "items");
    for (int round = 1; round <= SETTLE_ROUNDS; round++) {
        size_t *which = xmalloc((b->n ? b->n : 1) * sizeof(size_t)), *pos = NULL, m = 0;
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            json_int_t k = json_integer_value(json_object_get(it, "index"));
            const char *id = json_string_value(json_object_get(it, "id"));
            if (json_integer_value(json_object_get(it, "status")) == 409 &&
                (id == NULL || *id == '\0') && k >= 0 && (size_t)k < b->n) {
                pos = xrealloc(pos, (m + 1) * sizeof(size_t));
                pos[m] = i;
                which[m++] = (size_t)k;
            }
        }
        send_t s = SENT;
        if (m > 0) {
            char *body = xmalloc(b->len + 1);
            size_t len = 0;
            for (size_t j = 0; j < m; j++) {
                size_t from = b->offsets[which[j]];
                size_t to = which[j] + 1 < b->n ? b->offsets[which[j] + 1] : b->len;
                memcpy(body + len, b->body + from, to - from);
                len += to - from;
            }
            pause_ms(SETTLE_PAUSE_MS * round);
            json_t *again = NULL;
            s = interrupted ? SEND_INTERRUPTED : batch_send(run, body, len, &again);
            json_t *fresh = json_object_get(again, "items");
            if (s == SENT && json_array_size(fresh) == m) {
                json_array_foreach(fresh, i, it)
                {
                    json_int_t k = json_integer_value(json_object_get(it, "index"));
                    if (k < 0 || (size_t)k >= m)
                        continue;
                    json_object_set_new(it, "index", json_integer((json_int_t)which[k]));
                    json_array_set(items, pos[k], it);
                }
            }
            json_decref(again);
            free(body);
        }
        free(which);
        free(pos);
        if (m == 0 || s != SENT)
            return s;
    }
    return SENT; /* still unsettled: reported as conflicts */
}

/* "/12/victim/age_band" (a pointer into the batch) as "/victim/age_band". */
static const char *
item_pointer(const char *p)
{
    if (p == NULL || p[0] != '/')
        return "";
    const char *rest = strchr(p + 1, '/');
    return rest ? rest : "";
}

static void
answer_item(run_t *run, batch_t *b, json_t *it, size_t line)
{
    int status = (int)json_integer_value(json_object_get(it, "status"));
    reject_t rj;
    rj.n = rj.dropped = 0;
    const char *id = json_string_value(json_object_get(it, "id"));
    switch (status) {
    case 201:
        run->t.created++;
        return;
    case 200:
        if (run->dry_run)
            run->t.valid++;
        else
            run->t.unchanged++;
        return;
    case 409:
        run->t.conflicts++;
        reject_add(&rj, "/external_ref", convert_column(run->conv, "/external_ref"),
                   "Conflict: a different report was already submitted with this external_ref "
                   "(report %s); amend it with PATCH /v1/reports/%s.",
                   id ? id : "?", id ? id : "ID");
        break;
    default: {
        run->t.invalid++;
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(it, "errors"), i, e)
        {
            const char *ptr = item_pointer(json_string_value(json_object_get(e, "pointer")));
            const char *msg = json_string_value(json_object_get(e, "message"));
            reject_add(&rj, ptr, convert_column(run->conv, ptr), "%s", msg ? msg : "Refused.");
        }
        if (rj.n == 0)
            reject_add(&rj, "", NULL, "Refused by the hub (status %d).", status);
    }
    }
    batch_reject(b, line, &rj);
}

static int
by_line(const void *a, const void *b)
{
    const pending_t *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Takes the hub's answer for b: tallies, rejects. False when the answer
 * does not account for every report. */
static bool
batch_answer(run_t *run, batch_t *b, json_t *answer)
{
    json_t *items = json_object_get(answer, "items");
    if (json_array_size(items) != b->n) {
        ctl_error("the hub answered for %zu reports of a batch of %zu", json_array_size(items),
                  b->n);
        return false;
    }
    bool *seen = xcalloc(b->n ? b->n : 1, sizeof(bool));
    size_t i;
    json_t *it;
    bool ok = true;
    json_array_foreach(items, i, it)
    {
        json_int_t k = json_integer_value(json_object_get(it, "index"));
        if (k < 0 || (size_t)k >= b->n || seen[k]) {
            ctl_error("the hub's answer names an item twice or one not sent");
            ok = false;
            break;
        }
        seen[k] = true;
        answer_item(run, b, it, b->lines[k]);
    }
    free(seen);
    return ok;
}

/* Writes the batch's rejects in line order, then the state. */
static bool
batch_record(run_t *run, batch_t *b)
{
    if (b->npending > 1)
        qsort(b->pending, b->npending, sizeof(pending_t), by_line);
    for (size_t i = 0; i < b->npending; i++)
        fputs(b->pending[i].text, run->rejects);
    if (fflush(run->rejects) != 0 || ferror(run->rejects)) {
        ctl_error("%s: cannot write: %s", run->rejects_path, strerror(errno));
        return false;
    }
    run->state.tally = run->t; /* what is done, for the summary of a run cut short */
    if (!run->use_state)
        return true;
    run->state.rejects_bytes = (long long)ftello(run->rejects);
    char err[300];
    if (!state_save(run->state_path, &run->state, err, sizeof(err)) && !run->state_warned) {
        note(run,
             "cannot keep the state file (%s): an interrupted run will start again from "
             "the first row (which is safe)",
             err);
        run->state_warned = true;
    }
    return true;
}

/* ---- set-up ----------------------------------------------------------- */

/* Counts the rows and fingerprints the file, reading it once; false after
 * reporting a fault in it. */
static bool
prescan(run_t *run, unsigned char digest[32])
{
    char err[400];
    source_t *s = source_open(run->path, run->format, err, sizeof(err));
    if (s == NULL) {
        ctl_error("%s", err);
        return false;
    }
    source_row_t row;
    source_status_t st;
    run->total = 0;
    while ((st = source_next(s, &row)) == SOURCE_ROW) {
        json_decref(row.item);
        run->total++;
    }
    if (st == SOURCE_ERROR)
        ctl_error("%s: nothing was sent", source_error(s));
    else
        source_digest(s, digest);
    source_close(s);
    return st == SOURCE_END;
}

/* The run's fingerprint: whatever decides what is sent, and to whom. */
static void
fingerprint(run_t *run, const unsigned char digest[32], const char *mapping_path,
            const identity_t *id, const char *postcode_path, char out[65])
{
    char file_hex[65], mapping_hex[65] = "-", ident[600] = "-", postcodes[600] = "-";
    hex_encode(digest, 32, file_hex);
    if (mapping_path != NULL && !state_file_digest(mapping_path, mapping_hex))
        snprintf(mapping_hex, sizeof(mapping_hex), "?");
    if (id != NULL)
        identity_describe(id, ident, sizeof(ident));
    struct stat sb;
    if (postcode_path != NULL && stat(postcode_path, &sb) == 0)
        snprintf(postcodes, sizeof(postcodes), "%s %lld %lld", postcode_path, (long long)sb.st_size,
                 (long long)sb.st_mtime);
    size_t n = 4096;
    char *text = xmalloc(n);
    snprintf(text, n,
             "hubctl submit 1\nfile %s\nformat %s\nhub %s\nmapping %s\nidentity %s\n"
             "postcodes %s\n",
             file_hex, source_format_name(run->format), remote_identity(run->remote), mapping_hex,
             ident, postcodes);
    state_text_digest(text, out);
    free(text);
}

/* Resumes from the state file when it matches, else starts the rejects
 * file afresh. False when the rejects file cannot be written. */
static bool
open_rejects(run_t *run, const char *fp)
{
    char err[400];
    state_t st;
    bool resume = false;
    if (run->use_state) {
        if (state_load(run->state_path, &st, err, sizeof(err)) && strcmp(st.fingerprint, fp) == 0)
            resume = true;
        else if (err[0] != '\0')
            note(run, "%s: starting from the first row", err);
        else if (access(run->state_path, F_OK) == 0)
            note(run, "%s is from another file or other options: starting from the first row",
                 run->state_path);
    }
    if (resume) {
        run->rejects = fopen(run->rejects_path, "r+");
        struct stat sb;
        if (run->rejects == NULL || fstat(fileno(run->rejects), &sb) != 0 ||
            sb.st_size < st.rejects_bytes ||
            ftruncate(fileno(run->rejects), (off_t)st.rejects_bytes) != 0 ||
            fseeko(run->rejects, 0, SEEK_END) != 0) {
            note(run, "%s is not as %s left it: starting from the first row", run->rejects_path,
                 run->state_path);
            if (run->rejects != NULL)
                fclose(run->rejects);
            run->rejects = NULL;
            resume = false;
        }
    }
    if (resume) {
        run->t = st.tally;
        run->skip = st.tally.rows;
        note(run, "resuming %s after row %zu of %zu (%s)", run->path, run->skip, run->total,
             run->state_path);
    } else {
        run->rejects = fopen(run->rejects_path, "w");
        if (run->rejects == NULL || !rejects_write_header(run->rejects) ||
            fflush(run->rejects) != 0) {
            ctl_error("%s: %s", run->rejects_path, strerror(errno));
            return false;
        }
    }
    memcpy(run->state.fingerprint, fp, 65);
    run->state.tally = run->t;
    return true;
}

static char *
path_with(const char *path, const char *suffix)
{
    size_t n = strlen(path) + strlen(suffix) + 1;
    char *p = xmalloc(n);
    snprintf(p, n, "%s%s", path, suffix);
    return p;
}

static void
catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND; /* a second signal ends the run at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* The rows, batch after batch; returns the exit code. */
static int
run_batches(run_t *run)
{
    batch_t b = {0};
    bool eof = false, failed = false;
    while (!eof && !failed && !interrupted) {
        batch_reset(&b);
        if (!batch_fill(run, &b, &eof)) {
            failed = true;
            break;
        }
        if (interrupted)
            break;
        if (b.n > 0) {
            json_t *answer = NULL;
            send_t s = batch_send(run, b.body, b.len, &answer);
            if (s == SENT && !run->dry_run)
                s = batch_settle(run, &b, answer);
            if (s != SENT) {
                json_decref(answer);
                failed = s == SEND_FAILED;
                break;
            }
            run->t.sent += b.n;
            bool ok = batch_answer(run, &b, answer);
            json_decref(answer);
            if (!ok) {
                failed = true;
                break;
            }
        }
        if (b.rows > 0 && !batch_record(run, &b)) {
            failed = true;
            break;
        }
        progress(run, false);
    }
    batch_free(&b);
    bool complete = eof && !failed;
    if (!complete)
        run->t = run->state.tally; /* an unfinished batch is not done */
    if (complete || run->t.rows > 0)
        summary(run, complete);
    else
        progress_clear(run);
    if (!complete) {
        if (interrupted && !failed)
            ctl_error("interrupted after %zu of %zu rows; run the same command again to go on",
                      run->t.rows, run->total);
        else if (run->use_state && run->t.rows > 0)
            ctl_error("stopped after %zu of %zu rows; run the same command again to go on",
                      run->t.rows, run->total);
        return CTL_FAIL;
    }
    if (run->use_state && unlink(run->state_path) != 0 && errno != ENOENT)
        ctl_error("%s: cannot remove: %s", run->state_path, strerror(errno));
    return rejected(&run->t) > 0 ? CTL_REJECTED : CTL_OK;
}

int
submit_cmd(ctl_t *ctl, int argc, char **argv)
{
    (void)ctl; /* submit speaks to the hub's API, not to its database */
    const char *path = NULL, *url = NULL, *ca = NULL, *token = NULL, *cert = NULL, *key = NULL,
               *format = NULL, *batch = NULL, *mapping_path = NULL, *link_key = NULL,
               *identity_cols = NULL, *postcode_path = NULL, *rejects_path = NULL,
               *state_path = NULL, *retries = NULL, *timeout = NULL;
    bool dry_run = false, quiet = false;
    static const char *const formats[] = {"csv", "json", "ndjson", NULL};
    const arg_t args[] = {
        {.name = "FILE", .type = ARG_FILE, .value = &path},
        {.name = "--url", .type = ARG_TEXT, .min = 1, .max = 2048, .value = &url},
        {.name = "--ca", .type = ARG_FILE, .value = &ca},
        {.name = "--token", .type = ARG_TEXT, .min = 1, .max = 4096, .value = &token},
        {.name = "--cert", .type = ARG_FILE, .value = &cert},
        {.name = "--key", .type = ARG_FILE, .value = &key},
        {.name = "--format", .type = ARG_CHOICE, .choices = formats, .value = &format},
        {.name = "--batch", .type = ARG_INT, .min = 1, .max = BATCH_MAX, .value = &batch},
        {.name = "--mapping", .type = ARG_FILE, .value = &mapping_path},
        {.name = "--link-key", .type = ARG_FILE, .value = &link_key},
        {.name = "--identity-columns",
         .type = ARG_TEXT,
         .min = 1,
         .max = 1024,
         .value = &identity_cols},
        {.name = "--postcode-lookup", .type = ARG_FILE, .value = &postcode_path},
        {.name = "--dry-run", .type = ARG_FLAG, .flag = &dry_run},
        {.name = "--rejects", .type = ARG_FILE, .value = &rejects_path},
        {.name = "--state", .type = ARG_FILE, .value = &state_path},
        {.name = "--retries", .type = ARG_INT, .min = 0, .max = 100, .value = &retries},
        {.name = "--timeout", .type = ARG_INT, .min = 1, .max = 3600, .value = &timeout},
        {.name = "--quiet", .type = ARG_FLAG, .flag = &quiet},
    };
    const arg_spec_t spec = {submit_usage, args, ARRAY_LEN(args)};
    int rc;
    if (!args_parse(&spec, argc, argv, &rc))
        return rc;
    if ((link_key == NULL) != (identity_cols == NULL))
        return args_usage_error(&spec, "--link-key and --identity-columns go together");

    run_t run = {
        .path = path,
        .dry_run = dry_run,
        .quiet = quiet,
        .batch_size = batch ? (size_t)atoi(batch) : BATCH_DEFAULT,
        .retries = retries ? atoi(retries) : RETRIES_DEFAULT,
        .format = source_format_guess(path),
        .tty = !quiet && isatty(STDERR_FILENO),
    };
    if (format != NULL && !source_format_parse(format, &run.format))
        return args_usage_error(&spec, "--format must be csv, json or ndjson");
    if (run.format != SOURCE_CSV && mapping_path != NULL)
        return args_usage_error(&spec, "--mapping applies to CSV files only");
    char *rejects_default = path_with(path, ".rejects.csv");
    char *state_default = path_with(path, ".hubctl-state");
    run.rejects_path = rejects_path ? rejects_path : rejects_default;
    run.state_path = state_path ? state_path : state_default;
    run.use_state = !dry_run;

    char err[600];
    unsigned char digest[32];
    char fp[65];
    mapping_t *mapping = NULL;
    identity_t *identity = NULL;
    postcode_table_t *postcodes = NULL;
    rc = CTL_FAIL;
    if (mapping_path != NULL && (mapping = mapping_load(mapping_path, err, sizeof(err))) == NULL) {
        ctl_error("--mapping %s", err);
        goto done;
    }
    if (link_key != NULL &&
        (identity = identity_load(identity_cols, link_key, err, sizeof(err))) == NULL) {
        ctl_error("%s", err);
        goto done;
    }
    if (postcode_path != NULL &&
        (postcodes = postcode_table_load(postcode_path, err, sizeof(err))) == NULL) {
        ctl_error("--postcode-lookup %s", err);
        goto done;
    }
    if ((run.src = source_open(path, run.format, err, sizeof(err))) == NULL) {
        ctl_error("%s", err);
        goto done;
    }
    convert_opts_t co = {mapping, identity, postcodes};
    if (run.format == SOURCE_CSV)
        run.conv = convert_new_csv(source_header(run.src), &co, err, sizeof(err));
    else
        run.conv = convert_new_json(&co);
    if (run.conv == NULL) {
        ctl_error("%s: %s", path, err);
        goto done;
    }
    remote_opts_t ro = {
        url, ca, token, cert, key, timeout ? atoi(timeout) : TIMEOUT_DEFAULT, &interrupted};
    if ((run.remote = remote_new(&ro, err, sizeof(err))) == NULL) {
        ctl_error("%s", err);
        goto done;
    }
    if (!prescan(&run, digest))
        goto done;
    fingerprint(&run, digest, mapping_path, identity, postcode_path, fp);

    unsigned char rnd[8];
    hub_assert(RAND_bytes(rnd, sizeof(rnd)) == 1);
    hex_encode(rnd, sizeof(rnd), run.run_id);
    catch_signals();
    run.started = run.last_progress = now_usec();
    if (!open_rejects(&run, fp))
        goto done;
    progress(&run, true);
    rc = run_batches(&run);
done:
    if (run.rejects != NULL && fclose(run.rejects) != 0 && rc != CTL_FAIL) {
        ctl_error("%s: %s", run.rejects_path, strerror(errno));
        rc = CTL_FAIL;
    }
    remote_free(run.remote);
    convert_free(run.conv);
    source_close(run.src);
    postcode_table_free(postcodes);
    identity_free(identity);
    mapping_free(mapping);
    free(rejects_default);
    free(state_default);
    return rc;
}
