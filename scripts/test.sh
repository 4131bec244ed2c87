#!/usr/bin/env bash
# Quick start, command 2: install what the tests need, typecheck, and run the whole suite
# (unit, edge-in-workerd, integration against the real local stack).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "test: typecheck (tsc -b)"
node_modules/.bin/tsc -b
echo "test: vitest"
exec node_modules/.bin/vitest run "$@"
