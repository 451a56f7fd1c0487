#include "remote.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../hub/problem.h"
#include "https.h"
#include "text.h"

enum {
    CONNECT_TIMEOUT_MS = 10000,
    ANSWER_MAX = 64 * 1024 * 1024, /* bytes of an answer: 10,000 items with their errors */
    TOKEN_MAX = 4096,
};

struct remote {
    https_t *https;
    char *auth;         /* "Authorization: Bearer …", or NULL */
    char identity[400]; /* URL and credential digest */
};

/* The option, else the environment variable (unset or empty: NULL). */
static const char *
option(const char *given, const char *var)
{
    if (given != NULL)
        return given;
    const char *v = getenv(var);
    return v != NULL && *v != '\0' ? v : NULL;
}

/* A bearer token: visible ASCII only, so that it cannot break the header. */
static bool
token_valid(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > TOKEN_MAX)
        return false;
    for (const char *p = t; *p; p++)
        if (*p <= 0x20 || *p >= 0x7F)
            return false;
    return true;
}

static void
sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    hub_assert(EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) == 1 && n == 32);
    hex_encode(md, 32, out);
}

remote_t *
remote_new(const remote_opts_t *o, char *err, size_t errlen)
{
    const char *url = option(o->url, "HUB_URL"), *ca = option(o->ca, "HUB_CA");
    const char *token = o->token, *cert = o->cert, *key = o->key;
    if (token == NULL && cert == NULL && key == NULL) {
        token = option(NULL, "HUB_TOKEN");
        cert = option(NULL, "HUB_CERT");
        key = option(NULL, "HUB_KEY");
        if (token != NULL && (cert != NULL || key != NULL)) {
            text_error(err, errlen,
                       "HUB_TOKEN and HUB_CERT/HUB_KEY are both set: choose one with --token or "
                       "--cert");
            return NULL;
        }
    }
    if (url == NULL) {
        text_error(err, errlen, "no hub: give --url or set HUB_URL (https://HOST:PORT)");
        return NULL;
    }
    if (token != NULL && (cert != NULL || key != NULL)) {
        text_error(err, errlen, "give a token or a client certificate, not both");
        return NULL;
    }
    if (key != NULL && cert == NULL) {
        text_error(err, errlen, "--key (HUB_KEY) needs --cert (HUB_CERT)");
        return NULL;
    }
    if (token == NULL && cert == NULL) {
        text_error(err, errlen,
                   "no credential: give --token (or HUB_TOKEN), or --cert and --key (or HUB_CERT "
                   "and HUB_KEY)");
        return NULL;
    }
    if (token != NULL && !token_valid(token)) {
        text_error(err, errlen, "the token must be printable ASCII without spaces");
        return NULL;
    }
    https_opts_t ho = {
        .url = url,
        .ca_file = ca,
        .cert_file = cert,
        .key_file = key,
        .connect_timeout_ms =
            o->timeout_s * 1000 < CONNECT_TIMEOUT_MS ? o->timeout_s * 1000 : CONNECT_TIMEOUT_MS,
        .io_timeout_ms = o->timeout_s * 1000,
        .max_body = ANSWER_MAX,
        .user_agent = "hubctl/" HUB_VERSION,
        .cancel = o->cancel,
    };
    https_t *h = https_new(&ho, err, errlen);
    if (h == NULL)
        return NULL;
    remote_t *r = xcalloc(1, sizeof(*r));
    r->https = h;
    char digest[65];
    if (token != NULL) {
        size_t n = strlen(token) + 32;
        r->auth = xmalloc(n);
        snprintf(r->auth, n, "Authorization: Bearer %s", token);
        sha256_hex(token, strlen(token), digest);
    }
    snprintf(r->identity, sizeof(r->identity), "%s %s %s", url, token ? "token" : "cert",
             token ? digest : cert);
    return r;
}

void
remote_free(remote_t *r)
{
    if (r == NULL)
        return;
    https_free(r->https);
    if (r->auth != NULL)
        OPENSSL_cleanse(r->auth, strlen(r->auth));
    free(r->auth);
    free(r);
}

const char *
remote_identity(const remote_t *r)
{
    return r->identity;
}

/* The problem's detail (else its title), made safe for one line. */
static void
problem_detail(const https_response_t *resp, char *out, size_t len)
{
    out[0] = '\0';
    json_t *p = resp->body ? json_loadb(resp->body, resp->body_len, 0, NULL) : NULL;
    const char *d = json_string_value(json_object_get(p, "detail"));
    if (d == NULL)
        d = json_string_value(json_object_get(p, "title"));
    if (d != NULL) {
        snprintf(out, len, "%s", d);
        for (char *c = out; *c; c++)
            if ((unsigned char)*c < 0x20)
                *c = ' ';
        size_t n = strlen(out);
        if (n > 0 && out[n - 1] == '.') /* the message goes on after it */
            out[n - 1] = '\0';
    }
    json_decref(p);
}

/* A request that got no HTTP answer: why, and whether trying again may help. */
static remote_result_t
transport_failure(https_err_t e, const char *err, char *why, size_t whylen)
{
    switch (e) {
    case HTTPS_OK:
        break;
    case HTTPS_ERR_CANCELLED:
        text_error(why, whylen, "interrupted");
        return REMOTE_CANCELLED;
    case HTTPS_ERR_CONNECT:
        text_error(why, whylen, "cannot reach the hub: %s", err);
        return REMOTE_RETRY;
    case HTTPS_ERR_IO:
    case HTTPS_ERR_PROTOCOL:
        text_error(why, whylen, "the exchange with the hub failed: %s", err);
        return REMOTE_RETRY;
    case HTTPS_ERR_VERIFY:
        text_error(why, whylen, "%s (check --ca or HUB_CA, and the host in --url)", err);
        return REMOTE_FATAL;
    case HTTPS_ERR_TLS:
    case HTTPS_ERR_TOO_LARGE:
        break;
    }
    text_error(why, whylen, "%s", err);
    return REMOTE_FATAL;
}

/* What a refusal is about, for its message: "may not <forbidden> (403
 * Forbidden)…; it needs <needs>", "the hub refused <object> (4xx …)". */
typedef struct {
    const char *forbidden, *needs, *object;
} refusal_t;

/* An answer other than the one hoped for: why, and whether trying again may
 * help. */
static remote_result_t
status_failure(const https_response_t *resp, const refusal_t *rf, char *why, size_t whylen)
{
    char detail[400];
    int st = resp->status;
    problem_detail(resp, detail, sizeof(detail));
    const char *sep = detail[0] ? ": " : "", *reason = http_reason(st);
    if (strcmp(reason, "Unknown") == 0)
        reason = "";
    if (st == 401) {
        text_error(why, whylen,
                   "the hub refused the credential (401 Unauthorized)%s%s; check --token or "
                   "HUB_TOKEN (or --cert and --key)",
                   sep, detail);
    } else if (st == 403) {
        text_error(why, whylen, "the credential may not %s (403 Forbidden)%s%s; it needs %s",
                   rf->forbidden, sep, detail, rf->needs);
    } else if (st >= 500 || st == 429 || st == 408) {
        text_error(why, whylen, "the hub answered %d %s%s%s", st, reason, sep, detail);
        return REMOTE_RETRY;
    } else {
        text_error(why, whylen, "the hub refused %s (%d %s)%s%s", rf->object, st, reason, sep,
                   detail);
    }
    return REMOTE_FATAL;
}

remote_result_t
remote_post_batch(remote_t *r, const char *body, size_t len, bool dry_run, const char *request_id,
                  json_t **answer, long *retry_after, char *why, size_t whylen)
{
    char rid[96], detail[400], err[400];
    snprintf(rid, sizeof(rid), "X-Request-Id: %s", request_id);
    const char *headers[] = {"Content-Type: application/x-ndjson", rid, r->auth, NULL};
    https_response_t resp;
    *answer = NULL;
    *retry_after = -1;
    https_err_t e = https_request(r->https, "POST",
                                  dry_run ? "/v1/reports/batch?dry_run=true" : "/v1/reports/batch",
                                  headers, body, len, &resp, err, sizeof(err));
    if (e != HTTPS_OK) {
        https_response_free(&resp);
        return transport_failure(e, err, why, whylen);
    }

    *retry_after = resp.retry_after;
    int st = resp.status;
    if (st == 200) {
        json_error_t jerr;
        *answer = json_loadb(resp.body, resp.body_len, 0, &jerr);
        if (*answer != NULL && json_is_array(json_object_get(*answer, "items"))) {
            https_response_free(&resp);
            return REMOTE_OK;
        }
        json_decref(*answer);
        *answer = NULL;
        text_error(why, whylen, "the hub's answer is not a batch result");
        https_response_free(&resp);
        return REMOTE_FATAL;
    }
    remote_result_t result;
    if (st == 413) {
        problem_detail(&resp, detail, sizeof(detail));
        text_error(why, whylen,
                   "the hub refused the batch as too large (413)%s%s; try a smaller --batch",
                   detail[0] ? ": " : "", detail);
        result = REMOTE_FATAL;
    } else {
        const refusal_t rf = {"submit reports", "the role submit", "the batch"};
        result = status_failure(&resp, &rf, why, whylen);
    }
    https_response_free(&resp);
    return result;
}

remote_result_t
remote_get_json(remote_t *r, const char *path, const char *needs, json_t **answer, char *why,
                size_t whylen)
{
    char err[400];
    const char *headers[] = {"Accept: application/json", r->auth, NULL};
    https_response_t resp;
    *answer = NULL;
    https_err_t e = https_request(r->https, "GET", path, headers, NULL, 0, &resp, err, sizeof(err));
    if (e != HTTPS_OK) {
        https_response_free(&resp);
        return transport_failure(e, err, why, whylen);
    }
    remote_result_t result = REMOTE_OK;
    if (resp.status == 200) {
        json_error_t jerr;
        *answer = json_loadb(resp.body, resp.body_len, 0, &jerr);
        if (!json_is_object(*answer)) {
            json_decref(*answer);
            *answer = NULL;
            text_error(why, whylen, "the hub's answer to GET %s is not a JSON object", path);
            result = REMOTE_FATAL;
        }
    } else {
        const refusal_t rf = {"read this", needs, "the request"};
        result = status_failure(&resp, &rf, why, whylen);
    }
    https_response_free(&resp);
    return result;
}
