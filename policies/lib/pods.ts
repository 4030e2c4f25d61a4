// Finds the pod inside every pod-carrying kind, as pod-security-admission's DefaultPodSpecExtractor does.
import type { ObjectMeta, PodParts, PodSpec } from "./k8s";

/** Kinds whose objects carry a pod, mapped to the property path of their pod template. */
export const POD_CARRYING_KINDS = [
  "Pod",
  "PodTemplate",
  "ReplicationController",
  "ReplicaSet",
  "Deployment",
  "DaemonSet",
  "StatefulSet",
  "Job",
  "CronJob",
] as const;

export type PodCarryingKind = (typeof POD_CARRYING_KINDS)[number];

/**
 * Pulumi resource types (`kubernetes:<group>/<version>:<Kind>`) of the pod-carrying kinds at their GA
 * versions. Matching goes by kind, any group and version ({@link podCarryingKindOfType}): the beta
 * versions (`apps/v1beta1`, `apps/v1beta2`, `extensions/v1beta1`, `batch/v1beta1`, ...) carry the same
 * pod template.
 */
export const POD_CARRYING_RESOURCE_TYPES: readonly string[] = [
  "kubernetes:core/v1:Pod",
  "kubernetes:core/v1:PodTemplate",
  "kubernetes:core/v1:ReplicationController",
  "kubernetes:apps/v1:ReplicaSet",
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:DaemonSet",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:batch/v1:Job",
  "kubernetes:batch/v1:CronJob",
];

/** The kind named by a Pulumi Kubernetes resource type, e.g. `kubernetes:apps/v1:Deployment` → `Deployment`. */
export function kindOfResourceType(type: string): string | undefined {
  const m = /^kubernetes:[^:]+:([A-Za-z]+)$/.exec(type);
  return m ? m[1] : undefined;
}

/** A Pulumi Kubernetes resource type split up: `kubernetes:apps/v1beta2:Deployment`. */
export interface ResourceTypeParts {
  group: string;
  version: string;
  kind: string;
}

export function parseResourceType(type: string): ResourceTypeParts | undefined {
  const m = /^kubernetes:([^:/]+)\/([^:/]+):([A-Za-z0-9]+)$/.exec(type);
  return m ? { group: m[1], version: m[2], kind: m[3] } : undefined;
}

/**
 * The pod-carrying kind of a resource type, at any version of any group: `kubernetes:apps/v1beta2:Deployment`,
 * `kubernetes:extensions/v1beta1:DaemonSet`, or a custom resource of the same kind and shape such as
 * OpenKruise's `kubernetes:apps.kruise.io/v1beta1:StatefulSet` (as the stack rules and the checker, which go
 * by kind). An object of such a kind without a pod template at the usual path yields no pod and no verdict.
 */
export function podCarryingKindOfType(type: string): PodCarryingKind | undefined {
  const t = parseResourceType(type);
  return t && isPodCarryingKind(t.kind) ? t.kind : undefined;
}

/**
 * The kind a server-side apply patch type patches (`kubernetes:apps/v1:DeploymentPatch` → `Deployment`);
 * undefined when the type is not a `<Kind>Patch`.
 */
export function patchedKindOfType(type: string): string | undefined {
  const t = parseResourceType(type);
  return t && t.kind.endsWith("Patch") && t.kind.length > "Patch".length
    ? t.kind.slice(0, -"Patch".length)
    : undefined;
}

/** The pod-carrying kind a patch type patches, as {@link podCarryingKindOfType} for the unpatched type. */
export function podCarryingKindOfPatchType(type: string): PodCarryingKind | undefined {
  return patchedKindOfType(type) === undefined
    ? undefined
    : podCarryingKindOfType(type.slice(0, -"Patch".length));
}

export function isPodCarryingKind(kind: string | undefined): kind is PodCarryingKind {
  return kind !== undefined && (POD_CARRYING_KINDS as readonly string[]).includes(kind);
}

type Obj = Record<string, unknown>;

function asObj(v: unknown): Obj | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
}

/** Path of the pod spec inside each pod-carrying kind (a Pod is its own template). */
export function podSpecPath(kind: string): readonly string[] {
  switch (kind) {
    case "Pod":
      return ["spec"];
    case "PodTemplate":
      return ["template", "spec"];
    case "CronJob":
      return ["spec", "jobTemplate", "spec", "template", "spec"];
    default:
      return ["spec", "template", "spec"];
  }
}

/**
 * The pod metadata and spec of an object of a pod-carrying kind, or undefined for any other kind or
 * an object without a pod spec. `obj` is the whole manifest (or a Pulumi resource's props, which have
 * the same shape minus apiVersion/kind).
 */
export function extractPod(kind: string, obj: unknown): PodParts | undefined {
  const o = asObj(obj);
  if (!o || !isPodCarryingKind(kind)) return undefined;
  // The template is the map that holds the spec: the object itself for a Pod.
  const path = podSpecPath(kind);
  let template: Obj | undefined = o;
  for (const key of path.slice(0, -1)) template = asObj(template?.[key]);
  const spec = asObj(template?.spec);
  if (!template || !spec) return undefined;
  return { metadata: (asObj(template.metadata) ?? {}) as ObjectMeta, spec: spec as PodSpec };
}

/**
 * `obj` with the pod spec of its kind replaced, copying only the maps on the path down to it: the writing side
 * of {@link extractPod}, along the same {@link podSpecPath}.
 */
export function withPodSpec(kind: string, obj: Obj, spec: PodSpec): Obj {
  const path = podSpecPath(kind);
  const map = (v: unknown): Obj => (v !== null && typeof v === "object" ? (v as Obj) : {});
  const set = (node: Obj, depth: number): Obj => ({
    ...node,
    [path[depth]]: depth === path.length - 1 ? spec : set(map(node[path[depth]]), depth + 1),
  });
  return set(obj, 0);
}
