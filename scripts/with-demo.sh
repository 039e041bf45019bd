#!/usr/bin/env bash
# Runs a command against a fresh `companygate demo`: starts it on a free port, exports BASE_URL,
# runs the command, stops the demo. Usage: scripts/with-demo.sh path/to/companygate command [args...]
set -euo pipefail
bin="$1"
shift
out=$(mktemp)
"$bin" demo --bind 127.0.0.1:0 >"$out" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 1 300); do grep -q "is running at" "$out" && break; sleep 0.1; done
BASE_URL=$(sed -n 's/.*is running at \(http[^ ]*\).*/\1/p' "$out")
[ -n "$BASE_URL" ] || { echo "the demo did not start:" >&2; cat "$out" >&2; exit 1; }
export BASE_URL
"$@"
