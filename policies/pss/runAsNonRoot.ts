// Port of pod-security-admission policy/check_runAsNonRoot.go.
// Containers must run as non-root: runAsNonRoot=true at pod level, or on every container that does not
// inherit it. From v1.35 a pod in a user namespace (`hostUsers: false`) is exempt (KEP-127); before v1.35
// that relaxation sat behind a perma-alpha feature gate, so the earlier policy versions never apply it.
import type { Check, CheckPod } from "../lib/types";
import { isSet, namedContainers, nameOf, relaxPolicyForUserNamespacePod, visitContainers } from "./helpers";

export const runAsNonRootV1_0: CheckPod = (_metadata, spec) => {
  const badSetters: string[] = [];
  let podRunAsNonRoot = false;
  const podValue = spec.securityContext?.runAsNonRoot;
  if (isSet(podValue)) {
    if (podValue !== true) badSetters.push("pod");
    else podRunAsNonRoot = true;
  }

  const explicitlyBadContainers: string[] = [];
  const implicitlyBadContainers: string[] = [];
  visitContainers(spec, (c) => {
    const value = c.securityContext?.runAsNonRoot;
    if (isSet(value)) {
      if (value !== true) explicitlyBadContainers.push(nameOf(c));
    } else if (!podRunAsNonRoot) {
      implicitlyBadContainers.push(nameOf(c));
    }
  });

  if (explicitlyBadContainers.length > 0) {
    badSetters.push(namedContainers(explicitlyBadContainers));
  }
  if (badSetters.length > 0) {
    return {
      allowed: false,
      forbiddenReason: "runAsNonRoot != true",
      forbiddenDetail: `${badSetters.join(" and ")} must not set securityContext.runAsNonRoot=false`,
    };
  }
  if (implicitlyBadContainers.length > 0) {
    return {
      allowed: false,
      forbiddenReason: "runAsNonRoot != true",
      forbiddenDetail: `pod or ${namedContainers(implicitlyBadContainers)} must set securityContext.runAsNonRoot=true`,
    };
  }
  return { allowed: true };
};

export const runAsNonRootV1_35: CheckPod = (metadata, spec) => {
  if (relaxPolicyForUserNamespacePod(spec)) return { allowed: true };
  return runAsNonRootV1_0(metadata, spec);
};

export const checkRunAsNonRoot: Check = {
  id: "runAsNonRoot",
  level: "restricted",
  versions: [
    { minimumVersion: "v1.0", checkPod: runAsNonRootV1_0 },
    { minimumVersion: "v1.35", checkPod: runAsNonRootV1_35 },
  ],
};
