# Shared shell helpers for scripts/toolchain and scripts/local: paths, progress lines, errors that say what to do.
# Sourced, never run. Callers set `set -euo pipefail`.

# A failure inside $(…) stops the script too.
shopt -s inherit_errexit

DP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../toolchain/versions.env
. "$DP_ROOT/scripts/toolchain/versions.env"

# Built tools live outside the repository so a fresh clone reuses them; state of the local cluster too.
DP_CACHE=${DISTROLESS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/distroless-platform}
DP_BIN=$DP_CACHE/bin
DP_STAMPS=$DP_CACHE/stamps
DP_STATE=${DISTROLESS_STATE:-$DP_CACHE/local}
mkdir -p "$DP_BIN" "$DP_STAMPS"

DP_T0=${DP_T0:-$(date +%s)}
export DP_T0

# One progress line per phase, with the seconds since the command started.
phase() { printf '[%4ds] %s\n' "$(($(date +%s) - DP_T0))" "$*" >&2; }

# die MESSAGE NEXT-STEP: what failed and what to do about it, then exit 1.
die() {
  printf 'error: %s\n' "$1" >&2
  [ -n "${2:-}" ] && printf '  next: %s\n' "$2" >&2
  exit 1
}

need_root() {
  [ "$(id -u)" = 0 ] || die "$1 needs root (network namespaces, mounts, cgroups)" "run it as root or with sudo"
}

# stamp_ok PIECE VERSION FILE...: true when PIECE was built at VERSION and every FILE exists.
stamp_ok() {
  local piece=$1 version=$2
  shift 2
  [ "$(cat "$DP_STAMPS/$piece" 2>/dev/null)" = "$version" ] || return 1
  local f
  for f in "$@"; do [ -e "$f" ] || return 1; done
}
stamp_set() { printf '%s\n' "$2" >"$DP_STAMPS/$1"; }
