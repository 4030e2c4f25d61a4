#!/usr/bin/env bash
# One-time setup on a fresh machine: a Go toolchain (>= 1.22) for the sample Go service, then the npm workspace.
# Needs Node.js >= 20 and npm already installed; run as root (or with sudo) when Go has to be installed.
set -euo pipefail
cd "$(dirname "$0")/.."

GO_MIN_MINOR=22
GO_TOOLCHAIN_VERSION=1.22.12
GO_ROOT=${GO_ROOT:-/usr/local/go} # overridable to try the install path without touching the real one

go_ok() { # $1: a go binary; true when it runs and is at least 1.$GO_MIN_MINOR
  local v
  v=$("$1" env GOVERSION 2>/dev/null) || return 1
  [[ $v =~ ^go1\.([0-9]+) ]] && ((BASH_REMATCH[1] >= GO_MIN_MINOR))
}

if go_ok "$GO_ROOT/bin/go"; then
  echo "setup: Go $("$GO_ROOT/bin/go" env GOVERSION) at $GO_ROOT"
else
  # Bootstrap client: whatever go is on PATH, else Debian's golang-go (1.19 on Debian 12, too old for log/slog).
  boot=$(command -v go || true)
  if [[ -z $boot ]]; then
    echo "setup: no Go found; installing Debian's golang-go as a bootstrap client"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
    boot=$(command -v go)
  fi
  case $(uname -m) in
    x86_64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "setup: unsupported CPU $(uname -m); install Go >= 1.$GO_MIN_MINOR at $GO_ROOT by hand" >&2; exit 1 ;;
  esac
  # The official toolchain is published as a module on the Go module proxy (what GOTOOLCHAIN uses).
  mod="golang.org/toolchain@v0.0.1-go${GO_TOOLCHAIN_VERSION}.linux-${arch}"
  echo "setup: fetching Go $GO_TOOLCHAIN_VERSION from the Go module proxy ($mod)"
  GOPATH=/opt/go-toolchain GOFLAGS=-modcacherw GOTOOLCHAIN=local "$boot" mod download "$mod"
  dir="/opt/go-toolchain/pkg/mod/$mod"
  chmod +x "$dir"/bin/* "$dir"/pkg/tool/*/* # module zips carry no exec bits
  [[ -e $GO_ROOT ]] && mv "$GO_ROOT" "$GO_ROOT.old.$$"
  ln -s "$dir" "$GO_ROOT"
  go_ok "$GO_ROOT/bin/go" || { echo "setup: $GO_ROOT/bin/go does not run; install Go >= 1.$GO_MIN_MINOR by hand" >&2; exit 1; }
  echo "setup: Go $("$GO_ROOT/bin/go" env GOVERSION) installed at $GO_ROOT"
fi

echo "setup: installing npm packages (npm ci)"
npm ci --no-audit --no-fund
echo "setup: done"
