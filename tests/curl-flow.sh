#!/usr/bin/env bash
# Drives a running `companygate demo` at BASE_URL with curl, as the README shows: both dialects'
# delete flows and both client-authentication styles of the token endpoint.
# Usage: scripts/with-demo.sh target/debug/companygate tests/curl-flow.sh
set -euo pipefail
base="${BASE_URL:?run me under scripts/with-demo.sh}"
cookies=$(mktemp)
trap 'rm -f "$cookies"' EXIT

pass=0
fail=0
check() { # name expected actual
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: expected $2, got $3"; fi
}
field() { python3 -c "import sys, json; d = json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$1"; }

# The README's token lines, as written: a token, or with a wrong secret the refusal on stderr.
readme_token=$(awk '/^REPLY=\$\(curl/,/no token/' "$(dirname "$0")/../README.md" | sed "s#http://127.0.0.1:8080#$base#")
check "README token" 3 "$(bash -c "$readme_token"$'\necho "$TOKEN"' | tr '.' '\n' | wc -l | tr -d ' ')"
refused=$(bash -c "${readme_token/s3cret-value/nope}"$'\necho "[$TOKEN]"' 2>&1)
check "README token, wrong secret" 'no token: {"error":"invalid_client"' "$(echo "$refused" | head -1 | cut -c1-35)"
check "README token, wrong secret, empty" '[]' "$(echo "$refused" | tail -1)"

token=$(curl -s -X POST "$base/connect/token" -d grant_type=client_credentials \
  -d client_id=acme-reseller -d client_secret=s3cret-value -d scope=api1 | field '["access_token"]')
check "token via form" 3 "$(echo "$token" | tr '.' '\n' | wc -l | tr -d ' ')"
basic=$(curl -s -u acme-reseller:s3cret-value -X POST "$base/connect/token" -d grant_type=client_credentials | field '["token_type"]')
check "token via basic" Bearer "$basic"
check "wrong secret" 401 "$(curl -s -o /dev/null -w '%{http_code}' -u acme-reseller:nope -X POST "$base/connect/token" -d grant_type=client_credentials)"

search=$(curl -s -X POST "$base/api/companies/search" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"pageNumber":1,"pageSize":10,"orderBy":"CreateTime","ascending":false,"filter":null}')
check "search isSuccess" True "$(echo "$search" | field '["isSuccess"]')"
check "search sees the subtree" 4 "$(echo "$search" | field '["data"]["totalNumberOfRecords"]')"
scoped=$(curl -s -X POST "$base/api/companies/search" -H "Authorization: Bearer $token" -H 'X-KEEPNET-Company-Id: SubReseller1' \
  -H 'Content-Type: application/json' -d '{"pageNumber":1,"pageSize":10,"orderBy":"CreateTime","ascending":false,"filter":{"Condition":"AND","SearchInputTextValue":""}}')
check "scoped search" 2 "$(echo "$scoped" | field '["data"]["totalNumberOfRecords"]')"
preview=$(curl -s "$base/api/companies/Cust0mer0002/deletion-preview" -H "Authorization: Bearer $token")
check "preview offers" 1 "$(echo "$preview" | field '["data"]["offers"]')"
deleted=$(curl -s -X DELETE "$base/api/companies/Cust0mer0002" -H "Authorization: Bearer $token")
check "reseller delete" '{"data":{"resourceId":"Cust0mer0002"},"isSuccess":true,"message":"Company deleted","status":"SUCCESS","validationMessages":null}' "$deleted"
check "second delete" 404 "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$base/api/companies/Cust0mer0002" -H "Authorization: Bearer $token")"

check "login" '{}' "$(curl -s -c "$cookies" -X POST "$base/auth/login" -H 'Content-Type: application/json' \
  -d '{"email":"company1@email.com","password":"password123"}')"
self=$(curl -s -b "$cookies" -X POST "$base/company/43757374306d657230303031/delete")
check "session delete" test-company-1 "$(echo "$self" | field '["name"]')"
check "session gone" 401 "$(curl -s -o /dev/null -w '%{http_code}' -b "$cookies" "$base/auth/me")"
god=$(curl -s -X POST "$base/company/Cust0mer0003/delete" -H 'Content-Type: application/json' -d '{"god_token":"demo-god-token"}')
check "god delete" 43757374306d657230303033 "$(echo "$god" | field '["_id"]')"
check "no auth" 401 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/company/SubReseller1/delete")"

echo "curl-flow: $pass passed, $fail failed"
[ "$fail" = 0 ]
