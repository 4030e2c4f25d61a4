// Port of pod-security-admission policy/check_sysctls.go.
// Sysctls can disable security mechanisms or affect every container on a host; only the "safe" subset —
// namespaced in the pod and isolated from other pods — is allowed. The list grows with the policy version.
import type { Check, CheckPod } from "../lib/types";
import { objects, str } from "./helpers";

export const SYSCTLS_ALLOWED_V1_0: ReadonlySet<string> = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
]);
export const SYSCTLS_ALLOWED_V1_27: ReadonlySet<string> = new Set([
  ...SYSCTLS_ALLOWED_V1_0,
  "net.ipv4.ip_local_reserved_ports",
]);
export const SYSCTLS_ALLOWED_V1_29: ReadonlySet<string> = new Set([
  ...SYSCTLS_ALLOWED_V1_27,
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
export const SYSCTLS_ALLOWED_V1_32: ReadonlySet<string> = new Set([
  ...SYSCTLS_ALLOWED_V1_29,
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_wmem",
]);
export const SYSCTLS_ALLOWED_V1_37: ReadonlySet<string> = new Set([
  ...SYSCTLS_ALLOWED_V1_32,
  "net.ipv4.tcp_slow_start_after_idle",
  "net.ipv4.tcp_notsent_lowat",
]);

function sysctlsCheck(allowed: ReadonlySet<string>): CheckPod {
  return (_metadata, spec) => {
    // Pod level is the only place the API accepts sysctls.
    const forbidden = objects(spec.securityContext?.sysctls)
      .map((s) => str(s.name))
      .filter((name) => !allowed.has(name));
    if (forbidden.length > 0) {
      return { allowed: false, forbiddenReason: "forbidden sysctls", forbiddenDetail: forbidden.join(", ") };
    }
    return { allowed: true };
  };
}

export const sysctlsV1_0: CheckPod = sysctlsCheck(SYSCTLS_ALLOWED_V1_0);
export const sysctlsV1_27: CheckPod = sysctlsCheck(SYSCTLS_ALLOWED_V1_27);
export const sysctlsV1_29: CheckPod = sysctlsCheck(SYSCTLS_ALLOWED_V1_29);
export const sysctlsV1_32: CheckPod = sysctlsCheck(SYSCTLS_ALLOWED_V1_32);
export const sysctlsV1_37: CheckPod = sysctlsCheck(SYSCTLS_ALLOWED_V1_37);

export const checkSysctls: Check = {
  id: "sysctls",
  level: "baseline",
  versions: [
    { minimumVersion: "v1.0", checkPod: sysctlsV1_0 },
    { minimumVersion: "v1.27", checkPod: sysctlsV1_27 },
    { minimumVersion: "v1.29", checkPod: sysctlsV1_29 },
    { minimumVersion: "v1.32", checkPod: sysctlsV1_32 },
    { minimumVersion: "v1.37", checkPod: sysctlsV1_37 },
  ],
};
