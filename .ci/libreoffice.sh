#!/usr/bin/env bash
# Make LibreOffice (headless Calc) available for the workbook tests: they convert the
# exported workbook to PDF to prove it opens without repair. Installs Debian's package when
# soffice is missing; the tests skip, with that reason shown, if this fails.
set -euo pipefail
if command -v soffice >/dev/null 2>&1; then
  exit 0
fi
echo "installing LibreOffice Calc (headless) from Debian's packages…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >&2
