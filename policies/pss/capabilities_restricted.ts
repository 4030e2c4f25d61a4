// Port of pod-security-admission policy/check_capabilities_restricted.go.
// Containers must drop ALL capabilities and may only add NET_BIND_SERVICE. Windows pods are exempt from
// v1.25. Overrides capabilities_baseline.
import type { Check, CheckPod } from "../lib/types";
import {
  isWindowsPod,
  joinQuote,
  list,
  namedContainers,
  nameOf,
  sortedSet,
  visitContainers,
} from "./helpers";

export const CHECK_CAPABILITIES_BASELINE_ID = "capabilities_baseline";
const CAPABILITY_ALL = "ALL";
const CAPABILITY_NET_BIND_SERVICE = "NET_BIND_SERVICE";

export const capabilitiesRestrictedV1_22: CheckPod = (_metadata, spec) => {
  const missingDropAll: string[] = [];
  const addingForbidden: string[] = [];
  const forbiddenCapabilities: string[] = [];
  visitContainers(spec, (c) => {
    const caps = c.securityContext?.capabilities;
    if (caps === undefined || caps === null) {
      missingDropAll.push(nameOf(c));
      return;
    }
    if (!list(caps.drop).some((cap) => cap === CAPABILITY_ALL)) missingDropAll.push(nameOf(c));
    let addedForbidden = false;
    for (const cap of list(caps.add)) {
      if (cap !== CAPABILITY_NET_BIND_SERVICE) {
        addedForbidden = true;
        forbiddenCapabilities.push(String(cap));
      }
    }
    if (addedForbidden) addingForbidden.push(nameOf(c));
  });

  const details: string[] = [];
  if (missingDropAll.length > 0) {
    details.push(`${namedContainers(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  }
  if (addingForbidden.length > 0) {
    details.push(
      `${namedContainers(addingForbidden)} must not include ${joinQuote(sortedSet(forbiddenCapabilities))} in securityContext.capabilities.add`,
    );
  }
  if (details.length > 0) {
    return {
      allowed: false,
      forbiddenReason: "unrestricted capabilities",
      forbiddenDetail: details.join("; "),
    };
  }
  return { allowed: true };
};

/** v1.25: pod API validation forbids capabilities on Windows pods, so they are admitted without them. */
export const capabilitiesRestrictedV1_25: CheckPod = (metadata, spec) => {
  if (isWindowsPod(spec)) return { allowed: true };
  return capabilitiesRestrictedV1_22(metadata, spec);
};

export const checkCapabilitiesRestricted: Check = {
  id: "capabilities_restricted",
  level: "restricted",
  versions: [
    {
      minimumVersion: "v1.22",
      checkPod: capabilitiesRestrictedV1_22,
      overrideCheckIDs: [CHECK_CAPABILITIES_BASELINE_ID],
    },
    {
      minimumVersion: "v1.25",
      checkPod: capabilitiesRestrictedV1_25,
      overrideCheckIDs: [CHECK_CAPABILITIES_BASELINE_ID],
    },
  ],
};
