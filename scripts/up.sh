#!/usr/bin/env bash
# `npm run up`: the toolchain if missing, the local environment if down, then the local stack deployed with the
# real engine and the policy pack. Extra arguments go to the driver (e.g. --no-policy).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$DP_ROOT"
phase "up: toolchain"
bash scripts/toolchain/install.sh
if bash scripts/local/cluster.sh status >/dev/null 2>&1; then
  phase "up: local environment already running"
else
  bash scripts/local/cluster.sh up
fi
phase "up: deploying the local stack"
node --import tsx scripts/stack.ts up --stack local "$@"
phase "up: done"
