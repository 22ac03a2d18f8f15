#!/usr/bin/env bash
# Installs the Debian packages that some tests use, when this runs as root with apt-get.
# Without root the affected tests skip with a reason that names this script.
# `system-deps.sh bench` installs what the benchmarks use instead (Debian's wrk load generator).
set -u
want=()
if [ "${1:-}" = "bench" ]; then
  command -v wrk >/dev/null 2>&1 || want+=(wrk)
else
command -v R >/dev/null 2>&1 || want+=(r-base-core r-base-dev)
command -v chromium >/dev/null 2>&1 || want+=(chromium)
command -v java >/dev/null 2>&1 || want+=(openjdk-17-jre-headless)
# A CJK font so the Chinese interface renders in the browser tests and screenshots.
{ command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null)" ]; } || want+=(fonts-wqy-microhei)
fi
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: not root or no apt-get; what needs ${want[*]} will skip or fall back." >&2
  echo "system-deps: enable them with: sudo apt-get install ${want[*]}" >&2
  exit 0
fi
echo "system-deps: installing ${want[*]} (Debian packages)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null 2>&1 \
  || echo "system-deps: apt-get install ${want[*]} failed; what needs them will skip or fall back." >&2
exit 0
