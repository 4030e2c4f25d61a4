// GvisorRuntimeClass: the RuntimeClass hardened pods name in runtimeClassName. Either creates it (handler runsc,
// pod overhead, scheduling onto sandbox nodes) or, when the cluster already ships one (GKE Sandbox creates
// "gvisor" itself), reads the existing object instead of failing with AlreadyExists.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  assertDns1123Subdomain,
  assertQuantity,
  DEFAULT_RUNTIME_CLASS,
  DNS1123_LABEL,
  fail,
  show,
} from "./podspec";

export const DEFAULT_HANDLER = "runsc";
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
  /** RuntimeClass name pods refer to. Plain so it is validated at preview. Default "gvisor". */
  readonly runtimeClassName?: string;
  /** CRI handler configured on the nodes. Default "runsc". */
  readonly handler?: string;
  /** overhead.podFixed. Default cpu "250m", memory "64Mi". */
  readonly overhead?: RuntimeOverhead;
  /** scheduling.nodeSelector. Default GKE Sandbox's `sandbox.gke.io/runtime: gvisor`; `{}` for none. */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** scheduling.tolerations. Default GKE Sandbox's `sandbox.gke.io/runtime=gvisor:NoSchedule`; `[]` for none. */
  readonly tolerations?: readonly RuntimeToleration[];
  /**
   * The cluster already provides this RuntimeClass (GKE Sandbox, a platform team): read it instead of creating it.
   * The read fails preview if it does not exist, and deploy fails if its handler differs from `handler`.
   */
  readonly existing?: boolean;
}

export function validateGvisorRuntimeClassArgs(args: GvisorRuntimeClassArgs): void {
  assertDns1123Subdomain("runtimeClassName", args.runtimeClassName ?? DEFAULT_RUNTIME_CLASS);
  if (args.existing !== undefined && typeof args.existing !== "boolean") {
    fail(`existing: ${show(args.existing)} must be true or false`);
  }
  if (args.existing === true) {
    for (const key of ["overhead", "nodeSelector", "tolerations"] as const) {
      if (args[key] !== undefined) {
        fail(`${key}: cannot be set with existing: true; the cluster's RuntimeClass is read, not changed`);
      }
    }
  }
  buildRuntimeClassBody(args);
}

export class GvisorRuntimeClass extends pulumi.ComponentResource {
  /** The RuntimeClass, created or read from the cluster. */
  public readonly runtimeClass: k8s.node.v1.RuntimeClass;
  /** Name pods put in runtimeClassName. */
  public readonly name: pulumi.Output<string>;
  /** CRI handler of the RuntimeClass. */
  public readonly handler: pulumi.Output<string>;
  /** Whether the RuntimeClass was adopted from the cluster rather than created. */
  public readonly existing: pulumi.Output<boolean>;

  constructor(name: string, args: GvisorRuntimeClassArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    validateGvisorRuntimeClassArgs(args);
    super("distroless:runtime:GvisorRuntimeClass", name, {}, opts);

    const rcName = args.runtimeClassName ?? DEFAULT_RUNTIME_CLASS;
    const expectedHandler = args.handler ?? DEFAULT_HANDLER;
    if (args.existing === true) {
      // A read resource: Pulumi never updates or deletes it, so `pulumi destroy` leaves the cluster's class alone.
      this.runtimeClass = k8s.node.v1.RuntimeClass.get(`${name}-runtimeclass`, rcName, { parent: this });
      this.handler = this.runtimeClass.handler.apply((h) => {
        if (h !== expectedHandler) {
          throw new Error(
            `runtimeClassName: existing RuntimeClass "${rcName}" uses handler ${show(h)}, not "${expectedHandler}"; pods would not run sandboxed`,
          );
        }
        return h;
      });
    } else {
      this.runtimeClass = new k8s.node.v1.RuntimeClass(
        `${name}-runtimeclass`,
        {
          metadata: {
            name: rcName,
            labels: {
              "app.kubernetes.io/managed-by": "pulumi",
              "app.kubernetes.io/part-of": "distroless-platform",
            },
          },
          ...buildRuntimeClassBody(args),
        },
        { parent: this },
      );
      this.handler = this.runtimeClass.handler;
    }
    this.name = this.runtimeClass.metadata.name;
    this.existing = pulumi.output(args.existing === true);
    this.registerOutputs({ name: this.name, handler: this.handler, existing: this.existing });
  }
}
