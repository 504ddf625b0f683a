#!/usr/bin/env bash
# Sets up everything, then runs the whole check: typecheck, lint, and every test (unit and
# integration, against real control planes). This is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
echo "==> typecheck" && npm run --silent typecheck
echo "==> lint" && npm run --silent lint
echo "==> tests" && npm test
