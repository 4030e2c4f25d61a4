// Port of pod-security-admission policy/check_allowPrivilegeEscalation.go.
// Privilege escalation (set-user-ID or set-group-ID file modes) must not be allowed: every container must
// set securityContext.allowPrivilegeEscalation=false explicitly. Windows pods are exempt from v1.25.
import type { Check, CheckPod } from "../lib/types";
import { isWindowsPod, namedContainers, nameOf, visitContainers } from "./helpers";

export const allowPrivilegeEscalationV1_8: CheckPod = (_metadata, spec) => {
  const badContainers: string[] = [];
  visitContainers(spec, (c) => {
    if (c.securityContext?.allowPrivilegeEscalation !== false) badContainers.push(nameOf(c));
  });
  if (badContainers.length > 0) {
    return {
      allowed: false,
      forbiddenReason: "allowPrivilegeEscalation != false",
      forbiddenDetail: `${namedContainers(badContainers)} must set securityContext.allowPrivilegeEscalation=false`,
    };
  }
  return { allowed: true };
};

/** v1.25: pod API validation forbids the field on Windows pods, so they are admitted without it. */
export const allowPrivilegeEscalationV1_25: CheckPod = (metadata, spec) => {
  if (isWindowsPod(spec)) return { allowed: true };
  return allowPrivilegeEscalationV1_8(metadata, spec);
};

export const checkAllowPrivilegeEscalation: Check = {
  id: "allowPrivilegeEscalation",
  level: "restricted",
  versions: [
    // The field exists since Kubernetes 1.8.
    { minimumVersion: "v1.8", checkPod: allowPrivilegeEscalationV1_8 },
    { minimumVersion: "v1.25", checkPod: allowPrivilegeEscalationV1_25 },
  ],
};
