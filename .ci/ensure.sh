#!/usr/bin/env bash
# Usage: ensure.sh COMMAND PACKAGE — install Debian's PACKAGE when COMMAND is missing.
# For the programs some tests drive (LibreOffice for the workbook, Chromium for the map);
# those tests skip, with the reason shown, if this fails.
set -euo pipefail
command -v "$1" >/dev/null 2>&1 && exit 0
echo "installing $2 from Debian's packages…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "$2" >&2
