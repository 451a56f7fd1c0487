#include "input.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "problem.h"

void
input_begin_at(input_t *in, json_t *root, const char *prefix)
{
    in->root = root;
    snprintf(in->prefix, sizeof(in->prefix), "%s", prefix);
    in->errors = NULL;
    in->omitted = 0;
    in->owner = in;
}

void
input_begin_within(input_t *in, json_t *root, const char *prefix, input_t *outer)
{
    input_begin_at(in, root, prefix);
    in->owner = outer->owner;
}

void
input_begin(input_t *in, json_t *root)
{
    input_begin_at(in, root, "");
}

void
input_error(input_t *in, const char *pointer, const char *message)
{
    input_t *o = in->owner;
    if (o->errors == NULL)
        o->errors = json_array();
    if (json_array_size(o->errors) >= INPUT_ERRORS_MAX) {
        o->omitted++;
        return;
    }
    json_array_append_new(o->errors,
                          json_pack("{s:s, s:s}", "pointer", pointer, "message", message));
}

bool
input_failed(const input_t *in)
{
    return in->owner->errors != NULL;
}

static void
pointer_of_at(const char *prefix, const char *key, char *buf, size_t len)
{
    /* RFC 6901: "~" and "/" in a member name are escaped. */
    size_t o = (size_t)snprintf(buf, len, "%s", prefix);
    if (o + 4 >= len) {
        buf[len - 1] = '\0';
        return;
    }
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

void
input_pointer(const input_t *in, const char *key, char *buf, size_t len)
{
    pointer_of_at(in->prefix, key, buf, len);
}

static json_t *
member(input_t *in, const char *key, bool required, char *ptr, size_t ptrlen)
{
    pointer_of_at(in->prefix, key, ptr, ptrlen);
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
            char ptr[INPUT_POINTER_MAX];
            pointer_of_at(in->prefix, key, ptr, sizeof(ptr));
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
    char ptr[INPUT_POINTER_MAX], msg[96];
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
    char ptr[INPUT_POINTER_MAX], msg[256];
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
    char ptr[INPUT_POINTER_MAX], msg[96];
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
input_number(input_t *in, const char *key, double min, double max, bool required, double *out)
{
    char ptr[INPUT_POINTER_MAX], msg[96];
    json_t *v = member(in, key, required, ptr, sizeof(ptr));
    if (v == NULL)
        return false;
    double d = json_is_number(v) ? json_number_value(v) : NAN;
    if (!(d >= min && d <= max)) { /* NaN fails too */
        snprintf(msg, sizeof(msg), "Expected a number from %g to %g.", min, max);
        input_error(in, ptr, msg);
        return false;
    }
    *out = d;
    return true;
}

bool
input_bool(input_t *in, const char *key, bool required, bool *out)
{
    char ptr[INPUT_POINTER_MAX];
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

bool
input_object(input_t *parent, const char *key, bool required, input_t *child)
{
    char ptr[INPUT_POINTER_MAX];
    json_t *v = member(parent, key, required, ptr, sizeof(ptr));
    if (v == NULL)
        return false;
    if (!json_is_object(v)) {
        input_error(parent, ptr, "Expected an object.");
        return false;
    }
    child->root = v;
    snprintf(child->prefix, sizeof(child->prefix), "%s", ptr);
    child->errors = NULL;
    child->omitted = 0;
    child->owner = parent->owner;
    return true;
}

void
input_merge_patch(json_t *target, json_t *patch)
{
    const char *key;
    json_t *v;
    json_object_foreach(patch, key, v)
    {
        json_t *t = json_object_get(target, key);
        if (json_is_null(v))
            json_object_del(target, key);
        else if (json_is_object(v) && json_is_object(t))
            input_merge_patch(t, v);
        else if (json_is_object(v)) {
            json_t *fresh = json_object(); /* an object patch applies to {} */
            input_merge_patch(fresh, v);
            json_object_set_new(target, key, fresh);
        } else
            json_object_set(target, key, v);
    }
}

json_t *
input_end_errors(input_t *in)
{
    input_t *o = in->owner;
    json_t *e = o->errors;
    if (o->omitted > 0) {
        char msg[96];
        snprintf(msg, sizeof(msg), "%zu more problems are not listed.", o->omitted);
        json_array_append_new(e, json_pack("{s:s, s:s}", "pointer", o->prefix, "message", msg));
    }
    o->errors = NULL;
    o->omitted = 0;
    return e;
}

json_t *
input_end(input_t *in)
{
    json_t *errors = input_end_errors(in);
    if (errors == NULL)
        return NULL;
    json_t *p =
        problem_new(422, "invalid-input", "The request body has problems; see errors for each.");
    json_object_set_new(p, "errors", errors);
    return p;
}
