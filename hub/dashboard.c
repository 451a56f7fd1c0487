#include "dashboard.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "log.h"

typedef struct file {
    char *name;       /* relative to the folder, '/'-separated */
    const char *type; /* Content-Type */
    unsigned char *data;
    size_t len;
    char etag[35]; /* "…32 hex…" */
} file_t;

/* Read-only once loaded, so the workers share it without locks. */
static struct {
    file_t *files;
    size_t n;
    size_t bytes;
} loaded;

static const struct {
    const char *ext;
    const char *type;
} media_types[] = {
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"ico", "image/x-icon"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"woff2", "font/woff2"},
    {"txt", "text/plain; charset=utf-8"},
};

const char *
dashboard_media_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot == NULL || strchr(dot, '/') != NULL)
        return NULL;
    for (size_t i = 0; i < ARRAY_LEN(media_types); i++)
        if (strcmp(dot + 1, media_types[i].ext) == 0)
            return media_types[i].type;
    return NULL;
}

static bool
segment_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* One path segment: [A-Za-z0-9._-]+, not starting with '.' (so neither
 * "..", nor hidden files such as .git). */
static bool
segment_ok(const char *s, size_t len)
{
    if (len == 0 || s[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!segment_char(s[i]))
            return false;
    return true;
}

bool
dashboard_path_ok(const char *rest)
{
    int depth = 0;
    for (const char *s = rest;; depth++) {
        size_t len = strcspn(s, "/");
        if (!segment_ok(s, len) || depth > DASHBOARD_MAX_DEPTH)
            return false;
        if (s[len] == '\0')
            return true;
        s += len + 1;
    }
}

bool
dashboard_etag_matches(const char *header, const char *etag)
{
    size_t want = strlen(etag);
    for (const char *s = header; *s;) {
        s += strspn(s, " \t,");
        size_t len = strcspn(s, ",");
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (len == 1 && s[0] == '*')
            return true;
        const char *tag = s;
        if (len > 2 && strncmp(tag, "W/", 2) == 0) /* If-None-Match compares weakly */
            tag += 2, len -= 2;
        if (len == want && memcmp(tag, etag, len) == 0)
            return true;
        s += strcspn(s, ",");
    }
    return false;
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(((const file_t *)a)->name, ((const file_t *)b)->name);
}

/* Reads one regular file (never through a symbolic link) into f. */
static bool
read_file(const char *path, const char *name, file_t *f, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "HUB_DASHBOARD_DIR: cannot read %s: %s", name,
                 fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return false;
    }
    if ((size_t)st.st_size > DASHBOARD_MAX_BYTES - loaded.bytes) {
        snprintf(err, errlen, "HUB_DASHBOARD_DIR: the files exceed %u MiB",
                 DASHBOARD_MAX_BYTES >> 20);
        close(fd);
        return false;
    }
    f->len = (size_t)st.st_size;
    f->data = xmalloc(f->len ? f->len : 1);
    size_t got = 0;
    while (got < f->len) {
        ssize_t n = read(fd, f->data + got, f->len - got);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            snprintf(err, errlen, "HUB_DASHBOARD_DIR: cannot read %s: %s", name,
                     n < 0 ? strerror(errno) : "shorter than its size");
            free(f->data);
            close(fd);
            return false;
        }
        got += (size_t)n;
    }
    close(fd);
    unsigned char sum[SHA256_DIGEST_LENGTH];
    SHA256(f->data, f->len, sum);
    f->etag[0] = '"';
    hex_encode(sum, 16, f->etag + 1);
    memcpy(f->etag + 33, "\"", 2);
    f->name = xstrdup(name);
    f->type = dashboard_media_type(name);
    loaded.bytes += f->len;
    return true;
}

/* Adds the files under dir/prefix; prefix is "" or "sub/dir/". Entries the
 * dashboard would never serve (hidden, odd names, unknown types, links)
 * are skipped with a warning, so a stray file is not served by accident. */
static bool
load_dir(const char *dir, const char *prefix, int depth, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, prefix);
    DIR *d = opendir(path);
    if (d == NULL) {
        snprintf(err, errlen, "HUB_DASHBOARD_DIR: cannot open %s: %s", path, strerror(errno));
        return false;
    }
    bool ok = true;
    struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char name[1024], full[4096], buf[256];
        int n = snprintf(name, sizeof(name), "%s%s", prefix, e->d_name);
        snprintf(full, sizeof(full), "%s/%s", dir, name);
        struct stat st;
        if (n < 0 || (size_t)n >= sizeof(name) || lstat(full, &st) != 0 ||
            !segment_ok(e->d_name, strlen(e->d_name))) {
            log_warn("dashboard file skipped", "\"file\":\"%s\",\"reason\":\"name\"",
                     log_escape(name, buf, sizeof(buf)));
        } else if (S_ISDIR(st.st_mode) && depth < DASHBOARD_MAX_DEPTH) {
            strcat(name, "/");
            ok = load_dir(dir, name, depth + 1, err, errlen);
        } else if (!S_ISREG(st.st_mode) || dashboard_media_type(name) == NULL) {
            log_warn("dashboard file skipped", "\"file\":\"%s\",\"reason\":\"%s\"",
                     log_escape(name, buf, sizeof(buf)),
                     S_ISDIR(st.st_mode)   ? "too deep"
                     : S_ISREG(st.st_mode) ? "type"
                                           : "not a regular file");
        } else if (loaded.n == DASHBOARD_MAX_FILES) {
            snprintf(err, errlen, "HUB_DASHBOARD_DIR: more than %d files", DASHBOARD_MAX_FILES);
            ok = false;
        } else {
            ok = read_file(full, name, &loaded.files[loaded.n], err, errlen);
            loaded.n += ok;
        }
    }
    closedir(d);
    return ok;
}

bool
dashboard_load(const char *dir, char *err, size_t errlen)
{
    dashboard_free();
    if (dir == NULL || dir[0] == '\0')
        return true;
    loaded.files = xcalloc(DASHBOARD_MAX_FILES, sizeof(file_t));
    if (!load_dir(dir, "", 0, err, errlen)) {
        dashboard_free();
        return false;
    }
    qsort(loaded.files, loaded.n, sizeof(file_t), by_name);
    file_t key = {.name = "index.html"};
    if (bsearch(&key, loaded.files, loaded.n, sizeof(file_t), by_name) == NULL) {
        snprintf(err, errlen, "HUB_DASHBOARD_DIR: %s has no index.html (run make dashboard)", dir);
        dashboard_free();
        return false;
    }
    log_info("dashboard loaded", "\"files\":%zu,\"bytes\":%zu", loaded.n, loaded.bytes);
    return true;
}

void
dashboard_free(void)
{
    for (size_t i = 0; i < loaded.n; i++) {
        free(loaded.files[i].name);
        free(loaded.files[i].data);
    }
    free(loaded.files);
    memset(&loaded, 0, sizeof(loaded));
}

size_t
dashboard_files(void)
{
    return loaded.n;
}

static void
not_found(request_t *r)
{
    http_respond_error(r, 404, "not-found", "No resource at this path.");
}

void
dashboard_serve(request_t *r)
{
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(r->ev));
    if (loaded.n == 0 || path == NULL) {
        not_found(r);
        return;
    }
    if (strcmp(path, "/dashboard") == 0) {
        /* Relative URLs in the page resolve against /dashboard/. */
        http_set_header(r, "Location", "/dashboard/");
        http_respond_empty(r, 308);
        return;
    }
    const char *rest = path + strlen("/dashboard/");
    if (rest[0] == '\0')
        rest = "index.html";
    file_t key = {.name = (char *)rest};
    const file_t *f = dashboard_path_ok(rest)
                          ? bsearch(&key, loaded.files, loaded.n, sizeof(file_t), by_name)
                          : NULL;
    if (f == NULL) {
        not_found(r);
        return;
    }
    http_set_header(r, "Content-Security-Policy", DASHBOARD_CSP);
    http_set_header(r, "Referrer-Policy", "no-referrer");
    http_set_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    http_set_header(r, "Cross-Origin-Resource-Policy", "same-origin");
    /* Revalidated on every use: a new build is seen at once, and an
     * unchanged file costs a 304 and no body. */
    http_set_header(r, "Cache-Control", "no-cache");
    http_set_header(r, "ETag", f->etag);
    const char *inm = evhttp_find_header(evhttp_request_get_input_headers(r->ev), "If-None-Match");
    struct evbuffer *body = evbuffer_new();
    hub_assert(body != NULL);
    int status = 304;
    if (inm == NULL || !dashboard_etag_matches(inm, f->etag)) {
        status = 200;
        hub_assert(evbuffer_add_reference(body, f->data, f->len, NULL, NULL) == 0);
    }
    http_respond_buffer(r, status, f->type, body);
    evbuffer_free(body);
}
