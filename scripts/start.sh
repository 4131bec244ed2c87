#!/usr/bin/env bash
# Quick start, command 1: install, start the whole platform locally with demo data, print where
# to look. Runs in the foreground; Ctrl-C, or SIGINT/SIGTERM to the npm process, stops everything it
# started (package.json runs this with `exec`, so the signal npm forwards to its `sh -c` child
# reaches this script and then node, instead of killing only the shell).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# One node process (tsx as a loader, not tsx's CLI, which runs the script in a child and relays
# signals with a 30 ms deadline before SIGKILLing it): SIGINT/SIGTERM reach the stack's shutdown.
exec node --import tsx tools/devstack/src/cli.ts up "$@"
