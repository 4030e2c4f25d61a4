// BuildKitImage: a multi-platform image built by a BuildKit daemon driven directly with `buildctl`, pushed as
// one index and referenced by digest. It is a Pulumi dynamic resource, so it needs no provider plugin: the
// builder for air-gapped organisations and for machines where @pulumi/docker-build's plugin cannot be had.
//
// A rebuild happens only when the content hash changes: the hash covers every file of the build context, the
// Dockerfile text, the build args, the platforms and the tags. The daemon's address is not part of it, so moving
// the builder rebuilds nothing.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { isSha256Digest } from "distroless-guardrails/model";
import { type RegistryAuth, registryClient } from "./registry-api";

/** BuildKit's own default SBOM generator (syft behind BuildKit's scanner protocol), as `docker buildx --sbom` uses. */
export const DEFAULT_SBOM_GENERATOR = "docker/buildkit-syft-scanner:stable-1";

/** The inputs of a BuildKit build, all plain by the time the provider sees them. */
export interface BuildKitImageInputs {
  /** Always the model's `BUILDKIT_IMAGE_KIND`: it marks the dynamic resource as an image build for the pack. */
  kind: string;
  /** buildkitd address as buildctl takes it: `unix:///run/buildkit/buildkitd.sock`, `tcp://127.0.0.1:1234`. */
  address: string;
  /** Build context, relative to the Pulumi project directory. */
  context: string;
  /** Dockerfile text (generated, or the user's file as read and audited at preview). */
  dockerfile: string;
  /** Target platforms, e.g. `linux/amd64`. */
  platforms: string[];
  /** `--build-arg`s. */
  buildArgs: Record<string, string>;
  /** Repository pushed to, without tag or digest. */
  repository: string;
  /** Full references pushed (`<repository>:<tag>`). */
  tags: string[];
  /** Registry cache reference imported and exported (mode max); none when empty. */
  cacheRef: string;
  /**
   * SBOM generator image BuildKit runs on each platform's root filesystem (`attest:sbom`), its SPDX document
   * attached to the index as an in-toto attestation; none when empty.
   */
  sbomGenerator: string;
  /** Attach SLSA provenance (`attest:provenance=mode=max`: the Dockerfile, build args and sources). */
  provenance: boolean;
  /** sha256 over context, Dockerfile, build args, platforms and tags; a change rebuilds. */
  contentHash: string;
  /** Push credentials (a secret); without them buildctl uses the machine's Docker config. */
  registryAuth?: RegistryAuth;
}

/** What BuildKitImage takes: every input but the content hash (computed from them), each a pulumi.Input. */
export type BuildKitImageArgs = {
  readonly [K in keyof Omit<BuildKitImageInputs, "contentHash">]: pulumi.Input<BuildKitImageInputs[K]>;
};

/** What a build adds to its inputs. */
export interface BuildKitImageOutputs extends Omit<BuildKitImageInputs, "registryAuth"> {
  /** Digest of the pushed index, `sha256:…`. */
  digest: string;
  /** `<repository>@<digest>`. */
  ref: string;
  /** Per platform (`linux/amd64`), the digest of its SPDX SBOM attestation blob; empty without an SBOM. */
  sbomDigests: Record<string, string>;
}

/** Inputs whose change means a new image (everything but the daemon's address). */
export const REBUILD_KEYS = [
  "contentHash",
  "repository",
  "tags",
  "platforms",
  "cacheRef",
  "sbomGenerator",
  "provenance",
] as const;

/**
 * sha256 over the build context's files (path, mode, content; symlinks by their target, never followed) and the
 * build's settings. Files are visited in sorted order so the hash does not depend on the file system.
 */
export function contentHash(
  contextDir: string,
  build: Pick<BuildKitImageInputs, "dockerfile" | "buildArgs" | "platforms" | "tags">,
): string {
  const hash = crypto.createHash("sha256");
  const walk = (rel: string): void => {
    const abs = path.join(contextDir, rel);
    for (const entry of fs
      .readdirSync(abs, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const relPath = rel === "" ? entry.name : `${rel}/${entry.name}`;
      const full = path.join(contextDir, relPath);
      if (entry.isSymbolicLink()) {
        hash.update(`L ${relPath} ${fs.readlinkSync(full)}\n`);
      } else if (entry.isDirectory()) {
        hash.update(`D ${relPath}\n`);
        walk(relPath);
      } else if (entry.isFile()) {
        const mode = fs.statSync(full).mode & 0o777;
        hash.update(`F ${relPath} ${mode.toString(8)} `);
        hash.update(fs.readFileSync(full));
        hash.update("\n");
      }
    }
  };
  walk("");
  const sortedArgs = Object.keys(build.buildArgs)
    .sort()
    .map((k) => [k, build.buildArgs[k]]);
  hash.update(
    JSON.stringify({
      dockerfile: build.dockerfile,
      args: sortedArgs,
      platforms: build.platforms,
      tags: build.tags,
    }),
  );
  return `sha256:${hash.digest("hex")}`;
}

/** The buildctl arguments for a build; pure, so tests can give it exactly. */
export function buildctlArgs(
  inputs: BuildKitImageInputs,
  dirs: { context: string; dockerfileDir: string; metadataFile: string },
): string[] {
  const args = [
    "--addr",
    inputs.address,
    "build",
    "--frontend",
    "dockerfile.v0",
    "--local",
    `context=${dirs.context}`,
    "--local",
    `dockerfile=${dirs.dockerfileDir}`,
    "--opt",
    `platform=${inputs.platforms.join(",")}`,
  ];
  for (const key of Object.keys(inputs.buildArgs).sort()) {
    args.push("--opt", `build-arg:${key}=${inputs.buildArgs[key]}`);
  }
  if (inputs.sbomGenerator !== "") args.push("--opt", `attest:sbom=generator=${inputs.sbomGenerator}`);
  if (inputs.provenance) args.push("--opt", "attest:provenance=mode=max");
  // buildctl reads --output as CSV: a value holding commas is quoted.
  args.push("--output", `type=image,"name=${inputs.tags.join(",")}",push=true,oci-mediatypes=true`);
  if (inputs.cacheRef !== "") {
    args.push("--import-cache", `type=registry,ref=${inputs.cacheRef}`);
    args.push(
      "--export-cache",
      `type=registry,ref=${inputs.cacheRef},mode=max,image-manifest=true,oci-mediatypes=true`,
    );
  }
  args.push("--metadata-file", dirs.metadataFile, "--progress", "plain");
  return args;
}

// The provider runs in the engine's dynamic-provider host, a separate process: its methods are serialized with
// what they capture, so they require Node's modules themselves and capture only plain functions.
async function runBuild(inputs: BuildKitImageInputs): Promise<BuildKitImageOutputs> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const cp = require("node:child_process") as typeof import("node:child_process");
  const nfs = require("node:fs") as typeof import("node:fs");
  const npath = require("node:path") as typeof import("node:path");
  const os = require("node:os") as typeof import("node:os");
  /* eslint-enable @typescript-eslint/no-require-imports */
  // Relative contexts are the project's: the driver names it, `pulumi up` in the project runs from it.
  const root = process.env.DISTROLESS_PROJECT_ROOT ?? process.cwd();
  const tmp = nfs.mkdtempSync(npath.join(os.tmpdir(), "distroless-build-"));
  const env = { ...process.env };
  try {
    nfs.writeFileSync(npath.join(tmp, "Dockerfile"), inputs.dockerfile);
    if (inputs.registryAuth !== undefined) {
      // buildctl reads push credentials from a Docker config; this one lives only for the build.
      const { address, username, password } = inputs.registryAuth;
      const auth = Buffer.from(`${username}:${password}`).toString("base64");
      nfs.mkdirSync(npath.join(tmp, "docker"), { mode: 0o700 });
      nfs.writeFileSync(
        npath.join(tmp, "docker", "config.json"),
        JSON.stringify({ auths: { [address]: { auth } } }),
        {
          mode: 0o600,
        },
      );
      env.DOCKER_CONFIG = npath.join(tmp, "docker");
    }
    const metadataFile = npath.join(tmp, "metadata.json");
    const args = buildctlArgs(inputs, {
      context: npath.resolve(root, inputs.context),
      dockerfileDir: tmp,
      metadataFile,
    });
    const buildctl = process.env.DISTROLESS_BUILDCTL ?? "buildctl";
    const result = await new Promise<{ code: number | null; output: string; error?: Error }>((resolve) => {
      const child = cp.spawn(buildctl, args, { stdio: ["ignore", "pipe", "pipe"], env });
      const chunks: Buffer[] = [];
      child.stdout.on("data", (c: Buffer) => chunks.push(c));
      child.stderr.on("data", (c: Buffer) => chunks.push(c));
      child.on("error", (error) => resolve({ code: null, output: "", error }));
      child.on("close", (code) => resolve({ code, output: Buffer.concat(chunks).toString("utf8") }));
    });
    if (result.error !== undefined) {
      throw new Error(
        `BuildKitImage ${inputs.repository}: cannot run ${buildctl} (${(result.error as NodeJS.ErrnoException).code ?? "error"}); install BuildKit's buildctl on PATH or set DISTROLESS_BUILDCTL (npm run toolchain builds it)`,
      );
    }
    if (result.code !== 0) {
      const tail = result.output.trimEnd().split("\n").slice(-25).join("\n");
      throw new Error(
        `BuildKitImage ${inputs.repository}: buildctl exited with ${result.code} building ${inputs.platforms.join(", ")} at ${inputs.address}; its last lines:\n${tail}\n` +
          "Check that buildkitd runs at that address (npm run local:status) and can push to the registry.",
      );
    }
    const metadata = JSON.parse(nfs.readFileSync(metadataFile, "utf8")) as Record<string, unknown>;
    const digest = metadata["containerimage.digest"];
    if (typeof digest !== "string" || !isSha256Digest(digest)) {
      throw new Error(
        `BuildKitImage ${inputs.repository}: buildctl reported no image digest; the push did not complete`,
      );
    }
    const sbomDigests =
      inputs.sbomGenerator === "" ? {} : await sbomDigestsOf(inputs.repository, digest, inputs.registryAuth);
    // Credentials stay out of the outputs (and so out of state in plain text).
    const { registryAuth: _auth, ...recorded } = inputs;
    void _auth;
    return { ...recorded, digest, ref: `${inputs.repository}@${digest}`, sbomDigests };
  } finally {
    nfs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Per platform, the SPDX attestation blob BuildKit attached to the pushed index, read back from the registry:
 * the index lists an attestation manifest per platform manifest, whose layers are the in-toto statements.
 */
async function sbomDigestsOf(
  repository: string,
  digest: string,
  auth: BuildKitImageInputs["registryAuth"],
): Promise<Record<string, string>> {
  const registry = registryClient(repository, auth, `BuildKitImage ${repository}`);
  const get = registry.manifest;
  type Descriptor = {
    digest: string;
    platform?: { os: string; architecture: string; variant?: string };
    annotations?: Record<string, string>;
  };
  const index = (await get(digest)) as { manifests?: Descriptor[] };
  const manifests = index.manifests ?? [];
  const platformOf = new Map(
    manifests
      .filter((m) => m.platform !== undefined && m.platform.os !== "unknown")
      .map((m) => [
        m.digest,
        `${m.platform?.os}/${m.platform?.architecture}${m.platform?.variant ? `/${m.platform.variant}` : ""}`,
      ]),
  );
  const out: Record<string, string> = {};
  for (const m of manifests) {
    const ann = m.annotations ?? {};
    if (ann["vnd.docker.reference.type"] !== "attestation-manifest") continue;
    const platform = platformOf.get(ann["vnd.docker.reference.digest"] ?? "");
    const attestation = (await get(m.digest)) as { layers?: Descriptor[] };
    const spdx = (attestation.layers ?? []).find(
      (l) => l.annotations?.["in-toto.io/predicate-type"] === "https://spdx.dev/Document",
    );
    if (platform !== undefined && spdx !== undefined) out[platform] = spdx.digest;
  }
  return out;
}

function rebuildChanges(olds: BuildKitImageInputs, news: BuildKitImageInputs): string[] {
  return REBUILD_KEYS.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
}

/** The dynamic provider. Images are kept on delete: a pinned digest may still run or be rolled back to. */
export const buildKitProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: BuildKitImageOutputs, news: BuildKitImageInputs) {
    const changed = rebuildChanges(olds, news);
    // A new address alone is recorded without rebuilding.
    const changes = changed.length > 0 || olds.address !== news.address;
    return { changes, replaces: [], deleteBeforeReplace: false };
  },
  async create(inputs: BuildKitImageInputs) {
    const outs = await runBuild(inputs);
    return { id: `${inputs.repository}@${outs.digest}`, outs };
  },
  async update(_id: string, olds: BuildKitImageOutputs, news: BuildKitImageInputs) {
    if (rebuildChanges(olds, news).length === 0) {
      return { outs: { ...olds, address: news.address } };
    }
    return { outs: await runBuild(news) };
  },
  async delete() {
    // Retained: the registry's retention policy prunes old images.
  },
};

/** The dynamic resource; DistrolessImage creates it when `buildkit` is given. */
export class BuildKitImage extends pulumi.dynamic.Resource {
  declare public readonly digest: pulumi.Output<string>;
  declare public readonly ref: pulumi.Output<string>;
  declare public readonly sbomDigests: pulumi.Output<Record<string, string>>;

  constructor(name: string, inputs: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super(
      buildKitProvider,
      name,
      { ...inputs, digest: undefined, ref: undefined, sbomDigests: undefined },
      opts,
    );
  }
}
