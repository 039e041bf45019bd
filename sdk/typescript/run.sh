#!/usr/bin/env bash
# Generates TypeScript types from the committed specs (openapi-typescript), compiles the flow with
# strict tsc and runs it with node against a live demo.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
rm -rf generated out
npm run -s generate >/dev/null
npm run -s build
cd ../..
scripts/with-demo.sh "${CARGO_TARGET_DIR:-target}/debug/companygate" node sdk/typescript/out/flow.js
