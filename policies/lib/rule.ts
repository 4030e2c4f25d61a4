// The contract of every rule outside the Pod Security Standards (sections 2–4 of the pack). A rule is a
// pure function of plain values, so the same module serves CrossGuard (crossguard/adapter.ts adapts it to
// @pulumi/policy) and the plain-manifest checker (cli.ts feeds it parsed YAML).
import { LATEST_PSS_VERSION } from "./pss-version";
import type { ObjectMeta, PodSpec } from "./k8s";
import { GVISOR_RUNTIME_CLASS } from "./hardened";
import { DISTROLESS_REGISTRIES } from "./image-ref";

/** How a violation is treated: `mandatory` blocks the deployment, `advisory` only warns. */
export type Enforcement = "mandatory" | "advisory";

/** Per-environment setting: like {@link Enforcement}, plus `disabled` to not check at all there. */
export type EnvironmentEnforcement = Enforcement | "disabled";

/** Which part of the pack a rule belongs to (section 1, PSS, lives in pss/). */
export type RuleSection = "hardened" | "namespace" | "image";

/** Skips a rule for matching objects. Both fields given = both must match; a reason is mandatory. */
export interface Exemption {
  /** Namespace of the object (`metadata.namespace`); absent = any namespace. */
  namespace?: string;
  /** Object name (`metadata.name`) or Pulumi resource name; absent = any name in the namespace. */
  name?: string;
  /** Why the object is exempt. An exemption without a reason does not exempt and is reported. */
  reason?: string;
}

/** The configuration every rule receives; the CrossGuard adapter fills it from the policy's config. */
export interface RuleConfig {
  /** Environment of the stack (e.g. `staging`, `prod`): from the `environment` stack tag or config. */
  environment: string;
  /** Registry prefixes images may come from, e.g. `gcr.io/distroless`, `cgr.dev/chainguard`. */
  allowedRegistries: string[];
  /** RuntimeClass names a pod may select. */
  allowedRuntimeClasses: string[];
  /** Digest pinning per environment; environments not listed use `requireDigestDefault`. */
  requireDigest: Record<string, EnvironmentEnforcement>;
  /** Digest pinning for environments absent from `requireDigest`. */
  requireDigestDefault: EnvironmentEnforcement;
  /** Pod Security Standards version, `v1.N` or `latest`. */
  pssVersion: string;
  /** Objects the rule skips, each with a written reason. */
  exemptions: Exemption[];
  /** Namespaces created outside the stack that are known to be labelled `restricted`. */
  externalRestrictedNamespaces: string[];
  /** RuntimeClasses created outside the stack that are known to use handler `runsc`. */
  externalRuntimeClasses: string[];
}

/** Defaults: the hardening contract of the platform (gVisor `gvisor`, the newest PSS version, digests in prod). */
export const DEFAULT_RULE_CONFIG: RuleConfig = {
  environment: "prod",
  allowedRegistries: [...DISTROLESS_REGISTRIES],
  allowedRuntimeClasses: [GVISOR_RUNTIME_CLASS],
  requireDigest: { prod: "mandatory", staging: "advisory" },
  requireDigestDefault: "advisory",
  pssVersion: LATEST_PSS_VERSION,
  exemptions: [],
  externalRestrictedNamespaces: [],
  externalRuntimeClasses: [],
};

/** Merges a partial config over the defaults (arrays and maps are replaced, not concatenated). */
export function ruleConfig(partial: Partial<RuleConfig> = {}): RuleConfig {
  return { ...DEFAULT_RULE_CONFIG, ...partial };
}

/** What a pod rule sees: the pod of one pod-carrying object. */
export interface PodRuleContext {
  /** Kind of the carrying object, e.g. `Deployment`. */
  kind: string;
  /** Name of the carrying object (metadata.name, else the Pulumi resource name). */
  name: string;
  /** Namespace of the carrying object, when set. */
  namespace?: string;
  /** The pod template's metadata. */
  metadata: ObjectMeta;
  /** The pod template's spec, as written (before API defaulting). */
  spec: PodSpec;
  config: RuleConfig;
}

/**
 * Policies renamed since they were published: old name → current name. The checker's --ignore takes an old name
 * and notes the new one; the pack keeps each old name as a policy that runs only when a config still names it.
 */
export const RENAMED_POLICIES: Readonly<Record<string, string>> = {
  // Renamed so that the pod's rule and the ServiceAccount's default no longer read as the same words reordered.
  serviceAccountAutomountToken: "serviceAccountNoTokenByDefault",
};

/** The current name of a policy, given its name or a name it had before. */
export function currentPolicyName(name: string): string {
  return Object.hasOwn(RENAMED_POLICIES, name) ? RENAMED_POLICIES[name] : name;
}

/** Fields shared by all non-PSS rules. */
export interface RuleBase {
  /** Policy name, also the module name under rules/ (e.g. `readOnlyRootFilesystem`). */
  name: string;
  description: string;
  section: RuleSection;
  defaultEnforcement: Enforcement;
  /**
   * The effective enforcement in the configured environment, when it depends on it (e.g. digest
   * pinning); absent = always `defaultEnforcement`.
   */
  enforcementFor?(config: RuleConfig): EnvironmentEnforcement;
  /** Config keys the rule reads beyond `environment` and `exemptions` (they go in its configSchema). */
  configKeys?: (keyof RuleConfig)[];
}

/** A rule on the pod of a pod-carrying object (Pod, Deployment, CronJob, ...). */
export interface PodRule extends RuleBase {
  /** Violation messages; empty when the pod complies. */
  check(ctx: PodRuleContext): string[];
  /** A compliant copy of the spec, for the safe fixes only; never mutates its argument. */
  remediate?(spec: PodSpec): PodSpec;
}

/** What an object rule sees: one whole object of a kind the rule targets. */
export interface ObjectRuleContext {
  kind: string;
  name: string;
  namespace?: string;
  /** The object as written (a manifest, or a Pulumi resource's props). */
  obj: Record<string, unknown>;
  config: RuleConfig;
}

/** A rule on objects of given kinds (Namespace, ServiceAccount, ...). */
export interface ObjectRule extends RuleBase {
  /** Manifest kinds checked, e.g. `Namespace`. */
  kinds: string[];
  /** Pulumi resource types checked, e.g. `kubernetes:core/v1:Namespace`. */
  resourceTypes: string[];
  check(ctx: ObjectRuleContext): string[];
  /** A compliant copy of the object, for the safe fixes only; never mutates its argument. */
  remediate?(obj: Record<string, unknown>): Record<string, unknown>;
}

/** One object of a stack (or of a set of manifests checked together). */
export interface StackObject {
  kind: string;
  name: string;
  namespace?: string;
  obj: Record<string, unknown>;
  /** Pulumi URN, when the object comes from a stack. */
  urn?: string;
}

/** A violation found by a stack rule, attributed to one object when possible. */
export interface StackViolation {
  message: string;
  /** The offending object; absent for stack-wide problems. */
  object?: StackObject;
}

/** A rule that needs the whole stack (e.g. a workload's namespace must be a restricted Namespace in it). */
export interface StackRule extends RuleBase {
  /** Kinds the rule reads; CrossGuard passes only objects of these kinds (others may hold unknowns at preview). */
  kinds: string[];
  check(objects: StackObject[], config: RuleConfig): StackViolation[];
}

/** Whether an exemption matches an object (name compared with metadata.name and the resource name). */
export function exemptionMatches(e: Exemption, namespace: string | undefined, names: string[]): boolean {
  if (e.namespace === undefined && e.name === undefined) return false;
  if (e.namespace !== undefined && e.namespace !== namespace) return false;
  if (e.name !== undefined && !names.includes(e.name)) return false;
  return true;
}

/** Whether an exemption carries a written reason. */
export function hasReason(e: Exemption): boolean {
  return typeof e.reason === "string" && e.reason.trim() !== "";
}

/** Describes an exemption in messages, e.g. `{namespace: "apps", name: "web"}`. */
export function describeExemption(e: Exemption): string {
  const parts: string[] = [];
  if (e.namespace !== undefined) parts.push(`namespace: ${JSON.stringify(e.namespace)}`);
  if (e.name !== undefined) parts.push(`name: ${JSON.stringify(e.name)}`);
  return `{${parts.join(", ")}}`;
}

/** Message for an exemption that would apply but has no reason. */
export function missingReasonMessage(e: Exemption): string {
  return `exemption ${describeExemption(e)} has no reason; every exemption must state why it is needed`;
}

/** The exemption decision for one object: exempt (with reason), or the reasonless exemptions to report. */
export interface ExemptionDecision {
  exempt?: Exemption;
  invalid: Exemption[];
}

/** Decides exemption for an object: a matching exemption with a reason exempts; one without is invalid. */
export function decideExemption(
  exemptions: readonly Exemption[],
  namespace: string | undefined,
  names: string[],
): ExemptionDecision {
  const matching = exemptions.filter((e) => exemptionMatches(e, namespace, names));
  return { exempt: matching.find(hasReason), invalid: matching.filter((e) => !hasReason(e)) };
}
