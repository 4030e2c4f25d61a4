#!/usr/bin/env bash
# Lints the GitHub workflows users copy with actionlint (built by the toolchain; about a minute the first time).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
cd "$DP_ROOT"
[ -x "$DP_BIN/actionlint" ] || bash scripts/toolchain/install.sh actionlint >&2
"$DP_BIN/actionlint" -no-color .github/workflows/*.yml
echo "actionlint: $(ls .github/workflows/*.yml | wc -l) workflows clean"
