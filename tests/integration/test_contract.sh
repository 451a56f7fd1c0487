#!/usr/bin/env bash
# api/openapi.yaml is the contract: every route hubd serves must be in it,
# with its method, and every path in it must be served.
. "$(dirname "$0")/lib.sh"
spec=$ROOT/api/openapi.yaml
# A route's trailing "*" (any rest of the path) is {path} in the spec.
routes=$(sed -n 's/^ *{\(METHOD_[A-Z_| ]*\), "\([^"]*\)".*/\1 \2/p' "$ROOT/hub/routes.c" |
    sed 's|/\*$|/{path}|')
check "the route table could be read" test -n "$routes"

# methods_of PATH: the HTTP methods under PATH in the spec.
methods_of() {
    awk -v p="  $1:" '
        $0 == p { inside = 1; next }
        inside && /^  [^ ]/ { inside = 0 }
        inside && /^    (get|post|put|patch|delete):/ { sub(/:.*/, ""); gsub(/ /, ""); print }
    ' "$spec"
}
while read -r methods path; do
    for m in ${methods//|/ }; do
        m=${m#METHOD_}
        m=${m,,}
        if methods_of "$path" | grep -qx "$m"; then
            ok "openapi documents ${m^^} $path"
        else
            not_ok "openapi lacks ${m^^} $path"
        fi
    done
done <<<"$routes"
for path in $(sed -n 's/^  \(\/[^:]*\):$/\1/p' "$spec"); do
    grep -qF "\"${path/%\/\{path\}//*}\"" "$ROOT/hub/routes.c" && ok "$path in the spec is served" ||
        not_ok "$path is in the spec but hubd does not serve it"
done
