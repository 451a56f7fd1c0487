/* dashboard.h: the web dashboard's static files, served at /dashboard/.
 *
 * Every file is read into memory at start-up from HUB_DASHBOARD_DIR, and a
 * request is answered by looking its path up among those names: nothing
 * on disk is opened per request, so no path can reach a file outside the
 * folder (no decoding, no "..", no symbolic links followed). The page holds
 * no data; it fetches the API with the user's token, so the files need no
 * credential. */
#ifndef HUB_DASHBOARD_H
#define HUB_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "util.h"

/* Limits on what the folder may hold; beyond them start-up stops. */
#define DASHBOARD_MAX_FILES 256
#define DASHBOARD_MAX_BYTES (16u << 20)
#define DASHBOARD_MAX_DEPTH 3

/* The Content-Security-Policy of every dashboard answer: the page's own
 * scripts, styles and API calls only; no inline code, no framing. */
#define DASHBOARD_CSP                                                                              \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "                  \
    "form-action 'none'; frame-ancestors 'none'"

/* Loads the files under dir (see README: Dashboard). An empty dir turns the
 * dashboard off (every /dashboard path is 404). On error writes a one-line
 * reason to err and returns false. Call once, before the workers start. */
HUB_MUST_CHECK bool dashboard_load(const char *dir, char *err, size_t errlen);
void dashboard_free(void);

/* How many files are served (0: the dashboard is off). */
size_t dashboard_files(void);

/* The media type for a file name by its extension, or NULL: not served. */
const char *dashboard_media_type(const char *name);

/* Is rest (the path after "/dashboard/") a name dashboard_load could have
 * loaded: segments of [A-Za-z0-9._-], none empty or starting with '.'? */
bool dashboard_path_ok(const char *rest);

/* Does an If-None-Match header value name etag (weak or strong, or "*")? */
bool dashboard_etag_matches(const char *if_none_match, const char *etag);

/* GET|HEAD /dashboard and /dashboard/<path>. */
void dashboard_serve(request_t *r);

#endif
