#include "problem.h"

#include <stdio.h>

#include "util.h"

const char *
http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

json_t *
problem_new(int status, const char *slug, const char *detail)
{
    char type[128];
    snprintf(type, sizeof(type), PROBLEM_TYPE_BASE "%s", slug);
    json_t *p =
        json_pack("{s:s, s:s, s:i}", "type", type, "title", http_reason(status), "status", status);
    hub_assert(p != NULL);
    if (detail != NULL)
        json_object_set_new(p, "detail", json_string(detail));
    return p;
}

void
problem_add_error(json_t *problem, const char *pointer, const char *message)
{
    json_t *errors = json_object_get(problem, "errors");
    if (errors == NULL) {
        errors = json_array();
        json_object_set_new(problem, "errors", errors);
    }
    json_array_append_new(errors, json_pack("{s:s, s:s}", "pointer", pointer, "message", message));
}
