#!/usr/bin/env bash
# Stops whatever a previous `npm start` or test run left running (by the PID files under .run/).
set -euo pipefail
cd "$(dirname "$0")/.."
exec node_modules/.bin/tsx tools/devstack/src/cli.ts down
