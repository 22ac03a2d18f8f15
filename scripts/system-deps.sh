#!/usr/bin/env bash
# Installs the Debian packages that some tests use, when this runs as root with apt-get
# (tests/unit/test_system_deps.py: every program a test skips without is one of them).
# Without root the affected tests skip with a reason that names this script.
# `system-deps.sh bench` installs what the benchmarks use instead (Debian's wrk load generator).
# `system-deps.sh venv PYTHON` installs Debian's PYTHON-venv when PYTHON cannot create a venv (a fresh
# Debian 12 lacks it: "ensurepip is not available"); that one is required, so it fails when it cannot.
set -u
want=()
if [ "${1:-}" = "venv" ]; then
  python="${2:-python3.11}"
  if ! command -v "$python" >/dev/null 2>&1; then
    echo "error: $python not found; the project needs Python 3.11 (Debian 12: sudo apt-get install python3.11 python3.11-venv)" >&2
    exit 1
  fi
  "$python" -c 'import ensurepip, venv' >/dev/null 2>&1 && exit 0
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "error: $python cannot create a virtual environment (no ensurepip); install it once with: sudo apt-get install $python-venv" >&2
    exit 1
  fi
  echo "system-deps: installing $python-venv (Debian package; $python has no ensurepip)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  if ! apt-get install -y -qq --no-install-recommends "$python-venv" >/dev/null 2>&1; then
    echo "error: apt-get install $python-venv failed; install it by hand, then run make again" >&2
    exit 1
  fi
  exit 0
elif [ "${1:-}" = "bench" ]; then
  command -v wrk >/dev/null 2>&1 || want+=(wrk)
else
command -v R >/dev/null 2>&1 || want+=(r-base-core r-base-dev)
command -v chromium >/dev/null 2>&1 || want+=(chromium)
command -v java >/dev/null 2>&1 || want+=(openjdk-17-jre-headless)
# strace's fault injection kills a restore at its copy's fsync (tests/referral/test_storage.py).
command -v strace >/dev/null 2>&1 || want+=(strace)
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
