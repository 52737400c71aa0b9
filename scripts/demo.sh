#!/usr/bin/env bash
# Installs jaxoptim into .venv and trains the digits demo from configs/digits_demo.py.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup_venv.sh
exec .venv/bin/jaxoptim train configs/digits_demo.py "$@"
