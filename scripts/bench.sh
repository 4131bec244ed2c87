#!/usr/bin/env bash
# Runs every `bench:*` script of the root package.json in turn. Each benchmark measures its
# baseline in the same run and prints ratios against it (last line: one JSON object).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
benches=$(node -p 'Object.keys(require("./package.json").scripts).filter(s => s.startsWith("bench:")).join(" ")')
if [ -z "$benches" ]; then echo "bench: no bench:* scripts defined"; exit 1; fi
for b in $benches; do
  echo "== npm run $b"
  npm run --silent "$b"
done
