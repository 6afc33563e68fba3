#!/usr/bin/env bash
# `make bench` drives the app with Debian's wrk; install it when it is missing.
set -euo pipefail
if command -v wrk >/dev/null; then exit 0; fi
echo "ensure-wrk: installing Debian's wrk" >&2
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
