/* hubctl report: a printable progress report for members and
 * non-executives, from /v1/me, /v1/targets and headline statistics, as one
 * self-contained HTML file (no scripts, no external resources, every text
 * from the hub escaped), or PDF through a converter when one is installed. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "html.h"
#include "period.h"
#include "read.h"

enum {
    CONVERT_TIMEOUT_S = 120, /* the converter's run, start to PDF */
    PDF_MIN = 1000,          /* bytes: anything smaller is not a report */
};

static const char report_usage[] =
    "Usage: hubctl report [--period YYYY-MM|YYYY-Qn|YYYY] [--out FILE] [--pdf]\n"
    "                     [connection options]\n"
    "\n"
    "A printable progress report on the partnership's joint targets, for members\n"
    "and non-executives: each target with its status, value in the period and the\n"
    "one before (from the target's series), the change, the expected value on its\n"
    "trajectory and progress; the targets furthest behind their trajectory; the\n"
    "number of reports and referrals in the period and the one before. One HTML\n"
    "file, self-contained (no scripts or external resources), on stdout or --out.\n"
    "\n"
    "  --period P             the period reported on (default: last month)\n"
    "  --out FILE             where to write it (default: stdout; needed with --pdf)\n"
    "  --pdf                  a PDF instead, made by chromium (headless) or else\n"
    "                         wkhtmltopdf, whichever is on PATH\n"
    "\n" FETCH_USAGE "\n"
    "Exit status: 0 done, 1 failed, 2 bad usage, 3 --pdf but no converter installed.\n";

/* ---- what the report is made from ------------------------------------- */

typedef struct {
    period_t period, previous;
    char period_text[16], previous_text[16], first[16], last[16];
    char generated[32];
    json_t *me, *targets, *reports_now, *reports_before, *referrals_now, *referrals_before;
} report_t;

static void
esc(FILE *f, const char *s)
{
    html_escape(f, s);
}

/* A figure's text: its count or value, "suppressed", or "—" (none). */
static const char *
figure_text(const json_t *fig, char *buf, size_t len)
{
    if (fig == NULL)
        return "—";
    if (json_is_true(json_object_get(fig, "suppressed")))
        return "suppressed";
    if (json_is_true(json_object_get(fig, "no_value")))
        return "no value";
    const json_t *v = json_object_get(fig, "count");
    if (v == NULL)
        v = json_object_get(fig, "value");
    const char *s = grid_scalar(v, buf, len);
    return s ? s : "—";
}

/* A share (0 to 1) as a percentage, "suppressed", or "—". */
static const char *
share_text(const json_t *share, char *buf, size_t len)
{
    const json_t *v = json_object_get(share, "value");
    if (json_is_true(json_object_get(share, "suppressed")))
        return "suppressed";
    if (!json_is_number(v))
        return "—";
    snprintf(buf, len, "%.1f %%", json_number_value(v) * 100);
    return buf;
}

/* A series entry's period, or none when there is no entry. */
static const char *
period_of(const json_t *entry, const char *none)
{
    if (entry == NULL)
        return none;
    const char *p = json_string_value(json_object_get(entry, "period"));
    return p ? p : "?";
}

static bool
figure_number(const json_t *fig, double *out)
{
    if (fig == NULL || json_is_true(json_object_get(fig, "suppressed")))
        return false;
    const json_t *v = json_object_get(fig, "value");
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return true;
}

/* The series entry of the latest period that ended by the report's last
 * day (into *at), and the one before it (into *before); NULL when none. */
static void
series_at(const json_t *target, const char *last_day, const json_t **at, const json_t **before)
{
    const json_t *series = json_object_get(json_object_get(target, "progress"), "series");
    *at = *before = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(series, i, e)
    {
        const char *end = json_string_value(json_object_get(e, "end"));
        if (end == NULL || strcmp(end, last_day) > 0)
            break;
        *before = *at;
        *at = e;
    }
}

static const char *
status_class(const char *status)
{
    static const char *const known[] = {"green", "amber", "red", "not_enough_data"};
    for (size_t i = 0; status != NULL && i < ARRAY_LEN(known); i++)
        if (strcmp(status, known[i]) == 0)
            return known[i];
    return "unknown";
}

/* ---- the HTML ---------------------------------------------------------- */

static const char style[] =
    "body{font:11pt/1.4 system-ui,sans-serif;margin:2em;color:#111}"
    "h1{font-size:18pt;margin:0 0 .2em}h2{font-size:13pt;margin:1.5em 0 .4em}"
    "table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:.25em .5em;"
    "text-align:left;vertical-align:top}td.n{text-align:right;white-space:nowrap}td.d{white-space:"
    "nowrap}th{background:#eee}"
    ".green{background:#d8f0d8}.amber{background:#fbe8c0}.red{background:#f6d0d0}"
    ".not_enough_data,.unknown{background:#eee}.small{color:#555;font-size:9pt}"
    "@media print{body{margin:0}}";

static void
cell(FILE *f, const char *cls, const char *text)
{
    fprintf(f, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    esc(f, text);
    fputs("</td>", f);
}

static void
headline(FILE *f, const report_t *rp)
{
    char b1[64], b2[64], b3[64];
    const json_t *funnel = json_object_get(rp->referrals_now, "funnel"),
                 *funnel_before = json_object_get(rp->referrals_before, "funnel");
    const json_t *share =
        json_object_get(json_object_get(rp->referrals_now, "timeliness"), "in_time_share");
    const json_t *share_before =
        json_object_get(json_object_get(rp->referrals_before, "timeliness"), "in_time_share");
    fputs("<h2>Headline figures</h2>\n<table><tr><th>Figure</th><th>", f);
    esc(f, rp->period_text);
    fputs("</th><th>", f);
    esc(f, rp->previous_text);
    fputs("</th></tr>\n<tr><td>Reports (occurred in the period)</td>", f);
    cell(f, "n", figure_text(json_object_get(rp->reports_now, "total"), b1, sizeof(b1)));
    cell(f, "n", figure_text(json_object_get(rp->reports_before, "total"), b2, sizeof(b2)));
    fputs("</tr>\n<tr><td>Referrals made on those reports</td>", f);
    cell(f, "n", figure_text(json_object_get(funnel, "referrals"), b3, sizeof(b3)));
    cell(f, "n", figure_text(json_object_get(funnel_before, "referrals"), b3, sizeof(b3)));
    fputs("</tr>\n<tr><td>Share of referrals due answered in time</td>", f);
    cell(f, "n", share_text(share, b1, sizeof(b1)));
    cell(f, "n", share_text(share_before, b1, sizeof(b1)));
    fputs("</tr></table>\n<p class=\"small\">Disclosure control: ", f);
    esc(f,
        json_string_value(json_object_get(json_object_get(rp->reports_now, "disclosure"), "rule")));
    fputs("</p>\n", f);
}

static void
target_rows(FILE *f, const report_t *rp)
{
    fputs("<h2>Targets</h2>\n<table><tr><th>Target</th><th>Lead</th><th>Status</th>"
          "<th>Value</th><th>Previous</th><th>Change</th><th>Expected now</th>"
          "<th>Progress</th><th>Due</th></tr>\n",
          f);
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(rp->targets, "targets"), i, t)
    {
        char b[64], label[160];
        const json_t *pr = json_object_get(t, "progress"), *at, *before;
        const char *status = json_string_value(json_object_get(pr, "status"));
        series_at(t, rp->last, &at, &before);
        fputs("<tr><td>", f);
        esc(f, json_string_value(json_object_get(t, "title")));
        fputs("<br><span class=\"small\">", f);
        esc(f, json_string_value(json_object_get(t, "metric")));
        fputs(", ", f);
        esc(f, json_string_value(json_object_get(t, "review")));
        fputs("</span></td>", f);
        cell(f, "n",
             grid_scalar(json_object_get(json_object_get(t, "owners"), "lead"), b, sizeof(b)));
        cell(f, status_class(status), status ? status : "unknown");
        snprintf(label, sizeof(label), "%s (%s)", figure_text(at, b, sizeof(b)),
                 period_of(at, "no period yet"));
        cell(f, "n", label);
        snprintf(label, sizeof(label), "%s (%s)", figure_text(before, b, sizeof(b)),
                 period_of(before, "none"));
        cell(f, "n", label);
        double now, then;
        if (figure_number(at, &now) && figure_number(before, &then))
            snprintf(label, sizeof(label), "%+.10g", now - then);
        else
            snprintf(label, sizeof(label), "—");
        cell(f, "n", label);
        const json_t *expected = json_object_get(pr, "expected_value");
        cell(f, "n", json_is_number(expected) ? grid_scalar(expected, b, sizeof(b)) : "—");
        const char *pp = grid_scalar(json_object_get(pr, "progress_pct"), b, sizeof(b));
        snprintf(label, sizeof(label), "%s%s", pp ? pp : "—", pp ? " %" : "");
        cell(f, "n", label);
        cell(f, "d",
             grid_scalar(json_object_get(json_object_get(t, "target"), "due"), b, sizeof(b)));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

typedef struct {
    const json_t *target;
    double gap; /* percentage points of the distance behind the trajectory */
} behind_t;

static int
by_gap(const void *a, const void *b)
{
    double x = ((const behind_t *)a)->gap, y = ((const behind_t *)b)->gap;
    return x < y ? 1 : x > y ? -1 : 0;
}

static void
furthest_behind(FILE *f, const report_t *rp)
{
    const json_t *list = json_object_get(rp->targets, "targets");
    behind_t *b = xcalloc(json_array_size(list) + 1, sizeof(*b));
    size_t n = 0, i;
    json_t *t;
    json_array_foreach(list, i, t)
    {
        const json_t *pr = json_object_get(t, "progress");
        const json_t *done = json_object_get(pr, "progress_pct"),
                     *due = json_object_get(pr, "expected_progress_pct");
        if (json_is_number(done) && json_is_number(due) &&
            json_number_value(due) - json_number_value(done) > 0)
            b[n++] = (behind_t){t, json_number_value(due) - json_number_value(done)};
    }
    qsort(b, n, sizeof(*b), by_gap);
    fputs("<h2>Where the partnership is furthest behind</h2>\n", f);
    if (n == 0) {
        fputs("<p>No target is behind its trajectory (targets without enough data are not "
              "counted).</p>\n",
              f);
    } else {
        fputs("<p class=\"small\">Targets behind their straight trajectory from baseline to "
              "target, furthest first: the gap is the expected share of the distance covered by "
              "now less the share covered, in percentage points.</p>\n<table><tr><th>Target</th>"
              "<th>Status</th><th>Progress</th><th>Expected</th><th>Gap</th></tr>\n",
              f);
        for (i = 0; i < n; i++) {
            char buf[64], gap[64];
            const json_t *pr = json_object_get(b[i].target, "progress");
            const char *status = json_string_value(json_object_get(pr, "status"));
            fputs("<tr>", f);
            cell(f, NULL, json_string_value(json_object_get(b[i].target, "title")));
            cell(f, status_class(status), status ? status : "unknown");
            cell(f, "n", grid_scalar(json_object_get(pr, "progress_pct"), buf, sizeof(buf)));
            cell(f, "n",
                 grid_scalar(json_object_get(pr, "expected_progress_pct"), buf, sizeof(buf)));
            snprintf(gap, sizeof(gap), "%.1f points", b[i].gap);
            cell(f, "n", gap);
            fputs("</tr>\n", f);
        }
        fputs("</table>\n", f);
    }
    free(b);
}

static bool
write_html(FILE *f, const report_t *rp)
{
    const json_t *ps = json_object_get(rp->me, "partnership"),
                 *partner = json_object_get(rp->me, "partner");
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n<title>Progress report ",
          f);
    esc(f, rp->period_text);
    fputs(" – ", f);
    esc(f, json_string_value(json_object_get(ps, "name")));
    fprintf(f, "</title>\n<style>%s</style></head><body>\n<h1>Progress report: ", style);
    esc(f, json_string_value(json_object_get(ps, "name")));
    fputs("</h1>\n<p>Period <strong>", f);
    esc(f, rp->period_text);
    fputs("</strong> (", f);
    esc(f, rp->first);
    fputs(" to ", f);
    esc(f, rp->last);
    fputs("), compared with ", f);
    esc(f, rp->previous_text);
    fputs(". Generated at ", f);
    esc(f, rp->generated);
    fputs(" for ", f);
    esc(f, partner ? json_string_value(json_object_get(partner, "name")) : "a public reader");
    fputs(". Information sharing agreement ", f);
    esc(f, json_string_value(json_object_get(ps, "isa_reference")));
    fputs(".</p>\n", f);
    headline(f, rp);
    target_rows(f, rp);
    furthest_behind(f, rp);
    fputs("<p class=\"small\">Status, expected value and progress are as the hub computed them "
          "on ",
          f);
    esc(f, json_string_value(json_object_get(rp->targets, "as_of")));
    fputs(", from each target's latest review period that has ended. Value and previous "
          "are each target's figures for its last review period ending within the reported "
          "period, and the one before. A suppressed figure rests on a small count and is "
          "never shown.</p>\n</body></html>\n",
          f);
    return !ferror(f);
}

/* ---- PDF --------------------------------------------------------------- */

/* Is an executable named name on PATH? */
static bool
on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (path == NULL || *path == '\0')
        return false;
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, ":");
        char full[4096];
        if (n > 0 &&
            (size_t)snprintf(full, sizeof(full), "%.*s/%s", (int)n, p, name) < sizeof(full) &&
            access(full, X_OK) == 0)
            return true;
        p += n + (p[n] == ':');
    }
    return false;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* Runs argv (execvp, no shell) in a process group of its own, quiet, for at
 * most CONVERT_TIMEOUT_S; true when it exits 0. */
static bool
run_converter(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0) {
        ctl_error("cannot start %s: %s", argv[0], strerror(errno));
        return false;
    }
    if (pid == 0) {
        setpgid(0, 0);
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    setpgid(pid, pid);
    int status = 0;
    for (int waited_ms = 0;; waited_ms += 100) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            ctl_error("waiting for %s: %s", argv[0], strerror(errno));
            return false;
        }
        if (waited_ms >= CONVERT_TIMEOUT_S * 1000) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            ctl_error("%s did not finish within %d s; stopped it", argv[0], CONVERT_TIMEOUT_S);
            return false;
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        ctl_error("%s failed (%s %d)", argv[0], WIFEXITED(status) ? "exit status" : "signal",
                  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        return false;
    }
    return true;
}

/* Does path hold a PDF of at least PDF_MIN bytes? */
static bool
is_pdf(const char *path)
{
    char magic[5] = {0};
    struct stat st;
    FILE *f = fopen(path, "rb");
    bool ok = f != NULL && fread(magic, 1, 4, f) == 4 && memcmp(magic, "%PDF", 4) == 0 &&
              fstat(fileno(f), &st) == 0 && st.st_size >= PDF_MIN;
    if (f != NULL)
        fclose(f);
    return ok;
}

/* html (in dir) into a PDF at out, by whichever converter is present. */
static bool
convert(const char *converter, const char *dir, const char *html, const char *out)
{
    char abs_out[4096], profile[4200], page[4300], print[4200], cwd[4000];
    /* chromium writes the PDF from its own idea of the working directory */
    int n = out[0] == '/' ? snprintf(abs_out, sizeof(abs_out), "%s", out)
            : getcwd(cwd, sizeof(cwd)) != NULL
                ? snprintf(abs_out, sizeof(abs_out), "%s/%s", cwd, out)
                : -1;
    if (n < 0 || (size_t)n >= sizeof(abs_out)) {
        ctl_error("--out: the path is too long");
        return false;
    }
    bool ok;
    if (strcmp(converter, "wkhtmltopdf") == 0) {
        char *argv[] = {(char *)converter, "--quiet", (char *)html, abs_out, NULL};
        ok = run_converter(argv);
    } else {
        snprintf(profile, sizeof(profile), "--user-data-dir=%s/profile", dir);
        snprintf(page, sizeof(page), "file://%s", html);
        snprintf(print, sizeof(print), "--print-to-pdf=%s", abs_out);
        char *argv[] = {(char *)converter, "--headless", "--no-sandbox", "--disable-gpu",
                        profile,           print,        page,           NULL};
        ok = run_converter(argv);
    }
    if (ok && !is_pdf(abs_out)) {
        ctl_error("%s did not write a PDF to %s", converter, out);
        ok = false;
    }
    if (!ok)
        unlink(abs_out);
    return ok;
}

/* ---- the command ------------------------------------------------------- */

static bool
fetch_figures(remote_t *r, report_t *rp)
{
    char path[FETCH_PATH_MAX];
    if ((rp->me = fetch_json(r, "/v1/me", "any credential")) == NULL ||
        (rp->targets = fetch_json(
             r, "/v1/targets", "a partner's credential (public ones cannot see targets)")) == NULL)
        return false;
    snprintf(path, sizeof(path), "/v1/stats/reports?from=%s&to=%s", rp->period_text,
             rp->period_text);
    if ((rp->reports_now = fetch_json(r, path, "the role read")) == NULL)
        return false;
    snprintf(path, sizeof(path), "/v1/stats/reports?from=%s&to=%s", rp->previous_text,
             rp->previous_text);
    if ((rp->reports_before = fetch_json(r, path, "the role read")) == NULL)
        return false;
    snprintf(path, sizeof(path), "/v1/stats/referrals?from=%s&to=%s", rp->period_text,
             rp->period_text);
    if ((rp->referrals_now = fetch_json(r, path, "the role read")) == NULL)
        return false;
    snprintf(path, sizeof(path), "/v1/stats/referrals?from=%s&to=%s", rp->previous_text,
             rp->previous_text);
    return (rp->referrals_before = fetch_json(r, path, "the role read")) != NULL;
}

int
report_cmd(ctl_t *ctl, int argc, char **argv)
{
    (void)ctl;
    const char *period = NULL, *out = NULL;
    bool pdf = false;
    fetch_opts_t fo = {0};
    arg_t args[3 + FETCH_ARGS] = {
        {.name = "--period", .type = ARG_TEXT, .min = 4, .max = 7, .value = &period},
        {.name = "--out", .type = ARG_FILE, .value = &out},
        {.name = "--pdf", .type = ARG_FLAG, .flag = &pdf},
    };
    fetch_args(&fo, args + 3);
    const arg_spec_t spec = {report_usage, args, ARRAY_LEN(args)};
    int rc;
    if (!args_parse(&spec, argc, argv, &rc))
        return rc;
    report_t rp = {0};
    char today[11];
    utc_today(today);
    if (period == NULL)
        rp.period = period_last_month(today);
    else if (!period_parse(period, &rp.period))
        return args_usage_error(&spec, "--period is YYYY-MM, YYYY-Qn or YYYY");
    if (pdf && out == NULL)
        return args_usage_error(&spec, "--pdf needs --out FILE");
    const char *converter = NULL;
    if (pdf) {
        converter = on_path("chromium")      ? "chromium"
                    : on_path("wkhtmltopdf") ? "wkhtmltopdf"
                                             : NULL;
        if (converter == NULL) {
            ctl_error("--pdf needs chromium or wkhtmltopdf on PATH, and neither is there: install "
                      "one (Debian: apt-get install chromium), or leave out --pdf for HTML");
            return CTL_NO_CONVERTER;
        }
    }
    rp.previous = period_previous(rp.period);
    period_format(rp.period, rp.period_text);
    period_format(rp.previous, rp.previous_text);
    period_bounds(rp.period, rp.first, rp.last);
    time_t now = time(NULL);
    strftime(rp.generated, sizeof(rp.generated), "%Y-%m-%d %H:%M UTC", gmtime(&now));

    rc = CTL_FAIL;
    char dir[4096] = "", html[4200] = "";
    FILE *f = NULL;
    remote_t *r = fetch_open(&fo);
    if (r == NULL)
        goto done;
    bool fetched = fetch_figures(r, &rp);
    remote_free(r);
    if (!fetched)
        goto done;
    if (pdf) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s/hubctl-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (mkdtemp(dir) == NULL) {
            ctl_error("cannot make a temporary directory in %s: %s", tmp ? tmp : "/tmp",
                      strerror(errno));
            dir[0] = '\0';
            goto done;
        }
        snprintf(html, sizeof(html), "%s/report.html", dir);
    }
    const char *target = pdf ? html : out;
    f = target ? fopen(target, "w") : stdout;
    if (f == NULL) {
        ctl_error("%s: %s", target, strerror(errno));
        goto done;
    }
    bool written = write_html(f, &rp);
    if ((f == stdout ? fflush(f) : fclose(f)) != 0 || !written) {
        f = NULL;
        ctl_error("%s: cannot write the report", target ? target : "standard output");
        goto done;
    }
    f = NULL;
    if (pdf && !convert(converter, dir, html, out))
        goto done;
    rc = CTL_OK;
done:
    if (f != NULL && f != stdout)
        fclose(f);
    if (dir[0] != '\0')
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    json_decref(rp.me);
    json_decref(rp.targets);
    json_decref(rp.reports_now);
    json_decref(rp.reports_before);
    json_decref(rp.referrals_now);
    json_decref(rp.referrals_before);
    return rc;
}
