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

/** Pulumi resource types (`kubernetes:<group>/<version>:<Kind>`) for every pod-carrying kind. */
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

export function isPodCarryingKind(kind: string | undefined): kind is PodCarryingKind {
  return kind !== undefined && (POD_CARRYING_KINDS as readonly string[]).includes(kind);
}

type Obj = Record<string, unknown>;

function asObj(v: unknown): Obj | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
}

/**
 * The pod metadata and spec of an object of a pod-carrying kind, or undefined for any other kind or
 * an object without a pod spec. `obj` is the whole manifest (or a Pulumi resource's props, which have
 * the same shape minus apiVersion/kind).
 */
export function extractPod(kind: string, obj: unknown): PodParts | undefined {
  const o = asObj(obj);
  if (!o || !isPodCarryingKind(kind)) return undefined;
  let template: Obj | undefined;
  switch (kind) {
    case "Pod":
      template = o;
      break;
    case "PodTemplate":
      template = asObj(o.template);
      break;
    case "CronJob":
      template = asObj(asObj(asObj(asObj(o.spec)?.jobTemplate)?.spec)?.template);
      break;
    default:
      template = asObj(asObj(o.spec)?.template);
  }
  const spec = asObj(template?.spec);
  if (!template || !spec) return undefined;
  return { metadata: (asObj(template.metadata) ?? {}) as ObjectMeta, spec: spec as PodSpec };
}
