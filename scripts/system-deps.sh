#!/usr/bin/env bash
# Debian packages the full test suite needs beyond Python: Chromium for the console's browser tests,
# ffmpeg's development files for building vpdq (video hashing). Idempotent; installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)  # the Spark engine's tests
if ((${#need[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
bash scripts/install-vpdq.sh .venv/bin/python
