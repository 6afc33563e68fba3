#!/usr/bin/env bash
# The tests of the production set-up as docs/production.md gives it: tests/test_nginx.py runs
# its nginx block in front of gunicorn with a throw-away certificate from openssl,
# tests/test_pgbouncer.py puts PgBouncer in transaction mode between gunicorn and PostgreSQL,
# and tests/test_production.py checks its systemd units with systemd-analyze. Install Debian's
# nginx, pgbouncer, openssl, systemd and procps (the units' /bin/kill) when missing. No
# service is started by the packages' scripts (the tests start nginx and pgbouncer with their
# own configuration; systemd is not run, only its checker).
set -euo pipefail
if [ -x /usr/sbin/nginx ] && [ -x /usr/sbin/pgbouncer ] && [ -x /bin/kill ] \
  && command -v openssl >/dev/null && command -v systemd-analyze >/dev/null; then
  exit 0
fi
echo "ensure-production-tools: installing Debian's nginx, pgbouncer, openssl, systemd and procps" >&2
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# no service started on port 80 by the package's scripts (policy-rc.d: "not allowed")
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
  trap 'as_root rm -f "$policy"' EXIT
fi
had_nginx=no had_pgbouncer=no
[ -x /usr/sbin/nginx ] && had_nginx=yes
[ -x /usr/sbin/pgbouncer ] && had_pgbouncer=yes
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  nginx pgbouncer openssl systemd procps >/dev/null
# nor at the next boot: Debian's packages enable their services (nginx with a default site on
# port 80, pgbouncer on 6432)
if [ "$had_nginx" = no ]; then
  as_root systemctl disable --quiet nginx.service 2>/dev/null || true
fi
if [ "$had_pgbouncer" = no ]; then
  as_root systemctl disable --quiet pgbouncer.service 2>/dev/null || true
fi
/usr/sbin/nginx -v
/usr/sbin/pgbouncer --version | sed -n 1p
systemd-analyze --version | sed -n 1p
