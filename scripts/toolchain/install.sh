#!/usr/bin/env bash
# Builds or installs every tool the real engine, the local cluster and the image builds need, from the package
# registries only (Debian, the Go module proxy, npm), into $DISTROLESS_CACHE (default
# ~/.cache/distroless-platform). Versions come from versions.env; a piece already built at its version is
# skipped, so a second run takes seconds.
#
#   scripts/toolchain/install.sh            # everything
#   scripts/toolchain/install.sh pulumi k8s # only these pieces (names: see PIECES below)
#   scripts/toolchain/install.sh --status   # what is built, at which version
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

PIECES=(apt go pulumi shims k8s-provider kubernetes containerd gvisor buildkit coredns actionlint syft grype vulndb)

GO=go
go_env() {
  export GOMODCACHE=$DP_CACHE/go/mod GOCACHE=$DP_CACHE/go/build GOTOOLCHAIN=local CGO_ENABLED=0
  export GOFLAGS="-modcacherw -buildvcs=false" GOWORK=off
}

# mod_dir MODULE@VERSION: download the module (Go module proxy) and print its read-only directory.
mod_dir() {
  go_env
  "$GO" mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'
}

# writable_copy MODULE@VERSION DEST: a fresh writable copy of the module's source (module zips are read-only).
writable_copy() {
  local src
  src=$(mod_dir "$1")
  [ -n "$src" ] || die "the Go module proxy did not serve $1" "check GOPROXY (go env GOPROXY) and the version in scripts/toolchain/versions.env"
  rm -rf "$2"
  mkdir -p "$(dirname "$2")"
  cp -r "$src" "$2"
  chmod -R u+w "$2"
}

piece_apt() {
  local missing=() p
  for p in $DEBIAN_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    phase "apt: all ${DEBIAN_PACKAGES// /, } present"
    return
  fi
  need_root "installing Debian packages"
  phase "apt: installing ${missing[*]}"
  apt-get update -qq || die "apt-get update failed" "check the machine's Debian sources (/etc/apt/sources.list*)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed" "run it by hand to see apt's message"
}

piece_go() {
  local have
  have=$(go env GOVERSION 2>/dev/null || true)
  if [ -n "$have" ] && printf '%s\n%s\n' "go$GO_VERSION" "$have" | sort -V -C; then
    GO=$(command -v go)
    phase "go: $have (>= $GO_VERSION)"
    return
  fi
  local dir=$DP_CACHE/go-toolchain/go$GO_VERSION
  if [ ! -x "$dir/bin/go" ]; then
    local boot
    boot=$(command -v go) || die "no go on PATH to bootstrap Go $GO_VERSION" "run npm run setup first (it installs a Go toolchain)"
    phase "go: fetching Go $GO_VERSION from the Go module proxy (machine has ${have:-none})"
    local mod="golang.org/toolchain@v0.0.1-go$GO_VERSION.linux-$(dpkg --print-architecture)"
    local src
    src=$(GOMODCACHE=$DP_CACHE/go/mod GOFLAGS=-modcacherw GOTOOLCHAIN=local "$boot" mod download -json "$mod" |
      sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    [ -n "$src" ] || die "the Go module proxy did not serve $mod" "check GOPROXY"
    mkdir -p "$(dirname "$dir")"
    rm -rf "$dir"
    cp -r "$src" "$dir"
    chmod -R u+w "$dir"
    chmod +x "$dir"/bin/* "$dir"/pkg/tool/*/*
  fi
  GO=$dir/bin/go
  phase "go: $("$GO" env GOVERSION) at $dir"
}

piece_pulumi() {
  local have
  # A user's own Pulumi CLI (not ours) at this version or newer is kept.
  if have=$(PATH=${PATH//$DP_BIN/} command -v pulumi) &&
    printf '%s\n%s\n' "v$PULUMI_VERSION" "$("$have" version 2>/dev/null)" | sort -V -C; then
    phase "pulumi: using $have ($("$have" version))"
    return
  fi
  if stamp_ok pulumi "$PULUMI_VERSION" "$DP_BIN/pulumi"; then
    phase "pulumi: v$PULUMI_VERSION built"
    return
  fi
  phase "pulumi: building the CLI v$PULUMI_VERSION from pkg/v3 + sdk/v3 (about 8 min cold)"
  local work=$DP_CACHE/src/pulumi
  # pkg/go.mod replaces sdk/v3 with ../sdk, so both modules sit side by side as pkg/ and sdk/.
  writable_copy "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" "$work/pkg"
  writable_copy "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" "$work/sdk"
  (cd "$work/pkg" && go_env && "$GO" build -mod=mod -o "$DP_BIN/pulumi" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" ./cmd/pulumi) ||
    die "building the Pulumi CLI failed" "see the Go errors above; rerun: npm run toolchain -- pulumi"
  rm -rf "$work"
  stamp_set pulumi "$PULUMI_VERSION"
  phase "pulumi: built $("$DP_BIN/pulumi" version)"
}

# The Pulumi CLI the toolchain uses: the user's own when kept, else ours.
pulumi_cli() {
  local own
  own=$(PATH=${PATH//$DP_BIN/} command -v pulumi || true)
  if [ -n "$own" ] && printf '%s\n%s\n' "v$PULUMI_VERSION" "$("$own" version 2>/dev/null)" | sort -V -C; then
    echo "$own"
  else
    echo "$DP_BIN/pulumi"
  fi
}

# plugin_install KIND NAME VERSION FILE: install a plugin into the Pulumi home's plugin cache unless it is there
# with the same content, so the engine finds it without scanning PATH (and warning about it).
plugin_install() {
  local home=${PULUMI_HOME:-$HOME/.pulumi}
  local installed=$home/plugins/$1-$2-v$3/pulumi-$1-$2
  if [ -f "$installed" ] && cmp -s "$installed" "$4"; then return; fi
  "$(pulumi_cli)" plugin install "$1" "$2" "$3" --file "$4" --reinstall >/dev/null ||
    die "pulumi plugin install $1 $2 $3 failed" "check that $home is writable"
}

# Plugins the CLI runs as programs: the dynamic-provider host (found next to the CLI) and the policy analyzer,
# which runs @pulumi/pulumi's cmd/run-policy-pack (upstream's analyzer is the same exec).
piece_shims() {
  local sdk=$DP_ROOT/node_modules/@pulumi/pulumi
  [ -f "$sdk/package.json" ] || die "node_modules/@pulumi/pulumi is missing" "run npm run setup (npm ci) first"
  install -m 0755 "$sdk/pulumi-resource-pulumi-nodejs" "$DP_BIN/pulumi-resource-pulumi-nodejs"
  cat >"$DP_BIN/pulumi-analyzer-policy-nodejs" <<'EOF'
#!/bin/sh
# Policy analyzer for directory policy packs (the Node.js language host is not installable here):
# @pulumi/pulumi's run-policy-pack, resolved from the pack's folder (the last argument), so each checkout uses
# its own node_modules.
for last; do :; done
script=$(node -e 'console.log(require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [process.argv[1], process.cwd()] }))' "$last") || exit 1
exec node "$script" "$@"
EOF
  chmod 0755 "$DP_BIN/pulumi-analyzer-policy-nodejs"
  plugin_install analyzer policy-nodejs "$PULUMI_VERSION" "$DP_BIN/pulumi-analyzer-policy-nodejs"
  phase "shims: dynamic-provider host in $DP_BIN, policy analyzer installed as a plugin"
}

piece_k8s_provider() {
  local bin=$DP_BIN/pulumi-resource-kubernetes
  if stamp_ok k8s-provider "$K8S_PROVIDER_VERSION" "$bin"; then
    plugin_install resource kubernetes "$K8S_PROVIDER_VERSION" "$bin"
    phase "k8s-provider: v$K8S_PROVIDER_VERSION built and installed as a plugin"
    return
  fi
  phase "k8s-provider: building pulumi-resource-kubernetes v$K8S_PROVIDER_VERSION (about 5 min cold)"
  local work=$DP_CACHE/src/k8s-provider
  writable_copy "github.com/pulumi/pulumi-kubernetes/provider/v4@$K8S_PROVIDER_MODULE_VERSION" "$work"
  (
    cd "$work"
    go_env
    "$GO" mod edit -dropreplace=github.com/pulumi/pulumi-kubernetes/sdk/v4 \
      -require=github.com/pulumi/pulumi-kubernetes/sdk/v4@v$K8S_PROVIDER_VERSION
    # What upstream's generate.go does (set the schema's version, minify both files), without compiling the
    # whole codegen package for it.
    cd cmd/pulumi-resource-kubernetes
    VERSION=$K8S_PROVIDER_VERSION node -e '
      const fs = require("fs");
      const schema = JSON.parse(fs.readFileSync("schema.json", "utf8"));
      schema.version = process.env.VERSION;
      fs.writeFileSync("schema-embed.json", JSON.stringify(schema));
      fs.writeFileSync("terraform-mapping-embed.json", JSON.stringify(JSON.parse(fs.readFileSync("terraform-mapping.json", "utf8"))));'
    "$GO" build -mod=mod -o "$bin" \
      -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_PROVIDER_VERSION" .
  ) || die "building the Kubernetes provider failed" "see the Go errors above; rerun: npm run toolchain -- k8s-provider"
  rm -rf "$work"
  stamp_set k8s-provider "$K8S_PROVIDER_VERSION"
  plugin_install resource kubernetes "$K8S_PROVIDER_VERSION" "$bin"
  phase "k8s-provider: built and installed as a plugin"
}

# module_piece NAME VERSION MODULE@VERSION WHAT BUILD FILE...: NAME is skipped when it was built at VERSION and
# every FILE is there; otherwise BUILD (a function) runs in a fresh writable copy of the module with the Go
# environment set, and NAME is stamped. One recipe for every piece built from one Go module.
module_piece() {
  local name=$1 version=$2 module=$3 what=$4 build=$5
  shift 5
  if stamp_ok "$name" "$version" "$@"; then
    phase "$name: $version built"
    return
  fi
  phase "$name: building $what ($version)"
  local work=$DP_CACHE/src/$name
  writable_copy "$module" "$work"
  (cd "$work" && go_env && "$build" "$version") ||
    die "building $name failed" "see the Go errors above; rerun: npm run toolchain -- $name"
  rm -rf "$work"
  stamp_set "$name" "$version"
  phase "$name: built"
}

KUBE_BINS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
build_kubernetes() {
  local v=$1 minor ld="-s -w" p b
  export GOFLAGS="$GOFLAGS -mod=mod"
  rm -rf vendor go.work go.work.sum
  # The module zip has no staging/ tree: point each staging module at its published v0.<minor>.<patch>.
  sed -i -E '/k8s\.io\/sample-(cli-plugin|controller) => /d' go.mod
  sed -i -E "s#=> \./staging/src/(k8s\.io/[a-z0-9-]+)\$#=> \1 v0.${v#1.}#" go.mod
  minor=${v#1.}
  minor=${minor%%.*}
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=v$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  for b in "${KUBE_BINS[@]}"; do
    phase "kubernetes: go build ./cmd/$b"
    "$GO" build -o "$DP_BIN/$b" -ldflags "$ld" "./cmd/$b"
  done
}
piece_kubernetes() {
  local files=() b
  for b in "${KUBE_BINS[@]}"; do files+=("$DP_BIN/$b"); done
  module_piece kubernetes "$KUBERNETES_VERSION" "k8s.io/kubernetes@v$KUBERNETES_VERSION" \
    "${KUBE_BINS[*]}, about 10 min cold" build_kubernetes "${files[@]}"
}

build_containerd() {
  local ld="-s -w -X github.com/containerd/containerd/v2/version.Version=v$1" b
  for b in containerd ctr containerd-shim-runc-v2; do
    "$GO" build -mod=mod -tags no_btrfs -o "$DP_BIN/$b" -ldflags "$ld" "./cmd/$b"
  done
}
piece_containerd() {
  module_piece containerd "$CONTAINERD_VERSION" "github.com/containerd/containerd/v2@v$CONTAINERD_VERSION" \
    "containerd, ctr, containerd-shim-runc-v2" build_containerd \
    "$DP_BIN/containerd" "$DP_BIN/ctr" "$DP_BIN/containerd-shim-runc-v2"
}

build_gvisor() {
  # The shim raises its OOM score to -999, which needs CAP_SYS_RESOURCE; without it (as on this kind of VM)
  # every sandbox fails. A permission error is ignored, as containerd's own runc shim does.
  sed -i 's/if err := sys.SetOOMScore(cmd.Process.Pid, oomScoreMax); err != nil {/if err := sys.SetOOMScore(cmd.Process.Pid, oomScoreMax); err != nil \&\& !os.IsPermission(err) {/' \
    pkg/shim/v1/manager.go
  grep -q 'oomScoreMax); err != nil && !os.IsPermission(err)' pkg/shim/v1/manager.go ||
    die "the gVisor shim's OOM-score call changed shape" "update the patch in scripts/toolchain/install.sh (build_gvisor)"
  "$GO" build -mod=mod -o "$DP_BIN/runsc" -ldflags "-X gvisor.dev/gvisor/runsc/version.version=$1" ./runsc
  "$GO" build -mod=mod -o "$DP_BIN/containerd-shim-runsc-v1" ./shim
}
piece_gvisor() {
  module_piece gvisor "$GVISOR_MODULE_VERSION" "gvisor.dev/gvisor@$GVISOR_MODULE_VERSION" \
    "runsc and containerd-shim-runsc-v1" build_gvisor "$DP_BIN/runsc" "$DP_BIN/containerd-shim-runsc-v1"
}

build_buildkit() {
  local ld="-s -w -X github.com/moby/buildkit/version.Version=v$1" arch
  "$GO" build -mod=mod -o "$DP_BIN/buildkitd" -ldflags "$ld" ./cmd/buildkitd
  "$GO" build -mod=mod -o "$DP_BIN/buildctl" -ldflags "$ld" ./cmd/buildctl
  # The `# syntax=docker/dockerfile:1` frontend image, for both platforms; scripts/local/images.sh pushes it.
  for arch in amd64 arm64; do
    GOARCH=$arch "$GO" build -mod=mod -o "$DP_CACHE/images/dockerfile-frontend/$arch/bin/dockerfile-frontend" \
      -ldflags "$ld" ./frontend/dockerfile/cmd/dockerfile-frontend
  done
}
piece_buildkit() {
  module_piece buildkit "$BUILDKIT_VERSION" "github.com/moby/buildkit@v$BUILDKIT_VERSION" \
    "buildkitd, buildctl and the Dockerfile frontend" build_buildkit \
    "$DP_BIN/buildkitd" "$DP_BIN/buildctl" "$DP_CACHE/images/dockerfile-frontend"
}

build_coredns() { "$GO" build -mod=mod -o "$DP_BIN/coredns" -ldflags "-s -w" .; }
piece_coredns() {
  module_piece coredns "$COREDNS_VERSION" "github.com/coredns/coredns@v$COREDNS_VERSION" coredns build_coredns \
    "$DP_BIN/coredns"
}

# syft: the SBOM generator BuildKit runs for every image (packaged as the scanner image by scripts/local/images.sh).
build_syft() { CGO_ENABLED=0 "$GO" build -mod=mod -trimpath -o "$DP_BIN/syft" -ldflags "-s -w -X main.version=$1" ./cmd/syft; }
piece_syft() {
  module_piece syft "$SYFT_VERSION" "github.com/anchore/syft@v$SYFT_VERSION" syft build_syft "$DP_BIN/syft"
}

# grype: the vulnerability gate, run against each image's SBOM with a database the user supplies (offline).
build_grype() { CGO_ENABLED=0 "$GO" build -mod=mod -trimpath -o "$DP_BIN/grype" -ldflags "-s -w -X main.version=$1" ./cmd/grype; }
piece_grype() {
  module_piece grype "$GRYPE_VERSION" "github.com/anchore/grype@v$GRYPE_VERSION" grype build_grype "$DP_BIN/grype"
}

# vulndb: builds a Grype database from vunnel-format records offline (scripts/vulndb, on grype's own build package).
piece_vulndb() {
  local src=$DP_ROOT/scripts/vulndb version
  version="$GRYPE_VERSION-$(cat "$src/go.mod" "$src/go.sum" "$src/main.go" | sha256sum | cut -c1-12)"
  if stamp_ok vulndb "$version" "$DP_BIN/vulndb"; then
    phase "vulndb: $version built"
    return
  fi
  phase "vulndb: building ($version)"
  (cd "$src" && go_env && "$GO" build -mod=mod -trimpath -o "$DP_BIN/vulndb" -ldflags "-s -w" .) ||
    die "building vulndb failed" "see the Go errors above; rerun: npm run toolchain -- vulndb"
  stamp_set vulndb "$version"
  phase "vulndb: built"
}

piece_actionlint() {
  if stamp_ok actionlint "$ACTIONLINT_VERSION" "$DP_BIN/actionlint"; then
    phase "actionlint: v$ACTIONLINT_VERSION built"
    return
  fi
  phase "actionlint: building v$ACTIONLINT_VERSION"
  (go_env && GOBIN=$DP_BIN "$GO" install -ldflags "-s -w" "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION") ||
    die "building actionlint failed" "see the Go errors above; rerun: npm run toolchain -- actionlint"
  stamp_set actionlint "$ACTIONLINT_VERSION"
}

status() {
  local p
  for p in pulumi k8s-provider kubernetes containerd gvisor buildkit coredns actionlint syft grype vulndb; do
    printf '%-13s %s\n' "$p" "$(cat "$DP_STAMPS/$p" 2>/dev/null || echo 'not built')"
  done
  printf 'bin: %s\n' "$DP_BIN"
}

main() {
  if [ "${1:-}" = --status ]; then
    status
    return
  fi
  local want=("$@")
  [ ${#want[@]} -gt 0 ] || want=("${PIECES[@]}")
  local p
  for p in "${want[@]}"; do
    [[ " ${PIECES[*]} " == *" $p "* ]] || die "unknown piece '$p'" "choose from: ${PIECES[*]}"
  done
  # Go is needed by every Go-built piece, so it is resolved first whatever was asked.
  [[ " ${want[*]} " == *" go "* ]] || piece_go
  # One toolchain run at a time: pieces build in $DP_CACHE/src, which a second run must not touch.
  exec 9>"$DP_CACHE/.toolchain.lock"
  if ! flock -n 9; then
    phase "toolchain: another run holds $DP_CACHE/.toolchain.lock; waiting for it"
    flock 9
  fi
  for p in "${want[@]}"; do "piece_${p//-/_}"; done
  phase "toolchain ready in $DP_BIN"
}

main "$@"
