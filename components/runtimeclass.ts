// GvisorRuntimeClass: the RuntimeClass hardened pods name in runtimeClassName. Either creates it (handler runsc,
// pod overhead, scheduling onto sandbox nodes) or, when the cluster already ships one (GKE Sandbox creates
// "gvisor" itself), reads the existing object instead of failing with AlreadyExists.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { isPlainInput, liftValidated, mapLifted, type Lifted } from "./inputs";
import { DEFAULT_RUNTIME_CLASS } from "./podspec";
import {
  assertDns1123Subdomain,
  assertQuantity,
  DNS1123_LABEL,
  fail,
  parseQuantity,
  show,
} from "./validation";
import { GVISOR_HANDLER } from "distroless-guardrails/model";

export const DEFAULT_HANDLER = GVISOR_HANDLER;
/** gVisor's Sentry and Gofer cost per pod; counted by the scheduler and ResourceQuota on top of containers. */
export const DEFAULT_OVERHEAD: Readonly<RuntimeOverhead> = Object.freeze({ cpu: "250m", memory: "64Mi" });
/** GKE Sandbox node label and taint. */
export const GKE_SANDBOX_NODE_SELECTOR: Readonly<Record<string, string>> = Object.freeze({
  "sandbox.gke.io/runtime": "gvisor",
});
export const GKE_SANDBOX_TOLERATIONS: readonly RuntimeToleration[] = Object.freeze([
  Object.freeze({
    key: "sandbox.gke.io/runtime",
    operator: "Equal" as const,
    value: "gvisor",
    effect: "NoSchedule" as const,
  }),
]);

export interface RuntimeOverhead {
  /** CPU the sandbox adds per pod, e.g. "250m". */
  readonly cpu: string;
  /** Memory the sandbox adds per pod, e.g. "64Mi". */
  readonly memory: string;
}

export interface RuntimeToleration {
  /** Taint key, e.g. "sandbox.gke.io/runtime". */
  readonly key: string;
  /** "Equal" matches `value`; "Exists" any value. */
  readonly operator: "Equal" | "Exists";
  /** Taint value for "Equal". */
  readonly value?: string;
  /** Taint effect tolerated. */
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface RuntimeClassSpecOptions {
  /** CRI handler. Default "runsc". */
  readonly handler?: string;
  /** overhead.podFixed. Default 250m / 64Mi. */
  readonly overhead?: RuntimeOverhead;
  /** scheduling.nodeSelector. Default GKE Sandbox's; `{}` for none. */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** scheduling.tolerations. Default GKE Sandbox's; `[]` for none. */
  readonly tolerations?: readonly RuntimeToleration[];
}

/** Plain RuntimeClass body (RuntimeClass has no `spec`; these are top-level fields). */
export interface PlainRuntimeClassBody {
  handler: string;
  overhead: { podFixed: { cpu: string; memory: string } };
  scheduling?: {
    nodeSelector?: Record<string, string>;
    tolerations?: { key: string; operator: string; value?: string; effect: string }[];
  };
}

export function buildRuntimeClassBody(opts: RuntimeClassSpecOptions = {}): PlainRuntimeClassBody {
  const handler = opts.handler ?? DEFAULT_HANDLER;
  if (typeof handler !== "string" || handler.length > 63 || !DNS1123_LABEL.test(handler)) {
    fail(`handler: ${show(handler)} is not a DNS-1123 label; use e.g. "runsc"`);
  }
  const overhead = opts.overhead ?? DEFAULT_OVERHEAD;
  assertQuantity("overhead.cpu", overhead.cpu);
  assertQuantity("overhead.memory", overhead.memory);
  const nodeSelector = { ...(opts.nodeSelector ?? GKE_SANDBOX_NODE_SELECTOR) };
  const tolerations = (opts.tolerations ?? GKE_SANDBOX_TOLERATIONS).map((t, i) => {
    if (typeof t.key !== "string" || t.key === "")
      fail(`tolerations[${i}].key: ${show(t.key)} must be a label key`);
    if (t.operator !== "Equal" && t.operator !== "Exists") {
      fail(`tolerations[${i}].operator: ${show(t.operator)} is not allowed; use "Equal" or "Exists"`);
    }
    if (t.operator === "Exists" && t.value !== undefined) {
      fail(`tolerations[${i}].value: must be empty when operator is "Exists"`);
    }
    if (!["NoSchedule", "PreferNoSchedule", "NoExecute"].includes(t.effect)) {
      fail(
        `tolerations[${i}].effect: ${show(t.effect)} is not allowed; use "NoSchedule", "PreferNoSchedule" or "NoExecute"`,
      );
    }
    // Field order key, operator, value, effect matches kubectl output and keeps diffs readable.
    return t.value !== undefined
      ? { key: t.key, operator: t.operator, value: t.value, effect: t.effect }
      : { key: t.key, operator: t.operator, effect: t.effect };
  });
  const body: PlainRuntimeClassBody = {
    handler,
    overhead: { podFixed: { cpu: overhead.cpu, memory: overhead.memory } },
  };
  // An empty scheduling block would be stored as-is and only add noise; leave it out when nothing is set.
  if (Object.keys(nodeSelector).length > 0 || tolerations.length > 0) {
    body.scheduling = {};
    if (Object.keys(nodeSelector).length > 0) body.scheduling.nodeSelector = nodeSelector;
    if (tolerations.length > 0) body.scheduling.tolerations = tolerations;
  }
  return body;
}

export interface GvisorRuntimeClassArgs {
  /** RuntimeClass name pods refer to; a DNS-1123 subdomain. Default "gvisor". */
  readonly runtimeClassName?: pulumi.Input<string>;
  /** CRI handler configured on the nodes. Default "runsc". */
  readonly handler?: pulumi.Input<string>;
  /**
   * overhead.podFixed. Default cpu "250m", memory "64Mi". With `existing: true` it is what the cluster's class is
   * expected to declare (the namespace quota check counts it): when set, a different value is logged as a warning.
   */
  readonly overhead?: pulumi.Input<RuntimeOverhead>;
  /** scheduling.nodeSelector. Default GKE Sandbox's `sandbox.gke.io/runtime: gvisor`; `{}` for none. */
  readonly nodeSelector?: pulumi.Input<Readonly<Record<string, string>>>;
  /** scheduling.tolerations. Default GKE Sandbox's `sandbox.gke.io/runtime=gvisor:NoSchedule`; `[]` for none. */
  readonly tolerations?: pulumi.Input<readonly RuntimeToleration[]>;
  /**
   * The cluster already provides this RuntimeClass (GKE Sandbox, a platform team): read it instead of creating it.
   * The read fails preview if it does not exist, and deploy fails if its handler differs from `handler`.
   * Plain: it decides whether the RuntimeClass is created or read.
   */
  readonly existing?: boolean;
  /**
   * How the caller's user spells the overhead setting, named in the overhead-mismatch warning (e.g. the stack
   * config key "runtimeClass.overhead"). Plain: it only words a message. Default "overhead".
   */
  readonly overheadConfigKey?: string;
}

/** The arguments with every Input resolved. */
export interface PlainGvisorRuntimeClassArgs {
  /** See GvisorRuntimeClassArgs.runtimeClassName. */
  readonly runtimeClassName?: string;
  /** See GvisorRuntimeClassArgs.handler. */
  readonly handler?: string;
  /** See GvisorRuntimeClassArgs.overhead. */
  readonly overhead?: RuntimeOverhead;
  /** See GvisorRuntimeClassArgs.nodeSelector. */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** See GvisorRuntimeClassArgs.tolerations. */
  readonly tolerations?: readonly RuntimeToleration[];
  /** See GvisorRuntimeClassArgs.existing. */
  readonly existing?: boolean;
}

/**
 * Validates every argument that is plain (Outputs are validated by the component once they resolve); throws an
 * Error naming the key, the value and what is allowed.
 */
export function validateGvisorRuntimeClassArgs(args: GvisorRuntimeClassArgs): void {
  if (isPlainInput(args.runtimeClassName)) {
    assertDns1123Subdomain("runtimeClassName", args.runtimeClassName ?? DEFAULT_RUNTIME_CLASS);
  }
  if (args.existing !== undefined && typeof args.existing !== "boolean") {
    fail(`existing: ${show(args.existing)} must be true or false`);
  }
  if (
    args.overheadConfigKey !== undefined &&
    (typeof args.overheadConfigKey !== "string" || args.overheadConfigKey === "")
  ) {
    fail(`overheadConfigKey: ${show(args.overheadConfigKey)} must be a non-empty string`);
  }
  if (args.existing === true) {
    for (const key of ["nodeSelector", "tolerations"] as const) {
      if (args[key] !== undefined) {
        fail(`${key}: cannot be set with existing: true; the cluster's RuntimeClass is read, not changed`);
      }
    }
  }
  const body = {
    handler: args.handler,
    overhead: args.overhead,
    nodeSelector: args.nodeSelector,
    tolerations: args.tolerations,
  };
  if (Object.values(body).every((v) => isPlainInput(v)))
    buildRuntimeClassBody(body as RuntimeClassSpecOptions);
}

/** Whether two quantities are equal in value ("250m" and "0.25" are); false when either is malformed. */
function sameQuantity(a: unknown, b: unknown): boolean {
  if (typeof a !== "string" || typeof b !== "string") return false;
  try {
    return parseQuantity(a) === parseQuantity(b);
  } catch {
    return false;
  }
}

/**
 * The warning for an adopted RuntimeClass whose overhead.podFixed differs from the declared overhead, or
 * undefined when they match. Not an error: the cluster's class is authoritative, only the quota estimate is off.
 */
export function adoptedOverheadWarning(
  runtimeClassName: string,
  actual: { cpu?: string; memory?: string } | undefined,
  declared: RuntimeOverhead,
  /** The key the user sets the declared overhead with, so the warning points at what to change. */
  configKey = "overhead",
): string | undefined {
  if (sameQuantity(actual?.cpu, declared.cpu) && sameQuantity(actual?.memory, declared.memory))
    return undefined;
  const found =
    actual === undefined || (actual.cpu === undefined && actual.memory === undefined)
      ? "no overhead.podFixed"
      : `overhead.podFixed cpu ${show(actual.cpu)}, memory ${show(actual.memory)}`;
  return (
    `${configKey}: existing RuntimeClass "${runtimeClassName}" declares ${found}, but ${configKey} is cpu ` +
    `${show(declared.cpu)}, memory ${show(declared.memory)}; the namespace quota is sized with the declared ` +
    `overhead, so set ${configKey} to the cluster's values`
  );
}

/** What a GvisorRuntimeClass gives its users: the one contract its fields and registered outputs come from. */
export interface GvisorRuntimeClassOutputs {
  /** The RuntimeClass, created or read from the cluster. */
  readonly runtimeClass: k8s.node.v1.RuntimeClass;
  /** Name pods put in runtimeClassName. */
  readonly name: pulumi.Output<string>;
  /** CRI handler of the RuntimeClass. */
  readonly handler: pulumi.Output<string>;
  /** overhead.podFixed of the RuntimeClass (the cluster's, when adopted). */
  readonly overhead: pulumi.Output<RuntimeOverhead | undefined>;
  /** Whether the RuntimeClass was adopted from the cluster rather than created. */
  readonly existing: pulumi.Output<boolean>;
}

type CreatedOrAdopted = Pick<GvisorRuntimeClassOutputs, "runtimeClass" | "handler" | "overhead">;

export class GvisorRuntimeClass extends pulumi.ComponentResource implements GvisorRuntimeClassOutputs {
  declare public readonly runtimeClass: GvisorRuntimeClassOutputs["runtimeClass"];
  declare public readonly name: GvisorRuntimeClassOutputs["name"];
  declare public readonly handler: GvisorRuntimeClassOutputs["handler"];
  declare public readonly overhead: GvisorRuntimeClassOutputs["overhead"];
  declare public readonly existing: GvisorRuntimeClassOutputs["existing"];

  constructor(name: string, args: GvisorRuntimeClassArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    // Plain values are checked before anything is registered; Outputs once they resolve.
    const resolved = GvisorRuntimeClass.validate(args);
    super("distroless:runtime:GvisorRuntimeClass", name, {}, opts);
    const rc =
      args.existing === true
        ? this.adoptRuntimeClass(name, args, resolved)
        : this.createRuntimeClass(name, resolved);
    const outputs: GvisorRuntimeClassOutputs = {
      ...rc,
      name: rc.runtimeClass.metadata.name,
      existing: pulumi.output(args.existing === true),
    };
    Object.assign(this, outputs);
    this.registerOutputs(outputs);
  }

  /** The args checked once: plain values now, Outputs once they resolve. */
  private static validate(args: GvisorRuntimeClassArgs): Lifted<PlainGvisorRuntimeClassArgs> {
    validateGvisorRuntimeClassArgs(args);
    return liftValidated<PlainGvisorRuntimeClassArgs, PlainGvisorRuntimeClassArgs>(
      {
        runtimeClassName: args.runtimeClassName,
        handler: args.handler,
        overhead: args.overhead,
        nodeSelector: args.nodeSelector,
        tolerations: args.tolerations,
        existing: args.existing,
      },
      (r) => validateGvisorRuntimeClassArgs(r),
      (r) => r,
    );
  }

  /**
   * The cluster's RuntimeClass, read: Pulumi never updates or deletes it, so `pulumi destroy` leaves it alone. Its
   * handler must be the expected one; a declared overhead that differs from the cluster's only warns.
   */
  private adoptRuntimeClass(
    name: string,
    args: GvisorRuntimeClassArgs,
    resolved: Lifted<PlainGvisorRuntimeClassArgs>,
  ): CreatedOrAdopted {
    const rcName = mapLifted(resolved, (r) => r.runtimeClassName ?? DEFAULT_RUNTIME_CLASS);
    const runtimeClass = k8s.node.v1.RuntimeClass.get(`${name}-runtimeclass`, rcName, { parent: this });
    const handler = pulumi.all([runtimeClass.handler, pulumi.output(resolved)]).apply(([h, r]) => {
      const rc = r.runtimeClassName ?? DEFAULT_RUNTIME_CLASS;
      const expectedHandler = r.handler ?? DEFAULT_HANDLER;
      if (h !== expectedHandler) {
        throw new Error(
          `runtimeClassName: existing RuntimeClass "${rc}" uses handler ${show(h)}, not "${expectedHandler}"; pods would not run sandboxed`,
        );
      }
      return h;
    });
    // The declared overhead sizes the namespace quota; a mismatch only warns, the cluster's class stays as is.
    const overhead = pulumi.all([runtimeClass.overhead, pulumi.output(resolved)]).apply(([o, r]) => {
      const actual = o?.podFixed as { cpu?: string; memory?: string } | undefined;
      // Only a declared overhead is compared: without one there is no expectation to contradict.
      const warning =
        r.overhead !== undefined
          ? adoptedOverheadWarning(
              r.runtimeClassName ?? DEFAULT_RUNTIME_CLASS,
              actual,
              r.overhead,
              args.overheadConfigKey,
            )
          : undefined;
      if (warning !== undefined) void pulumi.log.warn(warning, this);
      return actual?.cpu !== undefined && actual.memory !== undefined
        ? { cpu: actual.cpu, memory: actual.memory }
        : undefined;
    });
    return { runtimeClass, handler, overhead };
  }

  /** A RuntimeClass of the stack's own, from the validated body. */
  private createRuntimeClass(name: string, resolved: Lifted<PlainGvisorRuntimeClassArgs>): CreatedOrAdopted {
    const rcName = mapLifted(resolved, (r) => r.runtimeClassName ?? DEFAULT_RUNTIME_CLASS);
    const body = mapLifted(resolved, (r) => buildRuntimeClassBody(r));
    const runtimeClass = new k8s.node.v1.RuntimeClass(
      `${name}-runtimeclass`,
      {
        metadata: {
          name: rcName,
          labels: {
            "app.kubernetes.io/managed-by": "pulumi",
            "app.kubernetes.io/part-of": "distroless-platform",
          },
        },
        handler: mapLifted(body, (b) => b.handler),
        overhead: mapLifted(body, (b) => b.overhead),
        // @pulumi/kubernetes 4.25 types this as Input<Scheduling>; an Output resolving to undefined leaves the
        // field out, which is what a class without scheduling needs.
        scheduling: mapLifted(body, (b) => b.scheduling) as pulumi.Input<k8s.types.input.node.v1.Scheduling>,
      },
      { parent: this },
    );
    return {
      runtimeClass,
      handler: runtimeClass.handler,
      overhead: pulumi.output(body).apply((b) => ({ ...b.overhead.podFixed })),
    };
  }
}
