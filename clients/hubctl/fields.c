#include "fields.h"

#include <string.h>

const field_t fields[] = {
    {"protocol", "/protocol", FIELD_TEXT, false},
    {"external_ref", "/external_ref", FIELD_TEXT, false},
    {"occurred_from", "/occurred_from", FIELD_DATE, false},
    {"occurred_to", "/occurred_to", FIELD_DATE, false},
    {"reported_on", "/reported_on", FIELD_DATE, false},
    {"area", "/area", FIELD_TEXT, false},
    {"location_type", "/location_type", FIELD_CODE, false},
    {"strands", "/strands", FIELD_LIST, false},
    {"incident_types", "/incident_types", FIELD_LIST, false},
    {"ethnic_group", "/victim/ethnic_group", FIELD_CODE, true},
    {"ethnic_scheme", "/victim/ethnic_scheme", FIELD_CODE, true},
    {"age_band", "/victim/age_band", FIELD_CODE, true},
    {"sex", "/victim/sex", FIELD_CODE, true},
    {"repeat", "/repeat", FIELD_CODE, false},
    {"channel", "/channel", FIELD_CODE, false},
    {"subject_key", "/subject_key", FIELD_TEXT, false},
};
const size_t fields_count = sizeof(fields) / sizeof(fields[0]);

const field_t *
field_find(const char *name)
{
    bool victim = strncmp(name, "victim.", 7) == 0;
    if (victim)
        name += 7;
    for (size_t i = 0; i < fields_count; i++)
        if (strcmp(fields[i].name, name) == 0 && (!victim || fields[i].victim))
            return &fields[i];
    return NULL;
}

const field_t *
field_of_pointer(const char *pointer)
{
    for (size_t i = 0; i < fields_count; i++) {
        size_t n = strlen(fields[i].pointer);
        if (strncmp(pointer, fields[i].pointer, n) == 0 &&
            (pointer[n] == '\0' || pointer[n] == '/'))
            return &fields[i];
    }
    return NULL;
}
