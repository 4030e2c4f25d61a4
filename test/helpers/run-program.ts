// Runs the whole Pulumi program (index.ts) for one stack under pulumi.runtime.setMocks, with the stack's config
// loaded the way the engine passes it: Pulumi.yaml's project defaults, overlaid by Pulumi.<stack>.yaml, as
// `distroless-platform:<key>` → string (structured values JSON-encoded) in the runtime config.
// Reused by the policy pack's tests to check the program's resources against the rules.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeSettings from "@pulumi/pulumi/runtime/settings";
import { parse } from "yaml";
import { BUILDKIT_IMAGE_KIND } from "distroless-guardrails/model";

/** Project root (where Pulumi.yaml lives). */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const PROJECT_NAME = "distroless-platform";
/** Stacks that have a Pulumi.<stack>.yaml in the repository. */
export const STACKS = ["local", "staging", "prod"] as const;

/** One resource the program registered, as the mock monitor saw it. */
export interface RecordedResource {
  /** Type token, e.g. `kubernetes:apps/v1:Deployment` or `distroless:image:DistrolessImage`. */
  readonly type: string;
  /** Logical name. */
  readonly name: string;
  /** Inputs as registered (Outputs resolved; unknown values absent in preview). */
  readonly inputs: Record<string, unknown>;
  /** True for provider-managed resources, false for components. */
  readonly custom: boolean;
  /** Set when the resource was read (`Resource.get`) rather than created. */
  readonly readId?: string;
}

export interface ProgramRun {
  /** Every resource registered, in registration order. */
  readonly resources: RecordedResource[];
  /** The stack outputs, fully resolved (values unknown at preview are `undefined`). */
  readonly outputs: Record<string, unknown>;
  /** Warnings the program logged (pulumi.log.warn). */
  readonly warnings: string[];
  /** The config the program was given: `distroless-platform:<key>` → value (before string encoding). */
  readonly config: Record<string, unknown>;
}

export interface RunProgramOptions {
  /** Run as `pulumi preview` (true) or `pulumi up` (false, default). */
  readonly preview?: boolean;
  /**
   * Config values replacing the stack's, by short key (`services`, `registry`, ...). `undefined` removes a key.
   * Replaces whole top-level values (no deep merge), like `pulumi config set` without --path.
   */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Short keys to mark as secret, as `pulumi config set --secret` (or a secure nested value) does. */
  readonly secretKeys?: readonly string[];
  /**
   * Whether Pulumi.<stack>.yaml is loaded (default true). False runs a stack without a settings file: Pulumi.yaml's
   * defaults overlaid by `config` only, which is what loadConfig(config) validates.
   */
  readonly stackFile?: boolean;
  /** `overhead.podFixed` of the cluster's RuntimeClass an adopting stack reads (default GKE Sandbox-like 250m/64Mi). */
  readonly clusterRuntimeClassOverhead?: Readonly<Record<string, string>>;
}

const DEFAULT_CLUSTER_OVERHEAD = { cpu: "250m", memory: "64Mi" };

/** Raised when the program throws; carries what was registered before the failure. */
export class ProgramFailure extends Error {
  constructor(
    readonly cause: unknown,
    readonly resources: RecordedResource[],
    readonly warnings: string[],
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "ProgramFailure";
  }
}

function readYaml(file: string): Record<string, unknown> {
  const doc: unknown = parse(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8"));
  if (typeof doc !== "object" || doc === null) throw new Error(`${file}: not a YAML mapping`);
  return doc as Record<string, unknown>;
}

/** Project defaults from Pulumi.yaml's `config:` block, keyed `distroless-platform:<key>`. */
export function projectDefaults(): Record<string, unknown> {
  const project = readYaml("Pulumi.yaml");
  const schema = (project.config ?? {}) as Record<string, { default?: unknown }>;
  const out: Record<string, unknown> = {};
  for (const [key, decl] of Object.entries(schema)) {
    if (decl.default !== undefined) out[`${PROJECT_NAME}:${key}`] = decl.default;
  }
  return out;
}

/** The `config:` block of Pulumi.<stack>.yaml. */
export function stackConfig(stack: string): Record<string, unknown> {
  const doc = readYaml(`Pulumi.${stack}.yaml`);
  return { ...((doc.config ?? {}) as Record<string, unknown>) };
}

/** The effective config of a stack: project defaults overlaid by the stack file (unless left out) and `overrides`. */
export function effectiveConfig(
  stack: string,
  overrides: Readonly<Record<string, unknown>> = {},
  withStackFile = true,
): Record<string, unknown> {
  const config = { ...projectDefaults(), ...(withStackFile ? stackConfig(stack) : {}) };
  for (const [key, value] of Object.entries(overrides)) {
    const full = `${PROJECT_NAME}:${key}`;
    if (value === undefined) delete config[full];
    else config[full] = value;
  }
  return config;
}

/** How the engine hands a value to the program: strings as is, everything else as JSON text. */
export function encodeConfigValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The digest the mocked docker-build provider reports for the Image named `imageName` (deterministic). */
export function mockDigest(imageName: string): string {
  return `sha256:${createHash("sha256").update(imageName).digest("hex")}`;
}

/** The SBOM attestation digests the mocked BuildKit build reports, per platform (deterministic). */
export function mockSbomDigests(imageName: string, platforms: readonly string[]): Record<string, string> {
  return Object.fromEntries(platforms.map((p) => [p, mockDigest(`${imageName} sbom ${p}`)]));
}

/** Outputs the mocked providers return beyond the inputs: what a real `pulumi up` would report. */
function mockState(
  args: pulumi.runtime.MockResourceArgs,
  preview: boolean,
  clusterOverhead: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const inputs = (args.inputs ?? {}) as Record<string, unknown>;
  const isBuildKitImage =
    args.type === "pulumi-nodejs:dynamic:Resource" && inputs.kind === BUILDKIT_IMAGE_KIND;
  if (args.type === "docker-build:index:Image" || isBuildKitImage) {
    // A build's digest is known only after it ran: unknown in preview.
    if (preview) return { ...inputs };
    const digest = mockDigest(args.name);
    const platforms = (inputs.platforms ?? []) as string[];
    return {
      ...inputs,
      digest,
      ...(isBuildKitImage
        ? {
            ref: `${String(inputs.repository)}@${digest}`,
            sbomDigests: inputs.sbomGenerator === "" ? {} : mockSbomDigests(args.name, platforms),
          }
        : {}),
    };
  }
  if (args.type === "kubernetes:node.k8s.io/v1:RuntimeClass" && args.id !== undefined && args.id !== "") {
    // Reading an existing RuntimeClass (GKE Sandbox's) returns the cluster's object.
    return {
      ...inputs,
      metadata: { name: args.id },
      handler: "runsc",
      overhead: { podFixed: { ...clusterOverhead } },
    };
  }
  return { ...inputs };
}

/** True for a value unknown during preview (how the mock monitor receives a not-yet-known input). */
export function isUnknown(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { __pulumiUnknown?: unknown }).__pulumiUnknown === true
  );
}

type Waiter = () => Promise<void>;
// waitForRPCs drains every outstanding registration; it is exported by the runtime but not declared.
const waitForRPCs = (runtimeSettings as unknown as { waitForRPCs?: Waiter }).waitForRPCs;

async function resolveDeep(value: unknown): Promise<unknown> {
  return new Promise((resolve) => (pulumi.output(value) as pulumi.Output<unknown>).apply((v) => resolve(v)));
}

/** Resolves when `output` is known; in preview, unknown outputs resolve to `undefined` via this helper only. */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    output.apply((v) => {
      settled = true;
      resolve(v);
      return v;
    });
    // An unknown output never runs its apply during preview; report it as undefined once RPCs settle.
    void (async () => {
      if (waitForRPCs !== undefined) await waitForRPCs();
      if (!settled) resolve(undefined);
    })();
  });
}

/**
 * Runs index.ts for `stack` under mocks and returns what it registered and exported. Rejects with a
 * ProgramFailure (holding the resources registered so far) when the program throws.
 */
export async function runProgram(stack: string, options: RunProgramOptions = {}): Promise<ProgramRun> {
  const preview = options.preview ?? false;
  const config = effectiveConfig(stack, options.config, options.stackFile ?? true);
  const encoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) encoded[key] = encodeConfigValue(value);
  pulumi.runtime.setAllConfig(
    encoded,
    (options.secretKeys ?? []).map((k) => `${PROJECT_NAME}:${k}`),
  );

  const resources: RecordedResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        resources.push({
          type: args.type,
          name: args.name,
          inputs: (args.inputs ?? {}) as Record<string, unknown>,
          custom: args.custom === true,
          ...(args.id !== undefined && args.id !== "" ? { readId: args.id } : {}),
        });
        const state = mockState(
          args,
          preview,
          options.clusterRuntimeClassOverhead ?? DEFAULT_CLUSTER_OVERHEAD,
        );
        const id =
          args.id !== undefined && args.id !== "" ? args.id : preview ? undefined : `${args.name}-id`;
        return { id, state };
      },
      call: (args) => ({ ...(args.inputs as Record<string, unknown>) }),
    },
    PROJECT_NAME,
    stack,
    preview,
  );

  const warnings: string[] = [];
  const originalWarn = console.warn;
  console.warn = (...parts: unknown[]) => {
    warnings.push(
      parts
        .map(String)
        .join(" ")
        .replace(/^warning: \[runtime\] /, ""),
    );
  };
  try {
    // Imported per run (the module is cached): index.ts reads config only when its function runs.
    const program = (await import("../../index")).default;
    let exported: unknown;
    try {
      exported = await program();
    } catch (e) {
      if (waitForRPCs !== undefined) await waitForRPCs();
      throw new ProgramFailure(e, resources, warnings);
    }
    const outputs = await resolveOutputs(exported, preview);
    if (waitForRPCs !== undefined) await waitForRPCs();
    return { resources, outputs, warnings, config };
  } finally {
    console.warn = originalWarn;
  }
}

async function resolveOutputs(exported: unknown, preview: boolean): Promise<Record<string, unknown>> {
  if (typeof exported !== "object" || exported === null) return {};
  if (!preview) return (await resolveDeep(exported)) as Record<string, unknown>;
  // In preview some outputs stay unknown and a deep apply would never run: resolve key by key, leaf by leaf.
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(exported as Record<string, unknown>)) {
    out[key] = await resolvePreviewValue(value);
  }
  return out;
}

async function resolvePreviewValue(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) return promiseOf(value as pulumi.Output<unknown>);
  if (Array.isArray(value)) return Promise.all(value.map(resolvePreviewValue));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await resolvePreviewValue(v);
    return out;
  }
  return value;
}

/** Resources of one type, in registration order. */
export function ofType(run: { resources: RecordedResource[] }, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

/** The single resource with this type and name; throws when there is none or several. */
export function findResource(
  run: { resources: RecordedResource[] },
  type: string,
  name: string,
): RecordedResource {
  const found = run.resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) {
    const names = ofType(run, type).map((r) => r.name);
    throw new Error(`expected one ${type} named ${name}, found ${found.length} (have: ${names.join(", ")})`);
  }
  return found[0];
}
