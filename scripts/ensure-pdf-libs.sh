#!/usr/bin/env bash
# WeasyPrint (decision letters as PDF) needs Debian's pango; install it when it is missing.
set -euo pipefail
# (read into a variable first: with pipefail, `ldconfig -p | grep -q` fails whenever grep quits
# at its match before ldconfig has written everything, and the libraries were installed anew)
libs=$(ldconfig -p 2>/dev/null || true)
if grep -q 'libpango-1.0.so.0' <<<"$libs" && grep -q 'libpangoft2-1.0.so.0' <<<"$libs"; then
  exit 0
fi
echo "ensure-pdf-libs: installing Debian's pango and fonts for WeasyPrint" >&2
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null
