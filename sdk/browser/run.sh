#!/usr/bin/env bash
# Installs Debian's chromium if missing, then drives both Swagger UI pages against a live demo.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v chromium >/dev/null; then
  sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_ apt-get update -qq
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
npm ci --no-audit --no-fund --loglevel=error
cd ../..
SCREENSHOTS=target/screenshots CHROMIUM="$(command -v chromium)" scripts/with-demo.sh "${CARGO_TARGET_DIR:-target}/debug/companygate" node sdk/browser/swagger.mjs
