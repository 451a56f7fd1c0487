#!/usr/bin/env bash
# hubctl: administration on the database as the owner role: partnerships,
# partners, tokens (stored as SHA-256 only), certificates, the audit chain.
# Runs twice (plain and ASan) against the same database: every name is new.
. "$(dirname "$0")/lib.sh"
. "$T/hub.env" # HUB_DB here is the owner role
owner=$HUB_DB
HUBCTL=${HUB_BIN%/hubd}/hubctl
superuser="host=$T/run port=$PGPORT user=postgres dbname=hub"
q() { psql -X -tA "$owner" -c "$1"; }
tag=$$-$RANDOM
OUT=$T/hubctl.out
ERR=$T/hubctl.err
ERRLOG=$T/hubctl-$tag.stderr # every run's stderr, for the sanitizer check

# ctl ARGS...: runs hubctl as the owner; stdout in $OUT, stderr in $ERR.
ctl() {
    HUB_DB=$owner "$HUBCTL" "$@" >"$OUT" 2>"$ERR"
    local rc=$?
    cat "$ERR" >>"$ERRLOG"
    return "$rc"
}
# fails_with CODE ARGS...: hubctl exits with CODE.
fails_with() {
    local code=$1
    shift
    ctl "$@"
    test $? -eq "$code"
}

[ -x "$HUBCTL" ] || { not_ok "hubctl is built" "missing $HUBCTL"; exit 0; }

# Usage.
check "hubctl --help exits 0 and lists the commands" \
    bash -c "'$HUBCTL' --help | grep -q 'hubctl audit verify'"
check "a command's --help shows its usage" \
    bash -c "'$HUBCTL' partner add --help | grep -q '^Usage: hubctl partner add'"
check "an unknown command is bad usage (exit 2)" fails_with 2 frobnicate
check "no database given is an error (exit 1)" \
    bash -c "env -u HUB_DB '$HUBCTL' partner list 2>&1 >/dev/null | grep -q '^hubctl: no database'"
check "the application role is refused: it is not the owner" \
    bash -c "! '$HUBCTL' --db '$HUB_APP_DB' partner list 2>'$T/app.err' && grep -q 'not hub_owner' '$T/app.err'"

# Partnerships.
name=hubctl-test-$tag
ctl partnership add "$name" --isa-ref "ISA-HUBCTL-$tag" --lawful-basis "Crime and Disorder Act 1998 s.115" \
    --retention-months 36
check "partnership add exits 0" test $? -eq 0
ps=$(cat "$OUT")
check "…and prints the new id alone" grep -qxE '[0-9]+' "$OUT"
check "…which names the partnership" test "$(q "SELECT name FROM hub.partnership WHERE partnership_id = $ps")" = "$name"
check "a duplicate partnership name is refused (exit 1)" \
    fails_with 1 partnership add "$name" --isa-ref X --lawful-basis Y --retention-months 1
check "…saying so" grep -q 'already exists' "$ERR"
check "retention months out of range is bad usage" \
    fails_with 2 partnership add "x$name" --isa-ref X --lawful-basis Y --retention-months 0
check "a name with a control character is bad usage" \
    fails_with 2 partnership add "$(printf 'bad\tname')" --isa-ref X --lawful-basis Y --retention-months 1
ctl partnership list
check "partnership list shows it" grep -q "$name" "$OUT"
ctl partnership list --json
check "partnership list --json has it with typed fields" \
    test "$(jq -r ".[] | select(.partnership_id == $ps) | \"\(.name) \(.retention_months + 0) \(.isa_reference)\"" "$OUT")" \
    = "$name 36 ISA-HUBCTL-$tag"

# Partners.
ctl partner add --partnership "$ps" --kind police "Police $tag"
police=$(cat "$OUT")
ctl partner add --partnership "$ps" --kind council "Council $tag"
council=$(cat "$OUT")
check "partner add prints the new ids" bash -c "[[ '$police' =~ ^[0-9]+$ && '$council' =~ ^[0-9]+$ ]]"
check "a bad kind is bad usage (exit 2)" fails_with 2 partner add --partnership "$ps" --kind wizard "W $tag"
check "…with a message listing the kinds" grep -q '^hubctl: --kind must be one of: police council' "$ERR"
check "a partner of no partnership is refused (exit 1)" \
    fails_with 1 partner add --partnership 999999999 --kind police "P $tag"
check "…saying so" grep -q 'no partnership 999999999' "$ERR"
check "a duplicate partner name is refused" fails_with 1 partner add --partnership "$ps" --kind health "Police $tag"
ctl partner list --partnership "$ps" --json
check "partner list --json has both, active, with their kinds" \
    test "$(jq -c 'map([.partner_id, .partnership_id, .kind, .active])' "$OUT")" \
    = "[[$police,$ps,\"police\",true],[$council,$ps,\"council\",true]]"
ctl partner list --partnership "$ps"
check "partner list shows a heading and the partners" \
    bash -c "head -1 '$OUT' | grep -q 'ID  PARTNERSHIP  NAME' && grep -q 'Council $tag  council  yes' '$OUT'"
ctl partner disable "$council"
check "partner disable clears active" test "$(q "SELECT active FROM hub.partner WHERE partner_id = $council")" = f
ctl partner list --partnership "$ps" --json
check "…and partner list says so" test "$(jq ".[] | select(.partner_id == $council) | .active" "$OUT")" = false
ctl partner enable "$council"
check "partner enable sets it again" test "$(q "SELECT active FROM hub.partner WHERE partner_id = $council")" = t
check "disabling no partner is an error" fails_with 1 partner disable 999999999

# Tokens.
ctl token issue --partner "$police" --roles submit,read --label "hubctl $tag" --expires-days 30
check "token issue exits 0" test $? -eq 0
token=$(cat "$OUT")
check "…and prints a well-formed token" grep -qxE 'hub_[A-Za-z0-9_-]{43}' "$OUT"
sum=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
row=$(q "SELECT credential_id || ',' || partnership_id || ',' || array_to_string(roles, ' ') || ',' ||
                (expires_at > now() + interval '29 days')
           FROM hub.credential WHERE token_hash = decode('$sum', 'hex')")
tok_id=${row%%,*}
check "the database holds the token's SHA-256, with its partnership, roles and expiry" \
    test "${row#*,}" = "$ps,submit read,true"
check "…and not the token itself" \
    test "$(q "SELECT count(*) FROM hub.credential c WHERE strpos(c::text, '$token') > 0")" = 0
ctl token list --partner "$police"
check "token list shows it" grep -qE "^ *$tok_id +$ps +$police +submit,read +hubctl $tag" "$OUT"
check "…but never the hash" bash -c "! grep -q '$sum' '$OUT'"
ctl token list --partnership "$ps" --json
check "token list --json has no hash either" \
    bash -c "! grep -q '$sum' '$OUT' && jq -e 'map(has(\"token_hash\")) | any | not' '$OUT' >/dev/null"
check "…and shows the roles as an array" \
    test "$(jq -c ".[] | select(.credential_id == $tok_id) | .roles" "$OUT")" = '["submit","read"]'
check "unknown roles are refused (exit 2)" fails_with 2 token issue --partner "$police" --roles submit,admin
check "…with a message" grep -q '^hubctl: --roles must be' "$ERR"
check "a partner's token cannot have the role public" fails_with 2 token issue --partner "$police" --roles public
check "a token for no partner is refused" fails_with 1 token issue --partner 999999999 --roles read
ctl token revoke "$tok_id"
check "token revoke sets revoked_at" \
    test "$(q "SELECT revoked_at IS NOT NULL FROM hub.credential WHERE credential_id = $tok_id")" = t
check "revoking again is not an error" ctl token revoke "$tok_id"
check "…and says it was already revoked" grep -q 'already revoked' "$OUT"
check "revoking no token is an error" fails_with 1 token revoke 999999999
check "a public token needs --public" fails_with 2 token issue --partnership "$ps" --roles public
check "a public token has no partner" fails_with 2 token issue --public --partner "$police" --partnership "$ps"
check "a public token has only the role public" \
    fails_with 2 token issue --public --partnership "$ps" --roles read
ctl token issue --public --partnership "$ps"
pub=$(cat "$OUT")
check "token issue --public prints a token" grep -qxE 'hub_[A-Za-z0-9_-]{43}' "$OUT"
pubsum=$(printf '%s' "$pub" | sha256sum | cut -d' ' -f1)
check "…stored without a partner, with the role public" \
    test "$(q "SELECT partnership_id || ',' || coalesce(partner_id::text, 'none') || ',' || array_to_string(roles, ' ')
                 FROM hub.credential WHERE token_hash = decode('$pubsum', 'hex')")" = "$ps,none,public"

# Certificates.
cn=hubctl-$tag
"$ROOT/certs/make-client.sh" "$T/certs" "$cn" >/dev/null 2>&1
pem=$T/certs/clients/$cn.pem
fp=$(openssl x509 -in "$pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
ctl cert register --partner "$police" --roles submit,read "$pem" --label "cert $tag"
check "cert register exits 0" test $? -eq 0
cert_id=$(cat "$OUT")
check "…and prints the new credential id" grep -qxE '[0-9]+' "$OUT"
check "the stored fingerprint is openssl's SHA-256 fingerprint" \
    test "$(q "SELECT fingerprint FROM hub.credential WHERE credential_id = $cert_id")" = "$fp"
check "…with the subject, kind and partnership" \
    test "$(q "SELECT kind || ',' || subject || ',' || partnership_id FROM hub.credential WHERE credential_id = $cert_id")" \
    = "certificate,CN=$cn,O=Partnership Data Hub partner,$ps"
check "registering it again is refused (exit 1)" fails_with 1 cert register --partner "$council" --roles read "$pem"
check "…saying it is already registered" grep -q 'already registered' "$ERR"
check "a file that is not a certificate is refused" \
    fails_with 1 cert register --partner "$police" --roles read "$T/certs/clients/$cn.key"
ctl cert list --partner "$police" --json
check "cert list --json shows the fingerprint" \
    test "$(jq -r ".[] | select(.credential_id == $cert_id) | .fingerprint" "$OUT")" = "$fp"
check "token revoke refuses a certificate" fails_with 1 token revoke "$cert_id"
ctl cert revoke "$cert_id"
check "cert revoke sets revoked_at" \
    test "$(q "SELECT revoked_at IS NOT NULL FROM hub.credential WHERE credential_id = $cert_id")" = t
check "a revoked certificate can be registered again" ctl cert register --partner "$police" --roles read "$pem"
ctl credential list --partnership "$ps" --json
check "credential list has both kinds" test "$(jq -r 'map(.kind) | unique | join(",")' "$OUT")" = certificate,token

# The audit chain, recomputed in C. No hubd runs here, so no sealer races.
for i in 1 2 3 4 5; do
    q "INSERT INTO hub.audit_log (partnership_id, partner_id, credential_id, request_id, action, outcome)
       VALUES ($ps, $police, $cert_id, 'hubctl-$tag-$i', 'report.read', 'ok')" >/dev/null
done
ctl audit verify --partnership "$ps"
check "before sealing, the rows are counted as not yet sealed" \
    grep -qx "audit chain OK: partnership $ps: 0 rows sealed, 5 not yet sealed" "$OUT"
check "audit seal exits 0" ctl audit seal --max 2
check "…and says how many rows it sealed" grep -qE '^sealed [0-9]+ rows$' "$OUT"
q "INSERT INTO hub.audit_log (partnership_id, partner_id, credential_id, request_id, action, outcome)
   VALUES ($ps, $council, NULL, 'hubctl-$tag-6', 'partners.list', 'denied')" >/dev/null
ctl audit verify --partnership "$ps"
check "audit verify passes" test $? -eq 0
check "…and counts sealed and unsealed rows" \
    grep -qx "audit chain OK: partnership $ps: 5 rows sealed, 1 not yet sealed" "$OUT"
ctl audit seal
ctl audit verify --partnership "$ps"
check "sealed again, the chain extends" grep -qx "audit chain OK: partnership $ps: 6 rows sealed, 0 not yet sealed" "$OUT"

victim=$(q "SELECT audit_id FROM hub.audit_log WHERE partnership_id = $ps AND seal_seq = 3")
set_outcome() {
    psql -X -q "$superuser" -c "ALTER TABLE hub.audit_log DISABLE TRIGGER audit_guard;
        UPDATE hub.audit_log SET outcome = '$1' WHERE audit_id = $victim;
        ALTER TABLE hub.audit_log ENABLE TRIGGER audit_guard;"
}
set_outcome tampered
ctl audit verify --partnership "$ps"
rc=$?
set_outcome ok # restore at once: other suites verify every chain
check "a tampered row breaks verification (exit 1)" test "$rc" -eq 1
check "…naming the first broken link, audit_id $victim" \
    grep -q "^audit chain BROKEN: partnership $ps at audit_id $victim (seal_seq 3): hash differs" "$OUT"
check "restored, the chain verifies again" ctl audit verify --partnership "$ps"
check "verifying no partnership is an error" fails_with 1 audit verify --partnership 999999999

check "no sanitizer reports" bash -c "! grep -qE 'ERROR: AddressSanitizer|runtime error:|LeakSanitizer' '$ERRLOG'"
