// Port of pod-security-admission policy/check_procMount_baseline.go (check ID `procMount`).
// The default /proc masks reduce attack surface: securityContext.procMount must be undefined or "Default".
// From v1.35 a pod in a user namespace (`hostUsers: false`) may set any value at baseline; restricted keeps
// the unconditional rule through `procMount_restricted`, which overrides this check.
import type { Check, CheckPod } from "../lib/types";
import {
  isSet,
  joinQuote,
  namedContainers,
  nameOf,
  relaxPolicyForUserNamespacePod,
  sortedSet,
  str,
  visitContainers,
} from "./helpers";

export const CHECK_PROC_MOUNT_ID = "procMount";

/** Blocks any procMount other than Default, whatever hostUsers says (upstream procMount_1_0). */
export const procMountV1_0: CheckPod = (_metadata, spec) => {
  const badContainers: string[] = [];
  const forbiddenTypes: string[] = [];
  visitContainers(spec, (c) => {
    const procMount = c.securityContext?.procMount;
    if (!isSet(procMount)) return;
    if (procMount !== "Default") {
      badContainers.push(nameOf(c));
      forbiddenTypes.push(str(procMount));
    }
  });
  if (badContainers.length > 0) {
    return {
      allowed: false,
      forbiddenReason: "procMount",
      forbiddenDetail: `${namedContainers(badContainers)} must not set securityContext.procMount to ${joinQuote(sortedSet(forbiddenTypes))}`,
    };
  }
  return { allowed: true };
};

/** v1.35 baseline: a user-namespace pod may set any procMount (pod validation checks the value's form). */
export const procMountV1_35Baseline: CheckPod = (metadata, spec) => {
  if (relaxPolicyForUserNamespacePod(spec)) return { allowed: true };
  return procMountV1_0(metadata, spec);
};

export const checkProcMount: Check = {
  id: CHECK_PROC_MOUNT_ID,
  level: "baseline",
  versions: [
    { minimumVersion: "v1.0", checkPod: procMountV1_0 },
    { minimumVersion: "v1.35", checkPod: procMountV1_35Baseline },
  ],
};
