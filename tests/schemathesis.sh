#!/usr/bin/env bash
# Property-based checks of both live specs with schemathesis (pinned), every check, a bounded
# number of examples per operation and a fixed seed, against a running `companygate demo` at
# BASE_URL. Exits non-zero on any failure. Rate limits must be raised for the demo (the caller
# sets them through the environment, as CI does), or the generated traffic meets 429s.
# Usage: scripts/with-demo.sh target/debug/companygate tests/schemathesis.sh [max-examples]
set -euo pipefail
base="${BASE_URL:?run me under scripts/with-demo.sh}"
examples="${1:-${SCHEMATHESIS_EXAMPLES:-25}}"
python3 -m pip install -q --disable-pip-version-check "schemathesis==4.32.5" >/dev/null
report=target/schemathesis
mkdir -p "$report"

json() { python3 -c "import sys, json; print(json.load(sys.stdin)$1)"; }

token=$(curl -sf -X POST "$base/connect/token" -d grant_type=client_credentials \
  -d client_id=acme-reseller -d client_secret=s3cret-value -d scope=api1 | json '["access_token"]')
jar=$(mktemp)
trap 'rm -f "$jar"' EXIT
curl -sf -c "$jar" -o /dev/null -X POST "$base/auth/login" -H 'Content-Type: application/json' \
  -d '{"email":"admin@email.com","password":"password123"}'
sid=$(awk '$6 == "connect.sid" { print $7 }' "$jar")
[ -n "$sid" ] || { echo "no session cookie from the demo" >&2; exit 1; }

run() { # dialect [header]
  echo "-- schemathesis: $1 dialect, $examples examples per operation"
  st --config-file "tests/schemathesis/$1.toml" run "$base/openapi/$1.json" --url "$base" --checks all --max-examples "$examples" \
    ${2:+-H "$2"} --seed 20261201 --generation-database none --request-timeout 15 --no-color \
    --report junit --report-junit-path "$report/$1.xml"
}
status=0
run reseller "Authorization: Bearer $token" || status=1
SCHEMATHESIS_SESSION="$sid" run session || status=1
exit "$status"
