// Where in a file a finding points: the field a check is about, in the container the message names, or, when
// the field is absent (the usual reason for the finding), the nearest enclosing field that is there. The rules
// stay pure functions of the pod; this table is the checker's knowledge of which field each one reads.
import { podSpecPath } from "../lib/pods";

export type FieldPath = readonly (string | number)[];

/** `{c}` stands for the named container's path (`containers`, index). */
const C = "{c}";

/** Candidate fields of each check (PSS check ID or policy name), relative to the pod spec, most specific first. */
const FIELDS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  hostNamespaces: [["hostNetwork"], ["hostPID"], ["hostIPC"]],
  privileged: [[C, "securityContext", "privileged"]],
  capabilities_baseline: [[C, "securityContext", "capabilities", "add"]],
  capabilities_restricted: [[C, "securityContext", "capabilities"]],
  hostPathVolumes: [["volumes"]],
  restrictedVolumes: [["volumes"]],
  hostPorts: [[C, "ports"]],
  appArmorProfile: [
    [C, "securityContext", "appArmorProfile"],
    ["securityContext", "appArmorProfile"],
  ],
  seLinuxOptions: [
    [C, "securityContext", "seLinuxOptions"],
    ["securityContext", "seLinuxOptions"],
  ],
  procMount: [[C, "securityContext", "procMount"]],
  seccompProfile_baseline: [
    [C, "securityContext", "seccompProfile"],
    ["securityContext", "seccompProfile"],
  ],
  seccompProfile_restricted: [
    ["securityContext", "seccompProfile"],
    [C, "securityContext", "seccompProfile"],
  ],
  sysctls: [["securityContext", "sysctls"]],
  windowsHostProcess: [
    ["securityContext", "windowsOptions"],
    [C, "securityContext", "windowsOptions"],
  ],
  hostProbesAndHostLifecycle: [
    [C, "livenessProbe"],
    [C, "readinessProbe"],
    [C, "lifecycle"],
  ],
  allowPrivilegeEscalation: [[C, "securityContext", "allowPrivilegeEscalation"]],
  runAsNonRoot: [
    ["securityContext", "runAsNonRoot"],
    [C, "securityContext", "runAsNonRoot"],
  ],
  runAsUser: [
    [C, "securityContext", "runAsUser"],
    ["securityContext", "runAsUser"],
  ],
  readOnlyRootFilesystem: [[C, "securityContext", "readOnlyRootFilesystem"]],
  resourcesRequestsLimits: [[C, "resources"]],
  probesPresent: [
    [C, "livenessProbe"],
    [C, "readinessProbe"],
  ],
  noExecProbesOrHooks: [
    [C, "livenessProbe"],
    [C, "readinessProbe"],
    [C, "startupProbe"],
    [C, "lifecycle"],
  ],
  imageDigestPinned: [[C, "image"]],
  imageDigestPinnedAdvisory: [[C, "image"]],
  imageTagNotLatest: [[C, "image"]],
  ephemeralContainerImages: [[C, "image"]],
  runtimeClassGvisor: [["runtimeClassName"]],
  automountServiceAccountToken: [["automountServiceAccountToken"]],
  runAsUserAbove10000: [
    [C, "securityContext", "runAsUser"],
    ["securityContext", "runAsUser"],
  ],
  runAsGroupAbove10000: [
    [C, "securityContext", "runAsGroup"],
    ["securityContext", "runAsGroup"],
  ],
  noContainerRuntimeSocket: [["volumes"]],
  noSecretLiteralsInEnv: [[C, "env"]],
  manifestStructure: [["containers"]],
};

const CONTAINER_FIELDS = ["containers", "initContainers", "ephemeralContainers"] as const;

/** The path of the container a message names (`container "app"`), or the first container's. */
function containerPath(spec: unknown, message: string): FieldPath | undefined {
  const named = /[cC]ontainers? "([^"]+)"/.exec(message)?.[1];
  const s = spec as Record<string, unknown> | undefined;
  for (const field of CONTAINER_FIELDS) {
    const list = s?.[field];
    if (!Array.isArray(list)) continue;
    const index = list.findIndex(
      (c) => named === undefined || (c as { name?: unknown } | null)?.name === named,
    );
    if (index >= 0) return [field, index];
  }
  return undefined;
}

/**
 * The paths, from the object's root, a finding of `check` may point at, most specific first; empty when the
 * checker does not know the field (the object's own line is used then).
 */
export function findingPaths(kind: string, podSpec: unknown, check: string, message: string): FieldPath[] {
  const candidates = FIELDS[check];
  if (candidates === undefined) return [];
  const base = podSpecPath(kind);
  const container = containerPath(podSpec, message);
  const out: FieldPath[] = [];
  for (const rel of candidates) {
    if (rel[0] === C) {
      if (container === undefined) continue;
      out.push([...base, ...container, ...rel.slice(1)]);
    } else {
      out.push([...base, ...rel]);
    }
  }
  return out;
}

/**
 * The line and column of the first path that exists in the document, else of the deepest existing ancestor of
 * the first path (where the missing field belongs).
 */
export function locateFirst(
  paths: readonly FieldPath[],
  locate: (path: FieldPath) => { line: number; column: number } | undefined,
): { line: number; column: number } | undefined {
  for (const path of paths) {
    const at = locate(path);
    if (at !== undefined) return at;
  }
  const first = paths[0];
  if (first === undefined) return undefined;
  for (let n = first.length - 1; n > 0; n--) {
    const at = locate(first.slice(0, n));
    if (at !== undefined) return at;
  }
  return undefined;
}
