// Port of pod-security-admission policy/check_hostPathVolumes.go.
// HostPath volumes must be forbidden: spec.volumes[*].hostPath must be undefined/null.
import type { Check, CheckPod } from "../lib/types";
import { isSet, joinQuote, objects, pluralize, str } from "./helpers";

export const CHECK_HOST_PATH_VOLUMES_ID = "hostPathVolumes";

export const hostPathVolumesV1_0: CheckPod = (_metadata, spec) => {
  const hostVolumes: string[] = [];
  for (const volume of objects(spec.volumes)) {
    if (isSet(volume.hostPath)) hostVolumes.push(str(volume.name));
  }
  if (hostVolumes.length > 0) {
    return {
      allowed: false,
      forbiddenReason: "hostPath volumes",
      forbiddenDetail: `${pluralize("volume", "volumes", hostVolumes.length)} ${joinQuote(hostVolumes)}`,
    };
  }
  return { allowed: true };
};

export const checkHostPathVolumes: Check = {
  id: CHECK_HOST_PATH_VOLUMES_ID,
  level: "baseline",
  versions: [{ minimumVersion: "v1.0", checkPod: hostPathVolumesV1_0 }],
};
