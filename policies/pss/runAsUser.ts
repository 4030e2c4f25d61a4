// Port of pod-security-admission policy/check_runAsUser.go.
// Containers must not set runAsUser: 0 (pod level or any container); undefined is allowed. From v1.35 a pod
// in a user namespace (`hostUsers: false`) is exempt (KEP-127), root in the pod not being root on the node.
import type { Check, CheckPod } from "../lib/types";
import { namedContainers, nameOf, relaxPolicyForUserNamespacePod, visitContainers } from "./helpers";

export const runAsUserV1_23: CheckPod = (_metadata, spec) => {
  const badSetters: string[] = [];
  if (spec.securityContext?.runAsUser === 0) badSetters.push("pod");
  const explicitlyBadContainers: string[] = [];
  visitContainers(spec, (c) => {
    if (c.securityContext?.runAsUser === 0) explicitlyBadContainers.push(nameOf(c));
  });
  if (explicitlyBadContainers.length > 0) {
    badSetters.push(namedContainers(explicitlyBadContainers));
  }
  if (badSetters.length > 0) {
    return {
      allowed: false,
      forbiddenReason: "runAsUser=0",
      forbiddenDetail: `${badSetters.join(" and ")} must not set runAsUser=0`,
    };
  }
  return { allowed: true };
};

export const runAsUserV1_35: CheckPod = (metadata, spec) => {
  if (relaxPolicyForUserNamespacePod(spec)) return { allowed: true };
  return runAsUserV1_23(metadata, spec);
};

export const checkRunAsUser: Check = {
  id: "runAsUser",
  level: "restricted",
  versions: [
    { minimumVersion: "v1.23", checkPod: runAsUserV1_23 },
    { minimumVersion: "v1.35", checkPod: runAsUserV1_35 },
  ],
};
