// Port of pod-security-admission policy/check_windowsHostProcess.go.
// Windows pods may not run HostProcess containers, which give privileged access to the Windows node:
// securityContext.windowsOptions.hostProcess (pod and every container) must be undefined or false.
import type { Check, CheckPod } from "../lib/types";
import { namedContainers, nameOf, visitContainers } from "./helpers";

export const windowsHostProcessV1_0: CheckPod = (_metadata, spec) => {
  const badContainers: string[] = [];
  visitContainers(spec, (c) => {
    if (c.securityContext?.windowsOptions?.hostProcess === true) badContainers.push(nameOf(c));
  });
  const forbiddenSetters: string[] = [];
  if (spec.securityContext?.windowsOptions?.hostProcess === true) forbiddenSetters.push("pod");
  if (badContainers.length > 0) {
    forbiddenSetters.push(namedContainers(badContainers));
  }
  if (forbiddenSetters.length > 0) {
    return {
      allowed: false,
      forbiddenReason: "hostProcess",
      forbiddenDetail: `${forbiddenSetters.join(" and ")} must not set securityContext.windowsOptions.hostProcess=true`,
    };
  }
  return { allowed: true };
};

export const checkWindowsHostProcess: Check = {
  id: "windowsHostProcess",
  level: "baseline",
  versions: [{ minimumVersion: "v1.0", checkPod: windowsHostProcessV1_0 }],
};
