// gVisor intercepts the container's syscalls in a user-space kernel: a kernel exploit from a
// compromised workload hits gVisor, not the node. runtimeClassHandlerRunsc checks the class itself.
import type { PodRule } from "../lib/rule";

export const runtimeClassGvisor: PodRule = {
  name: "runtimeClassGvisor",
  description: "The pod must set runtimeClassName to an allowed RuntimeClass (default: gvisor).",
  section: "hardened",
  defaultEnforcement: "mandatory",
  configKeys: ["allowedRuntimeClasses"],
  check: ({ spec, config }) => {
    const allowed = config.allowedRuntimeClasses.join(", ");
    const rc = spec.runtimeClassName;
    if (rc === undefined || rc === null || rc === "")
      return [`pod must set runtimeClassName (allowed: ${allowed})`];
    if (!config.allowedRuntimeClasses.includes(rc)) {
      return [`pod runtimeClassName ${JSON.stringify(rc)} is not allowed (allowed: ${allowed})`];
    }
    return [];
  },
};
