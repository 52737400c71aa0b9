#!/usr/bin/env bash
# Creates .venv (if missing) and installs jaxoptim into it with the given extras.
# Usage: scripts/setup_venv.sh [extras]   e.g. scripts/setup_venv.sh test
# pip's output goes to .venv/pip.log and is shown only when the install fails.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv and installing jaxoptim${extras:+[$extras]} (first run: a few minutes)" >&2
  "$py" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip > .venv/pip.log 2>&1 || { cat .venv/pip.log; exit 1; }
fi
spec="."
[ -n "$extras" ] && spec=".[$extras]"
.venv/bin/python -m pip install -q -e "$spec" >> .venv/pip.log 2>&1 || { cat .venv/pip.log; exit 1; }
