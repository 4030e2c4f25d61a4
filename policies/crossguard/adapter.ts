// Adapters from the pack's pure rules (PSS checks, PodRules, ObjectRules, StackRules) to @pulumi/policy
// policies. Everything CrossGuard-specific lives here: resource types, config, exemptions, remediation,
// not-applicable reporting and what happens with values unknown at preview.
//
// Unknown values at preview (decision)
// ------------------------------------
// @pulumi/policy 1.21 hands every policy its props wrapped in `unknownCheckingProxy` (proxy.js): reading
// a property whose value is not known yet (e.g. an image digest produced by a docker-build Image that is
// still to be built) throws `UnknownValueError`. The runtime (server.js) catches it and reports an
// ADVISORY diagnostic "can't run policy '<name>' from policy pack ... during preview: <type> value at
// .<path> can't be known during preview" instead of a verdict. These adapters deliberately do not catch
// it: a policy cannot decide on a value it cannot see, and treating unknown as compliant would let a
// violation through, while treating it as a violation would block every first preview. The same policy
// runs again with the real value when `pulumi up` registers the resource, where mandatory policies do
// block. To keep that skip narrow, rules read props lazily (only the fields they check), so an unknown
// field a rule does not look at never skips it; stack policies only read objects of the kinds they need.
// The same applies to remediations: the runtime reports "can't run remediation ..." and leaves props as
// they are; the validation that follows reports the unknown again.
//
// Remediation props
// -----------------
// For remediations the runtime wraps props twice, unknownCheckingProxy(secretsPreservingProxy(props)),
// and the inner proxy breaks a Proxy invariant on `Array.prototype`: any `.map`/`.filter` on a props
// array throws a TypeError (an error, not a diagnostic, that fails the whole update). Remediations
// therefore first take a deep copy of the data under the proxies (the runtime's own serializer reaches
// it through the same `__getSpecialProxyTarget` key), keeping Secret values and unknown sentinels, and
// re-wrap it in unknownCheckingProxy alone: unknowns still throw as above, secrets stay secret.
//
// Enforcement levels
// ------------------
// `enforcementLevel` is built into every policy's config by the runtime (it must not appear in a
// configSchema); each policy's default is its rule's `defaultEnforcement`. A rule whose enforcement depends
// on the environment (imageDigestPinned) becomes two policies, `<name>` (mandatory) and `<name>Advisory`
// (advisory), because a policy reports at one level only: each reports only where the environment's
// setting matches its level, and is not applicable elsewhere. A policy sees only its own config, so the
// per-environment map (`requireDigest`, merged over the defaults) must be given to both with the same
// value; each one's not-applicable reason names the twin that is expected to report. The environment is
// the `environment` stack tag, else the policy's `environment` config, else `prod` (the strictest, so an
// untagged stack is not let off).
//
// Kinds, versions and patches
// ---------------------------
// Pod-carrying resources are matched by kind at any group and version (`kubernetes:apps/v1beta2:Deployment`,
// `kubernetes:extensions/v1beta1:DaemonSet`, ...), as the stack rules and the plain-manifest checker match
// them. Server-side apply patches (`<Kind>Patch`) of a
// pod-carrying kind, a Namespace or a ServiceAccount set only some fields of an object that lives
// elsewhere; a field the patch leaves out keeps its live value, which the pack cannot see. Policies
// therefore check the patch laid over a compliant object of its kind: every value the patch sets is
// checked (a patch setting `privileged: true` or `enforce: privileged` is a violation) and absent fields
// are never reported. Patches are not remediated: a remediation would make the patch take ownership of
// fields it did not set. A `kubernetes:helm.sh/v3:Release` is installed by Helm inside the provider, so
// its objects never reach resource policies: `helmReleaseContents` says so (advisory). Helm v4 `Chart`,
// `yaml/v2` and `kustomize/v2` components register every object as a resource, which is checked.
//
// Exemptions
// ----------
// `exemptions: [{namespace?, name?, reason}]` in a policy's config skip that policy for matching objects
// (name = metadata.name or the Pulumi resource name). An exemption without a written reason does not
// exempt, and is itself reported as a violation of the policy on each object it matches.
import { PINNED_PSS_VERSION, podSecurityLabels } from "../lib/pss-version";
import { hardenedContainerSecurityContext, hardenedPodSecurityContext } from "../lib/hardened";
import {
  type PolicyConfigSchema,
  type PolicyResource,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  Secret,
  type StackValidationArgs,
  type StackValidationPolicy,
  unknownCheckingProxy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { checkPodAt, checksFor, pssMessage, pssPolicyName } from "../pss/registry";

export { pssMessage, pssPolicyName };
import type { Container, ObjectMeta, PodParts, PodSpec } from "../lib/k8s";
import {
  extractPod,
  kindOfResourceType,
  parseResourceType,
  podCarryingKindOfPatchType,
  podCarryingKindOfType,
  withPodSpec,
} from "../lib/pods";
import {
  decideExemption,
  DEFAULT_RULE_CONFIG,
  type Enforcement,
  type EnvironmentEnforcement,
  type Exemption,
  missingReasonMessage,
  type ObjectRule,
  type PodRule,
  type RuleBase,
  type RuleConfig,
  type StackObject,
  type StackRule,
} from "../lib/rule";
import type { Check, Level } from "../lib/types";

// The runtime's markers on its proxies (proxy.js `isSpecialProxy`/`getSpecialProxyTarget`).
const IS_SPECIAL_PROXY = "__isSpecialProxy";
const SPECIAL_PROXY_TARGET = "__getSpecialProxyTarget";

type Props = Record<string, unknown>;

/** A deep copy of the data under the runtime's proxies; Secret values and non-plain objects are kept. */
function rawCopy(v: unknown, revealSecrets: boolean): unknown {
  let x = v;
  while (x !== null && typeof x === "object" && (x as Props)[IS_SPECIAL_PROXY] === true) {
    x = (x as Props)[SPECIAL_PROXY_TARGET];
  }
  if (x instanceof Secret)
    return revealSecrets ? rawCopy(x.value, true) : new Secret(rawCopy(x.value, false));
  if (Array.isArray(x)) return x.map((e) => rawCopy(e, revealSecrets));
  if (x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
    const out: Props = {};
    for (const [k, e] of Object.entries(x)) out[k] = rawCopy(e, revealSecrets);
    return out;
  }
  return x;
}

/**
 * The two views a remediation needs: `view`, props as validations see them (secrets revealed, unknowns
 * throw), to decide; `raw`, with secrets kept, wrapped so unknowns throw, to build the result from.
 */
function remediationViews(props: Props): { view: Props; raw: Props } {
  return {
    view: unknownCheckingProxy(rawCopy(props, true)) as Props,
    raw: unknownCheckingProxy(rawCopy(props, false)) as Props,
  };
}

/** The stack tag naming the environment (`pulumi stack tag set environment prod`). */
export const ENVIRONMENT_TAG = "environment";

/** Policy config as users write it; every key optional (the schema's defaults fill the rest). */
export interface PolicyUserConfig {
  environment?: string;
  allowedRegistries?: string[];
  allowedRuntimeClasses?: string[];
  requireDigest?: Record<string, EnvironmentEnforcement>;
  requireDigestDefault?: EnvironmentEnforcement;
  pssVersion?: string;
  /** PSS policies only: the profile enforced; restricted checks are not applicable at `baseline`. */
  pssLevel?: Level;
  exemptions?: Exemption[];
  externalRestrictedNamespaces?: string[];
  externalRuntimeClasses?: string[];
}

/** Config keys beyond RuleConfig that policies may declare. */
type ConfigKey = keyof RuleConfig | "pssLevel";

const ENFORCEMENT_VALUES = ["mandatory", "advisory", "disabled"];

/** JSON schema of every config key a policy may take. */
export const CONFIG_PROPERTIES: Record<ConfigKey, PolicyConfigJSONSchema> = {
  environment: {
    type: "string",
    description: `Environment of the stack when it has no "${ENVIRONMENT_TAG}" stack tag (the tag wins).`,
    default: DEFAULT_RULE_CONFIG.environment,
  },
  allowedRegistries: {
    type: "array",
    items: { type: "string" },
    description: "Registry prefixes images may come from.",
    default: DEFAULT_RULE_CONFIG.allowedRegistries,
  },
  allowedRuntimeClasses: {
    type: "array",
    items: { type: "string" },
    description: "RuntimeClass names pods may select.",
    default: DEFAULT_RULE_CONFIG.allowedRuntimeClasses,
  },
  requireDigest: {
    type: "object",
    additionalProperties: { type: "string", enum: ENFORCEMENT_VALUES },
    description:
      "Digest pinning per environment: mandatory, advisory or disabled, merged over the defaults. Give imageDigestPinned and imageDigestPinnedAdvisory the same value.",
    default: DEFAULT_RULE_CONFIG.requireDigest,
  },
  requireDigestDefault: {
    type: "string",
    enum: ENFORCEMENT_VALUES,
    description:
      "Digest pinning in environments absent from requireDigest. Give imageDigestPinned and imageDigestPinnedAdvisory the same value.",
    default: DEFAULT_RULE_CONFIG.requireDigestDefault,
  },
  pssVersion: {
    type: "string",
    // `latest` or a pinned version, as the labels take them (lib/pss-version's pattern, anchors moved out).
    pattern: `^(latest|${PINNED_PSS_VERSION.source.slice(1, -1)})$`,
    description: "Pod Security Standards version (v1.N or latest).",
    default: DEFAULT_RULE_CONFIG.pssVersion,
  },
  pssLevel: {
    type: "string",
    enum: ["baseline", "restricted"],
    description: "Pod Security Standards profile: restricted checks are not applicable at baseline.",
    default: "restricted",
  },
  exemptions: {
    type: "array",
    description: "Objects this policy skips, by namespace and/or name; each needs a written reason.",
    items: {
      type: "object",
      properties: {
        namespace: { type: "string", description: "Namespace of the object." },
        name: { type: "string", description: "metadata.name of the object, or its Pulumi resource name." },
        reason: { type: "string", minLength: 1, description: "Why the exemption is needed." },
      },
      required: ["reason"],
      additionalProperties: false,
    },
    default: DEFAULT_RULE_CONFIG.exemptions,
  },
  externalRestrictedNamespaces: {
    type: "array",
    items: { type: "string" },
    description: "Namespaces created outside the stack that are labelled restricted.",
    default: DEFAULT_RULE_CONFIG.externalRestrictedNamespaces,
  },
  externalRuntimeClasses: {
    type: "array",
    items: { type: "string" },
    description: "RuntimeClasses created outside the stack whose handler is runsc.",
    default: DEFAULT_RULE_CONFIG.externalRuntimeClasses,
  },
};

/** A configSchema with `environment`, `exemptions` and the given keys. */
export function configSchema(keys: readonly ConfigKey[] = []): PolicyConfigSchema {
  const properties: PolicyConfigSchema["properties"] = {};
  for (const k of ["environment", "exemptions", ...keys] as ConfigKey[]) properties[k] = CONFIG_PROPERTIES[k];
  return { properties };
}

function isRecord(v: unknown): v is Record<string, EnvironmentEnforcement> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function stringArray(v: unknown, fallback: string[]): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : fallback;
}

/** The RuleConfig for a policy invocation: user config over defaults; the environment stack tag wins. */
export function resolveRuleConfig(
  user: PolicyUserConfig,
  stackTags: ReadonlyMap<string, string>,
): RuleConfig {
  const d = DEFAULT_RULE_CONFIG;
  return {
    environment: stackTags.get(ENVIRONMENT_TAG) ?? user.environment ?? d.environment,
    allowedRegistries: stringArray(user.allowedRegistries, d.allowedRegistries),
    allowedRuntimeClasses: stringArray(user.allowedRuntimeClasses, d.allowedRuntimeClasses),
    // Entries given override the defaults one environment at a time: setting `dev` keeps prod mandatory.
    requireDigest: { ...d.requireDigest, ...(isRecord(user.requireDigest) ? user.requireDigest : {}) },
    requireDigestDefault: user.requireDigestDefault ?? d.requireDigestDefault,
    pssVersion: user.pssVersion ?? d.pssVersion,
    exemptions: Array.isArray(user.exemptions) ? user.exemptions : d.exemptions,
    externalRestrictedNamespaces: stringArray(
      user.externalRestrictedNamespaces,
      d.externalRestrictedNamespaces,
    ),
    externalRuntimeClasses: stringArray(user.externalRuntimeClasses, d.externalRuntimeClasses),
  };
}

function configOf(args: ResourceValidationArgs | StackValidationArgs): {
  user: PolicyUserConfig;
  config: RuleConfig;
} {
  const user = args.getConfig<PolicyUserConfig>();
  return { user, config: resolveRuleConfig(user, args.stackTags) };
}

function metaOf(props: Record<string, unknown>): ObjectMeta {
  const m = props.metadata;
  return m !== null && typeof m === "object" ? (m as ObjectMeta) : {};
}

/** Reports reasonless exemptions matching the object; true when a valid exemption skips it. */
function exempted(
  config: RuleConfig,
  namespace: string | undefined,
  names: string[],
  report: (message: string) => void,
): boolean {
  const { exempt, invalid } = decideExemption(config.exemptions, namespace, names);
  for (const e of invalid) report(missingReasonMessage(e));
  return exempt !== undefined;
}

/** A pod-carrying resource's kind, names and pod; calls notApplicable for every other type. */
interface PodTarget {
  kind: string;
  name: string;
  namespace?: string;
  pod?: PodParts;
  /** A server-side apply patch: `pod` is the patch laid over a compliant pod; never remediated. */
  patch: boolean;
}

function podTarget(args: ResourceValidationArgs, config: RuleConfig): PodTarget {
  const direct = podCarryingKindOfType(args.type);
  const patched = direct === undefined ? podCarryingKindOfPatchType(args.type) : undefined;
  const kind = direct ?? patched;
  if (kind === undefined) args.notApplicable("applies to pod-carrying Kubernetes resources only");
  const md = metaOf(args.props);
  const props = patched === undefined ? args.props : podPatchView(kind, args.props, config);
  return {
    kind,
    name: md.name ?? args.name,
    namespace: md.namespace,
    pod: extractPod(kind, props),
    patch: patched !== undefined,
  };
}

// Patches ----------------------------------------------------------------------------------------------------

/** Any image reference the image rules accept; stands for the live image a patch leaves unchanged. */
const UNCHANGED_IMAGE = `registry.invalid/unchanged:patch@sha256:${"0".repeat(64)}`;

function isPlainObject(v: unknown): v is Props {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Secret);
}

/** `patch` over `base`: objects merge key by key, anything else the patch sets replaces the base value. */
export function overlay(base: unknown, patch: unknown): unknown {
  if (patch === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const out: Props = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = overlay(base[k], v);
  return out;
}

/** A container passing every check and rule, for the fields a patch does not set. */
function compliantContainer(list: "containers" | "initContainers" | "ephemeralContainers"): Container {
  const c: Container = {
    image: UNCHANGED_IMAGE,
    securityContext: hardenedContainerSecurityContext(),
  };
  // Ephemeral containers may not set resources or probes.
  if (list === "ephemeralContainers") return c;
  const resources = { cpu: "100m", memory: "64Mi" };
  c.resources = { requests: resources, limits: resources };
  if (list === "containers") {
    c.livenessProbe = { httpGet: { path: "/", port: 8080 } };
    c.readinessProbe = { httpGet: { path: "/", port: 8080 } };
  }
  return c;
}

/** A pod spec passing every check and rule under `config`, without containers (see patchedPodSpec). */
export function compliantPodSpec(config: RuleConfig): PodSpec {
  const spec: PodSpec = {
    automountServiceAccountToken: false,
    securityContext: hardenedPodSecurityContext(),
  };
  if (config.allowedRuntimeClasses.length > 0) spec.runtimeClassName = config.allowedRuntimeClasses[0];
  return spec;
}

/** The pod spec a patch sets, laid over a compliant one; each container it sets over a compliant container. */
export function patchedPodSpec(patch: PodSpec, config: RuleConfig): PodSpec {
  const out = overlay(compliantPodSpec(config), patch) as PodSpec;
  for (const list of ["containers", "initContainers", "ephemeralContainers"] as const) {
    const cs: unknown = patch[list];
    if (Array.isArray(cs)) {
      out[list] = cs.map((c: unknown) => overlay(compliantContainer(list), c) as Container);
    }
  }
  return out;
}

/**
 * The props a patch of a pod-carrying kind is checked as: its pod spec laid over a compliant one. Built on
 * the raw data (unknown sentinels kept) and wrapped again, so an unknown value still throws only when a
 * rule reads it, at the same path.
 */
function podPatchView(kind: string, props: Props, config: RuleConfig): Props {
  const raw = rawCopy(props, true) as Props;
  const pod = extractPod(kind, raw);
  const spec = patchedPodSpec(pod?.spec ?? {}, config);
  return unknownCheckingProxy(withPodSpec(kind, raw, spec)) as Props;
}

/** Compliant objects of the non-pod kinds whose patches object rules check, by kind. */
const COMPLIANT_OBJECTS: Readonly<Record<string, () => Props>> = {
  Namespace: () => ({
    metadata: {
      labels: podSecurityLabels("restricted", DEFAULT_RULE_CONFIG.pssVersion),
    },
  }),
  ServiceAccount: () => ({ automountServiceAccountToken: false }),
};

/** Applies a pod-spec remediation to (raw) props of a pod-carrying kind. */
function remediatePod(kind: string, raw: Props, remediate: (spec: PodSpec) => PodSpec): Props | undefined {
  const pod = extractPod(kind, raw);
  return pod ? withPodSpec(kind, raw, remediate(pod.spec)) : undefined;
}

/** The environment variants of a rule: one policy per enforcement level it can have. */
interface Variant {
  name: string;
  enforcement: Enforcement;
  /** Whether the variant applies under a config; undefined = always. */
  applies?: (config: RuleConfig) => string | undefined;
}

function variantsOf(rule: RuleBase): Variant[] {
  const eff = rule.enforcementFor;
  if (!eff) return [{ name: rule.name, enforcement: rule.defaultEnforcement }];
  const gate =
    (level: Enforcement) =>
    (config: RuleConfig): string | undefined => {
      const actual = eff(config);
      if (actual === level) return undefined;
      const env = `${rule.name} is ${actual} in environment ${JSON.stringify(config.environment)}`;
      if (actual === "disabled") return env;
      // Names the twin expected to report: if its reason does not say the same, their configs differ.
      return `${env}; ${actual === "mandatory" ? rule.name : `${rule.name}Advisory`} reports it`;
    };
  return [
    { name: rule.name, enforcement: "mandatory", applies: gate("mandatory") },
    { name: `${rule.name}Advisory`, enforcement: "advisory", applies: gate("advisory") },
  ];
}

/**
 * A resource policy that reports `check`'s findings on the context `ctxOf` builds (undefined: nothing to check)
 * and, given `remediate`, fixes the resources `check` finds fault with.
 */
function resourcePolicy<C>(
  name: string,
  enforcementLevel: Enforcement,
  rule: { description: string; configKeys?: readonly ConfigKey[] },
  ctxOf: (args: ResourceValidationArgs, report: (m: string) => void) => C | undefined,
  check: (ctx: C) => string[],
  remediate: ((ctx: C, raw: Props) => Props | undefined) | undefined,
): ResourceValidationPolicy {
  const policy: ResourceValidationPolicy = {
    name,
    description: rule.description,
    enforcementLevel,
    configSchema: configSchema(rule.configKeys),
    validateResource: (args, reportViolation) => {
      const ctx = ctxOf(args, (m) => reportViolation(m));
      if (!ctx) return;
      for (const message of check(ctx)) reportViolation(message);
    },
  };
  if (remediate) {
    policy.remediateResource = (args) => {
      const { view, raw } = remediationViews(args.props);
      const ctx = ctxOf({ ...args, props: view }, () => undefined);
      // Compliant resources are left untouched, so a remediation never shows up as a diff needlessly.
      if (!ctx || check(ctx).length === 0) return undefined;
      return remediate(ctx, raw);
    };
  }
  return policy;
}

/** The CrossGuard policies of a pod rule (two when its enforcement depends on the environment). */
export function podRulePolicies(rule: PodRule): ResourceValidationPolicy[] {
  return variantsOf(rule).map((variant) => {
    const ctxOf = (args: ResourceValidationArgs, report: (m: string) => void) => {
      const { config } = configOf(args);
      const target = podTarget(args, config);
      const na = variant.applies?.(config);
      if (na !== undefined) args.notApplicable(na);
      if (!target.pod) return undefined;
      if (exempted(config, target.namespace, [target.name, args.name], report)) return undefined;
      const { kind, name, namespace, patch } = target;
      return { kind, name, namespace, ...target.pod, config, patch };
    };
    const remediate = rule.remediate;
    return resourcePolicy(
      variant.name,
      variant.enforcement,
      rule,
      ctxOf,
      (ctx) => rule.check(ctx),
      remediate && ((ctx, raw) => (ctx.patch ? undefined : remediatePod(ctx.kind, raw, remediate))),
    );
  });
}

/** The CrossGuard policy of an object rule (Namespace, ServiceAccount, ...). */
export function objectRulePolicy(rule: ObjectRule): ResourceValidationPolicy {
  const ctxOf = (args: ResourceValidationArgs, report: (m: string) => void) => {
    const patchOf = rule.resourceTypes.find((t) => args.type === `${t}Patch`);
    const kind = kindOfResourceType(patchOf ?? args.type);
    const compliant = kind === undefined ? undefined : COMPLIANT_OBJECTS[kind];
    if (!rule.resourceTypes.includes(args.type) && !(patchOf && compliant)) {
      args.notApplicable(`applies to ${rule.resourceTypes.join(", ")} only`);
    }
    const { config } = configOf(args);
    const md = metaOf(args.props);
    const name = md.name ?? args.name;
    if (exempted(config, md.namespace, [name, args.name], report)) return undefined;
    // A patch is checked laid over a compliant object of its kind, as pod patches are (see the header).
    const obj =
      patchOf && compliant
        ? (unknownCheckingProxy(overlay(compliant(), rawCopy(args.props, true))) as Props)
        : args.props;
    return {
      kind: kind ?? args.type,
      name,
      namespace: md.namespace,
      obj,
      config,
      patch: patchOf !== undefined,
    };
  };
  const remediate = rule.remediate;
  return resourcePolicy(
    rule.name,
    rule.defaultEnforcement,
    rule,
    ctxOf,
    (ctx) => rule.check(ctx),
    remediate && ((ctx, raw) => (ctx.patch ? undefined : remediate(raw))),
  );
}

/**
 * A renamed policy under its old name: off unless an organisation's config still names it, and then the same
 * policy with that config; its description says where the config belongs now. The engine drops config for a
 * name the pack does not have without a word, which would quietly put the policy back to its default.
 */
export function renamedPolicyAlias(
  oldName: string,
  policy: ResourceValidationPolicy,
): ResourceValidationPolicy {
  return {
    ...policy,
    name: oldName,
    description: `Renamed ${policy.name}: this name keeps configs that still use it working; set them on ${policy.name}.`,
    enforcementLevel: "disabled",
  };
}

/** The stack objects a stack rule reads, from the stack's resources. */
export function stackObjects(resources: PolicyResource[], kinds: readonly string[]): StackObject[] {
  const out: StackObject[] = [];
  for (const r of resources) {
    if (!r.type.startsWith("kubernetes:")) continue;
    const kind = kindOfResourceType(r.type);
    if (kind === undefined || !kinds.includes(kind)) continue;
    const md = metaOf(r.props);
    out.push({ kind, name: md.name ?? r.name, namespace: md.namespace, obj: r.props, urn: r.urn });
  }
  return out;
}

/** The CrossGuard stack policy of a stack rule. */
export function stackRulePolicy(rule: StackRule): StackValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.defaultEnforcement,
    configSchema: configSchema(rule.configKeys),
    validateStack: (args, reportViolation) => {
      const { config } = configOf(args);
      const objects = stackObjects(args.resources, rule.kinds);
      const resourceNames = new Map(args.resources.map((r) => [r.urn, r.name]));
      const skipped = new Set<StackObject>();
      for (const o of objects) {
        const names = [o.name, resourceNames.get(o.urn ?? "") ?? o.name];
        if (exempted(config, o.namespace, names, (m) => reportViolation(m, o.urn))) skipped.add(o);
      }
      for (const v of rule.check(objects, config)) {
        if (v.object && skipped.has(v.object)) continue;
        reportViolation(v.message, v.object?.urn);
      }
    },
  };
}

/**
 * The CrossGuard policies of the PSS checks, one per check, resolved by the registry as pod-security-admission
 * does: `checksFor(level, version)` is the set that applies (a baseline check overridden by a restricted one
 * at that version, upstream's overrideCheckIDs, is not in it) and each applicable check runs the behaviour
 * it resolved for that version. A check outside the set is not applicable, with the reason.
 */
export function pssPolicies(
  checks: readonly Check[],
  remediations: Readonly<Record<string, (spec: PodSpec) => PodSpec>> = {},
): ResourceValidationPolicy[] {
  return checks.map((check) => {
    const name = pssPolicyName(check.id);
    const evaluate = (args: ResourceValidationArgs, report: (m: string) => void) => {
      const { user, config } = configOf(args);
      const target = podTarget(args, config);
      const level: Level = user.pssLevel ?? "restricted";
      if (level === "baseline" && check.level === "restricted") {
        args.notApplicable(`${name} is a restricted check; the configured level is baseline`);
      }
      let applicable: ReturnType<typeof checksFor>;
      try {
        applicable = checksFor(level, config.pssVersion);
      } catch {
        report(`invalid pssVersion ${JSON.stringify(config.pssVersion)}; expected v1.N or latest`);
        return undefined;
      }
      const resolved = applicable.find((c) => c.check.id === check.id);
      if (!resolved) {
        if (checkPodAt(check, config.pssVersion) === undefined) {
          args.notApplicable(`${name} does not exist at Pod Security Standards ${config.pssVersion}`);
        }
        const by = applicable.find((c) =>
          c.check.versions.some((v) => v.overrideCheckIDs?.includes(check.id)),
        );
        args.notApplicable(
          by
            ? `${name} is overridden by ${pssPolicyName(by.check.id)} at restricted`
            : `${name} does not apply at ${level} ${config.pssVersion}`,
        );
      }
      if (!target.pod) return undefined;
      if (exempted(config, target.namespace, [target.name, args.name], report)) return undefined;
      return { target, result: resolved.checkPod(target.pod.metadata, target.pod.spec) };
    };
    const policy: ResourceValidationPolicy = {
      name,
      description: `Pod Security Standards (${check.level}) check ${check.id}, as pod-security-admission evaluates it.`,
      enforcementLevel: "mandatory",
      configSchema: configSchema(["pssVersion", "pssLevel"]),
      validateResource: (args, reportViolation) => {
        const e = evaluate(args, (m) => reportViolation(m));
        if (e && !e.result.allowed)
          reportViolation(pssMessage(e.result.forbiddenReason, e.result.forbiddenDetail));
      },
    };
    const remediate = remediations[check.id];
    if (remediate) {
      policy.remediateResource = (args) => {
        const { view, raw } = remediationViews(args.props);
        const e = evaluate({ ...args, props: view }, () => undefined);
        if (!e || e.result.allowed || e.target.patch) return undefined;
        return remediatePod(e.target.kind, raw, remediate);
      };
    }
    return policy;
  });
}

/** The Helm release types whose objects Helm installs inside the provider, out of the policies' sight. */
export const HELM_RELEASE_TYPES: readonly string[] = ["kubernetes:helm.sh/v3:Release"];

/**
 * Advisory: a Helm Release's objects are never checked by the pack's resource policies. Helm v4 Charts and
 * the yaml/kustomize components register each object as a resource, so they are not applicable here.
 */
export const helmReleaseContentsPolicy: ResourceValidationPolicy = {
  name: "helmReleaseContents",
  description:
    "A Helm Release is installed by Helm inside the provider: the objects it renders are not checked by the pack's resource policies.",
  enforcementLevel: "advisory",
  configSchema: configSchema(),
  validateResource: (args, reportViolation) => {
    if (!HELM_RELEASE_TYPES.includes(args.type)) {
      const t = parseResourceType(args.type);
      args.notApplicable(
        t?.group === "helm.sh" || t?.group === "yaml" || t?.group === "kustomize"
          ? "its objects are registered as resources of the stack, which the pack checks"
          : `applies to ${HELM_RELEASE_TYPES.join(", ")} only`,
      );
    }
    const { config } = configOf(args);
    // A Release names its namespace at the top level; exemptions match it and the resource name.
    const ns = args.props.namespace;
    if (exempted(config, typeof ns === "string" ? ns : undefined, [args.name], (m) => reportViolation(m))) {
      return;
    }
    reportViolation(
      `Release ${JSON.stringify(args.name)}: its rendered objects are not checked; render the chart with the same values (helm template ... > rendered.yaml) and run npm run policy:check -- --profile hardened rendered.yaml, or deploy it with kubernetes:helm.sh/v4:Chart, whose objects are checked`,
    );
  },
};
