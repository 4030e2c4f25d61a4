// Config validation: every bad key gives its exact message, several problems come back in one error, and a
// program run with bad config registers no resource at all.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  ConfigError,
  decodeConfigValue,
  exactReplicaMultiple,
  loadConfig,
  type LoadConfigOptions,
} from "../config";
import { ProgramFailure, PROJECT_ROOT, runProgram } from "./helpers/run-program";
import { projectPathProblem, type PathKind } from "../components/project-path";

const NODE = { name: "node-service", app: "apps/node-service", runtime: "nodejs", version: "1.0.0" };
const GO = { name: "go-service", app: "apps/go-service", runtime: "go", version: "1.0.0" };
/** A digest-pinned image of the stable version, as `pulumi stack output services --json` reports it. */
const STABLE_IMAGE = `ghcr.io/acme/apps/node-service@sha256:${"ab".repeat(32)}`;
/** A namespace quota large enough for ten replicas per service. */
const LARGE_NAMESPACE = {
  quota: { requestsCpu: "16", requestsMemory: "16Gi", limitsCpu: "32", limitsMemory: "32Gi", pods: 100 },
};
const STABLE_IMAGE_ALLOWED =
  "expected an image pinned by digest, <registry>/<repository>@sha256:<64 hex> (copy the service's stableImage " +
  "from `pulumi stack output services --json`)";

/** The two sample services with the first one changed. */
/** The real path check against this repository, as readStackConfig runs it. */
const inRepo = (rel: string, kind: PathKind) => projectPathProblem(PROJECT_ROOT, rel, kind);

function withService(patch: Record<string, unknown>): { services: Record<string, unknown>[] } {
  return { services: [{ ...NODE, ...patch }, GO] };
}

function problemsOf(raw: Record<string, unknown>, options?: LoadConfigOptions): readonly string[] {
  try {
    loadConfig(raw, options);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail("expected loadConfig to throw");
}

const PSS = 'expected a pinned Pod Security Standards version v1.22..v1.37 (not "latest")';
const PLATFORMS =
  "expected both linux/amd64 and linux/arm64 (the policy pack's mandatory imagePlatforms rule refuses an " +
  "image built for fewer)";
const ADOPT =
  'expected none with runtimeClass.mode "adopt" (the cluster\'s RuntimeClass is read, not changed, and keeps its own scheduling)';

interface Case {
  readonly key: string;
  readonly raw: Record<string, unknown>;
  readonly options?: LoadConfigOptions;
  readonly message: string;
}

const CASES: readonly Case[] = [
  {
    key: "environment",
    raw: { environment: "production" },
    message: 'environment: "production" is not allowed; expected "local", "staging" or "prod"',
  },
  {
    key: "unknown top-level key",
    raw: { namespaces: {} },
    message:
      "namespaces: (unknown key) is not allowed; expected only the keys environment, namespace, registry, " +
      "runtimeClass, images, canary, gateway, debug, requireDigest, services",
  },
  {
    key: "namespace.name",
    raw: { namespace: { name: "Apps" } },
    message:
      'namespace.name: "Apps" is not allowed; expected a DNS-1123 label (at most 63 lowercase letters, digits and -)',
  },
  {
    key: "namespace.pssVersion latest",
    raw: { namespace: { pssVersion: "latest" } },
    message: `namespace.pssVersion: "latest" is not allowed; ${PSS}`,
  },
  {
    key: "namespace.pssVersion newer than known",
    raw: { namespace: { pssVersion: "v1.38" } },
    message: `namespace.pssVersion: "v1.38" is not allowed; ${PSS}`,
  },
  {
    key: "namespace.quota.pods",
    raw: { namespace: { quota: { pods: 0 } } },
    message: "namespace.quota.pods: 0 is not allowed; expected an integer in 1..10000",
  },
  {
    key: "namespace.quota.pods below what the services need",
    raw: { namespace: { quota: { pods: 3 } } },
    message:
      "namespace.quota.pods: 3 is not allowed; expected at least what the services need (6 pods) for both " +
      "canary tracks and their rolling-update surge, RuntimeClass overhead included",
  },
  {
    key: "namespace.quota.limitsCpu below what the services need",
    raw: { namespace: { quota: { limitsCpu: "2" } } },
    message:
      'namespace.quota.limitsCpu: "2" is not allowed; expected at least what the services need (4500m CPU) for ' +
      "both canary tracks and their rolling-update surge, RuntimeClass overhead included",
  },
  {
    key: "registry.server",
    raw: { registry: { server: "https://ghcr.io" } },
    message:
      'registry.server: "https://ghcr.io" is not allowed; expected a registry host[:port] without scheme, e.g. ' +
      '"ghcr.io" or "localhost:5000"',
  },
  {
    key: "registry.password in plaintext",
    raw: { registry: { username: "ci", password: "hunter2" } },
    message:
      "registry.password: (plaintext, value hidden) is not allowed; expected a secret set with " +
      "`pulumi config set --secret --path registry.password <token>`",
  },
  {
    key: "registry.password of the wrong type, without echoing it",
    raw: { registry: { username: "ci", password: 123456 } },
    options: { secretKeys: ["registry"] },
    message:
      "registry.password: (value hidden) is not allowed; expected the registry password or token as a string",
  },
  {
    key: "registry.username without password",
    raw: { registry: { username: "ci" } },
    message:
      "registry.password: (unset) is not allowed; expected registry.username and registry.password to be set together",
  },
  {
    key: "registry unknown key",
    raw: { registry: { sever: "ghcr.io" } },
    message:
      "registry.sever: (unknown key) is not allowed; expected only the keys server, repositoryPrefix, username, " +
      "password, mirror",
  },
  {
    key: "registry.mirror",
    raw: { registry: { mirror: "https://mirror.internal/distroless" } },
    message:
      'registry.mirror: "https://mirror.internal/distroless" is not allowed; expected a registry prefix that ' +
      'mirrors the base images, e.g. "mirror.internal:5000/distroless"',
  },
  {
    key: "runtimeClass.mode",
    raw: { runtimeClass: { mode: "replace" } },
    message:
      'runtimeClass.mode: "replace" is not allowed; expected "create" (the program owns the RuntimeClass) or ' +
      '"adopt" (the cluster already has one)',
  },
  {
    key: "runtimeClass.handler",
    raw: { runtimeClass: { handler: "runc" } },
    message:
      'runtimeClass.handler: "runc" is not allowed; expected "runsc" (gVisor\'s runtime handler; the sandbox ' +
      "cannot be swapped out)",
  },
  {
    key: "runtimeClass.tolerations with mode adopt",
    raw: {
      runtimeClass: {
        mode: "adopt",
        tolerations: [{ key: "sandbox.gke.io/runtime", value: "gvisor", effect: "NoSchedule" }],
      },
    },
    message:
      'runtimeClass.tolerations: [{"key":"sandbox.gke.io/runtime","operator":"Equal","value":"gvisor",' +
      `"effect":"NoSchedule"}] is not allowed; ${ADOPT}`,
  },
  {
    key: "runtimeClass.overhead.memory",
    raw: { runtimeClass: { overhead: { memory: "64MB" } } },
    message:
      'runtimeClass.overhead.memory: "64MB" is not allowed; expected a memory quantity of at least 1Mi, such as ' +
      '"128Mi" or "1Gi"',
  },
  {
    key: "images.provider",
    raw: { images: { provider: "docker" } },
    message:
      'images.provider: "docker" is not allowed; expected "google" (gcr.io/distroless) or "chainguard" ' +
      "(cgr.dev/chainguard)",
  },
  {
    key: "images.debian",
    raw: { images: { debian: 12 } },
    message:
      "images.debian: 12 is not allowed; expected 13 (Debian 12 distroless images reached end of life in 2026-09)",
  },
  {
    key: "images.platforms[0]",
    raw: { images: { platforms: ["linux/386"] } },
    message: 'images.platforms[0]: "linux/386" is not allowed; expected "linux/amd64" or "linux/arm64"',
  },
  {
    key: "images.platforms duplicate",
    raw: { images: { platforms: ["linux/amd64", "linux/arm64", "linux/amd64"] } },
    message:
      'images.platforms: ["linux/amd64", "linux/arm64", "linux/amd64"] is not allowed; expected each platform once',
  },
  {
    key: "images.platforms without linux/arm64",
    raw: { images: { platforms: ["linux/amd64"] } },
    message: `images.platforms: ["linux/amd64"] is not allowed; ${PLATFORMS}`,
  },
  {
    key: "images.platforms without linux/amd64",
    raw: { images: { platforms: ["linux/arm64"] } },
    message: `images.platforms: ["linux/arm64"] is not allowed; ${PLATFORMS}`,
  },
  {
    key: "images.platforms empty",
    raw: { images: { platforms: [] } },
    message: `images.platforms: [] is not allowed; ${PLATFORMS}`,
  },
  {
    key: "images.nodejsVersion",
    raw: { images: { nodejsVersion: "20" } },
    message:
      'images.nodejsVersion: "20" is not allowed; expected "22" or "24" (Node.js versions Google publishes on Debian 13)',
  },
  {
    key: "images.javaVersion",
    raw: { images: { javaVersion: "17" } },
    message:
      'images.javaVersion: "17" is not allowed; expected "21" or "25" (Java versions Google publishes on Debian 13)',
  },
  {
    key: "images.pythonVersion malformed",
    raw: { images: { pythonVersion: "3" } },
    message: 'images.pythonVersion: "3" is not allowed; expected a Python 3 minor version such as "3.13"',
  },
  {
    key: "images.pythonVersion other than Debian's with google",
    raw: { images: { pythonVersion: "3.12" } },
    message:
      'images.pythonVersion: "3.12" is not allowed; expected "3.13", the Python of Google\'s python3-debian13 image ' +
      '(the builder must use the base\'s Python); another minor needs provider "chainguard" with a base of that Python',
  },
  {
    key: "images.baseDigests.nodejs",
    raw: { images: { baseDigests: { nodejs: "sha256:abc" } } },
    message:
      'images.baseDigests.nodejs: "sha256:abc" is not allowed; expected sha256: followed by 64 lowercase hex digits',
  },
  {
    key: "images.provider chainguard without digests",
    raw: { images: { provider: "chainguard" }, services: [NODE] },
    message:
      "images.baseDigests.nodejs: (unset) is not allowed; expected a digest for the nodejs base image with " +
      'provider "chainguard" (its public images only publish the moving "latest" tag)',
  },
  {
    key: "canary.steps not increasing",
    raw: { canary: { steps: [10, 5, 100] } },
    message:
      "canary.steps: [10, 5, 100] is not allowed; expected strictly increasing integers in 1..100 ending with 100, " +
      "e.g. [10, 20, 50, 100]",
  },
  {
    key: "canary.steps without 100",
    raw: { canary: { steps: [10, 50] } },
    message:
      "canary.steps: [10, 50] is not allowed; expected strictly increasing integers in 1..100 ending with 100, " +
      "e.g. [10, 20, 50, 100]",
  },
  {
    key: "canary.analysis.threshold zero",
    raw: { canary: { analysis: { threshold: 0 } } },
    message: "canary.analysis.threshold: 0 is not allowed; expected an integer in 1..100",
  },
  {
    key: "canary.analysis.maxErrorRatePercent over 100",
    raw: { canary: { analysis: { maxErrorRatePercent: 150 } } },
    message: "canary.analysis.maxErrorRatePercent: 150 is not allowed; expected a number in 0..100",
  },
  {
    key: "canary.analysis unknown key",
    raw: { canary: { analysis: { interval: 5 } } },
    message:
      "canary.analysis.interval: (unknown key) is not allowed; expected only the keys intervalSeconds, " +
      "durationSeconds, requestsPerInterval, maxErrorRatePercent, maxLatencyP99Ms, threshold, prometheus",
  },
  {
    key: "canary.analysis.prometheus.url not http",
    raw: { canary: { analysis: { prometheus: { url: "prometheus:9090" } } } },
    message:
      'canary.analysis.prometheus.url: "prometheus:9090" is not allowed; expected an http(s) URL such as http://prometheus.monitoring:9090',
  },
  {
    key: "canary.analysis.prometheus.window not a duration",
    raw: { canary: { analysis: { prometheus: { url: "http://p:9090", window: "1 minute" } } } },
    message:
      'canary.analysis.prometheus.window: "1 minute" is not allowed; expected a Prometheus duration such as "1m" or "30s"',
  },
  {
    key: "debug.image without a registry",
    raw: { debug: { image: "busybox" } },
    message:
      'debug.image: "busybox" is not allowed; expected an image reference such as "gcr.io/distroless/base-debian13:debug-nonroot" or <repository>@sha256:<64 hex>',
  },
  {
    key: "debug.image unpinned in prod",
    raw: {
      environment: "prod",
      debug: { image: "gcr.io/distroless/base-debian13:debug-nonroot" },
      services: [{ ...NODE, replicas: 10 }],
      namespace: LARGE_NAMESPACE,
    },
    message:
      'debug.image: "gcr.io/distroless/base-debian13:debug-nonroot" is not allowed; expected an image pinned by digest (<repository>@sha256:<64 hex>) in environment prod',
  },
  {
    key: "services[0].progressDeadlineSeconds too short",
    raw: { services: [{ ...NODE, progressDeadlineSeconds: 5 }] },
    message: "services[0].progressDeadlineSeconds: 5 is not allowed; expected an integer in 30..3600",
  },
  {
    key: "gateway.namespace without gateway.name",
    raw: { gateway: { namespace: "gateway-system" } },
    message: 'gateway.namespace: "gateway-system" is not allowed; expected gateway.name to be set as well',
  },
  {
    key: "gateway.name without gateway.namespace",
    raw: { gateway: { name: "public" }, services: [NODE] },
    message:
      "gateway.namespace: (unset) is not allowed; expected the Gateway's namespace when gateway.name is set",
  },
  {
    key: "services[0].hostnames without a gateway",
    raw: withService({ hostnames: ["shop.example.com"] }),
    message:
      'services[0].hostnames: ["shop.example.com"] is not allowed; expected gateway.name to be set (hostnames only ' +
      "apply to HTTPRoutes)",
  },
  {
    key: "services[1].hostnames missing with a gateway and several services",
    raw: {
      gateway: { name: "public", namespace: "gateway-system" },
      services: [{ ...NODE, hostnames: ["shop.example.com"] }, GO],
    },
    message:
      "services[1].hostnames: [] is not allowed; expected at least one hostname when a gateway routes several services",
  },
  {
    key: "services[1].hostnames[0] already routed",
    raw: {
      gateway: { name: "public", namespace: "gateway-system" },
      services: [
        { ...NODE, hostnames: ["shop.example.com"] },
        { ...GO, hostnames: ["shop.example.com"] },
      ],
    },
    message:
      'services[1].hostnames[0]: "shop.example.com" is not allowed; expected a hostname not already routed to services[0]',
  },
  {
    key: "services[0].hostnames[0]",
    raw: {
      gateway: { name: "public", namespace: "gateway-system" },
      services: [{ ...NODE, hostnames: ["Shop!"] }],
    },
    message:
      'services[0].hostnames[0]: "Shop!" is not allowed; expected a DNS hostname such as "shop.example.com"',
  },
  {
    key: "requireDigest",
    raw: { requireDigest: "yes" },
    message: 'requireDigest: "yes" is not allowed; expected true or false',
  },
  {
    key: "requireDigest false in prod",
    raw: {
      environment: "prod",
      requireDigest: false,
      namespace: { quota: { requestsCpu: "8", limitsCpu: "16" } },
      services: [{ ...NODE, replicas: 10 }],
    },
    message:
      "requireDigest: false is not allowed; expected true in environment prod (images run by digest only)",
  },
  {
    key: "services empty",
    raw: { services: [] },
    message: "services: [] is not allowed; expected at least one service",
  },
  {
    key: "services[0].name",
    raw: withService({ name: "Node_Service" }),
    message:
      'services[0].name: "Node_Service" is not allowed; expected a DNS-1035 label of at most 40 characters ' +
      "(lowercase letters, digits and -, starting with a letter)",
  },
  {
    key: "services[1].name duplicate",
    raw: { services: [NODE, { ...GO, name: "node-service" }] },
    message:
      'services[1].name: "node-service" is not allowed; expected a name not already used by services[0]',
  },
  {
    key: "services[0].app outside the project",
    raw: withService({ app: "../elsewhere" }),
    message:
      'services[0].app: "../elsewhere" is not allowed; expected a relative path inside the project such as ' +
      '"apps/node-service"',
  },
  {
    key: "services[0].app missing directory",
    raw: withService({ app: "apps/missing" }),
    options: {
      pathProblem: (p) =>
        p === "apps/missing" ? "expected a directory inside the project; nothing exists there" : undefined,
    },
    message:
      'services[0].app: "apps/missing" is not allowed; expected a directory inside the project; nothing exists there',
  },
  {
    key: "services[0].app a file",
    raw: withService({ app: "README.md" }),
    options: { pathProblem: inRepo },
    message:
      'services[0].app: "README.md" is not allowed; expected a directory inside the project; it is a file',
  },
  {
    key: "services[0].app the project root",
    raw: withService({ app: "." }),
    options: { pathProblem: inRepo },
    message:
      'services[0].app: "." is not allowed; expected a directory inside the project, below the project root ' +
      "(the root itself would send the whole project to the builder)",
  },
  {
    key: "services[0].dockerfile missing",
    raw: withService({ dockerfile: "Dockerfile.missing" }),
    options: { pathProblem: inRepo },
    message:
      'services[0].dockerfile: "Dockerfile.missing" is not allowed; expected a file inside the project; nothing exists there',
  },
  {
    key: "services[0].dockerfile a directory",
    raw: withService({ dockerfile: "." }),
    options: { pathProblem: inRepo },
    message:
      'services[0].dockerfile: "." is not allowed; expected a file inside the project; it is a directory',
  },
  {
    key: "services[0].runtime",
    raw: withService({ runtime: "ruby" }),
    message: 'services[0].runtime: "ruby" is not allowed; expected "nodejs", "go", "python", "java"',
  },
  {
    key: "services[0].version",
    raw: withService({ version: "1.0.0+build.1" }),
    message:
      'services[0].version: "1.0.0+build.1" is not allowed; expected a version usable as image tag and label, ' +
      'e.g. "1.4.2"',
  },
  {
    key: "services[0].version missing",
    raw: { services: [{ name: "node-service", app: "apps/node-service", runtime: "nodejs" }] },
    message:
      'services[0].version: (unset) is not allowed; expected a version usable as image tag and label, e.g. "1.4.2"',
  },
  {
    key: "services[0].port",
    raw: withService({ port: 80 }),
    message:
      "services[0].port: 80 is not allowed; expected an integer in 1024..65535 (a non-root process cannot bind " +
      "lower ports)",
  },
  {
    key: "services[0].replicas",
    raw: withService({ replicas: 0 }),
    message: "services[0].replicas: 0 is not allowed; expected an integer in 1..1000",
  },
  {
    key: "services[0].canary.weight not a step",
    raw: withService({ stableImage: STABLE_IMAGE, canary: { weight: 15, version: "1.1.0" } }),
    message:
      "services[0].canary.weight: 15 is not allowed; expected one of 0, 10, 20, 50, 100 (canary.steps)",
  },
  {
    key: "services[0].canary.weight not one of custom steps",
    raw: {
      canary: { steps: [25, 100] },
      ...withService({ stableImage: STABLE_IMAGE, canary: { weight: 10, version: "1.1.0" } }),
    },
    message: "services[0].canary.weight: 10 is not allowed; expected one of 0, 25, 100 (canary.steps)",
  },
  {
    key: "services[0].canary.version missing",
    raw: withService({ canary: { weight: 20 } }),
    message:
      "services[0].canary.version: (unset) is not allowed; expected the canary's version when canary.weight is 20",
  },
  {
    key: "services[0].canary.version equal to version",
    raw: withService({ stableImage: STABLE_IMAGE, canary: { weight: 0, version: "1.0.0" } }),
    message:
      'services[0].canary.version: "1.0.0" is not allowed; expected a version different from services[0].version',
  },
  {
    key: "services[0].replicas in prod",
    raw: { environment: "prod", services: [{ ...NODE, replicas: 4 }] },
    message:
      "services[0].replicas: 4 is not allowed; expected a multiple of 10 in environment prod without a gateway, " +
      "so every canary step (10, 20, 50, 100) is an exact pod split",
  },
  {
    key: "services[0].stableImage missing while a canary runs",
    raw: withService({ canary: { weight: 10, version: "1.1.0" } }),
    message:
      "services[0].stableImage: (unset) is not allowed; expected the digest-pinned image version 1.0.0 runs now " +
      "when canary.version is set (only the canary's version is built from apps/node-service); copy the " +
      "service's stableImage from `pulumi stack output services --json`",
  },
  {
    key: "services[0].stableImage by tag",
    raw: withService({
      stableImage: "ghcr.io/acme/apps/node-service:1.0.0",
      canary: { weight: 10, version: "1.1.0" },
    }),
    message: `services[0].stableImage: "ghcr.io/acme/apps/node-service:1.0.0" is not allowed; ${STABLE_IMAGE_ALLOWED}`,
  },
  {
    key: "services[0].stableImage digest without repository",
    raw: withService({ stableImage: `sha256:${"ab".repeat(32)}`, canary: { version: "1.1.0" } }),
    message: `services[0].stableImage: "sha256:${"ab".repeat(32)}" is not allowed; ${STABLE_IMAGE_ALLOWED}`,
  },
  {
    key: "services[0].stableImage with a short digest",
    raw: withService({
      stableImage: "ghcr.io/acme/apps/node-service@sha256:abc",
      canary: { version: "1.1.0" },
    }),
    message: `services[0].stableImage: "ghcr.io/acme/apps/node-service@sha256:abc" is not allowed; ${STABLE_IMAGE_ALLOWED}`,
  },
  {
    key: "services[0].stableImage without canary.version",
    raw: withService({ stableImage: STABLE_IMAGE }),
    message:
      `services[0].stableImage: "${STABLE_IMAGE}" is not allowed; expected no stableImage without canary.version ` +
      "(the image built from apps/node-service is the stable one); remove it with " +
      "`pulumi config rm --path 'services[0].stableImage'`",
  },
  {
    key: "images.builder",
    raw: { images: { builder: "my builder" } },
    message:
      'images.builder: "my builder" is not allowed; expected the name of a buildx builder (see `docker buildx ls`), ' +
      'e.g. "distroless"',
  },
  {
    key: "images.buildkit.address",
    raw: { images: { buildkit: { address: "http://127.0.0.1:1234" } } },
    message:
      'images.buildkit.address: "http://127.0.0.1:1234" is not allowed; expected a buildkitd address, ' +
      '"unix:///<absolute path>" or "tcp://<host>:<port>", e.g. "tcp://127.0.0.1:1234"',
  },
  {
    key: "images.attestations without images.buildkit",
    raw: { images: { attestations: { provenance: false } } },
    message:
      'images.attestations: {"provenance":false} is not allowed; expected images.buildkit to be set as well: attestations ' +
      "are attached by a BuildKit daemon driven directly (@pulumi/docker-build, used with images.builder, has no inputs for them)",
  },
  {
    key: "images.attestations.sbomGenerator",
    raw: {
      images: {
        buildkit: { address: "tcp://127.0.0.1:1234" },
        attestations: { sbomGenerator: "Syft Scanner" },
      },
    },
    message:
      'images.attestations.sbomGenerator: "Syft Scanner" is not allowed; expected the SBOM generator image BuildKit runs, ' +
      'e.g. "docker/buildkit-syft-scanner:stable-1" or a mirror of it, or "" for no SBOM',
  },
  {
    key: "images.base",
    raw: { images: { base: "tiny" } },
    message: 'images.base: "tiny" is not allowed; expected "distroless" or "minimal"',
  },
  {
    key: "images.base minimal without registry.mirror",
    raw: { images: { base: "minimal" } },
    message:
      'images.base: "minimal" is not allowed; expected registry.mirror to be set as well: the minimal skeleton ' +
      "(minimal-debian13:nonroot) is published by no provider; `npm run bases -- --push <registry>/<path>` fills a " +
      "mirror with it",
  },
  {
    key: "services[].base minimal for a python service",
    raw: {
      registry: { server: "localhost:5000", repositoryPrefix: "p", mirror: "localhost:5000/distroless" },
      services: [{ ...NODE, name: "py", app: "apps/python-service", runtime: "python", base: "minimal" }, GO],
    },
    message:
      'services[0].base: "minimal" is not allowed; expected "distroless" for services[0] (runtime "python"): ' +
      'minimal images are made for "nodejs" and "go" services',
  },
  {
    key: "images.minimal.caCertificates",
    raw: { images: { minimal: { caCertificates: "yes" } } },
    message: 'images.minimal.caCertificates: "yes" is not allowed; expected true or false',
  },
  {
    key: "images.vulnerabilities without images.buildkit",
    raw: { images: { vulnerabilities: { database: ".grype/vulnerability.db" } } },
    message:
      'images.vulnerabilities: {"database":".grype/vulnerability.db","failOn":"high","onlyFixed":true} is not allowed; ' +
      "expected images.buildkit to be set as well: the gate scans the SBOM a BuildKit daemon driven directly attaches",
  },
  {
    key: "images.vulnerabilities without an SBOM",
    raw: {
      images: {
        buildkit: { address: "tcp://127.0.0.1:1234" },
        attestations: { sbomGenerator: "" },
        vulnerabilities: { database: "db/grype.db", failOn: "critical" },
      },
    },
    message:
      'images.vulnerabilities: {"database":"db/grype.db","failOn":"critical","onlyFixed":true} is not allowed; ' +
      'expected an SBOM to scan: images.attestations.sbomGenerator is "" (no SBOM)',
  },
  {
    key: "images.vulnerabilities.failOn",
    raw: {
      images: {
        buildkit: { address: "tcp://127.0.0.1:1234" },
        vulnerabilities: { database: ".grype/vulnerability.db", failOn: "severe" },
      },
    },
    message:
      'images.vulnerabilities.failOn: "severe" is not allowed; expected a severity: negligible, low, medium, high, critical',
  },
  {
    key: "images.vulnerabilities.database outside the project",
    raw: {
      images: {
        buildkit: { address: "tcp://127.0.0.1:1234" },
        vulnerabilities: { database: "../grype/vulnerability.db" },
      },
    },
    message:
      'images.vulnerabilities.database: "../grype/vulnerability.db" is not allowed; expected a path inside the project, ' +
      'relative to its root, of a Grype database, e.g. ".grype/vulnerability.db"',
  },
  {
    key: "images.vulnerabilities.onlyFixed",
    raw: {
      images: {
        buildkit: { address: "tcp://127.0.0.1:1234" },
        vulnerabilities: { database: ".grype/vulnerability.db", onlyFixed: "yes" },
      },
    },
    message: 'images.vulnerabilities.onlyFixed: "yes" is not allowed; expected true or false',
  },
  {
    key: "images.builder with images.buildkit",
    raw: { images: { builder: "distroless", buildkit: { address: "tcp://127.0.0.1:1234" } } },
    message:
      'images.builder: "distroless" is not allowed; expected either images.builder (a buildx builder, through ' +
      "@pulumi/docker-build) or images.buildkit (a BuildKit daemon driven directly), not both",
  },
  {
    key: "services[0].resources.requests.cpu above the limit",
    raw: withService({ resources: { requests: { cpu: "2" } } }),
    message:
      'services[0].resources.requests.cpu: "2" is not allowed; expected at most resources.limits.cpu ("500m")',
  },
  {
    key: "services[0].resources.limits.memory",
    raw: withService({ resources: { limits: { memory: "lots" } } }),
    message:
      'services[0].resources.limits.memory: "lots" is not allowed; expected a memory quantity of at least 1Mi, ' +
      'such as "128Mi" or "1Gi"',
  },
  {
    key: "services[0].writablePaths[0].path /tmp",
    raw: withService({ writablePaths: [{ path: "/tmp" }] }),
    message:
      'services[0].writablePaths[0].path: "/tmp" is not allowed; expected an absolute, normalized directory other ' +
      'than "/tmp" (always mounted), such as "/var/cache/app"',
  },
  {
    key: "services[0].writablePaths[0].path relative",
    raw: withService({ writablePaths: [{ path: "var/cache" }] }),
    message:
      'services[0].writablePaths[0].path: "var/cache" is not allowed; expected an absolute, normalized directory ' +
      'other than "/tmp" (always mounted), such as "/var/cache/app"',
  },
  {
    key: "services[0].writablePaths duplicate",
    raw: withService({ writablePaths: [{ path: "/var/cache" }, { path: "/var/cache" }] }),
    message: 'services[0].writablePaths[1].path: "/var/cache" is not allowed; expected each path once',
  },
  {
    key: "services[0].env reserved name",
    raw: withService({ env: { PORT: "9090" } }),
    message:
      'services[0].env.PORT: "9090" is not allowed; expected none of PORT, APP_VERSION, TRACK (the port, the ' +
      "version baked into the image and the track decide them)",
  },
  {
    key: "services[0].env variable name",
    raw: withService({ env: { "1BAD": "x" } }),
    message:
      'services[0].env: key "1BAD" is not allowed; expected a variable name matching [A-Za-z_][A-Za-z0-9_]*',
  },
  {
    key: "services[0].env name with =",
    raw: withService({ env: { "A=B": "x" } }),
    message:
      'services[0].env: key "A=B" is not allowed; expected a variable name matching [A-Za-z_][A-Za-z0-9_]*',
  },
  {
    key: "services[0].env credential",
    raw: withService({ env: { DB_PASSWORD: "hunter2" } }),
    message:
      "services[0].env.DB_PASSWORD: (value hidden) is not allowed; expected no credentials in plain config " +
      "(mount them from a Kubernetes Secret instead)",
  },
  {
    key: "services[0].env debug in prod",
    raw: {
      environment: "prod",
      services: [{ ...NODE, replicas: 10, env: { NODE_OPTIONS: "--inspect=0.0.0.0" } }],
    },
    message:
      'services[0].env.NODE_OPTIONS: "--inspect=0.0.0.0" is not allowed; expected no debug settings in environment prod',
  },
  {
    key: "services[0] unknown key",
    raw: withService({ replica: 3 }),
    message:
      "services[0].replica: (unknown key) is not allowed; expected only the keys name, app, dockerfile, runtime, " +
      "base, version, stableImage, port, replicas, progressDeadlineSeconds, canary, resources, writablePaths, hostnames, env",
  },
];

describe("config validation (loadConfig)", () => {
  it("accepts an empty config and applies every default", () => {
    const { config, warnings } = loadConfig({});
    assert.equal(config.environment, "local");
    assert.deepEqual(config.namespace, {
      name: "distroless-apps",
      pssVersion: "v1.37",
      quota: { requestsCpu: "4", requestsMemory: "8Gi", limitsCpu: "8", limitsMemory: "16Gi", pods: 50 },
    });
    assert.deepEqual(config.registry, { server: "localhost:5000", repositoryPrefix: "distroless-platform" });
    assert.deepEqual(config.runtimeClass, {
      mode: "create",
      name: "gvisor",
      handler: "runsc",
      overhead: { cpu: "250m", memory: "64Mi" },
      nodeSelector: {},
      tolerations: [],
    });
    assert.deepEqual(config.images, {
      provider: "google",
      debian: 13,
      platforms: ["linux/amd64", "linux/arm64"],
      nodejsVersion: "22",
      javaVersion: "21",
      pythonVersion: "3.13",
      base: "distroless",
      minimal: { caCertificates: false, timeZones: false },
      baseDigests: {},
    });
    assert.deepEqual(config.canary, {
      steps: [10, 20, 50, 100],
      analysis: {
        intervalSeconds: 5,
        durationSeconds: 30,
        requestsPerInterval: 20,
        maxErrorRatePercent: 1,
        maxLatencyP99Ms: 1000,
        threshold: 2,
      },
    });
    assert.deepEqual(
      config.services.map((s) => s.progressDeadlineSeconds),
      config.services.map(() => 600),
    );
    assert.deepEqual(config.gateway, {});
    assert.equal(config.requireDigest, true);
    assert.deepEqual(
      config.services.map((s) => [s.name, s.app, s.runtime, s.version, s.port, s.replicas, s.canary.weight]),
      [
        ["node-service", "apps/node-service", "nodejs", "1.0.0", 8080, 2, 0],
        ["go-service", "apps/go-service", "go", "1.0.0", 8080, 2, 0],
      ],
    );
    assert.deepEqual(config.services[0].resources, {
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { cpu: "500m", memory: "256Mi" },
    });
    assert.deepEqual(warnings, []);
  });

  for (const c of CASES) {
    it(`rejects ${c.key}`, () => {
      assert.deepEqual(problemsOf(c.raw, c.options), [c.message]);
    });
  }

  it("lists every problem in one error, one line each", () => {
    const raw = {
      environment: "prod",
      images: { debian: 12 },
      requireDigest: false,
      services: [
        { ...NODE, replicas: 10, stableImage: STABLE_IMAGE, canary: { weight: 15, version: "1.1.0" } },
        { ...GO, port: 80 },
      ],
    };
    let error: unknown;
    try {
      loadConfig(raw);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof ConfigError);
    assert.equal(
      error.message,
      [
        "invalid stack configuration (4 problems):",
        "  images.debian: 12 is not allowed; expected 13 (Debian 12 distroless images reached end of life in 2026-09)",
        "  services[1].port: 80 is not allowed; expected an integer in 1024..65535 (a non-root process cannot bind " +
          "lower ports)",
        "  requireDigest: false is not allowed; expected true in environment prod (images run by digest only)",
        "  services[0].canary.weight: 15 is not allowed; expected one of 0, 10, 20, 50, 100 (canary.steps)",
      ].join("\n"),
    );
  });

  it("accepts the registry password when Pulumi holds the registry key as a secret", () => {
    const { config } = loadConfig(
      { registry: { server: "ghcr.io", repositoryPrefix: "acme/apps", username: "ci", password: "token" } },
      { secretKeys: ["registry"] },
    );
    assert.equal(config.registry.username, "ci");
    assert.equal(config.registry.password, "token");
  });

  it("leaves the replica-precision warning to CanaryRelease, so preview shows it once", () => {
    const { warnings } = loadConfig(
      withService({ replicas: 4, stableImage: STABLE_IMAGE, canary: { weight: 10, version: "1.1.0" } }),
    );
    assert.deepEqual(warnings, []);
  });

  it("accepts a canary with a digest-pinned stableImage and keeps it on the service", () => {
    const { config } = loadConfig({
      namespace: LARGE_NAMESPACE,
      ...withService({ replicas: 10, stableImage: STABLE_IMAGE, canary: { weight: 10, version: "1.1.0" } }),
    });
    assert.deepEqual(
      [config.services[0].stableImage, config.services[0].canary],
      [STABLE_IMAGE, { weight: 10, version: "1.1.0" }],
    );
    assert.equal(config.services[1].stableImage, undefined);
  });

  it("accepts images.buildkit.address as a unix socket or TCP address", () => {
    for (const address of ["unix:///run/buildkit/buildkitd.sock", "tcp://buildkitd.ci:1234"]) {
      assert.deepEqual(loadConfig({ images: { buildkit: { address } } }).config.images.buildkit, { address });
    }
  });

  it("accepts images.builder and leaves it unset by default", () => {
    assert.equal(loadConfig({ images: { builder: "distroless" } }).config.images.builder, "distroless");
    assert.equal(loadConfig({}).config.images.builder, undefined);
  });

  it("allows any replica count in prod when a gateway splits traffic by route weight", () => {
    const { config } = loadConfig({
      environment: "prod",
      gateway: { name: "public", namespace: "gateway-system" },
      images: { baseDigests: { nodejs: `sha256:${"cd".repeat(32)}` } },
      services: [
        { ...NODE, replicas: 4, stableImage: STABLE_IMAGE, canary: { weight: 10, version: "1.1.0" } },
      ],
    });
    assert.deepEqual(
      config.services.map((s) => [s.replicas, s.canary.weight]),
      [[4, 10]],
    );
  });

  it("warns in prod for every base image family used without images.baseDigests, naming key and command", () => {
    const { warnings } = loadConfig({
      environment: "prod",
      namespace: LARGE_NAMESPACE,
      services: [
        { ...NODE, replicas: 10 },
        { ...GO, replicas: 10 },
      ],
    });
    assert.deepEqual(warnings, [
      "images.baseDigests.nodejs: (unset) in environment prod, so the nodejs base image is pulled by its moving " +
        "tag gcr.io/distroless/nodejs22-debian13:nonroot; pin it with " +
        "`pulumi config set --path images.baseDigests.nodejs sha256:<digest>`, the digest shown by " +
        "`docker buildx imagetools inspect gcr.io/distroless/nodejs22-debian13:nonroot`",
      "images.baseDigests.static: (unset) in environment prod, so the static base image is pulled by its moving " +
        "tag gcr.io/distroless/static-debian13:nonroot; pin it with " +
        "`pulumi config set --path images.baseDigests.static sha256:<digest>`, the digest shown by " +
        "`docker buildx imagetools inspect gcr.io/distroless/static-debian13:nonroot`",
    ]);
  });

  it("warns in prod for the python and java bases, the java one at images.javaVersion", () => {
    const { warnings } = loadConfig({
      environment: "prod",
      namespace: LARGE_NAMESPACE,
      images: { javaVersion: "25", baseDigests: { nodejs: `sha256:${"ab".repeat(32)}` } },
      services: [
        { ...NODE, replicas: 10 },
        { name: "worker", app: "apps/python-service", runtime: "python", version: "1.0.0", replicas: 10 },
        { name: "billing", app: "apps/go-service", runtime: "java", version: "1.0.0", replicas: 10 },
      ],
    });
    const warning = (family: string, image: string): string =>
      `images.baseDigests.${family}: (unset) in environment prod, so the ${family} base image is pulled by its moving ` +
      `tag ${image}; pin it with \`pulumi config set --path images.baseDigests.${family} sha256:<digest>\`, the ` +
      `digest shown by \`docker buildx imagetools inspect ${image}\``;
    assert.deepEqual(warnings, [
      warning("java", "gcr.io/distroless/java25-debian13:nonroot"),
      warning("python", "gcr.io/distroless/python3-debian13:nonroot"),
    ]);
  });

  it("names the mirrored base image in the prod warning and stays silent once the digest is set", () => {
    const { warnings } = loadConfig({
      environment: "prod",
      namespace: LARGE_NAMESPACE,
      registry: { mirror: "mirror.internal/distroless" },
      images: { nodejsVersion: "24", baseDigests: { static: `sha256:${"cd".repeat(32)}` } },
      services: [
        { ...NODE, replicas: 10 },
        { ...GO, replicas: 10 },
      ],
    });
    assert.deepEqual(warnings, [
      "images.baseDigests.nodejs: (unset) in environment prod, so the nodejs base image is pulled by its moving " +
        "tag mirror.internal/distroless/nodejs24-debian13:nonroot; pin it with " +
        "`pulumi config set --path images.baseDigests.nodejs sha256:<digest>`, the digest shown by " +
        "`docker buildx imagetools inspect mirror.internal/distroless/nodejs24-debian13:nonroot`",
    ]);
  });

  it("does not warn about base digests outside prod or for a service's own Dockerfile", () => {
    assert.deepEqual(loadConfig({ environment: "staging" }).warnings, []);
    const own = loadConfig({
      environment: "prod",
      namespace: LARGE_NAMESPACE,
      services: [{ ...NODE, replicas: 10, dockerfile: "Dockerfile" }],
    });
    assert.deepEqual(own.warnings, []);
  });

  it("derives the prod replica multiple from the configured steps", () => {
    assert.equal(exactReplicaMultiple([10, 20, 50, 100]), 10);
    assert.equal(exactReplicaMultiple([25, 50, 100]), 4);
    assert.equal(exactReplicaMultiple([5, 100]), 20);
  });

  it("decodes raw config text as the engine passes it", () => {
    assert.equal(decodeConfigValue("environment", "prod"), "prod");
    assert.equal(decodeConfigValue("requireDigest", "true"), true);
    assert.deepEqual(decodeConfigValue("canary", '{"steps":[10,100]}'), { steps: [10, 100] });
    // Text that is not JSON stays text so the schema reports it with its value.
    assert.equal(decodeConfigValue("requireDigest", "yes"), "yes");
  });
});

describe("config validation in the program", () => {
  // Every bad value of the table, run as the whole program on a stack without a settings file (Pulumi.yaml's
  // defaults overlaid by the case's keys, what loadConfig validated above): the same single problem, nothing
  // registered.
  for (const c of CASES) {
    it(`registers no resource and fails with the exact message for ${c.key}`, async () => {
      const failure = await runProgram("staging", {
        stackFile: false,
        config: c.raw,
        ...(c.options?.secretKeys !== undefined ? { secretKeys: c.options.secretKeys } : {}),
      }).then(
        () => assert.fail("expected the program to fail"),
        (e: unknown) => e,
      );
      assert.ok(failure instanceof ProgramFailure, `expected a ProgramFailure, got ${String(failure)}`);
      assert.ok(failure.cause instanceof ConfigError, `expected a ConfigError, got ${String(failure.cause)}`);
      assert.equal(failure.message, `invalid stack configuration (1 problem):\n  ${c.message}`);
      assert.deepEqual(failure.resources, []);
    });
  }

  it("registers no resource when the stack config is invalid", async () => {
    const failure = await runProgram("staging", {
      config: { images: { debian: 12 }, requireDigest: "yes" },
    }).then(
      () => assert.fail("expected the program to fail"),
      (e: unknown) => e,
    );
    assert.ok(failure instanceof ProgramFailure, `expected a ProgramFailure, got ${String(failure)}`);
    assert.ok(failure.cause instanceof ConfigError);
    assert.deepEqual(failure.cause.problems, [
      "images.debian: 12 is not allowed; expected 13 (Debian 12 distroless images reached end of life in 2026-09)",
      'requireDigest: "yes" is not allowed; expected true or false',
    ]);
    assert.deepEqual(failure.resources, []);
  });

  it("reports a key set without --path as unknown, without echoing its value", async () => {
    const failure = await runProgram("local", { config: { "registry.password": "hunter2" } }).then(
      () => assert.fail("expected the program to fail"),
      (e: unknown) => e,
    );
    assert.ok(failure instanceof ProgramFailure);
    assert.ok(failure.cause instanceof ConfigError);
    assert.deepEqual(failure.cause.problems, [
      "registry.password: (unknown key) is not allowed; expected only the keys environment, namespace, registry, " +
        "runtimeClass, images, canary, gateway, debug, requireDigest, services (set nested values with " +
        "`pulumi config set --path registry.password …`)",
    ]);
    assert.doesNotMatch(failure.message, /hunter2/);
    assert.deepEqual(failure.resources, []);
  });

  it("registers no resource when a registry password is stored in plaintext", async () => {
    const failure = await runProgram("prod", {
      config: {
        registry: { server: "ghcr.io", repositoryPrefix: "acme/apps", username: "ci", password: "token" },
      },
    }).then(
      () => assert.fail("expected the program to fail"),
      (e: unknown) => e,
    );
    assert.ok(failure instanceof ProgramFailure);
    assert.equal(
      failure.message,
      [
        "invalid stack configuration (1 problem):",
        "  registry.password: (plaintext, value hidden) is not allowed; expected a secret set with " +
          "`pulumi config set --secret --path registry.password <token>`",
      ].join("\n"),
    );
    assert.deepEqual(failure.resources, []);
  });
});

describe("paths the config names (projectPathProblem)", () => {
  let root: string;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "distroless-paths-"));
    fs.mkdirSync(path.join(root, "app"));
    fs.writeFileSync(path.join(root, "app", "Dockerfile"), "FROM scratch\n");
    fs.writeFileSync(path.join(root, "README.md"), "readme\n");
    fs.symlinkSync("/etc", path.join(root, "etc-link"));
    fs.symlinkSync("/etc/hostname", path.join(root, "app", "Dockerfile.outside"));
    fs.symlinkSync("app", path.join(root, "app-link"));
    fs.symlinkSync("loop", path.join(root, "loop"));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const cases: [string, PathKind, string | undefined][] = [
    ["app", "directory", undefined],
    ["app-link", "directory", undefined],
    ["app/Dockerfile", "file", undefined],
    ["README.md", "directory", "expected a directory inside the project; it is a file"],
    [
      ".",
      "directory",
      "expected a directory inside the project, below the project root (the root itself would send the whole project to the builder)",
    ],
    [
      "etc-link",
      "directory",
      "expected a directory inside the project; it leads outside the project through a symbolic link",
    ],
    [
      "app/Dockerfile.outside",
      "file",
      "expected a file inside the project; it leads outside the project through a symbolic link",
    ],
    ["app", "file", "expected a file inside the project; it is a directory"],
    ["missing", "directory", "expected a directory inside the project; nothing exists there"],
    ["loop", "file", "expected a file inside the project; it is a loop of symbolic links"],
    ["/etc", "directory", "expected a directory inside the project, given relative to the project root"],
  ];
  for (const [rel, kind, expected] of cases) {
    it(`${rel} as a ${kind}: ${expected ?? "accepted"}`, () => {
      assert.equal(projectPathProblem(root, rel, kind), expected);
    });
  }

  it("reports a symlinked app leaving the project with its key and value, never the target's contents", () => {
    const problems = problemsOf(
      { services: [{ ...NODE, app: "etc-link" }] },
      {
        pathProblem: (rel, kind) => projectPathProblem(root, rel, kind),
      },
    );
    assert.deepEqual(problems, [
      'services[0].app: "etc-link" is not allowed; expected a directory inside the project; it leads outside the project through a symbolic link',
    ]);
  });
});
