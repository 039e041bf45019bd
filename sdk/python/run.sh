#!/usr/bin/env bash
# Generates Python clients from the committed specs with openapi-python-client (no hand edits) and
# drives both dialects' delete flows through them against a live demo.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/sdk/python
python3 -m pip install -q --disable-pip-version-check "openapi-python-client==0.29.1" ruff >/dev/null
rm -rf "$out" && mkdir -p "$out"
for dialect in reseller session; do
  openapi-python-client generate --path "openapi/$dialect.json" --meta none --output-path "$out/${dialect}_client" >/dev/null
done
scripts/with-demo.sh "${CARGO_TARGET_DIR:-target}/debug/companygate" env PYTHONPATH="$out" python3 sdk/python/flow.py
