#!/usr/bin/env bash
# Quick start, command 1: install, start the whole platform locally with demo data, print where
# to look. Runs in the foreground; Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node_modules/.bin/tsx tools/devstack/src/cli.ts up "$@"
