// Port of pod-security-admission policy/check_privileged.go.
// Privileged pods disable most security mechanisms: securityContext.privileged of every container must be
// undefined or false.
import type { Check, CheckPod } from "../lib/types";
import { namedContainers, nameOf, visitContainers } from "./helpers";

export const privilegedV1_0: CheckPod = (_metadata, spec) => {
  const badContainers: string[] = [];
  visitContainers(spec, (c) => {
    if (c.securityContext?.privileged === true) badContainers.push(nameOf(c));
  });
  if (badContainers.length > 0) {
    return {
      allowed: false,
      forbiddenReason: "privileged",
      forbiddenDetail: `${namedContainers(badContainers)} must not set securityContext.privileged=true`,
    };
  }
  return { allowed: true };
};

export const checkPrivileged: Check = {
  id: "privileged",
  level: "baseline",
  versions: [{ minimumVersion: "v1.0", checkPod: privilegedV1_0 }],
};
