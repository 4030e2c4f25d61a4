#!/usr/bin/env bash
# One-time setup on a fresh machine: Go for the sample Go service, then the npm workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$PATH:/usr/local/go/bin"
if ! command -v go >/dev/null 2>&1; then
  echo "setup: Go not found; installing Debian's golang-go"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
fi

echo "setup: installing npm packages (npm ci)"
npm ci --no-audit --no-fund
echo "setup: done"
