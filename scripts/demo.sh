#!/usr/bin/env bash
# Installs jaxoptim into .venv and trains the digits demo from configs/digits_demo.py.
# Each run writes to a fresh work dir (work_dirs/digits_demo/<time>); extra arguments are passed
# to `jaxoptim train` (e.g. --cfg-options optimizer.lr=0.05).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup_venv.sh
exec .venv/bin/jaxoptim train configs/digits_demo.py \
  --work-dir "work_dirs/digits_demo/$(date +%Y%m%d_%H%M%S)" "$@"
