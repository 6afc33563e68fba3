#!/usr/bin/env bash
# tests/test_nginx.py runs docs/production.md's nginx set-up in front of gunicorn, with a
# throw-away certificate from openssl: install Debian's nginx and openssl when missing. The
# package's own service is not started (the test starts nginx with its own configuration).
set -euo pipefail
if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
  if command -v openssl >/dev/null; then exit 0; fi
fi
echo "ensure-nginx: installing Debian's nginx and openssl" >&2
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# no service started on port 80 by the package's scripts (policy-rc.d: "not allowed")
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
  trap 'as_root rm -f "$policy"' EXIT
fi
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  nginx openssl >/dev/null
/usr/sbin/nginx -v
