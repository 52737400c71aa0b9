#!/usr/bin/env bash
# Installs jaxoptim with its test extras (torch 2.13.0 CPU, mmengine) into .venv and runs the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup_venv.sh test
export JAX_PLATFORMS="${JAX_PLATFORMS:-cpu}"
.venv/bin/ruff check jaxoptim tests benchmarks
exec .venv/bin/python -m pytest -n 2 --dist loadgroup -q "$@"
