// Port of pod-security-admission policy/check_seccompProfile_restricted.go.
// Seccomp profiles must be specified (pod level, or every container), and only RuntimeDefault and Localhost
// are allowed. Windows pods (`spec.os.name: windows`) are exempt from v1.25. Overrides seccompProfile_baseline.
import type { Check, CheckPod } from "../lib/types";
import {
  isSet,
  isWindowsPod,
  joinQuote,
  namedContainers,
  nameOf,
  sortedSet,
  str,
  visitContainers,
} from "./helpers";
import { CHECK_SECCOMP_BASELINE_ID, validSeccomp } from "./seccompProfile_baseline";

export const seccompProfileRestrictedV1_19: CheckPod = (_metadata, spec) => {
  const badSetters: string[] = [];
  const badValues: string[] = [];
  let podSeccompSet = false;
  const podProfile = spec.securityContext?.seccompProfile;
  if (isSet(podProfile)) {
    if (!validSeccomp(str(podProfile.type))) {
      badSetters.push("pod");
      badValues.push(str(podProfile.type));
    } else {
      podSeccompSet = true;
    }
  }

  const explicitlyBadContainers: string[] = [];
  const implicitlyBadContainers: string[] = [];
  visitContainers(spec, (c) => {
    const profile = c.securityContext?.seccompProfile;
    if (isSet(profile)) {
      if (!validSeccomp(str(profile.type))) {
        explicitlyBadContainers.push(nameOf(c));
        badValues.push(str(profile.type));
      }
    } else if (!podSeccompSet) {
      implicitlyBadContainers.push(nameOf(c));
    }
  });

  if (explicitlyBadContainers.length > 0) {
    badSetters.push(namedContainers(explicitlyBadContainers));
  }
  if (badSetters.length > 0) {
    return {
      allowed: false,
      forbiddenReason: "seccompProfile",
      forbiddenDetail: `${badSetters.join(" and ")} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}`,
    };
  }
  if (implicitlyBadContainers.length > 0) {
    return {
      allowed: false,
      forbiddenReason: "seccompProfile",
      forbiddenDetail: `pod or ${namedContainers(implicitlyBadContainers)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
    };
  }
  return { allowed: true };
};

/** v1.25: pod API validation forbids seccompProfile on Windows pods, so they are admitted without one. */
export const seccompProfileRestrictedV1_25: CheckPod = (metadata, spec) => {
  if (isWindowsPod(spec)) return { allowed: true };
  return seccompProfileRestrictedV1_19(metadata, spec);
};

export const checkSeccompProfileRestricted: Check = {
  id: "seccompProfile_restricted",
  level: "restricted",
  versions: [
    {
      minimumVersion: "v1.19",
      checkPod: seccompProfileRestrictedV1_19,
      overrideCheckIDs: [CHECK_SECCOMP_BASELINE_ID],
    },
    {
      minimumVersion: "v1.25",
      checkPod: seccompProfileRestrictedV1_25,
      overrideCheckIDs: [CHECK_SECCOMP_BASELINE_ID],
    },
  ],
};
