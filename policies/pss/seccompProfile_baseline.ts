// Port of pod-security-admission policy/check_seccompProfile_baseline.go.
// If a seccomp profile is specified, only the runtime default and localhost profiles are allowed.
// v1.0–v1.18 read the alpha annotations; v1.19+ read the securityContext.seccompProfile fields.
import type { Check, CheckPod } from "../lib/types";
import {
  badProfileSetters,
  goQuote,
  joinQuote,
  nameOf,
  pluralize,
  sortedSet,
  str,
  visitContainers,
} from "./helpers";

export const CHECK_SECCOMP_BASELINE_ID = "seccompProfile_baseline";
export const SECCOMP_ANNOTATION_KEY_POD = "seccomp.security.alpha.kubernetes.io/pod";
export const SECCOMP_ANNOTATION_KEY_CONTAINER_PREFIX = "container.seccomp.security.alpha.kubernetes.io/";

export function validSeccomp(type: string): boolean {
  return type === "Localhost" || type === "RuntimeDefault";
}

function validSeccompAnnotationValue(v: string): boolean {
  return v === "runtime/default" || v === "docker/default" || v.startsWith("localhost/");
}

export const seccompProfileBaselineV1_0: CheckPod = (metadata, spec) => {
  const forbidden: string[] = [];
  const annotations = metadata.annotations ?? {};
  const check = (key: string): void => {
    if (!Object.prototype.hasOwnProperty.call(annotations, key)) return;
    const val = str(annotations[key]);
    if (!validSeccompAnnotationValue(val)) forbidden.push(`${key}=${goQuote(val)}`);
  };
  check(SECCOMP_ANNOTATION_KEY_POD);
  visitContainers(spec, (c) => check(SECCOMP_ANNOTATION_KEY_CONTAINER_PREFIX + nameOf(c)));
  const list = sortedSet(forbidden);
  if (list.length > 0) {
    return {
      allowed: false,
      forbiddenReason: "seccompProfile",
      forbiddenDetail: `forbidden ${pluralize("annotation", "annotations", list.length)} ${list.join(", ")}`,
    };
  }
  return { allowed: true };
};

export const seccompProfileBaselineV1_19: CheckPod = (_metadata, spec) => {
  const { setters: badSetters, values: badValues } = badProfileSetters(spec, "seccompProfile", validSeccomp);
  if (badSetters.length > 0) {
    return {
      allowed: false,
      forbiddenReason: "seccompProfile",
      forbiddenDetail: `${badSetters.join(" and ")} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(badValues))}`,
    };
  }
  return { allowed: true };
};

export const checkSeccompProfileBaseline: Check = {
  id: CHECK_SECCOMP_BASELINE_ID,
  level: "baseline",
  versions: [
    { minimumVersion: "v1.0", checkPod: seccompProfileBaselineV1_0 },
    { minimumVersion: "v1.19", checkPod: seccompProfileBaselineV1_19 },
  ],
};
