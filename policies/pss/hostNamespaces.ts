// Port of pod-security-admission policy/check_hostNamespaces.go.
// Sharing the host namespaces must be disallowed: spec.hostNetwork, spec.hostPID, spec.hostIPC must be
// undefined or false.
import type { Check, CheckPod } from "../lib/types";

export const hostNamespacesV1_0: CheckPod = (_metadata, spec) => {
  const hostNamespaces: string[] = [];
  if (spec.hostNetwork === true) hostNamespaces.push("hostNetwork=true");
  if (spec.hostPID === true) hostNamespaces.push("hostPID=true");
  if (spec.hostIPC === true) hostNamespaces.push("hostIPC=true");
  if (hostNamespaces.length > 0) {
    return { allowed: false, forbiddenReason: "host namespaces", forbiddenDetail: hostNamespaces.join(", ") };
  }
  return { allowed: true };
};

export const checkHostNamespaces: Check = {
  id: "hostNamespaces",
  level: "baseline",
  versions: [{ minimumVersion: "v1.0", checkPod: hostNamespacesV1_0 }],
};
