#!/usr/bin/env bash
# Make headless Chromium available for the integration-map tests (Debian's package). The
# tests skip, with that reason shown, if this fails.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "installing Chromium from Debian's packages…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium >&2
