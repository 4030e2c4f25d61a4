// Port of pod-security-admission policy/check_restrictedVolumes.go.
// Restricted pods may only use inline volume sources that do not reach the node or external storage
// directly. Overrides hostPathVolumes (this check reports hostPath too).
import type { Volume } from "../lib/k8s";
import type { Check, CheckPod } from "../lib/types";
import { CHECK_HOST_PATH_VOLUMES_ID } from "./hostPathVolumes";
import { isSet, joinQuote, objects, pluralize, sortedSet, str } from "./helpers";

/** Allowed volume sources. `image` was added in place to the v1.0 function upstream (Kubernetes 1.33). */
export const ALLOWED_VOLUME_SOURCES: readonly string[] = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "image",
  "persistentVolumeClaim",
  "projected",
  "secret",
];

/** Restricted volume sources, in upstream's switch order (the first one set names the type). */
export const RESTRICTED_VOLUME_SOURCES: readonly string[] = [
  "hostPath",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "nfs",
  "iscsi",
  "glusterfs",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "fc",
  "azureFile",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "portworxVolume",
  "scaleIO",
  "storageos",
];

/**
 * The restricted type of a volume, or undefined when it is allowed. A volume with no source at all is
 * an implicit emptyDir (API defaulting) and is allowed; a source key that is neither allowed nor a known
 * restricted type is reported as "unknown" (fail closed: the API server would reject or drop it).
 */
export function restrictedVolumeType(volume: Volume): string | undefined {
  if (ALLOWED_VOLUME_SOURCES.some((k) => isSet(volume[k]))) return undefined;
  const restricted = RESTRICTED_VOLUME_SOURCES.find((k) => isSet(volume[k]));
  if (restricted !== undefined) return restricted;
  const otherSources = Object.keys(volume).filter((k) => k !== "name" && isSet(volume[k]));
  return otherSources.length > 0 ? "unknown" : undefined;
}

export const restrictedVolumesV1_0: CheckPod = (_metadata, spec) => {
  const badVolumes: string[] = [];
  const badTypes: string[] = [];
  for (const volume of objects(spec.volumes)) {
    const type = restrictedVolumeType(volume);
    if (type === undefined) continue;
    badVolumes.push(str(volume.name));
    badTypes.push(type);
  }
  if (badVolumes.length > 0) {
    const types = sortedSet(badTypes);
    return {
      allowed: false,
      forbiddenReason: "restricted volume types",
      forbiddenDetail: `${pluralize("volume", "volumes", badVolumes.length)} ${joinQuote(badVolumes)} ${pluralize("uses", "use", badVolumes.length)} ${pluralize("restricted volume type", "restricted volume types", types.length)} ${joinQuote(types)}`,
    };
  }
  return { allowed: true };
};

export const checkRestrictedVolumes: Check = {
  id: "restrictedVolumes",
  level: "restricted",
  versions: [
    {
      minimumVersion: "v1.0",
      checkPod: restrictedVolumesV1_0,
      overrideCheckIDs: [CHECK_HOST_PATH_VOLUMES_ID],
    },
  ],
};
