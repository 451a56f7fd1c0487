#include "fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubctl.h"

void
fetch_args(fetch_opts_t *o, arg_t *out)
{
    const arg_t args[FETCH_ARGS] = {
        {.name = "--url", .type = ARG_TEXT, .min = 1, .max = 2048, .value = &o->url},
        {.name = "--ca", .type = ARG_FILE, .value = &o->ca},
        {.name = "--token", .type = ARG_TEXT, .min = 1, .max = 4096, .value = &o->token},
        {.name = "--cert", .type = ARG_FILE, .value = &o->cert},
        {.name = "--key", .type = ARG_FILE, .value = &o->key},
        {.name = "--timeout", .type = ARG_INT, .min = 1, .max = 3600, .value = &o->timeout},
    };
    memcpy(out, args, sizeof(args));
}

remote_t *
fetch_open(const fetch_opts_t *o)
{
    char err[600];
    remote_opts_t ro = {o->url,  o->ca,  o->token,
                        o->cert, o->key, o->timeout ? atoi(o->timeout) : FETCH_TIMEOUT_DEFAULT,
                        NULL};
    remote_t *r = remote_new(&ro, err, sizeof(err));
    if (r == NULL)
        ctl_error("%s", err);
    return r;
}

json_t *
fetch_json(remote_t *r, const char *path, const char *needs)
{
    char why[800];
    json_t *answer = NULL;
    if (remote_get_json(r, path, needs, &answer, why, sizeof(why)) != REMOTE_OK) {
        ctl_error("%s", why);
        return NULL;
    }
    return answer;
}

bool
fetch_query(char *path, size_t len, const char *name, const char *value)
{
    if (value == NULL)
        return true;
    size_t n = strlen(path);
    int w = snprintf(path + n, len - n, "%c%s=", strchr(path, '?') ? '&' : '?', name);
    if (w < 0 || (size_t)w >= len - n)
        return false;
    n += (size_t)w;
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                     (*p >= '0' && *p <= '9') || strchr("-._~,", *p) != NULL;
        if (n + (plain ? 1 : 3) >= len)
            return false;
        if (plain) {
            path[n++] = (char)*p;
        } else {
            path[n++] = '%';
            path[n++] = hex[*p >> 4];
            path[n++] = hex[*p & 15];
        }
    }
    path[n] = '\0';
    return true;
}

int
fetch_print_json(const json_t *answer)
{
    char *text = json_dumps(answer, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text == NULL) {
        ctl_error("cannot format the answer as JSON (out of memory?)");
        return CTL_FAIL;
    }
    puts(text);
    free(text);
    if (fflush(stdout) != 0) {
        ctl_error("cannot write to standard output");
        return CTL_FAIL;
    }
    return CTL_OK;
}
