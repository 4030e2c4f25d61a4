#!/usr/bin/env bash
# Fills the local registry with every image the local cluster and the builds need, from local sources only:
#   - localhost:5000/pause:$PAUSE_TAG                   pod sandbox (scripts/local/pause)
#   - localhost:5000/docker/dockerfile:1               the `# syntax=docker/dockerfile:1` frontend (BuildKit's)
#   - localhost:5000/docker/buildkit-syft-scanner:stable-1
#                                                      BuildKit's default SBOM generator: syft behind its protocol
#   - localhost:5000/distroless/{static,base,cc,nodejs22,python3}-debian13:nonroot
#                                                      distroless-equivalent bases from Debian 13 packages
#   - localhost:5000/distroless/base-debian13:debug-nonroot
#                                                      the base plus busybox in /busybox, as Google's :debug images:
#                                                      the image `npm run debug` attaches (never an app's base)
#   - localhost:5000/library/node:22-trixie-slim, localhost:5000/library/golang:<go minor>,
#     localhost:5000/library/python:3.13-slim-trixie    builder stages (BuildKit mirrors docker.io here)
# An image already in the registry is skipped; --force rebuilds. Assembled root filesystems are cached in
# $DISTROLESS_CACHE/images.
#
# `mirror` (npm run bases) is the air-gapped mirror for users: it assembles the same bases afresh and pushes them
# as <prefix>/<name>-debian13:<tag>, the names `registry.mirror: <prefix>` resolves to, then prints each
# reference with its digest. Builds are reproducible: every timestamp is clamped to SOURCE_DATE_EPOCH, so the same
# packages give the same digests.
#
#   images.sh system | bases | all | conventional [--force]
#   images.sh mirror --push <registry>/<path> [--buildkit <address>]
set -euo pipefail
. "$(dirname "$0")/../lib/common.sh"

IMG=$DP_CACHE/images
RUN=$DP_STATE/run
REGISTRY=127.0.0.1:${DISTROLESS_REGISTRY_PORT:-5000}
FORCE=${2:-}
# Where bases go: the local registry's distroless/ folder, or the mirror named by --push.
BASE_PREFIX=localhost:5000/distroless
BUILDKIT_ADDR=unix://$RUN/buildkitd.sock
MIRROR=""
if [ "${1:-}" = mirror ]; then
  shift
  while [ $# -gt 0 ]; do
    case $1 in
    --push) MIRROR=${2:-} && shift 2 ;;
    --buildkit) BUILDKIT_ADDR=${2:-} && shift 2 ;;
    *) die "unknown option $1 for mirror" "npm run bases -- --push <registry>/<path> [--buildkit <address>]" ;;
    esac
  done
  [[ $MIRROR =~ ^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+$ ]] ||
    die "--push: \"$MIRROR\" is not a registry prefix; expected <host>[:port]/<path> such as mirror.internal/distroless" \
      "npm run bases -- --push <registry>/<path>"
  BASE_PREFIX=$MIRROR
  # A mirror is always assembled afresh from the packages, so what it holds is what the packages give.
  FORCE=--force
  set -- mirror
fi
ARCHES=(amd64 arm64)
HOST_ARCH=$(dpkg --print-architecture)
GO_MINOR=${GO_VERSION%.*}
NODE_MAJOR=${NODE_VERSION%%.*}

buildctl() { "$DP_BIN/buildctl" --addr "$BUILDKIT_ADDR" "$@"; }

# The time every file and image date is clamped to, for reproducible bases: the newest versions.env change is a
# choice of packages, not of time, so one fixed date serves (2026-01-01T00:00:00Z).
SOURCE_DATE_EPOCH=1767225600

# present REPO TAG: true when the registry already holds it (and --force was not given).
present() {
  [ "$FORCE" != --force ] && curl -sf -o /dev/null -I \
    -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY/v2/$1/manifests/$2"
}

# build CONTEXT PLATFORMS NAME: build CONTEXT/Dockerfile for PLATFORMS and push it as NAME (a full reference),
# with every timestamp clamped to SOURCE_DATE_EPOCH; DIGEST is set to its digest.
build() {
  local name=$3
  local log=$IMG/logs/${name//[\/:]/_}.log meta=$IMG/logs/${name//[\/:]/_}.json
  mkdir -p "$IMG/logs"
  # Every file dated SOURCE_DATE_EPOCH: extraction leaves folders dated by whichever package touched them last.
  find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  # BuildKit's cache and its incremental context sync both go by content and may keep an older snapshot's
  # dates, so each build reads its context from a path of its own, and a mirror is built without the cache.
  local src nocache=()
  src=$(mktemp -u "${1%/}.XXXXXX")
  mv "$1" "$src"
  [ "$MIRROR" = "" ] || nocache=(--no-cache)
  buildctl build --frontend dockerfile.v0 --local "context=$src" --local "dockerfile=$src" "${nocache[@]}" \
    --opt "platform=$2" --opt "build-arg:SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH" \
    --output "type=image,name=$name,push=true,oci-mediatypes=true,rewrite-timestamp=true" \
    --metadata-file "$meta" >"$log" 2>&1 || { mv "$src" "$1" && die "building $name failed" "read $log"; }
  mv "$src" "$1"
  DIGEST=$(sed -n 's/.*"containerimage.digest": *"\(sha256:[0-9a-f]*\)".*/\1/p' "$meta" | head -1)
  [ "$MIRROR" = "" ] || printf '%s@%s\n' "$name" "$DIGEST"
}

# ------------------------------------------------------------------------------------------ Debian packages
apt_root() { # apt_root ARCH: a private apt setup for Debian $BASE_DEBIAN_SUITE on ARCH; prints its APT_CONFIG
  local dir=$IMG/apt/$1
  if [ ! -f "$dir/apt.conf" ]; then
    mkdir -p "$dir/root/var/lib/apt/lists/partial" "$dir/root/var/lib/dpkg" "$dir/root/etc/apt/apt.conf.d" \
      "$dir/root/etc/apt/preferences.d" "$dir/debs"
    : >"$dir/root/var/lib/dpkg/status"
    cat >"$dir/apt.conf" <<EOF
Dir "$dir/root/";
Dir::State::status "$dir/root/var/lib/dpkg/status";
Dir::Etc::SourceList "$dir/sources.list";
Dir::Etc::SourceParts "/nonexistent";
Dir::Etc::TrustedParts "/etc/apt/trusted.gpg.d";
APT::Architecture "$1";
APT::Architectures { "$1"; };
APT::Sandbox::User "root";
EOF
    # The machine's own Debian mirror, for the base images' release.
    local uri
    uri=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${uri:-http://deb.debian.org/debian} $BASE_DEBIAN_SUITE main" \
      >"$dir/sources.list"
  fi
  if [ ! -f "$dir/updated" ] || [ -n "$(find "$dir/updated" -mmin +1440)" ]; then
    APT_CONFIG=$dir/apt.conf apt-get update -qq >/dev/null 2>&1 ||
      die "apt-get update for Debian $BASE_DEBIAN_SUITE/$1 failed" "check that the machine reaches its Debian mirror"
    touch "$dir/updated"
  fi
}

# extract ARCH DEST PKG...: download the named packages (exactly these, no dependencies) and unpack them.
extract() {
  local arch=$1 dest=$2
  shift 2
  apt_root "$arch"
  local dir=$IMG/apt/$arch
  (cd "$dir/debs" && APT_CONFIG=$dir/apt.conf apt-get download -qq "$@" >/dev/null 2>&1) ||
    die "downloading $* for $arch failed" "check the package names against Debian $BASE_DEBIAN_SUITE"
  local p f
  for p in "$@"; do
    f=$(ls -t "$dir/debs/${p}_"*"_$arch.deb" "$dir/debs/${p}_"*_all.deb 2>/dev/null | head -1 || true)
    [ -n "$f" ] || die "no .deb for $p ($arch)" "check the package name"
    dpkg-deb -x "$f" "$dest"
    # The package's control fields where Google's distroless images keep them, so scanners (syft, grype,
    # osv-scanner) know what is installed without a dpkg database.
    mkdir -p "$dest/var/lib/dpkg/status.d"
    dpkg-deb -f "$f" >"$dest/var/lib/dpkg/status.d/$p"
    # Its file list with checksums, also as Google keeps it: a minimal image's closure (components/dockerfiles.ts)
    # finds which package each file it takes belongs to.
    dpkg-deb --ctrl-tarfile "$f" | tar -xOf - ./md5sums >"$dest/var/lib/dpkg/status.d/$p.md5sums" 2>/dev/null ||
      rm -f "$dest/var/lib/dpkg/status.d/$p.md5sums"
  done
}

STATIC_PKGS=(base-files netbase tzdata media-types ca-certificates)
BASE_PKGS=(libc6 libssl3t64 libzstd1 zlib1g)
CC_PKGS=(libgcc-s1 libstdc++6 libgomp1)
# Debian 13's Python and the libraries its standard library's extension modules load, as Google's python3 image.
PYTHON_MINOR=3.13
PYTHON_PKGS=("python$PYTHON_MINOR-minimal" "libpython$PYTHON_MINOR-minimal" "libpython$PYTHON_MINOR-stdlib"
  libexpat1 libffi8 libbz2-1.0 liblzma5 libsqlite3-0 libuuid1 libncursesw6 libtinfo6 libreadline8t64 libdb5.3t64)

# The layout Google's distroless images have: users root, nobody, nonroot (65532); /tmp 1777; a CA bundle.
finish_rootfs() {
  local r=$1
  mkdir -p "$r/etc/ssl/certs" "$r/tmp" "$r/home/nonroot" "$r/root"
  chmod 1777 "$r/tmp"
  cat >"$r/etc/passwd" <<EOF
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
  cat >"$r/etc/group" <<EOF
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
EOF
  if [ -d "$r/usr/share/ca-certificates" ]; then
    find "$r/usr/share/ca-certificates" -name '*.crt' -print0 | sort -z | xargs -0 cat >"$r/etc/ssl/certs/ca-certificates.crt"
  fi
  # Documentation other than the licences, and package-manager leftovers, are not part of the image.
  rm -rf "$r/usr/share/man" "$r/usr/share/info" "$r/usr/share/lintian" "$r/etc/update-motd.d"
  find "$r/usr/share/doc" -type f ! -name copyright -delete 2>/dev/null || true
}

# Bumped when what a root filesystem holds changes, so cached ones are assembled again (2: status.d md5sums).
ROOTFS_LAYOUT=2

rootfs() { # rootfs FAMILY ARCH: assembles the root filesystem (once) and sets ROOTFS to its path
  local fam=$1 arch=$2 r=$IMG/rootfs/$1-$2
  ROOTFS=$r
  if [ "$(cat "$r.done" 2>/dev/null)" != "$ROOTFS_LAYOUT" ] || [ "$FORCE" = --force ]; then
    rm -rf "$r"
    mkdir -p "$r"
    local pkgs=("${STATIC_PKGS[@]}")
    case $fam in
    base) pkgs+=("${BASE_PKGS[@]}") ;;
    cc | nodejs) pkgs+=("${BASE_PKGS[@]}" "${CC_PKGS[@]}") ;;
    python) pkgs+=("${BASE_PKGS[@]}" "${CC_PKGS[@]}" "${PYTHON_PKGS[@]}") ;;
    esac
    extract "$arch" "$r" "${pkgs[@]}"
    case $fam in
    nodejs) node_binary "$arch" "$r/nodejs/bin" ;;
    python) ln -s "python$PYTHON_MINOR" "$r/usr/bin/python3" ;;
    esac
    finish_rootfs "$r"
    echo "$ROOTFS_LAYOUT" >"$r.done"
  fi
}

node_binary() { # node_binary ARCH DEST: the node binary of the npm registry's node-linux-<arch> package
  local npmarch=x64
  [ "$1" = arm64 ] && npmarch=arm64
  local tgz=$IMG/npm/node-linux-$npmarch-$NODE_VERSION.tgz
  if [ ! -f "$tgz" ]; then
    mkdir -p "$IMG/npm"
    (cd "$IMG/npm" && npm pack --silent "node-linux-$npmarch@$NODE_VERSION" >/dev/null) ||
      die "npm pack node-linux-$npmarch@$NODE_VERSION failed" "check the npm registry and NODE_VERSION"
  fi
  mkdir -p "$2"
  tar -xzf "$tgz" -C "$2" --strip-components=2 package/bin/node
}

# base_context CTX FAMILY: CTX holds FAMILY's root filesystem per architecture (rootfs-<arch>) and /home/nonroot,
# which the Dockerfile copies as a folder so --chown reaches the folder itself.
base_context() {
  local a
  rm -rf "$1"
  mkdir -p "$1/home/nonroot"
  for a in "${ARCHES[@]}"; do
    rootfs "$2" "$a"
    cp -a "$ROOTFS" "$1/rootfs-$a"
    rmdir "$1/rootfs-$a/home/nonroot"
  done
}

# base_dockerfile CTX EXTRA_PATH ENTRYPOINT: the layout of Google's bases, non-root 65532, CA bundle, the given
# entrypoint line (or none) and EXTRA_PATH appended to PATH.
base_dockerfile() {
  cat >"$1/Dockerfile" <<EOF
FROM scratch
ARG TARGETARCH
COPY rootfs-\${TARGETARCH}/ /
COPY --chown=65532:65532 home/ /home/
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin$2 SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
WORKDIR /home/nonroot
$3
EOF
}

base_image() { # base_image FAMILY: <prefix>/<family>-debian13:nonroot for both platforms
  local fam=$1 name=$1 entry=""
  case $fam in
  nodejs) name=nodejs$NODE_MAJOR entry='ENTRYPOINT ["/nodejs/bin/node"]' ;;
  python) name=python3 entry='ENTRYPOINT ["/usr/bin/python3"]' ;;
  esac
  local repo=distroless/$name-debian$BASE_DEBIAN_RELEASE
  if present "$repo" nonroot; then return; fi
  phase "images: assembling ${repo#distroless/}:nonroot from Debian $BASE_DEBIAN_SUITE packages (amd64, arm64)"
  local ctx=$IMG/ctx/$name
  base_context "$ctx" "$fam"
  base_dockerfile "$ctx" "" "$entry"
  build "$ctx" linux/amd64,linux/arm64 "$BASE_PREFIX/${repo#distroless/}:nonroot"
  rm -rf "$ctx"
}

# minimal-debian13:nonroot, the base of `images.base: minimal`: Debian 13's merged-/usr links and os-release, the users
# root, nobody and nonroot (65532), /tmp 1777 and /home/nonroot, and nothing else. Each image adds the files its app
# needs (the runtime binary and the libraries it loads, CA certificates and time zones only when asked for).
minimal_image() {
  local repo=distroless/minimal-debian$BASE_DEBIAN_RELEASE a
  if present "$repo" nonroot; then return; fi
  phase "images: assembling ${repo#distroless/}:nonroot (users, /tmp, /home/nonroot and Debian's os-release only)"
  local ctx=$IMG/ctx/minimal
  rm -rf "$ctx"
  mkdir -p "$ctx/home/nonroot"
  for a in "${ARCHES[@]}"; do
    rootfs static "$a"
    local r=$ctx/rootfs-$a
    mkdir -p "$r/etc" "$r/usr/bin" "$r/usr/sbin" "$r/usr/lib" "$r/var/lib/dpkg/status.d"
    [ "$a" = amd64 ] && mkdir -p "$r/usr/lib64" && ln -s usr/lib64 "$r/lib64"
    ln -s usr/bin "$r/bin" && ln -s usr/sbin "$r/sbin" && ln -s usr/lib "$r/lib"
    cp -L "$ROOTFS/etc/os-release" "$r/etc/os-release"
    finish_rootfs "$r"
    rm -rf "$r/root" "$r/home" "$r/etc/ssl"
  done
  base_dockerfile "$ctx" "" ""
  build "$ctx" linux/amd64,linux/arm64 "$BASE_PREFIX/${repo#distroless/}:nonroot"
  rm -rf "$ctx"
}

# The debug variant of the base: busybox's applets under /busybox, its shell as the entrypoint, still 65532.
DEBUG_APPLETS="sh ash ls cat ps top grep find head tail wc env id du df free mount netstat nslookup wget vi less stat readlink sleep kill"
debug_image() {
  local repo=distroless/base-debian$BASE_DEBIAN_RELEASE
  if present "$repo" debug-nonroot; then return; fi
  phase "images: assembling ${repo#distroless/}:debug-nonroot (the base plus busybox from Debian $BASE_DEBIAN_SUITE)"
  local ctx=$IMG/ctx/debug a applet
  base_context "$ctx" base
  for a in "${ARCHES[@]}"; do
    mkdir -p "$ctx/bb-$a" "$ctx/rootfs-$a/busybox"
    extract "$a" "$ctx/bb-$a" busybox-static
    cp "$ctx/bb-$a/usr/bin/busybox" "$ctx/rootfs-$a/busybox/busybox"
    for applet in $DEBUG_APPLETS; do ln -s busybox "$ctx/rootfs-$a/busybox/$applet"; done
    rm -rf "$ctx/bb-$a"
  done
  base_dockerfile "$ctx" :/busybox 'ENTRYPOINT ["/busybox/sh"]'
  build "$ctx" linux/amd64,linux/arm64 "$BASE_PREFIX/${repo#distroless/}:debug-nonroot"
  rm -rf "$ctx"
}

# The conventional images `npm run report` compares with, for both architectures: Debian's required packages and
# apt (debian:trixie-slim's package set, as debootstrap's minbase), unpacked without running maintainer scripts,
# and that with node in /usr/local/bin (node:<major>-trixie-slim's layout).
slim_packages() { # slim_packages ARCH: the package set, as apt resolves it from an empty system
  apt_root "$1"
  local conf=$IMG/apt/$1/apt.conf required
  required=$(APT_CONFIG=$conf apt-cache dumpavail | awk '/^Package:/ { p = $2 } /^Priority: required/ { print p }' | sort -u)
  # shellcheck disable=SC2086 # one word per package
  APT_CONFIG=$conf apt-get -s install --no-install-recommends $required apt 2>/dev/null | awk '/^Inst / { print $2 }'
}
conventional_images() {
  local variant repo tag a r
  for variant in debian node; do
    repo=report/debian tag=$BASE_DEBIAN_SUITE-slim
    [ "$variant" = node ] && repo=report/node tag=$NODE_MAJOR-$BASE_DEBIAN_SUITE-slim
    if present "$repo" "$tag"; then continue; fi
    phase "images: assembling the conventional ${repo#report/}:$tag for the report (amd64, arm64)"
    local ctx=$IMG/ctx/conventional-$variant
    rm -rf "$ctx"
    for a in "${ARCHES[@]}"; do
      r=$ctx/rootfs-$a
      mkdir -p "$r"
      # shellcheck disable=SC2046 # one word per package
      extract "$a" "$r" $(slim_packages "$a")
      # What base-passwd's maintainer script would have done.
      cp "$r/usr/share/base-passwd/passwd.master" "$r/etc/passwd"
      cp "$r/usr/share/base-passwd/group.master" "$r/etc/group"
      [ "$variant" = node ] && node_binary "$a" "$r/usr/local/bin"
    done
    cat >"$ctx/Dockerfile" <<EOF
FROM scratch
ARG TARGETARCH
COPY rootfs-\${TARGETARCH}/ /
ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["bash"]
EOF
    build "$ctx" linux/amd64,linux/arm64 "localhost:5000/$repo:$tag"
    rm -rf "$ctx"
  done
}

# Builder stages run on the build platform only (the generated Dockerfiles use --platform=$BUILDPLATFORM).
builder_images() {
  local node_tag=library/node gotag=library/golang
  if ! present "$node_tag" "$NODE_MAJOR-$BASE_DEBIAN_SUITE-slim"; then
    phase "images: assembling node:$NODE_MAJOR-$BASE_DEBIAN_SUITE-slim (Node.js $NODE_VERSION, npm $NPM_VERSION)"
    local ctx=$IMG/ctx/node-builder
    tool_rootfs "$ctx" cc
    node_binary "$HOST_ARCH" "$ctx/rootfs/usr/local/bin"
    local npmtgz=$IMG/npm/npm-$NPM_VERSION.tgz
    [ -f "$npmtgz" ] || (cd "$IMG/npm" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
    mkdir -p "$ctx/rootfs/usr/local/lib/node_modules/npm"
    tar -xzf "$npmtgz" -C "$ctx/rootfs/usr/local/lib/node_modules/npm" --strip-components=1
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ctx/rootfs/usr/local/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ctx/rootfs/usr/local/bin/npx"
    cat >"$ctx/Dockerfile" <<EOF
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin NODE_VERSION=$NODE_VERSION HOME=/root
CMD ["node"]
EOF
    build "$ctx" "linux/$HOST_ARCH" "localhost:5000/$node_tag:$NODE_MAJOR-$BASE_DEBIAN_SUITE-slim"
    rm -rf "$ctx"
  fi
  if ! present "$gotag" "$GO_MINOR"; then
    phase "images: assembling golang:$GO_MINOR (Go $GO_VERSION from the golang.org/toolchain module)"
    local ctx=$IMG/ctx/go-builder mod src
    tool_rootfs "$ctx" static
    mod="golang.org/toolchain@v0.0.1-go$GO_VERSION.linux-$HOST_ARCH"
    src=$(GOMODCACHE=$DP_CACHE/go/mod GOFLAGS=-modcacherw GOTOOLCHAIN=local go mod download -json "$mod" |
      sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
    [ -n "$src" ] || die "the Go module proxy did not serve $mod" "check GOPROXY"
    mkdir -p "$ctx/rootfs/usr/local"
    cp -r "$src" "$ctx/rootfs/usr/local/go"
    chmod -R u+w "$ctx/rootfs/usr/local/go"
    chmod +x "$ctx/rootfs/usr/local/go/bin/"* "$ctx/rootfs/usr/local/go/pkg/tool/"*/*
    cat >"$ctx/Dockerfile" <<EOF
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/go/bin:/go/bin:/usr/local/bin:/usr/bin:/bin GOPATH=/go GOTOOLCHAIN=local GOLANG_VERSION=$GO_VERSION HOME=/root
WORKDIR /go
EOF
    build "$ctx" "linux/$HOST_ARCH" "localhost:5000/$gotag:$GO_MINOR"
    rm -rf "$ctx"
  fi
}

# The python builder: Debian's Python with pip from PyPI in /usr/local, as `python:<minor>-slim-trixie` offers
# python and pip. Without Debian's EXTERNALLY-MANAGED marker, as that image (built from source) has none.
python_builder() {
  local tag=library/python:$PYTHON_MINOR-slim-$BASE_DEBIAN_SUITE
  if present "${tag%%:*}" "${tag#*:}"; then return; fi
  phase "images: assembling ${tag#library/} (Debian's Python $PYTHON_MINOR, pip $PIP_VERSION)"
  local ctx=$IMG/ctx/python-builder whl=$IMG/pypi/pip-$PIP_VERSION-py3-none-any.whl
  if [ ! -f "$whl" ]; then
    mkdir -p "$IMG/pypi"
    python3 -m pip download -q --no-deps --only-binary=:all: -d "$IMG/pypi" "pip==$PIP_VERSION" >/dev/null 2>&1 ||
      die "downloading pip $PIP_VERSION from PyPI failed" "check that the machine reaches PyPI and PIP_VERSION"
  fi
  tool_rootfs "$ctx" python
  rm -f "$ctx/rootfs/usr/lib/python$PYTHON_MINOR/EXTERNALLY-MANAGED"
  local site=$ctx/rootfs/usr/local/lib/python$PYTHON_MINOR/dist-packages
  mkdir -p "$site" "$ctx/rootfs/usr/local/bin"
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$whl" "$site"
  ln -s "../../bin/python$PYTHON_MINOR" "$ctx/rootfs/usr/local/bin/python"
  printf '#!/bin/sh\nexec /usr/bin/python%s -m pip "$@"\n' "$PYTHON_MINOR" >"$ctx/rootfs/usr/local/bin/pip"
  chmod 755 "$ctx/rootfs/usr/local/bin/pip"
  cat >"$ctx/Dockerfile" <<EOF
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin PYTHON_VERSION=$PYTHON_MINOR HOME=/root
CMD ["python"]
EOF
  build "$ctx" "linux/$HOST_ARCH" "localhost:5000/$tag"
  rm -rf "$ctx"
}

# tool_rootfs CTX FAMILY: CTX/rootfs is FAMILY's root filesystem for this machine's architecture plus busybox's
# shell and tools, the start of every builder and tool image (they run on the build platform only).
tool_rootfs() {
  rm -rf "$1"
  mkdir -p "$1"
  rootfs "$2" "$HOST_ARCH"
  cp -a "$ROOTFS" "$1/rootfs"
  extract "$HOST_ARCH" "$1/rootfs" busybox-static
  busybox_links "$1/rootfs"
}

busybox_links() { # the shell and the few tools RUN steps use, as busybox applets
  local r=$1 a
  mkdir -p "$r/bin" "$r/usr/bin"
  for a in sh ls cat cp mv rm mkdir chmod chown ln env tar gzip sed grep find xargs sort head tail wc true false basename; do
    [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
  done
  [ -e "$r/usr/bin/env" ] || ln -s ../../bin/busybox "$r/usr/bin/env"
}

# BuildKit's SBOM generator protocol: scan the read-only root filesystem at BUILDKIT_SCAN_SOURCE (and each one under
# BUILDKIT_SCAN_SOURCE_EXTRAS) and write an in-toto statement holding its SPDX document per filesystem.
scanner_image() {
  if present docker/buildkit-syft-scanner stable-1; then return; fi
  phase "images: packaging syft $SYFT_VERSION as BuildKit's SBOM generator (docker/buildkit-syft-scanner:stable-1)"
  [ -x "$DP_BIN/syft" ] || die "syft is not built" "npm run toolchain -- syft"
  local ctx=$IMG/ctx/sbom-scanner
  tool_rootfs "$ctx" static
  cp "$DP_BIN/syft" "$ctx/rootfs/bin/syft"
  cat >"$ctx/rootfs/bin/sbom-scan" <<'EOF'
#!/bin/sh
# scan ROOTFS NAME: syft catalogs ROOTFS as an image's root filesystem (installed packages, not lock files alone).
set -eu
scan() {
  syft scan "dir:$1" --override-default-catalogers image --source-name "$2" -q -o "spdx-json=/tmp/$2.spdx"
  { printf '{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://spdx.dev/Document","predicate":'
    cat "/tmp/$2.spdx"
    printf '}'; } >"$BUILDKIT_SCAN_DESTINATION/$2.spdx.json"
}
scan "$BUILDKIT_SCAN_SOURCE" "$(basename "$BUILDKIT_SCAN_SOURCE")"
if [ -n "${BUILDKIT_SCAN_SOURCE_EXTRAS:-}" ] && [ -d "$BUILDKIT_SCAN_SOURCE_EXTRAS" ]; then
  for extra in "$BUILDKIT_SCAN_SOURCE_EXTRAS"/*; do
    [ -d "$extra" ] && scan "$extra" "$(basename "$extra")"
  done
fi
EOF
  chmod 755 "$ctx/rootfs/bin/sbom-scan"
  cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
COPY rootfs/ /
ENV PATH=/bin:/usr/bin SYFT_CHECK_FOR_APP_UPDATE=false HOME=/tmp
ENTRYPOINT ["/bin/sbom-scan"]
EOF
  build "$ctx" "linux/$HOST_ARCH" localhost:5000/docker/buildkit-syft-scanner:stable-1
  rm -rf "$ctx"
}

system_images() {
  if ! present pause "$PAUSE_TAG"; then
    phase "images: building pause:$PAUSE_TAG"
    local ctx=$IMG/ctx/pause
    rm -rf "$ctx"
    mkdir -p "$ctx"
    (cd "$DP_ROOT/scripts/local/pause" && CGO_ENABLED=0 GOTOOLCHAIN=local GOCACHE=$DP_CACHE/go/build \
      go build -trimpath -ldflags "-s -w" -o "$ctx/pause" pause.go)
    printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' >"$ctx/Dockerfile"
    build "$ctx" "linux/$HOST_ARCH" "localhost:5000/pause:$PAUSE_TAG"
    rm -rf "$ctx"
  fi
  if ! present docker/dockerfile 1; then
    phase "images: pushing the Dockerfile frontend as docker/dockerfile:1"
    local ctx=$IMG/ctx/frontend
    rm -rf "$ctx"
    mkdir -p "$ctx"
    cp -a "$IMG/dockerfile-frontend/." "$ctx/"
    cat >"$ctx/Dockerfile" <<'EOF'
FROM scratch
ARG TARGETARCH
COPY ${TARGETARCH}/bin/dockerfile-frontend /bin/dockerfile-frontend
LABEL moby.buildkit.frontend.network.none="true"
ENTRYPOINT ["/bin/dockerfile-frontend"]
EOF
    build "$ctx" linux/amd64,linux/arm64 localhost:5000/docker/dockerfile:1
    rm -rf "$ctx"
  fi
}

# Asked before anything is assembled, so a missing tool or daemon costs nothing.
[ -x "$DP_BIN/buildctl" ] || die "buildctl is not built" "npm run toolchain"
buildctl debug workers >/dev/null 2>&1 ||
  die "BuildKit is not running at $BUILDKIT_ADDR" "npm run local:up, or give --buildkit <address> of your own buildkitd"
# The bases a registry.mirror must hold for the generated Dockerfiles, and npm run debug's image.
bases() {
  base_image static
  base_image base
  base_image cc
  base_image nodejs
  base_image python
  minimal_image
  debug_image
}
bases_and_builders() {
  bases
  builder_images
  python_builder
}

case ${1:-all} in
system)
  system_images
  scanner_image
  ;;
bases) bases_and_builders ;;
all)
  system_images
  scanner_image
  bases_and_builders
  ;;
conventional) conventional_images ;;
mirror)
  bases
  phase "images: mirror $MIRROR filled; set registry.mirror: $MIRROR and pin images.baseDigests from the digests above"
  exit 0
  ;;
*) die "usage: images.sh system | bases | all | conventional [--force] | mirror --push <registry>/<path>" "" ;;
esac
phase "images: registry ready"
