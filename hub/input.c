#include "input.h"

#include <stdio.h>
#include <string.h>

#include "problem.h"

void
input_begin(input_t *in, json_t *root)
{
    in->root = root;
    in->problem = NULL;
}

void
input_error(input_t *in, const char *pointer, const char *message)
{
    if (in->problem == NULL)
        in->problem = problem_new(422, "invalid-input",
                                  "The request body has problems; see errors for each.");
    problem_add_error(in->problem, pointer, message);
}

static void
pointer_of(const char *key, char *buf, size_t len)
{
    /* RFC 6901: "~" and "/" in a member name are escaped. */
    size_t o = 0;
    buf[o++] = '/';
    for (; *key && o + 3 < len; key++) {
        if (*key == '~' || *key == '/') {
            buf[o++] = '~';
            buf[o++] = *key == '~' ? '0' : '1';
        } else {
            buf[o++] = *key;
        }
    }
    buf[o] = '\0';
}

static json_t *
member(input_t *in, const char *key, bool required, char *ptr, size_t ptrlen)
{
    pointer_of(key, ptr, ptrlen);
    json_t *v = json_object_get(in->root, key);
    if (v == NULL && required)
        input_error(in, ptr, "This member is required.");
    return v;
}

void
input_only(input_t *in, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(in->root, key, v)
    {
        bool known = false;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(*a, key) == 0;
        if (!known) {
            char ptr[160];
            pointer_of(key, ptr, sizeof(ptr));
            input_error(in, ptr, "Unknown member; the protocol does not define it.");
        }
    }
}

static size_t
code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

const char *
input_string(input_t *in, const char *key, size_t min, size_t max, bool required)
{
    char ptr[160], msg[96];
    json_t *v = member(in, key, required, ptr, sizeof(ptr));
    if (v == NULL)
        return NULL;
    if (!json_is_string(v)) {
        input_error(in, ptr, "Expected a string.");
        return NULL;
    }
    const char *s = json_string_value(v);
    size_t n = code_points(s);
    if (strlen(s) != json_string_length(v)) {
        input_error(in, ptr, "The string contains a NUL character.");
        return NULL;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        /* C0, DEL, and C1 (U+0080..U+009F, encoded C2 80..C2 9F). */
        if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) {
            input_error(in, ptr, "The string contains control characters.");
            return NULL;
        }
    }
    if (n < min || n > max) {
        snprintf(msg, sizeof(msg), "Expected %zu to %zu characters.", min, max);
        input_error(in, ptr, msg);
        return NULL;
    }
    return s;
}

const char *
input_choice(input_t *in, const char *key, const char *const *choices, bool required)
{
    char ptr[160], msg[256];
    json_t *v = member(in, key, required, ptr, sizeof(ptr));
    if (v == NULL)
        return NULL;
    const char *s = json_string_value(v);
    for (const char *const *c = choices; s != NULL && *c; c++)
        if (strcmp(*c, s) == 0)
            return *c;
    size_t o = (size_t)snprintf(msg, sizeof(msg), "Expected one of:");
    for (const char *const *c = choices; *c && o < sizeof(msg); c++)
        o += (size_t)snprintf(msg + o, sizeof(msg) - o, " %s", *c);
    input_error(in, ptr, msg);
    return NULL;
}

bool
input_integer(input_t *in, const char *key, long long min, long long max, bool required,
              bool nullable, long long *out, bool *null)
{
    char ptr[160], msg[96];
    if (null != NULL)
        *null = false;
    json_t *v = member(in, key, required, ptr, sizeof(ptr));
    if (v == NULL)
        return false;
    if (json_is_null(v) && nullable) {
        if (null != NULL)
            *null = true;
        return false;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        snprintf(msg, sizeof(msg), "Expected an integer from %lld to %lld%s.", min, max,
                 nullable ? ", or null" : "");
        input_error(in, ptr, msg);
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

bool
input_bool(input_t *in, const char *key, bool required, bool *out)
{
    char ptr[160];
    json_t *v = member(in, key, required, ptr, sizeof(ptr));
    if (v == NULL)
        return false;
    if (!json_is_boolean(v)) {
        input_error(in, ptr, "Expected true or false.");
        return false;
    }
    *out = json_is_true(v);
    return true;
}

json_t *
input_end(input_t *in)
{
    json_t *p = in->problem;
    in->problem = NULL;
    return p;
}
