#!/usr/bin/env bash
# Installs everything the platform needs on a fresh Debian 12 machine: system packages from apt
# and npm dependencies from the lock file. Idempotent and quick when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  kcat                 # hosts librdkafka's mock Kafka cluster (local/CI broker)
  redis-server         # edge feature store (Upstash in production)
  ffmpeg               # media-node transcoding and test media
  swift swift-proxy swift-account swift-container swift-object memcached  # local S3-compatible server (Swift s3api) for media storage
  chromium             # admin page browser tests (driven by playwright-core)
  prometheus           # promtool: the alert-rule test (ops/prometheus); the server itself runs in docker-compose
  build-essential      # cc for the ClickHouse launcher, node-gyp for the Kafka client
  pkg-config
  zlib1g-dev libssl-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev  # librdkafka build deps
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" != "20" ]; then
  echo "setup: Node $(node -v) found; this project pins Node 20 (see README, 'Runtime versions')" >&2
  exit 1
fi

# The Kafka client links librdkafka built from its bundled source against the system libraries
# above (its default would download static dependencies from the internet, which CI cannot reach).
export CKJS_LINKING=dynamic
stamp=node_modules/.vidplat-install-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || \
   [ ! -f node_modules/@confluentinc/kafka-javascript/build/Release/confluent-kafka-javascript.node ]; then
  echo "setup: installing npm dependencies (npm ci; the Kafka client compiles librdkafka, ~1-2 min)"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
echo "setup: ok"
