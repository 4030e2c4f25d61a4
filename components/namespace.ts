// RestrictedNamespace: a Namespace enforcing the Pod Security Standards `restricted` profile at a pinned version,
// with default-deny ingress, explicit allowances, a ResourceQuota and a LimitRange.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { isPlainInput, liftValidated, type Lifted } from "./inputs";
import { MANAGED_BY, LABEL_MANAGED_BY, LABEL_PART_OF, DEFAULT_PART_OF } from "./podspec";
import { assertNamespaceName, assertQuantity, fail, parseQuantity, show } from "./validation";
import { NAMESPACE_NAME_LABEL } from "./workload";
import { LATEST_PSS_VERSION, pinnedPssMinor, podSecurityLabels } from "distroless-guardrails/model";

/** The newest Pod Security Standards version; pinned so a cluster upgrade cannot tighten it silently. */
export const DEFAULT_POD_SECURITY_VERSION = LATEST_PSS_VERSION;
export const POD_SECURITY_LEVEL = "restricted";

export interface QuotaOptions {
  /** Maximum pods. Default 50. */
  readonly pods?: number;
  /** Sum of cpu requests. Default "4" (DEFAULT_QUOTA). */
  readonly requestsCpu?: string;
  /** Sum of memory requests. Default "8Gi" (DEFAULT_QUOTA). */
  readonly requestsMemory?: string;
  /** Sum of cpu limits. Default "8" (DEFAULT_QUOTA). */
  readonly limitsCpu?: string;
  /** Sum of memory limits. Default "16Gi" (DEFAULT_QUOTA). */
  readonly limitsMemory?: string;
}

export interface LimitRangeOptions {
  /** Request given to a container that sets none. Default cpu "100m", memory "128Mi". */
  readonly defaultRequest?: { readonly cpu: string; readonly memory: string };
  /** Limit given to a container that sets none. Default cpu "500m", memory "256Mi". */
  readonly defaultLimit?: { readonly cpu: string; readonly memory: string };
  /** Largest limit a single container may set. Default cpu "4", memory "8Gi". */
  readonly max?: { readonly cpu: string; readonly memory: string };
}

/** The namespace quota when none is given: one home, also the stack config's defaults (config.ts). */
export const DEFAULT_QUOTA: Required<QuotaOptions> = Object.freeze({
  pods: 50,
  requestsCpu: "4",
  requestsMemory: "8Gi",
  limitsCpu: "8",
  limitsMemory: "16Gi",
});

export const DEFAULT_LIMIT_RANGE: Required<LimitRangeOptions> = Object.freeze({
  defaultRequest: Object.freeze({ cpu: "100m", memory: "128Mi" }),
  defaultLimit: Object.freeze({ cpu: "500m", memory: "256Mi" }),
  max: Object.freeze({ cpu: "4", memory: "8Gi" }),
});

// ---------------------------------------------------------------------------------------------------------------
// Plain spec types and pure builders.

export interface PlainPolicyPeer {
  namespaceSelector?: { matchLabels: Record<string, string> };
  podSelector: { matchLabels: Record<string, string> };
}
export interface PlainNetworkPolicySpec {
  podSelector: Record<string, never>;
  policyTypes: ("Ingress" | "Egress")[];
  ingress?: { from: PlainPolicyPeer[] }[];
}
export type PlainResourceQuotaSpec = { hard: Record<string, string> };
export interface PlainLimitRangeSpec {
  limits: {
    type: "Container";
    default: { cpu: string; memory: string };
    defaultRequest: { cpu: string; memory: string };
    max: { cpu: string; memory: string };
  }[];
}

/** Throws unless `version` is a pinned Pod Security Standards version such as DEFAULT_POD_SECURITY_VERSION. */
export function assertPodSecurityVersion(version: unknown): void {
  if (version === "latest") {
    fail(
      `podSecurityVersion: "latest" is not pinned and would change with every cluster upgrade; use e.g. "${DEFAULT_POD_SECURITY_VERSION}"`,
    );
  }
  if (pinnedPssMinor(version) === undefined) {
    fail(
      `podSecurityVersion: ${show(version)} is not allowed; use a pinned version matching v1.<minor>, e.g. "${DEFAULT_POD_SECURITY_VERSION}"`,
    );
  }
}

/** Namespace labels: PSS restricted in enforce, audit and warn modes, each pinned to `version`. */
export function buildPodSecurityLabels(
  version: string = DEFAULT_POD_SECURITY_VERSION,
): Record<string, string> {
  assertPodSecurityVersion(version);
  return podSecurityLabels(POD_SECURITY_LEVEL, version);
}

/** Every pod of the namespace isolated for ingress; no rule, so nothing is allowed by this policy alone. */
export function buildDefaultDenyIngressSpec(): PlainNetworkPolicySpec {
  return { podSelector: {}, policyTypes: ["Ingress"] };
}

/** Every pod of the namespace isolated for egress (opt-in; workloads then need their own DNS allowance). */
export function buildDefaultDenyEgressSpec(): PlainNetworkPolicySpec {
  return { podSelector: {}, policyTypes: ["Egress"] };
}

/** Allows ingress to every pod from every pod of the same namespace. */
export function buildAllowSameNamespaceSpec(): PlainNetworkPolicySpec {
  return {
    podSelector: {},
    policyTypes: ["Ingress"],
    ingress: [{ from: [{ podSelector: { matchLabels: {} } }] }],
  };
}

/** Allows ingress to every pod from every pod of the listed namespaces (e.g. the ingress gateway's). */
export function buildAllowFromNamespacesSpec(namespaces: readonly string[]): PlainNetworkPolicySpec {
  return {
    podSelector: {},
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: namespaces.map((ns) => ({
          namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: ns } },
          podSelector: { matchLabels: {} },
        })),
      },
    ],
  };
}

/** Throws unless the quota, laid over the defaults, has whole pods >= 1 and positive quantities. */
export function validateQuota(opts: QuotaOptions = {}): void {
  const q = { ...DEFAULT_QUOTA, ...opts };
  if (!Number.isInteger(q.pods) || q.pods < 1)
    fail(`quota.pods: ${show(q.pods)} is not allowed; use an integer >= 1`);
  for (const key of ["requestsCpu", "requestsMemory", "limitsCpu", "limitsMemory"] as const) {
    assertQuantity(`quota.${key}`, q[key]);
  }
}

/** The ResourceQuota of a quota validateQuota accepted. */
export function buildResourceQuotaSpec(opts: QuotaOptions = {}): PlainResourceQuotaSpec {
  const q = { ...DEFAULT_QUOTA, ...opts };
  return {
    hard: {
      pods: String(q.pods),
      "requests.cpu": q.requestsCpu,
      "requests.memory": q.requestsMemory,
      "limits.cpu": q.limitsCpu,
      "limits.memory": q.limitsMemory,
      // No workload here is exposed directly; traffic comes through the gateway.
      "services.loadbalancers": "0",
      "services.nodeports": "0",
    },
  };
}

/** Throws unless the limits, laid over the defaults, are quantities with defaultRequest <= defaultLimit <= max. */
export function validateLimitRange(opts: LimitRangeOptions = {}): void {
  const l = { ...DEFAULT_LIMIT_RANGE, ...opts };
  for (const tier of ["defaultRequest", "defaultLimit", "max"] as const) {
    for (const res of ["cpu", "memory"] as const) assertQuantity(`limitRange.${tier}.${res}`, l[tier][res]);
  }
  for (const res of ["cpu", "memory"] as const) {
    if (parseQuantity(l.defaultRequest[res]) > parseQuantity(l.defaultLimit[res])) {
      fail(
        `limitRange.defaultRequest.${res}: "${l.defaultRequest[res]}" exceeds limitRange.defaultLimit.${res} "${l.defaultLimit[res]}"`,
      );
    }
    if (parseQuantity(l.defaultLimit[res]) > parseQuantity(l.max[res])) {
      fail(
        `limitRange.defaultLimit.${res}: "${l.defaultLimit[res]}" exceeds limitRange.max.${res} "${l.max[res]}"`,
      );
    }
  }
}

/** The LimitRange of limits validateLimitRange accepted. */
export function buildLimitRangeSpec(opts: LimitRangeOptions = {}): PlainLimitRangeSpec {
  const l = { ...DEFAULT_LIMIT_RANGE, ...opts };
  return {
    limits: [
      {
        type: "Container",
        default: { ...l.defaultLimit },
        defaultRequest: { ...l.defaultRequest },
        max: { ...l.max },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Component.

export interface RestrictedNamespaceArgs {
  /** Name of the Namespace object; a DNS-1123 label. Default: the component name. */
  readonly namespaceName?: pulumi.Input<string>;
  /** Pinned Pod Security Standards version for the enforce/audit/warn labels; "v1.<minor>". Default "v1.37". */
  readonly podSecurityVersion?: pulumi.Input<string>;
  /** Extra labels on the Namespace; they cannot override the pod-security labels. */
  readonly labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Namespaces whose pods may reach every pod here, e.g. the ingress gateway's. Default none. Plain: an empty list
   * means no policy at all (a policy with an empty `from` would admit every source), so it decides the child.
   */
  readonly allowFromNamespaces?: readonly string[];
  /** Allow traffic between pods of this namespace. Default true. Plain: it decides whether the policy exists. */
  readonly allowSameNamespace?: boolean;
  /**
   * Also deny egress by default (workloads' own policies then allow DNS and their peers). Default false. Plain: it
   * decides whether the policy exists.
   */
  readonly denyEgress?: boolean;
  /** ResourceQuota limits; pod overhead of the RuntimeClass counts against them. */
  readonly quota?: pulumi.Input<QuotaOptions>;
  /** LimitRange defaults and maxima for containers. */
  readonly limitRange?: pulumi.Input<LimitRangeOptions>;
}

/**
 * Validates every plain argument synchronously (Outputs are validated by the component once they resolve);
 * throws an Error naming the key, the value and what is allowed.
 */
export function validateRestrictedNamespaceArgs(name: string, args: RestrictedNamespaceArgs): void {
  if (isPlainInput(args.namespaceName)) assertNamespaceName("namespaceName", args.namespaceName ?? name);
  if (isPlainInput(args.podSecurityVersion)) {
    assertPodSecurityVersion(args.podSecurityVersion ?? DEFAULT_POD_SECURITY_VERSION);
  }
  (args.allowFromNamespaces ?? []).forEach((ns, i) => assertNamespaceName(`allowFromNamespaces[${i}]`, ns));
  if (args.allowSameNamespace !== undefined && typeof args.allowSameNamespace !== "boolean") {
    fail(`allowSameNamespace: ${show(args.allowSameNamespace)} must be true or false`);
  }
  if (args.denyEgress !== undefined && typeof args.denyEgress !== "boolean") {
    fail(`denyEgress: ${show(args.denyEgress)} must be true or false`);
  }
  if (isPlainInput(args.quota)) validateQuota(args.quota);
  if (isPlainInput(args.limitRange)) validateLimitRange(args.limitRange);
}

/** What a RestrictedNamespace gives its users: the one contract its fields and registered outputs come from. */
export interface RestrictedNamespaceOutputs {
  /** The Namespace, labelled restricted in enforce, audit and warn. */
  readonly namespace: k8s.core.v1.Namespace;
  /** Isolates every pod for ingress. */
  readonly defaultDenyIngress: k8s.networking.v1.NetworkPolicy;
  /** Isolates every pod for egress; only with `denyEgress`. */
  readonly defaultDenyEgress: k8s.networking.v1.NetworkPolicy | undefined;
  /** Admits traffic between pods of the namespace; absent with `allowSameNamespace: false`. */
  readonly allowSameNamespace: k8s.networking.v1.NetworkPolicy | undefined;
  /** Admits traffic from `allowFromNamespaces`; absent when that list is empty. */
  readonly allowFromNamespaces: k8s.networking.v1.NetworkPolicy | undefined;
  /** Caps what the namespace's pods may request and use. */
  readonly resourceQuota: k8s.core.v1.ResourceQuota;
  /** Container defaults and maxima. */
  readonly limitRange: k8s.core.v1.LimitRange;
  /** Name of the Namespace, resolved once it exists. */
  readonly name: pulumi.Output<string>;
  /** The pinned Pod Security Standards version. */
  readonly podSecurityVersion: pulumi.Output<string>;
  /** All labels set on the Namespace. */
  readonly labels: pulumi.Output<Record<string, string>>;
  /** The ResourceQuota's hard limits, e.g. `{ pods: "50", "requests.cpu": "8", ... }`. */
  readonly quota: pulumi.Output<Record<string, string>>;
}

/** The args once checked: each plain value validated, each Output validated when it resolves. */
interface ValidNamespaceArgs {
  nsName: Lifted<string>;
  version: Lifted<string>;
  quota: Lifted<PlainResourceQuotaSpec>;
  limits: Lifted<PlainLimitRangeSpec>;
}

/** Labels every object of the component carries. */
const BASE_LABELS: Readonly<Record<string, string>> = {
  [LABEL_MANAGED_BY]: MANAGED_BY,
  [LABEL_PART_OF]: DEFAULT_PART_OF,
};

export class RestrictedNamespace extends pulumi.ComponentResource implements RestrictedNamespaceOutputs {
  declare public readonly namespace: RestrictedNamespaceOutputs["namespace"];
  declare public readonly defaultDenyIngress: RestrictedNamespaceOutputs["defaultDenyIngress"];
  declare public readonly defaultDenyEgress: RestrictedNamespaceOutputs["defaultDenyEgress"];
  declare public readonly allowSameNamespace: RestrictedNamespaceOutputs["allowSameNamespace"];
  declare public readonly allowFromNamespaces: RestrictedNamespaceOutputs["allowFromNamespaces"];
  declare public readonly resourceQuota: RestrictedNamespaceOutputs["resourceQuota"];
  declare public readonly limitRange: RestrictedNamespaceOutputs["limitRange"];
  declare public readonly name: RestrictedNamespaceOutputs["name"];
  declare public readonly podSecurityVersion: RestrictedNamespaceOutputs["podSecurityVersion"];
  declare public readonly labels: RestrictedNamespaceOutputs["labels"];
  declare public readonly quota: RestrictedNamespaceOutputs["quota"];

  constructor(name: string, args: RestrictedNamespaceArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    // Plain values are checked before anything is registered; Outputs inside apply once they resolve.
    const valid = RestrictedNamespace.validate(name, args);
    super("distroless:namespace:RestrictedNamespace", name, {}, opts);
    const { namespace, labels } = this.createNamespace(name, args, valid);
    const policies = this.createNetworkPolicies(name, args, namespace.metadata.name);
    const limits = this.createQuotaAndLimits(name, valid, namespace.metadata.name);
    const outputs: RestrictedNamespaceOutputs = {
      namespace,
      ...policies,
      ...limits,
      name: namespace.metadata.name,
      podSecurityVersion: pulumi.output(valid.version),
      labels,
      quota: pulumi.output(valid.quota).apply((q) => ({ ...q.hard })),
    };
    Object.assign(this, outputs);
    this.registerOutputs(outputs);
  }

  /** The args checked once: the name, the Pod Security version, the quota and limits as the children take them. */
  private static validate(name: string, args: RestrictedNamespaceArgs): ValidNamespaceArgs {
    validateRestrictedNamespaceArgs(name, args);
    return {
      nsName: liftValidated<{ name?: string }, string>(
        { name: args.namespaceName },
        (r) => assertNamespaceName("namespaceName", r.name ?? name),
        (r) => r.name ?? name,
      ),
      version: liftValidated<{ version?: string }, string>(
        { version: args.podSecurityVersion },
        (r) => assertPodSecurityVersion(r.version ?? DEFAULT_POD_SECURITY_VERSION),
        (r) => r.version ?? DEFAULT_POD_SECURITY_VERSION,
      ),
      quota: liftValidated<{ quota?: QuotaOptions }, PlainResourceQuotaSpec>(
        { quota: args.quota },
        (r) => validateQuota(r.quota),
        (r) => buildResourceQuotaSpec(r.quota),
      ),
      limits: liftValidated<{ limits?: LimitRangeOptions }, PlainLimitRangeSpec>(
        { limits: args.limitRange },
        (r) => validateLimitRange(r.limits),
        (r) => buildLimitRangeSpec(r.limits),
      ),
    };
  }

  /** The Namespace with the Pod Security labels last, so user labels cannot weaken them. */
  private createNamespace(
    name: string,
    args: RestrictedNamespaceArgs,
    valid: ValidNamespaceArgs,
  ): { namespace: k8s.core.v1.Namespace; labels: pulumi.Output<Record<string, string>> } {
    const labels = pulumi
      .all([pulumi.output(args.labels ?? {}), pulumi.output(valid.version)])
      .apply(([extra, v]): Record<string, string> => ({
        ...extra,
        ...BASE_LABELS,
        ...buildPodSecurityLabels(v),
      }));
    const namespace = new k8s.core.v1.Namespace(
      `${name}-ns`,
      { metadata: { name: valid.nsName, labels } },
      { parent: this },
    );
    return { namespace, labels };
  }

  /** Default-deny ingress (and egress when asked), and what is admitted: the namespace itself, listed namespaces. */
  private createNetworkPolicies(
    name: string,
    args: RestrictedNamespaceArgs,
    namespace: pulumi.Output<string>,
  ): Pick<
    RestrictedNamespaceOutputs,
    "defaultDenyIngress" | "defaultDenyEgress" | "allowSameNamespace" | "allowFromNamespaces"
  > {
    const policy = (suffix: string, spec: pulumi.Input<k8s.types.input.networking.v1.NetworkPolicySpec>) =>
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${suffix}`,
        { metadata: childMeta(suffix, namespace), spec },
        { parent: this },
      );
    const fromNamespaces = args.allowFromNamespaces ?? [];
    return {
      defaultDenyIngress: policy("default-deny-ingress", buildDefaultDenyIngressSpec()),
      defaultDenyEgress: args.denyEgress
        ? policy("default-deny-egress", buildDefaultDenyEgressSpec())
        : undefined,
      allowSameNamespace:
        (args.allowSameNamespace ?? true)
          ? policy("allow-same-namespace", buildAllowSameNamespaceSpec())
          : undefined,
      allowFromNamespaces:
        fromNamespaces.length > 0
          ? policy("allow-from-namespaces", buildAllowFromNamespacesSpec(fromNamespaces))
          : undefined,
    };
  }

  /** The ResourceQuota and the LimitRange. */
  private createQuotaAndLimits(
    name: string,
    valid: ValidNamespaceArgs,
    namespace: pulumi.Output<string>,
  ): Pick<RestrictedNamespaceOutputs, "resourceQuota" | "limitRange"> {
    return {
      resourceQuota: new k8s.core.v1.ResourceQuota(
        `${name}-quota`,
        { metadata: childMeta("quota", namespace), spec: valid.quota },
        { parent: this },
      ),
      limitRange: new k8s.core.v1.LimitRange(
        `${name}-limits`,
        { metadata: childMeta("limits", namespace), spec: valid.limits },
        { parent: this },
      ),
    };
  }
}

/** Metadata of an object inside the namespace. */
function childMeta(objName: string, namespace: pulumi.Output<string>) {
  return { name: objName, namespace, labels: { ...BASE_LABELS } };
}
