// Port of pod-security-admission policy/check_capabilities_baseline.go.
// Adding capabilities beyond the default set must be disallowed.
import type { Check, CheckPod } from "../lib/types";
import { joinQuote, list, namedContainers, nameOf, sortedSet, visitContainers } from "./helpers";

/** The capabilities a container runtime grants by default (upstream capabilities_allowed_1_0). */
export const CAPABILITIES_ALLOWED_V1_0: ReadonlySet<string> = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);

export const capabilitiesBaselineV1_0: CheckPod = (_metadata, spec) => {
  const badContainers: string[] = [];
  const nonDefault: string[] = [];
  visitContainers(spec, (c) => {
    const caps = c.securityContext?.capabilities;
    if (!caps) return;
    let valid = true;
    for (const cap of list(caps.add)) {
      const name = String(cap);
      if (!CAPABILITIES_ALLOWED_V1_0.has(name)) {
        valid = false;
        nonDefault.push(name);
      }
    }
    if (!valid) badContainers.push(nameOf(c));
  });
  if (badContainers.length > 0) {
    const caps = sortedSet(nonDefault);
    return {
      allowed: false,
      forbiddenReason: "non-default capabilities",
      forbiddenDetail: `${namedContainers(badContainers)} must not include ${joinQuote(caps)} in securityContext.capabilities.add`,
    };
  }
  return { allowed: true };
};

export const checkCapabilitiesBaseline: Check = {
  id: "capabilities_baseline",
  level: "baseline",
  versions: [{ minimumVersion: "v1.0", checkPod: capabilitiesBaselineV1_0 }],
};
