// Check contracts, modelled on k8s.io/pod-security-admission/policy (CheckResult, VersionedCheck, Check).
import type { ObjectMeta, PodSpec } from "./k8s";

export type Level = "baseline" | "restricted";

/** Verdict of one check on one pod, as upstream's CheckResult. */
export interface CheckResult {
  allowed: boolean;
  /** Short reason, e.g. `privileged`; upstream's ForbiddenReason. */
  forbiddenReason?: string;
  /** Which containers/fields, e.g. `containers "a", "b" must not set securityContext.privileged=true`. */
  forbiddenDetail?: string;
}

/** A pure function of the pod's metadata and spec. */
export type CheckPod = (metadata: ObjectMeta, spec: PodSpec) => CheckResult;

/** The check's behaviour from `minimumVersion` (e.g. `v1.0`) until the next entry's minimumVersion. */
export interface VersionedCheck {
  minimumVersion: string;
  checkPod: CheckPod;
  /** IDs of checks this one replaces at this version (restricted checks overriding baseline ones). */
  overrideCheckIDs?: string[];
}

export interface Check {
  /** Upstream check ID, e.g. `allowPrivilegeEscalation`, `capabilities_baseline`. */
  id: string;
  level: Level;
  versions: VersionedCheck[];
}
