// DistrolessImage: one multi-platform image built with buildx (@pulumi/docker-build), pushed, and referenced
// by digest. The Dockerfile (the user's or a generated one) is audited before any resource is registered.
import * as fs from "fs";
import * as dockerbuild from "@pulumi/docker-build";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { projectPathProblem } from "./project-path";
import { isPlainInput } from "./inputs";
import { show } from "./validation";
import { BuildKitImage, contentHash, DEFAULT_SBOM_GENERATOR, type BuildKitImageArgs } from "./buildkit";
import {
  auditDockerfile,
  BUILDKIT_IMAGE_KIND,
  DEFAULT_FAIL_ON,
  DISTROLESS_REGISTRIES,
  FAIL_ON_CHOICES,
  finalStageBase,
  isSha256Digest,
  PLATFORMS,
  type Severity,
  severityCounts,
  type VulnerabilityFindings,
  type VulnerabilityMatch,
  VULNERABILITY_SCAN_KIND,
} from "distroless-guardrails/model";
import {
  baseImageFor,
  BASES,
  BUILDER_VERSIONED_FAMILIES,
  DEBIAN_PYTHON,
  DEFAULT_DEBIAN,
  FAMILIES,
  PROVIDERS,
  minimalBaseFor,
  validateMirror,
  type Base,
  type Family,
  type Provider,
} from "./baseimage";
import {
  DEFAULT_NODE_VERSION,
  generateDockerfile,
  assertMinimalRuntime,
  PYTHON_DEPENDENCY_FILES,
  RUNTIME_FAMILIES,
  RUNTIMES,
  type MinimalOptions,
  type PythonDependencies,
  type Runtime,
} from "./dockerfiles";
import type { RegistryAuth } from "./registry-api";
import { VulnerabilityScan } from "./vulnscan";

/** Platforms built when none are given. */
export const DEFAULT_PLATFORMS: readonly string[] = PLATFORMS;

/** Families a runtime's generated Dockerfile can run on. */
const RUNTIME_ALLOWED_FAMILIES: Readonly<Record<Runtime, readonly Family[]>> = {
  nodejs: ["nodejs"],
  go: ["static", "base", "cc"],
  python: ["python"],
  java: ["java"],
};

const KNOWN_PLATFORMS: readonly string[] = Object.values(dockerbuild.types.enums.Platform);

export interface RegistryCredentialsArgs {
  /** Registry host, e.g. `registry.example.com` or `localhost:5001`. */
  readonly address: pulumi.Input<string>;
  /** User name for the registry. */
  readonly username: pulumi.Input<string>;
  /** Password or token; always passed on as a Pulumi secret. */
  readonly password: pulumi.Input<string>;
}

export interface DistrolessImageArgs {
  /** Repository pushed to, without tag or digest, e.g. `registry.example.com/team/app`. */
  readonly repository: pulumi.Input<string>;
  /** Build context directory, relative to the Pulumi program or absolute. */
  readonly context: pulumi.Input<string>;
  /** Path of the user's Dockerfile (relative to the Pulumi program). Exclusive with `runtime`. */
  readonly dockerfile?: pulumi.Input<string>;
  /** Generate the Dockerfile for this runtime: `nodejs`, `go`, `python` or `java`. Exclusive with `dockerfile`. */
  readonly runtime?: pulumi.Input<Runtime>;
  /**
   * Base image family of the generated Dockerfile; defaults to `nodejs` for nodejs, `static` for go, `python` for
   * python and `java` for java.
   */
  readonly family?: pulumi.Input<Family>;
  /** Base image provider of the generated Dockerfile: `google` (default) or `chainguard`. */
  readonly provider?: pulumi.Input<Provider>;
  /** Debian release of Google's base images; 13 by default, 12 is rejected (end of life 2026-09). */
  readonly debian?: pulumi.Input<number>;
  /**
   * Runtime version: the Node.js major for nodejs (builder and Google base image, default 22), the Go
   * toolchain of the builder for go (default 1.26), the Python minor of the builder for python (default and, on
   * Google's images, only choice: Debian's, 3.13), the Java release for java (builder and Google base image,
   * default 21).
   */
  readonly runtimeVersion?: pulumi.Input<string>;
  /** Digest pinning the base image (`sha256:...`); required with provider `chainguard`. */
  readonly baseImageDigest?: pulumi.Input<string>;
  /**
   * `distroless` (default): the runtime's Google-equivalent image. `minimal`: a base computed for this image, the
   * mirror's minimal skeleton plus only what the app needs (the runtime binary and the shared libraries it loads),
   * for nodejs and go; needs `registryMirror`.
   */
  readonly base?: pulumi.Input<Base>;
  /** With `base: minimal`: add the CA bundle and the time zone database (both default false). */
  readonly minimal?: pulumi.Input<{ readonly caCertificates?: boolean; readonly timeZones?: boolean }>;
  /**
   * Registry prefix replacing the provider's (`gcr.io/distroless`, `cgr.dev/chainguard`) for air-gapped
   * clusters, e.g. `mirror.internal/distroless`. When set, it is the only registry the audit allows.
   */
  readonly registryMirror?: pulumi.Input<string>;
  /** Target platforms as os/arch; defaults to linux/amd64 and linux/arm64. */
  readonly platforms?: pulumi.Input<pulumi.Input<string>[]>;
  /** Credentials for the registry pushed to (and pulled from); the password is kept secret. */
  readonly registry?: pulumi.Input<RegistryCredentialsArgs>;
  /**
   * Name of the buildx builder to build with (`--builder`); default: Docker's current builder. Pushing a
   * multi-platform image needs a `docker-container` builder or Docker's containerd image store (the legacy `docker`
   * driver cannot export one). For a registry on the host, such as the local stack's `localhost:5000`, create it
   * with `docker buildx create --name distroless --driver docker-container --driver-opt network=host`.
   */
  readonly builder?: pulumi.Input<string>;
  /**
   * Build with this BuildKit daemon directly (`buildctl --addr`, e.g. `tcp://127.0.0.1:1234` or
   * `unix:///run/buildkit/buildkitd.sock`) through a dynamic provider that needs no plugin, instead of
   * @pulumi/docker-build and buildx. Pushes with `registry`'s credentials, else the machine's Docker config.
   * Plain: it decides which child resource is created.
   */
  readonly buildkitAddress?: string;
  /**
   * Attestations attached to the pushed index, with `buildkitAddress` only (@pulumi/docker-build has no inputs for
   * them): an SPDX SBOM per platform made by `sbomGenerator` (default DEFAULT_SBOM_GENERATOR; `""` for none) and
   * SLSA provenance with the Dockerfile, build args and sources (`provenance`, default true). Plain: they decide the
   * build's options.
   */
  readonly attestations?: { readonly sbomGenerator?: string; readonly provenance?: boolean };
  /**
   * The vulnerability gate, with `buildkitAddress` and an SBOM only: Grype matches each platform's SBOM against the
   * database file `database` (relative to the project), and a finding at `failOn` (default `high`) or above, fixable
   * when `onlyFixed` (default true), fails preview or `up` before the image is handed out. Plain: it decides which
   * child resources exist.
   */
  readonly vulnerabilityGate?: {
    readonly database: string;
    readonly failOn?: Severity;
    readonly onlyFixed?: boolean;
  };
  /** Registry cache refs to import; defaults to `<repository>:buildcache`. */
  readonly cacheFrom?: pulumi.Input<pulumi.Input<string>[]>;
  /** Registry cache ref to export (mode max); defaults to `<repository>:buildcache`. */
  readonly cacheTo?: pulumi.Input<string>;
  /** Extra `--build-arg`s; they also resolve ARGs in the final FROM for the audit. */
  readonly buildArgs?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Tags pushed, without the repository (e.g. `1.4.2`, `staging`); defaults to `version`, else the name. */
  readonly tags?: pulumi.Input<pulumi.Input<string>[]>;
  /** Application version, passed as the `VERSION` build arg. */
  readonly version?: pulumi.Input<string>;
  /**
   * Keep the pushed tags and manifests when this resource is deleted (default true). docker-build otherwise tries
   * to delete them, yet a digest-pinned ref may still run after its Image left the program — a canary's stable
   * track runs `services[].stableImage`, built by an earlier version's Image — or be needed to roll back. Plain:
   * it is a resource option.
   */
  readonly retainOnDelete?: boolean;
}

/** The plain values that decide the Dockerfile; all must be known to audit it. */
export interface DockerfileInputs {
  /** Component name, used in the error message. */
  name: string;
  /** Path of the user's Dockerfile. */
  dockerfile?: string;
  /** Runtime whose Dockerfile is generated. */
  runtime?: string;
  /** Base image family of the generated Dockerfile. */
  family?: string;
  /** Base image provider of the generated Dockerfile. */
  provider?: string;
  /** Debian release of Google's base images. */
  debian?: number;
  /** Node.js major, Go, Python or Java version (see DistrolessImageArgs.runtimeVersion). */
  runtimeVersion?: string;
  /** Build context; a python build looks in it for requirements.txt or pyproject.toml. */
  context?: string;
  /** Digest pinning the generated Dockerfile's base. */
  baseImageDigest?: string;
  /** Registry prefix replacing the provider's; the only registry the audit then allows. */
  registryMirror?: string;
  /** `distroless` (default) or `minimal`. */
  base?: string;
  /** With `minimal`: what else to add. */
  minimal?: { caCertificates?: boolean; timeZones?: boolean };
  /** Build args, including VERSION, that resolve ARGs in the final FROM. */
  buildArgs: Record<string, string>;
}

type PlanParts = Omit<DockerfileInputs, "name" | "buildArgs">;

/** The audited Dockerfile: what to give docker-build and the final stage's base. */
export interface DockerfilePlan {
  dockerfile: { inline: string } | { location: string };
  /** The audited Dockerfile's text. */
  text: string;
  baseImage: string;
}

const list = (values: readonly unknown[]): string => values.map(show).join(", ");

/**
 * Reads or generates the Dockerfile and audits it; throws one Error listing every finding. Pure except for
 * reading the user's Dockerfile, so it runs before any resource is registered.
 */
export function planDockerfile(p: DockerfileInputs): DockerfilePlan {
  const allowedRegistries = p.registryMirror !== undefined ? [p.registryMirror] : DISTROLESS_REGISTRIES;
  if (p.registryMirror !== undefined) validateMirror(p.registryMirror, "registryMirror");
  let text: string;
  let file: string;
  let dockerfile: DockerfilePlan["dockerfile"];
  let generatedBase: string | undefined;
  if (p.dockerfile !== undefined && p.runtime !== undefined) {
    throw new Error(
      `dockerfile and runtime: both set (${show(p.dockerfile)}, ${show(p.runtime)}); give either dockerfile (your own) or runtime (generated)`,
    );
  }
  if (p.dockerfile !== undefined) {
    const generatorKeys = (
      ["family", "provider", "debian", "runtimeVersion", "baseImageDigest", "base", "minimal"] as const
    ).filter((k) => p[k] !== undefined);
    if (generatorKeys.length > 0) {
      throw new Error(
        `${generatorKeys.join(", ")}: only apply to a generated Dockerfile (runtime), but dockerfile ${show(p.dockerfile)} is set; choose the base image in that Dockerfile's final FROM`,
      );
    }
    // Relative to the program's directory (Pulumi's working directory), and never outside it.
    const problem = projectPathProblem(process.cwd(), p.dockerfile, "file");
    if (problem !== undefined)
      throw new Error(`dockerfile: ${show(p.dockerfile)} is not allowed; ${problem}`);
    text = fs.readFileSync(p.dockerfile, "utf8");
    file = p.dockerfile;
    dockerfile = { location: p.dockerfile };
  } else if (p.runtime !== undefined) {
    if (!(RUNTIMES as readonly string[]).includes(p.runtime)) {
      throw new Error(`runtime: ${show(p.runtime)} is not supported; allowed: ${list(RUNTIMES)}`);
    }
    const runtime = p.runtime as Runtime;
    const family = p.family ?? RUNTIME_FAMILIES[runtime];
    if (!(FAMILIES as readonly string[]).includes(family)) {
      throw new Error(`family: ${show(family)} is not supported; allowed: ${list(FAMILIES)}`);
    }
    if (!(RUNTIME_ALLOWED_FAMILIES[runtime] as readonly string[]).includes(family)) {
      throw new Error(
        `family: ${show(family)} cannot run a ${runtime} build; allowed for runtime ${show(runtime)}: ${list(RUNTIME_ALLOWED_FAMILIES[runtime])}`,
      );
    }
    const provider = p.provider ?? "google";
    if (!(PROVIDERS as readonly string[]).includes(provider)) {
      throw new Error(`provider: ${show(provider)} is not supported; allowed: ${list(PROVIDERS)}`);
    }
    // The runtime version picks Google's nodejs or java image; Chainguard's is picked by its digest, Go's is static,
    // and Google's python3 image holds its Debian release's Python, which the builder must then match.
    const versionedBase = BUILDER_VERSIONED_FAMILIES.includes(family as Family);
    const baseVersion = versionedBase && provider === "google" ? p.runtimeVersion : undefined;
    if (runtime === "python" && provider === "google" && p.runtimeVersion !== undefined) {
      const debianPython = DEBIAN_PYTHON[(p.debian ?? DEFAULT_DEBIAN) as keyof typeof DEBIAN_PYTHON];
      if (debianPython !== undefined && p.runtimeVersion !== debianPython) {
        throw new Error(
          `runtimeVersion: ${show(p.runtimeVersion)} is not the Python of Google's python3 image on Debian ${p.debian ?? DEFAULT_DEBIAN} (${debianPython}); the builder must use the base's Python, as bytecode and binary wheels are made for one minor (allowed: ${show(debianPython)})`,
        );
      }
    }
    generatedBase = baseImageFor({
      family,
      provider,
      ...(p.debian !== undefined ? { debian: p.debian } : {}),
      ...(baseVersion !== undefined ? { runtimeVersion: baseVersion } : {}),
      ...(p.registryMirror !== undefined ? { mirror: p.registryMirror } : {}),
      ...(p.baseImageDigest !== undefined ? { digest: p.baseImageDigest } : {}),
    });
    const builderVersion = p.runtimeVersion ?? (runtime === "nodejs" ? DEFAULT_NODE_VERSION : undefined);
    const dependencies = runtime === "python" ? pythonDependenciesIn(p.context) : undefined;
    const minimal = minimalPlan(p, runtime, generatedBase);
    if (minimal !== undefined) {
      text = generateDockerfile(runtime, minimal.skeleton, builderVersion, dependencies, minimal.options);
      generatedBase = minimal.skeleton;
    } else {
      text = generateDockerfile(runtime, generatedBase, builderVersion, dependencies);
    }
    file = `Dockerfile (generated for ${runtime})`;
    dockerfile = { inline: text };
  } else {
    throw new Error(
      `dockerfile and runtime: neither is set; give dockerfile (path of your Dockerfile) or runtime (${list(RUNTIMES)}) to generate one`,
    );
  }
  const findings = auditDockerfile(text, { file, allowedRegistries, buildArgs: p.buildArgs });
  if (findings.length > 0) {
    throw new Error(
      `DistrolessImage ${show(p.name)}: ${file} fails the distroless audit (${findings.length} finding${findings.length === 1 ? "" : "s"}):\n` +
        findings.map((f) => `  - ${f.message}`).join("\n"),
    );
  }
  return { dockerfile, text, baseImage: generatedBase ?? finalStageBase(text, p.buildArgs) };
}

/** With `base: minimal`, the skeleton the image is built on and what it takes from `runtimeImage`; else undefined. */
function minimalPlan(
  p: PlanParts,
  runtime: Runtime,
  runtimeImage: string,
): { skeleton: string; options: MinimalOptions } | undefined {
  const base = p.base ?? "distroless";
  if (!(BASES as readonly string[]).includes(base)) {
    throw new Error(`base: ${show(base)} is not supported; allowed: ${list(BASES)}`);
  }
  if (base !== "minimal") {
    if (p.minimal !== undefined) {
      throw new Error(
        `minimal: ${show(p.minimal)} only applies with base "minimal"; remove it or set base "minimal"`,
      );
    }
    return undefined;
  }
  assertMinimalRuntime(runtime);
  if (p.registryMirror === undefined) {
    throw new Error(
      'base: "minimal" needs registryMirror: its skeleton image (minimal-debian13:nonroot) is published by no provider; fill a mirror with `npm run bases -- --push <registry>/<path>` and set it',
    );
  }
  return {
    skeleton: minimalBaseFor(p.registryMirror, p.debian ?? DEFAULT_DEBIAN),
    options: {
      runtimeImage,
      caCertificates: p.minimal?.caCertificates ?? false,
      timeZones: p.minimal?.timeZones ?? false,
    },
  };
}

/**
 * The first of PYTHON_DEPENDENCY_FILES that is a regular file in `context`, else `none` (standard library only).
 * Only the names are looked at: nothing is read, and a symbolic link is not followed (the builder would not either).
 */
export function pythonDependenciesIn(context: string | undefined): PythonDependencies {
  if (context === undefined) {
    throw new Error(
      "context: unset; a python build needs its context to find requirements.txt or pyproject.toml",
    );
  }
  for (const file of PYTHON_DEPENDENCY_FILES) {
    try {
      if (fs.lstatSync(path.join(context, file)).isFile()) return file;
    } catch {
      // Absent (or unreadable, which the build would report): look for the next.
    }
  }
  return "none";
}

/** Throws unless `repository` is `host[:port]/path` without scheme, tag or digest. */
export function validateRepository(repository: string): void {
  const lastSlash = repository.lastIndexOf("/");
  const bad =
    lastSlash <= 0 ||
    repository.includes("://") ||
    repository.includes("@") ||
    repository.slice(lastSlash + 1).includes(":") ||
    repository.endsWith("/") ||
    repository !== repository.trim();
  if (bad) {
    throw new Error(
      `repository: ${show(repository)} is not a repository; expected host[:port]/path without tag or digest, e.g. "registry.example.com/team/app"`,
    );
  }
}

/** Throws unless every platform is an os/arch buildx knows, without duplicates. */
export function validatePlatforms(platforms: readonly string[]): void {
  if (platforms.length === 0) {
    throw new Error(`platforms: empty; give at least one os/arch, e.g. ${list(DEFAULT_PLATFORMS)}`);
  }
  platforms.forEach((p, i) => {
    if (!KNOWN_PLATFORMS.includes(p)) {
      throw new Error(
        `platforms[${i}]: ${show(p)} is not an os/arch platform buildx knows; expected e.g. ${list(DEFAULT_PLATFORMS)}`,
      );
    }
    if (platforms.indexOf(p) !== i) throw new Error(`platforms[${i}]: ${show(p)} is listed twice`);
  });
}

const TAG_FIRST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";

/** Throws unless `tag` is a docker tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. */
export function validateTag(tag: string, key: string): void {
  const ok =
    tag.length > 0 &&
    tag.length <= 128 &&
    TAG_FIRST.includes(tag[0]) &&
    [...tag].every((c) => TAG_FIRST.includes(c) || c === "." || c === "-");
  if (!ok) {
    throw new Error(
      `${key}: ${show(tag)} is not a docker tag; expected letters, digits, "_", "." or "-" (max 128), not starting with "." or "-", and without the repository`,
    );
  }
}

/** Runs `check` now when `value` is plain (preview fails before anything is registered), else once known. */
function checked<T>(
  value: pulumi.Input<T>,
  check: (v: pulumi.Unwrap<T>) => void,
): pulumi.Output<pulumi.Unwrap<T>> {
  const elements: unknown[] = Array.isArray(value) ? value : [];
  if (isPlainInput(value) && elements.every(isPlainInput)) {
    check(value as pulumi.Unwrap<T>);
    return pulumi.output(value as pulumi.Input<T>);
  }
  return pulumi.output(value).apply((v) => {
    check(v);
    return v;
  });
}

/** What a DistrolessImage gives its users: the one contract its fields and registered outputs come from. */
export interface DistrolessImageOutputs {
  /** `<repository>@sha256:...`, the pushed image pinned by digest. */
  readonly ref: pulumi.Output<string>;
  /** The manifest-list digest, `sha256:...`. */
  readonly digest: pulumi.Output<string>;
  /** The platforms built. */
  readonly platforms: pulumi.Output<string[]>;
  /** The final stage's base image, e.g. `gcr.io/distroless/nodejs22-debian13:nonroot`. */
  readonly baseImage: pulumi.Output<string>;
  /** Per platform, the digest of the SPDX SBOM attested on the pushed index; empty without one. */
  readonly sbomDigests: pulumi.Output<Record<string, string>>;
  /** Findings per severity (most severe first) over every platform; empty without a vulnerability gate. */
  readonly vulnerabilities: pulumi.Output<VulnerabilityCounts>;
}

/** Per severity, how many findings and how many of them have a fix. */
export type VulnerabilityCounts = Partial<Record<Severity | "unknown", { total: number; fixable: number }>>;

/** Findings per severity, most severe first, severities without findings left out. */
export function countsOf(matches: readonly VulnerabilityMatch[]): VulnerabilityCounts {
  const counts: VulnerabilityCounts = {};
  for (const { severity, total, fixable } of severityCounts(matches)) {
    if (total > 0) counts[severity] = { total, fixable };
  }
  return counts;
}

/** One line per image: `<name>: 2 findings (low 2, 0 fixable) with the database built …; the gate fails on …`. */
export function findingsSummary(
  name: string,
  findings: VulnerabilityFindings,
  failOn: Severity,
  onlyFixed: boolean,
): string {
  const counts = severityCounts(findings.matches).filter((c) => c.total > 0);
  const n = findings.matches.length;
  const detail =
    counts.length === 0
      ? ""
      : ` (${counts.map((c) => `${c.severity} ${c.total}`).join(", ")}; ${counts.reduce((k, c) => k + c.fixable, 0)} fixable)`;
  return (
    `${name}: ${n} finding${n === 1 ? "" : "s"}${detail} on ${findings.platforms.join(", ")} with the database ` +
    `built ${findings.databaseBuilt}; the gate fails on ${failOn} and above${onlyFixed ? " with a fix" : ""}`
  );
}

/** Inputs checked before anything is registered. */
interface ValidImageArgs {
  repository: pulumi.Output<string>;
  platforms: pulumi.Output<string[]>;
  tags: pulumi.Output<string[]>;
  plan: PlannedDockerfile;
}

/** The audited Dockerfile as the builders take it, known now or once its inputs are. */
interface PlannedDockerfile {
  dockerfile: pulumi.Input<dockerbuild.types.input.DockerfileArgs>;
  text: pulumi.Output<string>;
  baseImage: pulumi.Output<string>;
}

/** What both builders take besides the checked inputs. */
interface BuildSettings {
  buildArgs: pulumi.Output<Record<string, string>>;
  refs: pulumi.Output<string[]>;
  cacheRef: pulumi.Output<string>;
  retainOnDelete: boolean;
  /** The registry credentials as the dynamic resources take them (a secret); undefined without credentials. */
  registryAuth?: pulumi.Output<RegistryAuth>;
}

export class DistrolessImage extends pulumi.ComponentResource implements DistrolessImageOutputs {
  declare public readonly ref: DistrolessImageOutputs["ref"];
  declare public readonly digest: DistrolessImageOutputs["digest"];
  declare public readonly platforms: DistrolessImageOutputs["platforms"];
  declare public readonly baseImage: DistrolessImageOutputs["baseImage"];
  declare public readonly sbomDigests: DistrolessImageOutputs["sbomDigests"];
  declare public readonly vulnerabilities: DistrolessImageOutputs["vulnerabilities"];

  constructor(name: string, args: DistrolessImageArgs, opts?: pulumi.ComponentResourceOptions) {
    // Everything decidable from plain values is validated before super(), so a bad input registers nothing.
    const valid = DistrolessImage.validate(name, args);
    super("distroless:image:DistrolessImage", name, {}, opts);
    const build = DistrolessImage.buildSettings(args, valid);
    const image =
      args.buildkitAddress !== undefined
        ? this.createBuildKitBuild(name, args, args.buildkitAddress, valid, build)
        : this.createDockerBuild(name, args, valid, build);
    const scan =
      image instanceof BuildKitImage && args.vulnerabilityGate !== undefined
        ? this.createVulnerabilityScan(name, args.vulnerabilityGate, valid, build, image)
        : undefined;
    this.registerContract(name, valid, image, scan);
  }

  /** The checked repository, platforms and tags, and the audited Dockerfile. */
  private static validate(name: string, args: DistrolessImageArgs): ValidImageArgs {
    const repository = checked(args.repository, validateRepository);
    const platforms = checked(args.platforms ?? [...DEFAULT_PLATFORMS], validatePlatforms);
    const plan = DistrolessImage.plan(name, args);
    if (args.attestations !== undefined && args.buildkitAddress === undefined) {
      throw new Error(
        `attestations: ${show(args.attestations)} needs buildkitAddress; @pulumi/docker-build cannot attach SBOM or provenance attestations`,
      );
    }
    if (args.vulnerabilityGate !== undefined) DistrolessImage.validateGate(args);
    const tags = checked(args.tags ?? [args.version ?? name], (ts) =>
      ts.forEach((t, i) => validateTag(t, `tags[${i}]`)),
    );
    return { repository, platforms, plan, tags };
  }

  /** The gate scans the SBOM BuildKit attests: it needs both, and a threshold Grype knows. */
  private static validateGate(args: DistrolessImageArgs): void {
    const gate = args.vulnerabilityGate;
    if (gate === undefined) return;
    if (args.buildkitAddress === undefined || args.attestations?.sbomGenerator === "") {
      throw new Error(
        `vulnerabilityGate: ${show(gate)} needs buildkitAddress and an SBOM generator; the gate scans the SBOM BuildKit attaches to the image`,
      );
    }
    if (gate.failOn !== undefined && !(FAIL_ON_CHOICES as readonly string[]).includes(gate.failOn)) {
      throw new Error(
        `vulnerabilityGate.failOn: ${show(gate.failOn)} is not a severity; allowed: ${list(FAIL_ON_CHOICES)}`,
      );
    }
    if (path.isAbsolute(gate.database) || gate.database.split(/[\\/]/).includes("..")) {
      throw new Error(
        `vulnerabilityGate.database: ${show(gate.database)} is not allowed; expected a path inside the project, relative to its root`,
      );
    }
  }

  /** What both builders take: build args with VERSION, the pushed references, the cache reference. */
  private static buildSettings(args: DistrolessImageArgs, valid: ValidImageArgs): BuildSettings {
    const buildArgs = pulumi
      .all([pulumi.output(args.buildArgs ?? {}), pulumi.output(args.version)])
      .apply(([extra, version]): Record<string, string> => ({
        ...extra,
        ...(version !== undefined ? { VERSION: version } : {}),
      }));
    return {
      buildArgs,
      refs: pulumi.all([valid.repository, valid.tags]).apply(([repo, ts]) => ts.map((t) => `${repo}:${t}`)),
      cacheRef: pulumi.interpolate`${valid.repository}:buildcache`,
      retainOnDelete: args.retainOnDelete ?? true,
      ...(args.registry !== undefined
        ? {
            registryAuth: pulumi.secret(
              pulumi.output(args.registry).apply((r) => ({
                address: r.address,
                username: r.username,
                password: r.password,
              })),
            ),
          }
        : {}),
    };
  }

  /** The build through a BuildKit daemon driven directly, with its attestations. */
  private createBuildKitBuild(
    name: string,
    args: DistrolessImageArgs,
    address: string,
    valid: ValidImageArgs,
    build: BuildSettings,
  ): BuildKitImage {
    return DistrolessImage.createBuildKitImage(name, this, build.retainOnDelete, {
      kind: BUILDKIT_IMAGE_KIND,
      address,
      context: pulumi.output(args.context),
      dockerfile: valid.plan.text,
      platforms: valid.platforms,
      buildArgs: build.buildArgs,
      repository: valid.repository,
      tags: build.refs,
      cacheRef: pulumi.output(args.cacheTo ?? build.cacheRef),
      sbomGenerator: args.attestations?.sbomGenerator ?? DEFAULT_SBOM_GENERATOR,
      provenance: args.attestations?.provenance ?? true,
      ...(build.registryAuth !== undefined ? { registryAuth: build.registryAuth } : {}),
    });
  }

  /** The gate: the pushed image's SBOMs scanned before the image is handed out. */
  private createVulnerabilityScan(
    name: string,
    gate: NonNullable<DistrolessImageArgs["vulnerabilityGate"]>,
    valid: ValidImageArgs,
    build: BuildSettings,
    image: BuildKitImage,
  ): VulnerabilityScan {
    const scan = new VulnerabilityScan(
      `${name}-scan`,
      {
        kind: VULNERABILITY_SCAN_KIND,
        image: image.ref,
        repository: valid.repository,
        sbomDigests: image.sbomDigests,
        database: gate.database,
        failOn: gate.failOn ?? DEFAULT_FAIL_ON,
        onlyFixed: gate.onlyFixed ?? true,
        ...(build.registryAuth !== undefined ? { registryAuth: build.registryAuth } : {}),
      },
      { parent: this },
    );
    // The findings in the preview and update output, once known: at preview they are the check's, as the
    // engine projects a pending update's state from its checked inputs.
    pulumi.all([scan.findings, scan.failOn, scan.onlyFixed]).apply(([findings, failOn, onlyFixed]) => {
      if (findings !== undefined)
        void pulumi.log.info(findingsSummary(name, findings, failOn, onlyFixed), this);
    });
    return scan;
  }

  /** The build through buildx (@pulumi/docker-build), with the registry cache. */
  private createDockerBuild(
    name: string,
    args: DistrolessImageArgs,
    valid: ValidImageArgs,
    build: BuildSettings,
  ): dockerbuild.Image {
    const registries = args.registry
      ? [
          pulumi.output(args.registry).apply((r) => ({
            address: r.address,
            username: r.username,
            password: pulumi.secret(r.password),
          })),
        ]
      : undefined;
    return new dockerbuild.Image(
      `${name}-image`,
      {
        push: true,
        context: { location: args.context },
        dockerfile: valid.plan.dockerfile,
        platforms: valid.platforms.apply((ps) => ps as dockerbuild.types.enums.Platform[]),
        tags: build.refs,
        buildArgs: build.buildArgs,
        cacheFrom: pulumi
          .output(args.cacheFrom ?? [build.cacheRef])
          .apply((cacheRefs) => cacheRefs.map((ref) => ({ registry: { ref } }))),
        cacheTo: pulumi.output(args.cacheTo ?? build.cacheRef).apply((ref) => [
          {
            registry: {
              ref,
              mode: dockerbuild.CacheMode.Max,
              imageManifest: true,
              ociMediaTypes: true,
            },
          },
        ]),
        ...(registries ? { registries } : {}),
        ...(args.builder !== undefined ? { builder: { name: args.builder } } : {}),
      },
      { parent: this, retainOnDelete: build.retainOnDelete },
    );
  }

  /** The outputs, from one object: assigned to the fields and registered as they are. */
  private registerContract(
    name: string,
    valid: ValidImageArgs,
    image: BuildKitImage | dockerbuild.Image,
    scan: VulnerabilityScan | undefined,
  ): void {
    // With a gate, the reference comes from the scan: known only once the gate passed, so no Deployment gets an
    // image that failed it.
    const digest =
      scan !== undefined ? scan.image.apply((ref) => ref.slice(ref.indexOf("@") + 1)) : image.digest;
    const outputs: DistrolessImageOutputs = {
      ref: pulumi.all([valid.repository, digest]).apply(([repo, digest]) => {
        if (!isSha256Digest(digest)) {
          throw new Error(
            `DistrolessImage ${show(name)}: the build returned digest ${show(digest)}, not sha256:<64 hex>; the image must be pushed to be referenced by digest`,
          );
        }
        return `${repo}@${digest}`;
      }),
      digest: image.digest,
      platforms: valid.platforms,
      baseImage: valid.plan.baseImage,
      sbomDigests:
        image instanceof BuildKitImage ? image.sbomDigests : pulumi.output<Record<string, string>>({}),
      vulnerabilities:
        scan !== undefined
          ? scan.findings.apply((f) => countsOf(f?.matches ?? []))
          : pulumi.output<VulnerabilityCounts>({}),
    };
    Object.assign(this, outputs);
    this.registerOutputs(outputs);
  }

  /**
   * The BuildKit build: a dynamic resource whose content hash (context files, Dockerfile, args, platforms,
   * tags) is computed here, so an unchanged tree diffs as no change without contacting the daemon.
   */
  private static createBuildKitImage(
    name: string,
    parent: DistrolessImage,
    retainOnDelete: boolean,
    inputs: BuildKitImageArgs,
  ): BuildKitImage {
    const hash = pulumi
      .all([inputs.context, inputs.dockerfile, inputs.buildArgs, inputs.platforms, inputs.tags])
      .apply(([context, dockerfile, buildArgs, platforms, tags]) =>
        contentHash(path.resolve(context), { dockerfile, buildArgs, platforms, tags }),
      );
    return new BuildKitImage(`${name}-image`, { ...inputs, contentHash: hash }, { parent, retainOnDelete });
  }

  /** The audited Dockerfile, now when its inputs are plain, otherwise once they are known. */
  private static plan(name: string, args: DistrolessImageArgs): PlannedDockerfile {
    const parts = {
      dockerfile: args.dockerfile,
      runtime: args.runtime,
      family: args.family,
      provider: args.provider,
      debian: args.debian,
      runtimeVersion: args.runtimeVersion,
      baseImageDigest: args.baseImageDigest,
      registryMirror: args.registryMirror,
      context: args.context,
      base: args.base,
      minimal: args.minimal,
    };
    const build = (
      values: PlanParts,
      extra: Record<string, string>,
      version: string | undefined,
    ): DockerfilePlan =>
      planDockerfile({
        name,
        ...values,
        buildArgs: { ...extra, ...(version !== undefined ? { VERSION: version } : {}) },
      });
    const extraArgs = args.buildArgs ?? {};
    const plain =
      Object.values(parts).every(isPlainInput) &&
      isPlainInput(extraArgs) &&
      Object.values(extraArgs).every(isPlainInput) &&
      isPlainInput(args.version);
    if (plain) {
      const result = build(
        parts as PlanParts,
        extraArgs as Record<string, string>,
        args.version as string | undefined,
      );
      return {
        dockerfile: result.dockerfile,
        text: pulumi.output(result.text),
        baseImage: pulumi.output(result.baseImage),
      };
    }
    // Some input is an Output: audit once it is known. The Image takes its Dockerfile from this result, so
    // nothing unaudited is built.
    const result = pulumi
      .all([pulumi.output(parts), pulumi.output(extraArgs), pulumi.output(args.version)])
      .apply(([values, extra, version]) => build(values, extra, version));
    return {
      dockerfile: result.apply((r) => r.dockerfile),
      text: result.apply((r) => r.text),
      baseImage: result.apply((r) => r.baseImage),
    };
  }
}
