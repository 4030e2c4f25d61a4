#!/usr/bin/env bash
# The local environment: a single-node Kubernetes cluster (etcd, apiserver with Pod Security admission,
# controller-manager, scheduler, kubelet, kube-proxy, CoreDNS) on containerd with the runc and runsc (gVisor)
# handlers, an OCI registry and a BuildKit daemon.
#
# Everything runs in one network namespace and one private mount namespace created here, held by a "holder"
# process: servers listen on that namespace's loopback or its node address, nothing is reachable from outside,
# and container mounts never show on the host. Two loopback forwards make the API server (127.0.0.1:6443) and
# the registry (127.0.0.1:5000) reachable from this machine. State lives under one folder ($DISTROLESS_STATE,
# default ~/.cache/distroless-platform/local); every process started is recorded by PID there, and `down`
# stops only those, removes the cgroups the kubelet made and restores the sysctls it changed.
#
#   cluster.sh up | down [--wipe] | status | exec CMD... (run CMD inside the cluster's network namespace)
set -euo pipefail
shopt -s extglob
. "$(dirname "$0")/../lib/common.sh"

NODE=dp-node
NODE_IP=10.200.0.2
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/16
DNS_IP=10.200.0.10
API_PORT=${DISTROLESS_API_PORT:-6443}
REGISTRY_PORT=${DISTROLESS_REGISTRY_PORT:-5000}
BUILDKIT_PORT=${DISTROLESS_BUILDKIT_PORT:-1234}
RUN=$DP_STATE/run
PIDS=$DP_STATE/pids
LOGS=$DP_STATE/logs
PKI=$DP_STATE/pki
KUBECONFIG_OUT=$DP_STATE/kubeconfig
# Sysctls the kubelet sets VM-wide at start; saved before and restored at `down`.
KUBELET_SYSCTLS=(vm.overcommit_memory kernel.panic kernel.panic_on_oops)
# Start order; `down` stops in reverse.
SERVICES=(holder etcd registry apiserver fwd-api-in fwd-api fwd-registry-in fwd-registry containerd buildkitd
  fwd-buildkit controller-manager scheduler kubelet kube-proxy coredns)

# A PID file holds "<pid> <start time>": a PID reused by another program after a crash or reboot is not ours.
starttime() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null || true; }
record_pid() { echo "$2 $(starttime "$2")" >"$PIDS/$1.pid"; }
pid_of() {
  local pid start
  [ -f "$PIDS/$1.pid" ] || return 0
  read -r pid start <"$PIDS/$1.pid" || return 0
  [ -n "$pid" ] && [ "$(starttime "$pid")" = "$start" ] && echo "$pid"
  return 0
}
alive() {
  local p
  p=$(pid_of "$1")
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null
}
holder() { pid_of holder; }

# in_ns CMD...: run CMD in the cluster's network and mount namespaces.
in_ns() { nsenter -t "$(holder)" --net --mount -- "$@"; }

# start NAME CMD...: start CMD inside the namespaces in the background, log to logs/NAME.log, record its PID.
start() {
  local name=$1
  shift
  if alive "$name"; then return; fi
  nohup nsenter -t "$(holder)" --net --mount -- "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  record_pid "$name" $!
}

# start_host NAME CMD...: the same on this machine's own namespaces (the loopback forwards).
start_host() {
  local name=$1
  shift
  if alive "$name"; then return; fi
  nohup "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  record_pid "$name" $!
}

# wait_for WHAT SECONDS CMD...: poll CMD until it succeeds; on timeout name the log to read.
wait_for() {
  local what=$1 secs=$2 log=$3
  shift 3
  local i
  for ((i = 0; i < secs * 5; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  die "$what did not come up within ${secs}s" "read $LOGS/$log.log, then: npm run local:down && npm run local:up"
}

check_tools() {
  local missing=() b
  for b in pulumi kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl containerd \
    containerd-shim-runc-v2 containerd-shim-runsc-v1 runsc buildkitd buildctl coredns grype vulndb; do
    [ -x "$DP_BIN/$b" ] || command -v "$b" >/dev/null || missing+=("$b")
  done
  for b in etcd docker-registry runc socat nsenter unshare openssl iptables; do
    command -v "$b" >/dev/null || missing+=("$b")
  done
  [ ${#missing[@]} -eq 0 ] || die "missing tools: ${missing[*]}" "run: npm run toolchain"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---------------------------------------------------------------------------------------------------- PKI
cert() { # cert NAME CN O [SAN]: a key and a certificate signed by the cluster CA
  local name=$1 cn=$2 o=$3 san=${4:-}
  [ -f "$PKI/$name.crt" ] && return
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  local subj="/CN=$cn"
  [ -n "$o" ] && subj="/O=$o$subj"
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  local ext=$PKI/$name.ext
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [ -n "$san" ]; then
      echo "extendedKeyUsage=serverAuth,clientAuth"
      echo "subjectAltName=$san"
    else
      echo "extendedKeyUsage=clientAuth"
    fi
  } >"$ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$ext"
}

kubeconfig() { # kubeconfig FILE CERT-NAME SERVER
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: distroless-local
  cluster:
    certificate-authority: $PKI/ca.crt
    server: $3
users:
- name: $2
  user:
    client-certificate: $PKI/$2.crt
    client-key: $PKI/$2.key
contexts:
- name: distroless-local
  context: {cluster: distroless-local, user: $2}
current-context: distroless-local
EOF
}

make_pki() {
  mkdir -p "$PKI"
  if [ ! -f "$PKI/ca.crt" ]; then
    openssl genrsa -out "$PKI/ca.key" 2048 2>/dev/null
    openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=distroless-local-ca" -days 3650 -sha256 \
      -out "$PKI/ca.crt" 2>/dev/null
  fi
  [ -f "$PKI/sa.key" ] || {
    openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
    openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  }
  cert apiserver kube-apiserver "" \
    "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:$NODE_IP,IP:10.96.0.1"
  cert apiserver-kubelet kube-apiserver-kubelet-client system:masters
  cert admin admin system:masters
  cert kubelet "system:node:$NODE" system:nodes
  cert kubelet-serving "system:node:$NODE" system:nodes "DNS:$NODE,IP:$NODE_IP"
  cert controller-manager system:kube-controller-manager ""
  cert scheduler system:kube-scheduler ""
  cert kube-proxy system:kube-proxy ""
  cert coredns coredns system:masters
  local c
  for c in admin kubelet controller-manager scheduler kube-proxy coredns; do
    kubeconfig "$DP_STATE/$c.kubeconfig" "$c" "https://127.0.0.1:6443"
  done
  # The one for this machine, through the loopback forward.
  kubeconfig "$KUBECONFIG_OUT" admin "https://127.0.0.1:$API_PORT"
}

# --------------------------------------------------------------------------------------------- configs
# put FILE: writes stdin to FILE only when it differs, so a running kube-proxy (which exits when its configuration
# file is written) survives a second local:up.
put() {
  local tmp
  tmp=$(mktemp "$1.XXXXXX")
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

write_configs() {
  mkdir -p "$DP_STATE/cni/net.d" "$DP_STATE/containerd/certs.d/localhost:5000" "$DP_STATE/registry" \
    "$DP_STATE/buildkit" "$DP_STATE/kubelet"
  put "$DP_STATE/cni/net.d/10-bridge.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "distroless-local",
  "plugins": [
    {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  put "$DP_STATE/containerd/certs.d/localhost:5000/hosts.toml" <<EOF
server = "http://localhost:5000"
[host."http://localhost:5000"]
  capabilities = ["pull", "resolve"]
EOF
  put "$DP_STATE/runsc.toml" <<EOF
binary_name = "$DP_BIN/runsc"
root = "$DP_STATE/runsc"
[runsc_config]
  platform = "systrap"
EOF
  put "$DP_STATE/containerd/config.toml" <<EOF
version = 3
root = "$DP_STATE/containerd/root"
state = "$DP_STATE/containerd/state"
[grpc]
  address = "$RUN/containerd.sock"
[ttrpc]
  address = "$RUN/containerd.sock.ttrpc"
[plugins.'io.containerd.cri.v1.runtime']
  # No CAP_SYS_RESOURCE here: never ask for an OOM score below containerd's own.
  restrict_oom_score_adj = true
  # Pod network namespaces are pinned under the state folder, not in the machine's /var/run/netns.
  netns_mounts_under_state_dir = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runsc]
      runtime_type = "io.containerd.runsc.v1"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runsc.options]
        TypeUrl = "io.containerd.runsc.v1.options"
        ConfigPath = "$DP_STATE/runsc.toml"
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "$DP_STATE/cni/net.d"
[plugins.'io.containerd.cri.v1.images']
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "localhost:5000/pause:3.10"
  [plugins.'io.containerd.cri.v1.images'.registry]
    config_path = "$DP_STATE/containerd/certs.d"
EOF
  put "$DP_STATE/registry.yml" <<EOF
version: 0.1
storage:
  filesystem:
    rootdirectory: $DP_STATE/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
EOF
  # Builder-stage images (node, golang) and the Dockerfile frontend resolve through the local registry.
  put "$DP_STATE/buildkitd.toml" <<EOF
root = "$DP_STATE/buildkit"
[grpc]
  address = ["unix://$RUN/buildkitd.sock"]
[worker.oci]
  enabled = true
  binary = "$(command -v runc)"
  gc = true
  gckeepstorage = "10GB"
[worker.containerd]
  enabled = false
[registry."localhost:5000"]
  http = true
[registry."docker.io"]
  mirrors = ["localhost:5000"]
EOF
  put "$DP_STATE/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$RUN/containerd.sock
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
clusterDomain: cluster.local
clusterDNS: [$DNS_IP]
resolvConf: $DP_STATE/resolv.conf
failSwapOn: false
registerNode: true
serializeImagePulls: false
imageGCHighThresholdPercent: 100
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%"}
cgroupsPerQOS: true
enforceNodeAllocatable: [pods]
maxPods: 30
podLogsDir: $DP_STATE/pod-logs
EOF
  : >"$DP_STATE/resolv.conf"
  put "$DP_STATE/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
hostnameOverride: $NODE
clusterCIDR: $POD_CIDR
clientConnection: {kubeconfig: $DP_STATE/kube-proxy.kubeconfig}
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
# Replies from a pod that served another pod through a Service must come back through this namespace.
iptables: {masqueradeAll: true}
# nf_conntrack_max is VM-wide: leave it, and the timeouts, as they are.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
  put "$DP_STATE/Corefile" <<EOF
.:53 {
    bind $DNS_IP
    errors
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $DP_STATE/coredns.kubeconfig distroless-local
        pods insecure
    }
    cache 30
}
EOF
}

# ----------------------------------------------------------------------------------------------------- up
start_holder() {
  if ! alive holder; then
    # The holder owns the network namespace and the private mount namespace; everything else joins it.
    nohup unshare --net --mount --propagation private -- sleep infinity >/dev/null 2>&1 </dev/null &
    record_pid holder $!
    local i
    for ((i = 0; i < 50; i++)); do
      [ "$(readlink "/proc/$(holder)/ns/net")" != "$(readlink /proc/self/ns/net)" ] && break
      sleep 0.1
    done
  fi
  in_ns ip link show dp0 >/dev/null 2>&1 && return
  in_ns ip link set lo up
  # The node's address sits on a veth pair whose both ends stay inside the namespace: no uplink, no way out.
  in_ns ip link add dp0 type veth peer name dp1
  in_ns ip addr add "$NODE_IP/24" dev dp0
  in_ns ip addr add "$DNS_IP/32" dev dp0
  in_ns ip link set dp1 up
  in_ns ip link set dp0 up
  # A default route, so that the kubelet finds a node address and Service traffic has a way; it leads nowhere
  # outside the namespace.
  in_ns ip route add default via "${NODE_IP%.*}.1" dev dp0 onlink
  in_ns sysctl -qw net.ipv4.ip_forward=1
}

save_sysctls() {
  [ -f "$DP_STATE/sysctl.saved" ] && return
  local s
  for s in "${KUBELET_SYSCTLS[@]}"; do echo "$s=$(sysctl -n "$s")"; done >"$DP_STATE/sysctl.saved"
}

restore_sysctls() {
  [ -f "$DP_STATE/sysctl.saved" ] || return 0
  local line
  while IFS= read -r line; do sysctl -qw "$line" || true; done <"$DP_STATE/sysctl.saved"
  rm -f "$DP_STATE/sysctl.saved"
}

kubectl_in() { in_ns "$DP_BIN/kubectl" --kubeconfig "$DP_STATE/admin.kubeconfig" "$@"; }

up() {
  need_root "local:up"
  check_tools
  mkdir -p "$RUN" "$PIDS" "$LOGS"
  if alive holder; then
    phase "local: already up (holder $(holder)); starting anything that stopped"
  else
    local p
    for p in "$API_PORT" "$REGISTRY_PORT" "$BUILDKIT_PORT"; do
      port_free "$p" || die "127.0.0.1:$p is taken by another program" \
        "stop it, or set DISTROLESS_API_PORT / DISTROLESS_REGISTRY_PORT / DISTROLESS_BUILDKIT_PORT"
    done
  fi
  phase "local: certificates and configuration in $DP_STATE"
  make_pki
  write_configs
  start_holder
  phase "local: network namespace up (node $NODE_IP, pods $POD_CIDR)"

  start etcd etcd --name dp --data-dir "$DP_STATE/etcd" --listen-client-urls http://127.0.0.1:2379 \
    --advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380 \
    --initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster dp=http://127.0.0.1:2380
  start registry docker-registry serve "$DP_STATE/registry.yml"
  wait_for "etcd" 30 etcd in_ns curl -sf http://127.0.0.1:2379/health
  phase "local: etcd up"

  start apiserver "$DP_BIN/kube-apiserver" --etcd-servers=http://127.0.0.1:2379 \
    --bind-address=0.0.0.0 --secure-port=6443 --advertise-address="$NODE_IP" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet.crt" --kubelet-client-key="$PKI/apiserver-kubelet.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --profiling=false \
    --kubelet-preferred-address-types=InternalIP --allow-privileged=true
  # Loopback forwards: a socket file crosses the namespace boundary, a socat on each side carries TCP over it.
  start fwd-api-in socat "UNIX-LISTEN:$RUN/apiserver.sock,fork,unlink-early" TCP:127.0.0.1:6443
  start fwd-registry-in socat "UNIX-LISTEN:$RUN/registry.sock,fork,unlink-early" TCP:127.0.0.1:5000
  start_host fwd-api socat "TCP-LISTEN:$API_PORT,bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:$RUN/apiserver.sock"
  start_host fwd-registry socat "TCP-LISTEN:$REGISTRY_PORT,bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:$RUN/registry.sock"

  start containerd "$DP_BIN/containerd" --config "$DP_STATE/containerd/config.toml"
  start buildkitd "$DP_BIN/buildkitd" --config "$DP_STATE/buildkitd.toml"
  # BuildKit for the program's builds (images.buildkit.address in Pulumi.local.yaml).
  start_host fwd-buildkit socat "TCP-LISTEN:$BUILDKIT_PORT,bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:$RUN/buildkitd.sock"
  wait_for "the API server" 90 apiserver kubectl_in get --raw /readyz
  phase "local: API server ready"

  start controller-manager "$DP_BIN/kube-controller-manager" --kubeconfig="$DP_STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$DP_STATE/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$DP_STATE/controller-manager.kubeconfig" \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --use-service-account-credentials=true --leader-elect=false --bind-address=127.0.0.1 --profiling=false
  start scheduler "$DP_BIN/kube-scheduler" --kubeconfig="$DP_STATE/scheduler.kubeconfig" \
    --authentication-kubeconfig="$DP_STATE/scheduler.kubeconfig" \
    --authorization-kubeconfig="$DP_STATE/scheduler.kubeconfig" \
    --leader-elect=false --bind-address=127.0.0.1 --profiling=false
  wait_for "containerd" 30 containerd in_ns "$DP_BIN/ctr" --address "$RUN/containerd.sock" version
  wait_for "the registry" 30 registry in_ns curl -sf http://127.0.0.1:5000/v2/
  wait_for "BuildKit" 60 buildkitd "$DP_BIN/buildctl" --addr "unix://$RUN/buildkitd.sock" debug workers
  phase "local: containerd, registry and BuildKit ready"

  # The sandbox (pause) image and the images the builds need, from local sources.
  bash "$DP_ROOT/scripts/local/images.sh" all
  local_vulndb

  save_sysctls
  start kubelet env "PATH=$DP_BIN:$PATH" "$DP_BIN/kubelet" --config="$DP_STATE/kubelet.yaml" \
    --kubeconfig="$DP_STATE/kubelet.kubeconfig" --hostname-override="$NODE" --node-ip="$NODE_IP" \
    --root-dir="$DP_STATE/kubelet" --cert-dir="$PKI/kubelet-certs"
  start kube-proxy "$DP_BIN/kube-proxy" --config="$DP_STATE/kube-proxy.yaml"
  start coredns "$DP_BIN/coredns" -conf "$DP_STATE/Corefile"
  wait_for "the node" 90 kubelet node_ready
  phase "local: node $NODE Ready"

  # The runtime handlers the node offers, as RuntimeClasses are made by the program (gvisor) or here (runc).
  cat <<EOF | kubectl_in apply -f - >/dev/null
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: distroless-local-coredns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:kube-dns}
subjects: [{kind: User, name: coredns}]
EOF
  phase "local: up. kubeconfig: $KUBECONFIG_OUT (API https://127.0.0.1:$API_PORT, registry 127.0.0.1:$REGISTRY_PORT, BuildKit tcp://127.0.0.1:$BUILDKIT_PORT)"
}

# The sample database of Pulumi.local.yaml's vulnerability gate, rebuilt when a record is newer than it.
local_vulndb() {
  local db=$DP_ROOT/.grype/local.db records=$DP_ROOT/scripts/local/vulndb
  if [ -f "$db" ] && [ -z "$(find "$records" -type f -newer "$db")" ]; then
    phase "local: sample vulnerability database $db current"
    return
  fi
  bash "$DP_ROOT/scripts/vulndb.sh" "$records" "$db"
}

node_ready() {
  kubectl_in get node "$NODE" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' | grep -qx True
}

# --------------------------------------------------------------------------------------------------- down
stop_pid() { # stop_pid NAME: TERM, wait, then KILL; only the PID recorded for NAME
  local p
  p=$(pid_of "$1")
  [ -n "$p" ] || return 0
  if kill -0 "$p" 2>/dev/null; then
    kill -TERM "$p" 2>/dev/null || true
    local i
    for ((i = 0; i < 50; i++)); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$p" 2>/dev/null || true
  fi
  rm -f "$PIDS/$1.pid"
}

# Processes left behind once the recorded ones stopped: whatever still runs in the cluster's network namespace,
# and the container shims and gVisor sandboxes, which run in pod namespaces of their own but name the state folder
# in their arguments. All were started by this environment.
kill_leftovers() {
  local ns="" pid
  alive holder && ns=$(readlink "/proc/$(holder)/ns/net" 2>/dev/null || true)
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [ "$pid" = "$$" ] && continue
    [ "$pid" = "$(holder)" ] && continue
    if { [ -n "$ns" ] && [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$ns" ]; } || {
      # argv[0], not comm: gVisor's sandbox and gofer re-execute /proc/self/exe and rename themselves.
      # stderr first: a process gone meanwhile must not print the shell's redirection error.
      [[ $(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | head -1) == @(*/|)@(runsc*|containerd-shim*) ]] &&
        tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$DP_STATE/"
    }; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

remove_cgroups() {
  local d
  for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/*/kubepods.slice; do
    [ -d "$d" ] || continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

down() {
  need_root "local:down"
  local wipe=${1:-}
  mkdir -p "$PIDS"
  # TERM every recorded process at once (newest first), give them 10 s together, then KILL what is left.
  local i p pids=()
  for ((i = ${#SERVICES[@]} - 1; i >= 1; i--)); do
    p=$(pid_of "${SERVICES[i]}")
    [ -n "$p" ] && kill -TERM "$p" 2>/dev/null && pids+=("$p")
  done
  for ((i = 0; i < 100; i++)); do
    local left=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && left=1; done
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  for ((i = ${#SERVICES[@]} - 1; i >= 1; i--)); do stop_pid "${SERVICES[i]}"; done
  kill_leftovers
  sleep 0.5
  stop_pid holder
  remove_cgroups
  restore_sysctls
  rm -rf "$RUN"
  if [ "$wipe" = --wipe ]; then
    # Mounts lived in the private namespace, which is gone; nothing under the state folder is mounted.
    rm -rf "$DP_STATE"
    phase "local: down, state wiped"
  else
    phase "local: down (state kept in $DP_STATE; --wipe removes it)"
  fi
}

status() {
  local s state=0
  for s in "${SERVICES[@]}"; do
    if alive "$s"; then
      printf '%-20s running (pid %s)\n' "$s" "$(pid_of "$s")"
    else
      printf '%-20s stopped\n' "$s"
      state=1
    fi
  done
  if alive holder && node_ready 2>/dev/null; then echo "node $NODE: Ready"; else
    echo "node $NODE: not ready"
    state=1
  fi
  echo "kubeconfig: $KUBECONFIG_OUT"
  return $state
}

case ${1:-} in
up) up ;;
down) down "${2:-}" ;;
status) status ;;
exec)
  shift
  alive holder || die "the local cluster is not running" "npm run local:up"
  in_ns "$@"
  ;;
*) die "usage: cluster.sh up | down [--wipe] | status | exec CMD..." "" ;;
esac
