// Port of pod-security-admission policy/check_procMount_restricted.go.
// From v1.35 the baseline `procMount` check is relaxed for user-namespace pods; restricted keeps running the
// unconditional v1.0 rule and overrides the weaker baseline variant.
import type { Check, CheckPod } from "../lib/types";
import { CHECK_PROC_MOUNT_ID, procMountV1_0 } from "./procMount";

/** The restricted check's pod function: the unconditional v1.0 rule. */
export const procMountRestrictedV1_35: CheckPod = procMountV1_0;

export const checkProcMountRestricted: Check = {
  id: "procMount_restricted",
  level: "restricted",
  versions: [
    { minimumVersion: "v1.35", checkPod: procMountRestrictedV1_35, overrideCheckIDs: [CHECK_PROC_MOUNT_ID] },
  ],
};
