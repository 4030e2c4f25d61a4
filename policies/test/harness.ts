// A stand-in for the CrossGuard policy runtime (@pulumi/policy 1.21's server.js), so tests run
// policies exactly as `pulumi preview`/`up` would, without the Pulumi CLI:
// - props are deep-copied, secrets unwrapped for validation (kept for remediation, wrapped in the
//   runtime's own secretsPreservingProxy) and wrapped in the runtime's own `unknownCheckingProxy`, so
//   reading an UNKNOWN value throws UnknownValueError as at preview;
// - an UnknownValueError becomes the runtime's advisory "can't run policy ... during preview" diagnostic,
//   `notApplicable` throws and is recorded, any other error propagates;
// - the effective enforcement level is config > policy > pack default ("advisory"), `remediate`
//   is reported as `mandatory`, `disabled` policies do not run;
// - `getConfig` returns the policy's configSchema defaults (as the CLI fills them) merged with the
//   given config, minus `enforcementLevel`;
// - `run` remediates first (each `remediate`-level policy in order, each seeing the previous result)
//   then validates the remediated props, as the engine does.
import {
  type EnforcementLevel,
  type Policies,
  type PolicyResource,
  type PolicyResourceOptions,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  Secret,
  type StackValidationArgs,
  type StackValidationPolicy,
  unknownCheckingProxy,
  UnknownValueError,
} from "@pulumi/policy";
import { secretsPreservingProxy } from "@pulumi/policy/secret";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";

/** The sentinel the engine sends for a value not known during preview; put it anywhere in props. */
export const UNKNOWN: string = unknownValue;

// The runtime's markers on its proxies (proxy.js `isSpecialProxy`/`getSpecialProxyTarget`), used the
// way its serializeProperties uses them to strip proxies from a remediation's result.
const IS_SPECIAL_PROXY = "__isSpecialProxy";
const SPECIAL_PROXY_TARGET = "__getSpecialProxyTarget";

type Props = Record<string, unknown>;

/** One entry of the policy pack config, as in `pulumi policy enable --config` / Pulumi.yaml. */
export type PolicyConfigEntry = EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Props);

export interface HarnessOptions {
  /** Config per policy name. */
  config?: Record<string, PolicyConfigEntry>;
  /** Stack tags (`configureStack`), e.g. `{ environment: "prod" }`. */
  stackTags?: Record<string, string>;
  /** The pack's enforcement level; the runtime's default is `advisory`. */
  packEnforcementLevel?: EnforcementLevel;
  packName?: string;
  packVersion?: string;
  /** The stack name used in URNs. */
  stack?: string;
}

/** A resource as the engine would send it. */
export interface HarnessResource {
  type: string;
  name: string;
  props: Props;
  urn?: string;
}

/** One diagnostic, as the runtime sends it to the engine. */
export interface Diagnostic {
  policyName: string;
  /** `violation` from reportViolation; `preview` from an unknown value. */
  kind: "violation" | "preview";
  /** What the policy passed to reportViolation (for `preview`, the runtime's message). */
  violation: string;
  /** The message the CLI shows: the description, a newline and the violation (runtime format). */
  message: string;
  enforcementLevel: EnforcementLevel;
  urn?: string;
}

export interface NotApplicable {
  policyName: string;
  reason?: string;
}

export interface AnalyzeResult {
  diagnostics: Diagnostic[];
  /** Diagnostics of kind `violation`. */
  violations: Diagnostic[];
  /** Diagnostics of kind `preview` (a policy skipped for an unknown value). */
  previewSkips: Diagnostic[];
  notApplicable: NotApplicable[];
}

export interface RemediationRecord {
  policyName: string;
  /** The props after this remediation, proxies stripped (secrets stay `Secret`). */
  properties?: Props;
  /** The runtime's "can't run remediation ..." message when a value was unknown. */
  diagnostic?: string;
}

export interface RemediateResult {
  /** The props after every remediation, proxies stripped. */
  props: Props;
  remediations: RemediationRecord[];
  notApplicable: NotApplicable[];
}

export interface RunResult extends AnalyzeResult {
  remediation: RemediateResult;
}

class NotApplicableError extends Error {
  constructor(readonly reason?: string) {
    super(reason);
  }
}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicableError(reason);
}

function isResourcePolicy(
  p: ResourceValidationPolicy | StackValidationPolicy,
): p is ResourceValidationPolicy {
  const r = p as ResourceValidationPolicy;
  return (
    typeof r.validateResource === "function" || Array.isArray(r.validateResource) || !!r.remediateResource
  );
}

function isStackPolicy(p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy {
  return typeof (p as StackValidationPolicy).validateStack === "function";
}

/** Deep copy as deserializeProperties does; secrets unwrapped unless `keepSecrets`; undefined top-level keys dropped. */
function deserialize(props: Props, keepSecrets: boolean): Props {
  const copy = (v: unknown): unknown => {
    if (v instanceof Secret) return keepSecrets ? new Secret(copy(v.value)) : copy(v.value);
    if (Array.isArray(v)) return v.map(copy);
    if (v !== null && typeof v === "object") {
      const out: Props = {};
      for (const [k, x] of Object.entries(v)) out[k] = copy(x);
      return out;
    }
    return v;
  };
  const out: Props = {};
  for (const [k, v] of Object.entries(props)) if (v !== undefined) out[k] = copy(v);
  return out;
}

/** Strips the runtime's proxies, as serializeProperties does; Secret instances are kept. */
export function unproxy(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  const o = v as Props;
  if (o[IS_SPECIAL_PROXY] === true) return unproxy(o[SPECIAL_PROXY_TARGET]);
  if (v instanceof Secret) return new Secret(unproxy(v.value));
  if (Array.isArray(v)) return v.map((e) => (e === undefined ? null : unproxy(e)));
  const out: Props = {};
  for (const [k, x] of Object.entries(o)) if (x !== undefined) out[k] = unproxy(x);
  return out;
}

const DEFAULT_OPTS: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

export class PolicyHarness {
  readonly options: HarnessOptions;
  private readonly stackTags: ReadonlyMap<string, string>;

  constructor(
    readonly policies: Policies,
    options: HarnessOptions = {},
  ) {
    this.options = options;
    this.stackTags = new Map(Object.entries(options.stackTags ?? {}));
    const names = new Set<string>();
    for (const p of policies) {
      if (names.has(p.name)) throw new Error(`duplicate policy name ${JSON.stringify(p.name)}`);
      names.add(p.name);
      // The runtime refuses to serve these (server.js serve()).
      if (p.name === "all") throw new Error(`policy name "all" is reserved`);
      if (p.configSchema?.properties?.enforcementLevel) {
        throw new Error(`policy ${p.name}: enforcementLevel cannot be explicitly specified in properties`);
      }
    }
  }

  /** A harness over the same policies with other options. */
  with(options: HarnessOptions): PolicyHarness {
    return new PolicyHarness(this.policies, { ...this.options, ...options });
  }

  private entry(policyName: string): { enforcementLevel?: EnforcementLevel } & Props {
    const e = this.options.config?.[policyName];
    if (e === undefined) return {};
    return typeof e === "string" ? { enforcementLevel: e } : e;
  }

  /** The policy's effective enforcement level (config > policy > pack). */
  enforcementLevel(p: { name: string; enforcementLevel?: EnforcementLevel }): EnforcementLevel {
    return (
      this.entry(p.name).enforcementLevel ??
      p.enforcementLevel ??
      this.options.packEnforcementLevel ??
      "advisory"
    );
  }

  /** What `getConfig()` returns to the policy: schema defaults merged with its config, minus enforcementLevel. */
  getConfig(p: ResourceValidationPolicy | StackValidationPolicy): Props {
    const out: Props = {};
    for (const [k, s] of Object.entries(p.configSchema?.properties ?? {})) {
      if (typeof s === "object" && s.default !== undefined) out[k] = structuredClone(s.default);
    }
    const { enforcementLevel: _ignored, ...given } = this.entry(p.name);
    return { ...out, ...structuredClone(given) };
  }

  private urn(r: HarnessResource): string {
    return r.urn ?? `urn:pulumi:${this.options.stack ?? "test"}::distroless-platform::${r.type}::${r.name}`;
  }

  private policyFrom(kind: "policy" | "remediation", name: string): string {
    const pack = `'${this.options.packName ?? "distroless-guardrails"}@v${this.options.packVersion ?? "0.1.0"}'`;
    return `${kind} '${name}' from policy pack ${pack}`;
  }

  /**
   * What the runtime does with an error a validation throws: an unknown value becomes an advisory "can't run
   * ... during preview" diagnostic, `notApplicable` is recorded, anything else propagates.
   */
  private caught(
    e: unknown,
    policyName: string,
    diagnostics: Diagnostic[],
    notApplicable: NotApplicable[],
  ): void {
    if (e instanceof UnknownValueError) {
      const message = `can't run ${this.policyFrom("policy", policyName)} during preview: ${(e as Error).message}`;
      diagnostics.push({
        policyName,
        kind: "preview",
        violation: message,
        message,
        enforcementLevel: "advisory",
      });
    } else if (e instanceof NotApplicableError) {
      notApplicable.push({ policyName, reason: e.reason });
    } else {
      throw e;
    }
  }

  private resourceArgs(
    p: ResourceValidationPolicy,
    r: HarnessResource,
    props: Props,
  ): ResourceValidationArgs {
    const type = r.type;
    return {
      type,
      props,
      urn: this.urn(r),
      name: r.name,
      opts: DEFAULT_OPTS,
      stackTags: this.stackTags,
      isType: (cls) => (cls as unknown as { __pulumiType?: string }).__pulumiType === type,
      asType: <T>(cls: unknown) =>
        (cls as { __pulumiType?: string }).__pulumiType === type ? (props as T) : undefined,
      getConfig: <T extends object>() => this.getConfig(p) as T,
      notApplicable: throwNotApplicable,
    } as ResourceValidationArgs;
  }

  /** Validates one resource with every enabled resource policy (the runtime's `analyze`). */
  async analyze(resource: HarnessResource): Promise<AnalyzeResult> {
    const diagnostics: Diagnostic[] = [];
    const notApplicable: NotApplicable[] = [];
    for (const p of this.policies) {
      let level = this.enforcementLevel(p);
      if (level === "disabled" || !isResourcePolicy(p)) continue;
      if (!p.validateResource) {
        notApplicable.push({ policyName: p.name, reason: "Policy does not implement validateResource" });
        continue;
      }
      if (level === "remediate") level = "mandatory";
      const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
      for (const validation of validations) {
        const props = unknownCheckingProxy(deserialize(resource.props, false)) as Props;
        const report = reporter(p, level, diagnostics, this.urn(resource));
        try {
          await validation(this.resourceArgs(p, resource, props), report);
        } catch (e) {
          this.caught(e, p.name, diagnostics, notApplicable);
        }
      }
    }
    return result(diagnostics, notApplicable);
  }

  /** Runs every `remediate`-level policy in order on one resource (the runtime's `remediate`). */
  async remediate(resource: HarnessResource): Promise<RemediateResult> {
    let props = unknownCheckingProxy(secretsPreservingProxy(deserialize(resource.props, true))) as Props;
    const remediations: RemediationRecord[] = [];
    const notApplicable: NotApplicable[] = [];
    for (const p of this.policies) {
      if (this.enforcementLevel(p) !== "remediate" || !isResourcePolicy(p)) continue;
      if (!p.remediateResource) {
        notApplicable.push({ policyName: p.name, reason: "Policy does not implement remediateResource" });
        continue;
      }
      let out: Props | undefined;
      let diagnostic: string | undefined;
      try {
        const r = await p.remediateResource(this.resourceArgs(p, resource, props));
        if (r) {
          out = r as Props;
          props = out;
        }
      } catch (e) {
        if (e instanceof UnknownValueError) {
          diagnostic = `can't run ${this.policyFrom("remediation", p.name)} during preview: ${(e as Error).message}`;
        } else if (e instanceof NotApplicableError) {
          notApplicable.push({ policyName: p.name, reason: e.reason });
        } else {
          throw e;
        }
      }
      if (out || diagnostic) {
        remediations.push({ policyName: p.name, properties: out && (unproxy(out) as Props), diagnostic });
      }
    }
    return { props: unproxy(props) as Props, remediations, notApplicable };
  }

  /** The engine's order for one resource: remediate, then validate the remediated props. */
  async run(resource: HarnessResource): Promise<RunResult> {
    const remediation = await this.remediate(resource);
    const analysis = await this.analyze({ ...resource, props: remediation.props });
    return { ...analysis, remediation };
  }

  /** Validates the whole stack with every enabled stack policy (the runtime's `analyzeStack`). */
  async analyzeStack(resources: HarnessResource[]): Promise<AnalyzeResult> {
    const diagnostics: Diagnostic[] = [];
    const notApplicable: NotApplicable[] = [];
    for (const p of this.policies) {
      let level = this.enforcementLevel(p);
      if (level === "disabled" || !isStackPolicy(p)) continue;
      if (level === "remediate") level = "mandatory";
      const report = reporter(p, level, diagnostics);
      try {
        const policyResources: PolicyResource[] = resources.map((r) => {
          const props = unknownCheckingProxy(deserialize(r.props, false)) as Props;
          const type = r.type;
          return {
            type,
            props,
            urn: this.urn(r),
            name: r.name,
            opts: DEFAULT_OPTS,
            dependencies: [],
            propertyDependencies: {},
            isType: (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType === type,
            asType: (cls: unknown) =>
              (cls as { __pulumiType?: string }).__pulumiType === type ? props : undefined,
          } as unknown as PolicyResource;
        });
        const args: StackValidationArgs = {
          resources: policyResources,
          getConfig: <T extends object>() => this.getConfig(p) as T,
          stackTags: this.stackTags,
          notApplicable: throwNotApplicable,
        };
        await p.validateStack(args, report);
      } catch (e) {
        this.caught(e, p.name, diagnostics, notApplicable);
      }
    }
    return result(diagnostics, notApplicable);
  }
}

/** The `reportViolation` a policy is given: records a violation at `level`, on `defaultUrn` unless it names one. */
function reporter(
  p: { name: string; description: string },
  level: EnforcementLevel,
  diagnostics: Diagnostic[],
  defaultUrn?: string,
): (violation: string, urn?: string) => void {
  return (violation, urn) => {
    diagnostics.push({
      policyName: p.name,
      kind: "violation",
      violation,
      message: violation ? `${p.description}\n${violation}` : p.description,
      enforcementLevel: level,
      urn: urn ?? defaultUrn,
    });
  };
}

function result(diagnostics: Diagnostic[], notApplicable: NotApplicable[]): AnalyzeResult {
  return {
    diagnostics,
    violations: diagnostics.filter((d) => d.kind === "violation"),
    previewSkips: diagnostics.filter((d) => d.kind === "preview"),
    notApplicable,
  };
}
