// What the end-to-end tests use to look at the real local environment: kubectl with the local kubeconfig,
// commands inside the cluster's network namespace, the registry's API, and the engine through the driver.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { binDir, localKubeconfig, PROJECT_ROOT } from "../../scripts/lib/paths";
import type { StackTarget } from "../../scripts/stack";
import { registryClient } from "../../components/registry-api";
import { gvisorRuntimeClass } from "../../scripts/release/sandbox";
import { LATEST_PSS_VERSION } from "distroless-guardrails/model";

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: readonly string[], input?: string): Run {
  const r = spawnSync(cmd, args, { encoding: "utf8", input, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** kubectl against the local cluster. */
export function kubectl(args: readonly string[], input?: string): Run {
  return run(path.join(binDir(), "kubectl"), ["--kubeconfig", localKubeconfig(), ...args], input);
}

/** kubectl that must succeed; returns stdout. */
export function kubectlOk(args: readonly string[], input?: string): string {
  const r = kubectl(args, input);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** kubectl … -o json, parsed. */
export function kubectlJson<T = Record<string, unknown>>(args: readonly string[]): T {
  return JSON.parse(kubectlOk([...args, "-o", "json"])) as T;
}

/** A command inside the cluster's network namespace (where Service IPs route). */
export function inCluster(args: readonly string[]): Run {
  return run("bash", [path.join(PROJECT_ROOT, "scripts", "local", "cluster.sh"), "exec", ...args]);
}

/** True when `npm run local:up` has the environment running. */
export function clusterRunning(): boolean {
  return run("bash", [path.join(PROJECT_ROOT, "scripts", "local", "cluster.sh"), "status"]).status === 0;
}

/** A registry manifest (index or image) from the local registry, through its loopback forward. */
export async function manifest(repository: string, reference: string): Promise<Record<string, unknown>> {
  return localRegistry(repository).manifest(reference);
}

/** A blob from the local registry, parsed as JSON (an attestation's in-toto statement). */
export async function blob(repository: string, digest: string): Promise<unknown> {
  return JSON.parse(await localRegistry(repository).blob(digest)) as unknown;
}

/** The builds' registry client, on a repository of the local registry. */
function localRegistry(repository: string) {
  return registryClient(
    `127.0.0.1:${process.env.DISTROLESS_REGISTRY_PORT ?? "5000"}/${repository}`,
    undefined,
    "registry",
  );
}

/** The SLSA provenance statement BuildKit attached to an index, one per platform. */
export interface Provenance {
  predicateType: string;
  predicate: {
    buildDefinition: { externalParameters: { request: { args: Record<string, string> } } };
    runDetails: {
      metadata: { buildkit_metadata: { source: { infos: { filename: string; data: string }[] } } };
    };
  };
}

/** Every provenance attestation of an index: its attestation manifests' provenance layers. */
export async function provenanceOf(repository: string, indexDigest: string): Promise<Provenance[]> {
  type Descriptor = { digest: string; annotations?: Record<string, string> };
  const index = (await manifest(repository, indexDigest)) as { manifests: Descriptor[] };
  const found: Provenance[] = [];
  for (const m of index.manifests) {
    if (m.annotations?.["vnd.docker.reference.type"] !== "attestation-manifest") continue;
    const attestation = (await manifest(repository, m.digest)) as { layers: Descriptor[] };
    for (const layer of attestation.layers) {
      if (layer.annotations?.["in-toto.io/predicate-type"] === "https://slsa.dev/provenance/v1") {
        found.push((await blob(repository, layer.digest)) as Provenance);
      }
    }
  }
  return found;
}

/** The Debian packages of each base family, as scripts/local/images.sh lists them (STATIC_PKGS, BASE_PKGS, ...). */
export function basePackages(): Record<"static" | "base" | "cc" | "python", string[]> {
  const script = fs.readFileSync(path.join(PROJECT_ROOT, "scripts", "local", "images.sh"), "utf8");
  const list = (name: string): string[] => {
    const m = new RegExp(`^${name}=\\(([^)]*)\\)`, "m").exec(script);
    if (m === null) throw new Error(`images.sh has no ${name}`);
    const minor = /^PYTHON_MINOR=(\S+)$/m.exec(script)?.[1] ?? "";
    return m[1]
      .split(/\s+/)
      .filter((w) => w !== "")
      .map((w) => w.replace(/"/g, "").replace("$PYTHON_MINOR", minor));
  };
  return {
    static: list("STATIC_PKGS"),
    base: list("BASE_PKGS"),
    cc: list("CC_PKGS"),
    python: list("PYTHON_PKGS"),
  };
}

/** A driver target on a file backend of its own, so tests never touch a user's state. */
export class EngineSession {
  readonly backend = fs.mkdtempSync(path.join(os.tmpdir(), "distroless-e2e-state-"));
  output = "";
  events: EngineEvent[] = [];

  target(stack: string, extra: Partial<StackTarget> = {}): StackTarget {
    this.output = "";
    this.events = [];
    return {
      stack,
      env: { PULUMI_BACKEND_URL: `file://${this.backend}`, KUBECONFIG: localKubeconfig() },
      onOutput: (text) => {
        this.output += text;
        if (process.env.E2E_VERBOSE === "1") process.stdout.write(text);
      },
      onEvent: (event) => this.events.push(event),
      ...extra,
    };
  }

  /**
   * Steps the engine planned or took on resources, other than "same", as [op, type, name, changed property
   * paths]. Provider resources are left out: the engine refreshes its default providers' records, which
   * touches nothing in the cluster (the update summary does not count them).
   */
  changes(): [string, string, string, string[]][] {
    const out: [string, string, string, string[]][] = [];
    for (const e of this.events) {
      const m = e.resourcePreEvent?.metadata;
      if (m === undefined || m.op === "same" || m.type.startsWith("pulumi:providers:")) continue;
      const name = m.urn.split("::").pop() ?? m.urn;
      out.push([m.op, m.type, name, Object.keys(m.detailedDiff ?? {}).sort()]);
    }
    return out;
  }

  dispose(): void {
    fs.rmSync(this.backend, { recursive: true, force: true });
  }
}

/**
 * The config keys that keep a suite to itself: a namespace of its own (restricted at the newest Pod Security
 * version, with `quota`) and a RuntimeClass of its own (the release sandbox's shape).
 */
export function e2eIsolation(
  namespace: string,
  runtimeClass: string,
  quota: Record<string, unknown>,
): Record<string, unknown> {
  return {
    namespace: { name: namespace, pssVersion: LATEST_PSS_VERSION, quota },
    runtimeClass: gvisorRuntimeClass(runtimeClass),
  };
}
