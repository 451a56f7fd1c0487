#include "me.h"

#include <stdio.h>

static json_t *
roles_array(unsigned roles)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{ROLE_SUBMIT, "submit"},
                 {ROLE_READ, "read"},
                 {ROLE_COORDINATE, "coordinate"},
                 {ROLE_PUBLIC, "public"}};
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (roles & names[i].bit)
            json_array_append_new(a, json_string(names[i].name));
    return a;
}

/* Everything comes from the authentication itself: no further query. */
void
me_get(request_t *r)
{
    const identity_t *id = r->who;
    json_t *partner = json_null();
    if (id->partner_id != 0)
        partner = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id->partner_id, "name",
                            id->partner_name, "kind", id->partner_kind);
    snprintf(r->audit_type, sizeof(r->audit_type), "partner");
    snprintf(r->audit_id, sizeof(r->audit_id), "%lld", id->partner_id);
    http_respond_json(r, 200,
                      json_pack("{s:o, s:{s:I, s:s, s:s}, s:o, s:{s:I, s:s}}", "partner", partner,
                                "partnership", "id", (json_int_t)id->partnership_id, "name",
                                id->partnership_name, "isa_reference", id->isa_reference, "roles",
                                roles_array(id->roles), "credential", "id",
                                (json_int_t)id->credential_id, "kind", id->kind));
}
