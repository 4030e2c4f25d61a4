#!/usr/bin/env bash
# `npm run test:e2e`: the end-to-end suite on the real engine and the local environment. Builds the toolchain if
# missing and starts the local environment if it is down; an environment started here is stopped afterwards.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$DP_ROOT"
phase "e2e: toolchain"
bash scripts/toolchain/install.sh
started=0
if bash scripts/local/cluster.sh status >/dev/null 2>&1; then
  phase "e2e: using the running local environment"
  # Idempotent: starts whatever stopped and brings its images and sample database up to date.
  bash scripts/local/cluster.sh up
else
  bash scripts/local/cluster.sh up
  started=1
fi
stop() { if [ "$started" = 1 ]; then bash scripts/local/cluster.sh down; fi; }
trap stop EXIT
phase "e2e: running test/e2e"
npx mocha --config test/e2e/.mocharc.json "test/e2e/**/*.test.ts"
