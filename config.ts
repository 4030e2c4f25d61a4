// The one place the stack configuration is read and validated. Every key is checked here, before index.ts
// registers any resource, and all problems are reported together in one error, one line per problem:
// `<key>: <value> is not allowed; <what is allowed>`.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { z } from "zod";
import {
  DEFAULT_FAIL_ON,
  DIGEST_RE,
  FAIL_ON_CHOICES,
  GVISOR_HANDLER,
  GVISOR_RUNTIME_CLASS,
  IMAGE_REF_RE,
  isPinnedByDigest,
  LATEST_PSS_MINOR,
  OLDEST_PSS_MINOR,
  PINNED_IMAGE_REF_RE,
  pinnedPssMinor,
  PLATFORMS,
  REGISTRY_HOST_RE,
  REGISTRY_IMAGE_REF_RE,
  REPOSITORY_PATH_RE,
} from "distroless-guardrails/model";
import {
  baseImageFor,
  BASES,
  BUILDER_VERSIONED_FAMILIES,
  DEBIAN_PYTHON,
  DEFAULT_BASE,
  DEFAULT_RUNTIME_VERSIONS,
  RUNTIME_VERSIONS,
  type Base,
} from "./components/baseimage";
import {
  DEFAULT_CANARY_STEPS,
  minReplicasForExactWeight,
  splitReplicas,
  trafficRoutedReplicas,
} from "./components/canary-math";
import { MINIMAL_RUNTIMES, RUNTIME_FAMILIES, RUNTIMES, type Runtime } from "./components/dockerfiles";
import { ENV_APP_VERSION, ENV_TRACK } from "./components/canary";
import { DEFAULT_QUOTA } from "./components/namespace";
import { projectPathProblem, type PathKind } from "./components/project-path";
import {
  DNS1035_LABEL,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  ENV_NAME,
  isQuantity,
  parseQuantity,
  show,
} from "./components/validation";
import { DEFAULT_MAX_SURGE, DEFAULT_PROGRESS_DEADLINE_SECONDS } from "./components/workload";

/** Pulumi project name; config keys are `distroless-platform:<key>`. */
export const PROJECT = "distroless-platform";
/** Platforms an image may be built for; both by default so the same digest runs on amd64 and arm64 nodes. */
export const SUPPORTED_PLATFORMS = PLATFORMS;
/** The environment variable the program sets to the port a service listens on. */
export const ENV_PORT = "PORT";
/** Environment variables derived from the service's port, image version and track, never set by hand. */
export const RESERVED_ENV: readonly string[] = [ENV_PORT, ENV_APP_VERSION, ENV_TRACK];
/** Longest service name: child objects append suffixes such as "-canary" and "-pdb" to 63-char labels. */
export const MAX_SERVICE_NAME = 40;

/** Config takes quantities without the exponent form ("1e3") that components accept ("1E", exa, stays). */
function isConfigQuantity(quantity: string): boolean {
  return isQuantity(quantity) && !/[eE]\d+$/.test(quantity);
}
// An OCI tag: the version doubles as image tag and app.kubernetes.io/version label, so it must satisfy both.
const VERSION = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;
const SECRET_ENV_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)/i;
const APP_PATH = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9_.\-/]+$/;
// buildkitd addresses buildctl takes: a unix socket by absolute path, or host:port over TCP.
const BUILDKIT_ADDRESS =
  /^(unix:\/\/\/[A-Za-z0-9_.\-/]+|tcp:\/\/[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?:\d{1,5})$/;
// buildx builder names (`docker buildx create --name`).
const BUILDER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Where a user finds the image the stable track runs now. */
export const STABLE_IMAGE_SOURCE =
  "copy the service's stableImage from `pulumi stack output services --json`";

/** Numeric value of a Kubernetes quantity ("250m" → 0.25, "64Mi" → 67108864). */
export function quantityValue(quantity: string): number {
  return isConfigQuantity(quantity) ? parseQuantity(quantity) : Number.NaN;
}

// ---------------------------------------------------------------------------------------------------------------
// Field schemas. Each carries its "what is allowed" text as the zod error, so every issue formats the same way.

function strictObject<T extends z.ZodRawShape>(shape: T) {
  const keys = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `expected only the keys ${keys}`
        : `expected an object with keys ${keys}`,
  });
}

// One refinement per field, so a bad value yields exactly one problem however many rules it breaks.
function int(min: number, max: number, extra = "") {
  const allowed = `expected an integer in ${min}..${max}${extra}`;
  return z
    .number({ error: allowed })
    .refine((n) => Number.isInteger(n) && n >= min && n <= max, { error: allowed });
}

function pattern(regex: RegExp, allowed: string, maxLength = 253) {
  return z
    .string({ error: allowed })
    .refine((v) => v.length <= maxLength && regex.test(v), { error: allowed });
}

function quantity(allowed: string, min: number) {
  return z
    .string({ error: allowed })
    .refine((q) => q.length <= 32 && isConfigQuantity(q) && quantityValue(q) >= min, { error: allowed });
}

const cpuQuantity = quantity('expected a CPU quantity greater than zero, such as "250m" or "2"', 1e-3);
const memoryQuantity = quantity(
  'expected a memory quantity of at least 1Mi, such as "128Mi" or "1Gi"',
  2 ** 20,
);
const sizeQuantity = quantity('expected a size greater than zero, such as "64Mi"', 1);
const dnsLabel = pattern(
  DNS1123_LABEL,
  "expected a DNS-1123 label (at most 63 lowercase letters, digits and -)",
  63,
);

const quotaSchema = strictObject({
  requestsCpu: cpuQuantity.default(DEFAULT_QUOTA.requestsCpu),
  requestsMemory: memoryQuantity.default(DEFAULT_QUOTA.requestsMemory),
  limitsCpu: cpuQuantity.default(DEFAULT_QUOTA.limitsCpu),
  limitsMemory: memoryQuantity.default(DEFAULT_QUOTA.limitsMemory),
  pods: int(1, 10000).default(DEFAULT_QUOTA.pods),
});

const namespaceSchema = strictObject({
  name: dnsLabel.default("distroless-apps"),
  pssVersion: z
    .string({ error: pssAllowed() })
    .refine((v) => pssMinor(v) !== undefined, { error: pssAllowed() })
    .default(`v1.${LATEST_PSS_MINOR}`),
  quota: quotaSchema.prefault({}),
});

function pssAllowed(): string {
  return `expected a pinned Pod Security Standards version v1.${OLDEST_PSS_MINOR}..v1.${LATEST_PSS_MINOR} (not "latest")`;
}

function pssMinor(version: string): number | undefined {
  const minor = pinnedPssMinor(version);
  if (minor === undefined) return undefined;
  return minor >= OLDEST_PSS_MINOR && minor <= LATEST_PSS_MINOR ? minor : undefined;
}

const registrySchema = strictObject({
  server: pattern(
    REGISTRY_HOST_RE,
    'expected a registry host[:port] without scheme, e.g. "ghcr.io" or "localhost:5000"',
  ).default("localhost:5000"),
  repositoryPrefix: pattern(
    REPOSITORY_PATH_RE,
    'expected a lowercase repository path such as "acme/platform"',
  ).default("distroless-platform"),
  username: z
    .string({ error: "expected a registry user name" })
    .min(1, { error: "expected a registry user name" })
    .optional(),
  password: z
    .string({ error: "expected the registry password or token as a string" })
    .min(1, { error: "expected the registry password or token as a string" })
    .optional(),
  mirror: pattern(
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/,
    'expected a registry prefix that mirrors the base images, e.g. "mirror.internal:5000/distroless"',
  ).optional(),
});

const tolerationSchema = strictObject({
  key: z.string({ error: "expected a taint key" }).min(1, { error: "expected a taint key" }),
  operator: z.enum(["Equal", "Exists"], { error: 'expected "Equal" or "Exists"' }).default("Equal"),
  value: z.string({ error: "expected a string" }).optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"], {
    error: 'expected one of "NoSchedule", "PreferNoSchedule", "NoExecute"',
  }),
});

const runtimeClassSchema = strictObject({
  mode: z
    .enum(["create", "adopt"], {
      error: 'expected "create" (the program owns the RuntimeClass) or "adopt" (the cluster already has one)',
    })
    .default("create"),
  name: pattern(DNS1123_SUBDOMAIN, "expected a DNS-1123 subdomain", 253).default(GVISOR_RUNTIME_CLASS),
  handler: z
    .literal(GVISOR_HANDLER, {
      error: `expected "${GVISOR_HANDLER}" (gVisor's runtime handler; the sandbox cannot be swapped out)`,
    })
    .default(GVISOR_HANDLER),
  overhead: strictObject({
    cpu: cpuQuantity.default("250m"),
    memory: memoryQuantity.default("64Mi"),
  }).prefault({}),
  nodeSelector: z
    .record(z.string(), z.string({ error: "expected a string label value" }), {
      error: "expected a map of node labels",
    })
    .default({}),
  tolerations: z.array(tolerationSchema, { error: "expected a list of tolerations" }).default([]),
});

const PLATFORMS_ALLOWED =
  `expected both ${SUPPORTED_PLATFORMS.join(" and ")} (the policy pack's mandatory imagePlatforms rule ` +
  "refuses an image built for fewer)";

/** The runtime versions Google publishes on Debian 13 for `family`, as a config choice defaulting to its default. */
function versionChoice(family: keyof typeof RUNTIME_VERSIONS, runtime: string) {
  const allowed = RUNTIME_VERSIONS[family] as [string, ...string[]];
  return z
    .enum(allowed, {
      error: `expected ${allowed.map((v) => `"${v}"`).join(" or ")} (${runtime} versions Google publishes on Debian 13)`,
    })
    .default(DEFAULT_RUNTIME_VERSIONS[family]);
}

/** The base families the services' generated Dockerfiles run on, the keys of images.baseDigests. */
const SERVICE_FAMILIES = [...new Set(Object.values(RUNTIME_FAMILIES))] as [
  (typeof RUNTIME_FAMILIES)[Runtime],
  ...(typeof RUNTIME_FAMILIES)[Runtime][],
];

/** `images.base` and a service's own `base`. */
const baseSchema = z.enum(BASES, { error: `expected ${BASES.map((b) => `"${b}"`).join(" or ")}` });

const imagesSchema = strictObject({
  provider: z
    .enum(["google", "chainguard"], {
      error: 'expected "google" (gcr.io/distroless) or "chainguard" (cgr.dev/chainguard)',
    })
    .default("google"),
  debian: z
    .literal(13, {
      error: "expected 13 (Debian 12 distroless images reached end of life in 2026-09)",
    })
    .default(13),
  platforms: z
    .array(
      z.enum(SUPPORTED_PLATFORMS, {
        error: `expected ${SUPPORTED_PLATFORMS.map((p) => `"${p}"`).join(" or ")}`,
      }),
      {
        error: `expected a list of platforms from ${SUPPORTED_PLATFORMS.join(", ")}`,
      },
    )
    .refine((list) => new Set(list).size === list.length, { error: "expected each platform once" })
    // The policy pack's mandatory imagePlatforms rule fails any image missing one of them.
    .refine((list) => SUPPORTED_PLATFORMS.every((p) => list.includes(p)), { error: PLATFORMS_ALLOWED })
    .default([...SUPPORTED_PLATFORMS]),
  builder: pattern(
    BUILDER_NAME,
    'expected the name of a buildx builder (see `docker buildx ls`), e.g. "distroless"',
    63,
  ).optional(),
  buildkit: strictObject({
    address: pattern(
      BUILDKIT_ADDRESS,
      'expected a buildkitd address, "unix:///<absolute path>" or "tcp://<host>:<port>", e.g. "tcp://127.0.0.1:1234"',
    ),
  }).optional(),
  /** SBOM and provenance attached by BuildKit (images.buildkit); unset: an SBOM by Docker's generator and provenance. */
  attestations: strictObject({
    sbomGenerator: pattern(
      IMAGE_REF_RE,
      'expected the SBOM generator image BuildKit runs, e.g. "docker/buildkit-syft-scanner:stable-1" or a mirror of it, or "" for no SBOM',
      512,
    ).optional(),
    provenance: z.boolean({ error: "expected true or false" }).optional(),
  }).optional(),
  /** Each service's base unless it names its own: Google-equivalent `distroless` images, or `minimal` ones. */
  base: baseSchema.default(DEFAULT_BASE),
  /** What a `minimal` image adds besides the runtime and the libraries it loads. */
  minimal: strictObject({
    caCertificates: z.boolean({ error: "expected true or false" }).default(false),
    timeZones: z.boolean({ error: "expected true or false" }).default(false),
  }).prefault({}),
  /** The vulnerability gate (components/vulnscan.ts): Grype over each image's SBOM, with a database given as a file. */
  vulnerabilities: strictObject({
    database: pattern(
      APP_PATH,
      'expected a path inside the project, relative to its root, of a Grype database, e.g. ".grype/vulnerability.db"',
      256,
    ),
    failOn: z
      .enum(FAIL_ON_CHOICES, { error: `expected a severity: ${FAIL_ON_CHOICES.join(", ")}` })
      .default(DEFAULT_FAIL_ON),
    onlyFixed: z.boolean({ error: "expected true or false" }).default(true),
  }).optional(),
  nodejsVersion: versionChoice("nodejs", "Node.js"),
  javaVersion: versionChoice("java", "Java"),
  /** The builder's Python; with Google's images it must be their Debian release's (DEBIAN_PYTHON). */
  pythonVersion: pattern(/^3\.\d{1,2}$/, 'expected a Python 3 minor version such as "3.13"', 5).default(
    DEBIAN_PYTHON[13],
  ),
  baseDigests: z
    .partialRecord(
      z.enum(SERVICE_FAMILIES, {
        error: `expected a base image family used by the services: ${SERVICE_FAMILIES.map((f) => `"${f}"`).join(", ")}`,
      }),
      pattern(DIGEST_RE, "expected sha256: followed by 64 lowercase hex digits", 71),
      { error: "expected a map of base image family to digest" },
    )
    .default({}),
});

const STEPS_ALLOWED =
  "expected strictly increasing integers in 1..100 ending with 100, e.g. [10, 20, 50, 100]";
const canarySchema = strictObject({
  steps: z
    .array(z.number({ error: STEPS_ALLOWED }), { error: STEPS_ALLOWED })
    .refine(
      (s) =>
        s.length > 0 &&
        s.every((x, i) => Number.isInteger(x) && x >= 1 && x <= 100 && (i === 0 || x > s[i - 1])) &&
        s[s.length - 1] === 100,
      { error: STEPS_ALLOWED },
    )
    .default([...DEFAULT_CANARY_STEPS]),
  /** How `npm run release` judges each step (scripts/release): probe traffic and the canary pods' signals. */
  analysis: strictObject({
    /** Seconds between two looks at the canary. */
    intervalSeconds: int(1, 300).default(5),
    /** Seconds each step is watched after its pods are ready (0: only the pods' signals at that moment). */
    durationSeconds: int(0, 3600).default(30),
    /** Probe requests sent through the Service per interval. */
    requestsPerInterval: int(1, 1000).default(20),
    /** Largest share of canary requests that may fail (5xx or no answer), in percent. */
    maxErrorRatePercent: z
      .number({ error: "expected a number in 0..100" })
      .refine((n) => n >= 0 && n <= 100, { error: "expected a number in 0..100" })
      .default(1),
    /** Largest 99th-percentile latency of canary requests, in milliseconds. */
    maxLatencyP99Ms: int(1, 600000).default(1000),
    /** Failed intervals that abort the release (Flagger's `threshold`). */
    threshold: int(1, 100).default(2),
    /** A Prometheus scraping the apps' /metrics: its error rate and p99 are judged too. */
    prometheus: strictObject({
      url: pattern(
        /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
        "expected an http(s) URL such as http://prometheus.monitoring:9090",
        2048,
      ),
      window: pattern(
        /^[1-9][0-9]{0,5}(s|m|h)$/,
        'expected a Prometheus duration such as "1m" or "30s"',
        8,
      ).default("1m"),
      labels: z
        .record(
          pattern(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "expected a Prometheus label name", 128),
          z.string({ error: "expected a string" }),
          { error: "expected a map of label name to value" },
        )
        .default({}),
    }).optional(),
  }).prefault({}),
});

const gatewaySchema = strictObject({
  name: dnsLabel.optional(),
  namespace: dnsLabel.optional(),
  sectionName: pattern(DNS1123_LABEL, "expected a listener name (DNS-1123 label)", 63).optional(),
});

const serviceSchema = strictObject({
  name: pattern(
    DNS1035_LABEL,
    `expected a DNS-1035 label of at most ${MAX_SERVICE_NAME} characters (lowercase letters, digits and -, starting with a letter)`,
    MAX_SERVICE_NAME,
  ),
  app: pattern(APP_PATH, 'expected a relative path inside the project such as "apps/node-service"'),
  dockerfile: pattern(
    APP_PATH,
    'expected a Dockerfile path relative to the app, e.g. "Dockerfile"',
  ).optional(),
  runtime: z.enum(RUNTIMES, { error: `expected ${RUNTIMES.map((r) => `"${r}"`).join(", ")}` }),
  /** This service's base, instead of images.base. */
  base: baseSchema.optional(),
  version: pattern(VERSION, 'expected a version usable as image tag and label, e.g. "1.4.2"', 63),
  stableImage: pattern(
    PINNED_IMAGE_REF_RE,
    `expected an image pinned by digest, <registry>/<repository>@sha256:<64 hex> (${STABLE_IMAGE_SOURCE})`,
    512,
  ).optional(),
  port: int(1024, 65535, " (a non-root process cannot bind lower ports)").default(8080),
  replicas: int(1, 1000).default(2),
  /** Seconds a rollout may make no progress before Kubernetes (and then `up`) calls it failed. */
  progressDeadlineSeconds: int(30, 3600).default(DEFAULT_PROGRESS_DEADLINE_SECONDS),
  canary: strictObject({
    weight: z.number({ error: "expected a number" }).default(0),
    version: pattern(
      VERSION,
      'expected a version usable as image tag and label, e.g. "1.5.0"',
      63,
    ).optional(),
  }).prefault({}),
  resources: strictObject({
    requests: strictObject({
      cpu: cpuQuantity.default("100m"),
      memory: memoryQuantity.default("128Mi"),
    }).prefault({}),
    limits: strictObject({
      cpu: cpuQuantity.default("500m"),
      memory: memoryQuantity.default("256Mi"),
    }).prefault({}),
  }).prefault({}),
  writablePaths: z
    .array(
      strictObject({
        path: pattern(
          /^(?!\/tmp$)(?!.*\/\.{1,2}(\/|$))(\/[A-Za-z0-9_.-]+)+$/,
          'expected an absolute, normalized directory other than "/tmp" (always mounted), such as "/var/cache/app"',
        ),
        sizeLimit: sizeQuantity.default("64Mi"),
      }),
      { error: "expected a list of { path, sizeLimit }" },
    )
    .default([]),
  hostnames: z
    .array(
      pattern(
        /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
        'expected a DNS hostname such as "shop.example.com"',
      ),
      { error: "expected a list of hostnames" },
    )
    .default([]),
  env: z
    .record(
      z.string().regex(ENV_NAME, { error: "expected a variable name matching [A-Za-z_][A-Za-z0-9_]*" }),
      z.string({ error: "expected a string value" }),
      {
        error: (issue) =>
          issue.code === "invalid_key"
            ? "expected a variable name matching [A-Za-z_][A-Za-z0-9_]*"
            : "expected a map of variable names to string values",
      },
    )
    .default({}),
});

/**
 * The runtimeVersion a service's image is built with: the builder's (and, for nodejs and java, Google's base
 * image's) version from `images`; Go's builder has no setting here.
 */
export function runtimeVersionOf(images: PlatformConfig["images"], runtime: Runtime): string | undefined {
  switch (runtime) {
    case "nodejs":
      return images.nodejsVersion;
    case "python":
      return images.pythonVersion;
    case "java":
      return images.javaVersion;
    case "go":
      return undefined;
  }
}

/** Base image family of each runtime's generated Dockerfile. */
export const BASE_FAMILY = RUNTIME_FAMILIES;

const DEFAULT_SERVICES = [
  { name: "node-service", app: "apps/node-service", runtime: "nodejs", version: "1.0.0" },
  { name: "go-service", app: "apps/go-service", runtime: "go", version: "1.0.0" },
];

/**
 * The whole stack configuration. Every key has a default (Pulumi.yaml declares the same ones): a stack without
 * settings builds the two sample apps for the registry at localhost:5000 and creates the gvisor RuntimeClass.
 */
export const configSchema = strictObject({
  environment: z
    .enum(["local", "staging", "prod"], { error: 'expected "local", "staging" or "prod"' })
    .default("local"),
  namespace: namespaceSchema.prefault({}),
  registry: registrySchema.prefault({}),
  runtimeClass: runtimeClassSchema.prefault({}),
  images: imagesSchema.prefault({}),
  canary: canarySchema.prefault({}),
  gateway: gatewaySchema.prefault({}),
  debug: strictObject({
    /** The image `npm run debug` attaches; default: the base's `debug-nonroot` variant from where bases come from. */
    image: pattern(
      REGISTRY_IMAGE_REF_RE,
      'expected an image reference such as "gcr.io/distroless/base-debian13:debug-nonroot" or <repository>@sha256:<64 hex>',
      512,
    ).optional(),
  }).prefault({}),
  requireDigest: z.boolean({ error: "expected true or false" }).default(true),
  services: z
    .array(z.unknown(), { error: "expected a list of services" })
    .min(1, { error: "expected at least one service" })
    .default(DEFAULT_SERVICES),
});

export type ServiceConfig = z.output<typeof serviceSchema>;
export type PlatformConfig = Omit<z.output<typeof configSchema>, "services"> & {
  readonly services: ServiceConfig[];
};
/** Top-level config keys, in the order they are documented. */
export const CONFIG_KEYS = Object.keys(configSchema.shape) as (keyof typeof configSchema.shape)[];
export type ConfigKey = (typeof CONFIG_KEYS)[number];

/** Validated configuration plus the non-fatal findings preview should show. */
export interface LoadedConfig {
  readonly config: PlatformConfig;
  readonly warnings: readonly string[];
}

export interface LoadConfigOptions {
  /** Top-level keys whose value Pulumi holds as a secret (`pulumi config set --secret`). */
  readonly secretKeys?: readonly string[];
  /**
   * Why a path relative to the project root is not an existing directory or file inside the project (undefined
   * when it is); omitted, paths are only checked for shape.
   */
  readonly pathProblem?: (relPath: string, kind: PathKind) => string | undefined;
}

/** The error thrown for invalid configuration; `problems` holds one `<key>: <value> is not allowed; …` per line. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

function keyPath(base: string, segments: readonly PropertyKey[]): string {
  let out = base;
  for (const s of segments) {
    out += typeof s === "number" ? `[${s}]` : out === "" ? String(s) : `.${String(s)}`;
  }
  return out;
}

function problem(key: string, value: unknown, allowed: string): string {
  // Never echo what looks like a credential (registry.password, env.API_TOKEN, ...), even when malformed.
  const last = key.split(/[.[]/).pop() ?? key;
  const shown = value !== undefined && SECRET_ENV_NAME.test(last) ? "(value hidden)" : show(value);
  return `${key}: ${shown} is not allowed; ${allowed}`;
}

/** Parses `value` with `schema`, appending one problem per zod issue; returns the data when valid. */
function parseInto<T extends z.ZodType>(
  schema: T,
  value: unknown,
  base: string,
  problems: string[],
): z.output<T> | undefined {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const at = keyPath(base, issue.path);
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys)
        problems.push(`${keyPath(at, [k])}: (unknown key) is not allowed; ${issue.message}`);
    } else if (issue.code === "invalid_key") {
      // A bad map key (an env name such as "A=B") is named as a key of its map, not as a value.
      const map = keyPath(base, issue.path.slice(0, -1));
      problems.push(`${map}: key ${show(issue.input)} is not allowed; ${issue.message}`);
    } else {
      problems.push(problem(at, issue.input, issue.message));
    }
  }
  return undefined;
}

function lcm(a: number, b: number): number {
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  return (a * b) / gcd(a, b);
}

/** Replica count that makes every configured step an exact pod split (10 for the default steps). */
export function exactReplicaMultiple(steps: readonly number[]): number {
  return steps.reduce((acc, step) => lcm(acc, minReplicasForExactWeight(step)), 1);
}

/**
 * Validates a plain object of config values (top-level key → value, as `pulumi config` holds them) and returns the
 * typed config with defaults applied, or throws one ConfigError listing every problem. Pure: no Pulumi calls.
 */
export function loadConfig(
  raw: Readonly<Record<string, unknown>>,
  options: LoadConfigOptions = {},
): LoadedConfig {
  const problems: string[] = [];
  const warnings: string[] = [];
  const shape = configSchema.shape;

  for (const key of Object.keys(raw)) {
    if (!(CONFIG_KEYS as string[]).includes(key)) {
      // `pulumi config set registry.password …` without --path creates a top-level key named "registry.password".
      const nested = (CONFIG_KEYS as string[]).includes(key.split(/[.[]/)[0])
        ? ` (set nested values with \`pulumi config set --path ${key} …\`)`
        : "";
      problems.push(
        `${key}: (unknown key) is not allowed; expected only the keys ${CONFIG_KEYS.join(", ")}${nested}`,
      );
    }
  }

  const environment = parseInto(shape.environment, raw.environment, "environment", problems);
  const namespace = parseInto(shape.namespace, raw.namespace, "namespace", problems);
  const registry = parseInto(shape.registry, raw.registry, "registry", problems);
  const runtimeClass = parseInto(shape.runtimeClass, raw.runtimeClass, "runtimeClass", problems);
  const images = parseInto(shape.images, raw.images, "images", problems);
  const canary = parseInto(shape.canary, raw.canary, "canary", problems);
  const gateway = parseInto(shape.gateway, raw.gateway, "gateway", problems);
  const debug = parseInto(shape.debug, raw.debug, "debug", problems);
  const requireDigest = parseInto(shape.requireDigest, raw.requireDigest, "requireDigest", problems);
  const serviceList = parseInto(shape.services, raw.services, "services", problems);
  // Each service is parsed on its own so one bad entry does not hide the problems of the others.
  const services = (serviceList ?? []).map((s, i) => parseInto(serviceSchema, s, `services[${i}]`, problems));

  problems.push(
    ...crossFieldProblems(
      {
        environment,
        namespace,
        registry,
        runtimeClass,
        images,
        canary,
        gateway,
        debug,
        requireDigest,
        services,
      },
      { raw, options },
    ),
  );

  if (problems.length > 0) throw new ConfigError(problems);
  if (environment === "prod") {
    warnings.push(
      ...unpinnedBaseWarnings(
        images as PlatformConfig["images"],
        registry as PlatformConfig["registry"],
        services as ServiceConfig[],
      ),
    );
  }
  return {
    config: {
      environment: environment ?? "local",
      namespace: namespace as PlatformConfig["namespace"],
      registry: registry as PlatformConfig["registry"],
      runtimeClass: runtimeClass as PlatformConfig["runtimeClass"],
      images: images as PlatformConfig["images"],
      canary: canary as PlatformConfig["canary"],
      gateway: gateway as PlatformConfig["gateway"],
      debug: debug as PlatformConfig["debug"],
      requireDigest: requireDigest ?? true,
      services: services as ServiceConfig[],
    },
    warnings,
  };
}

/**
 * Prod builds on base images pinned by digest. A digest cannot be looked up without registry access at preview, so a
 * missing one is a warning naming the key to set and how to obtain the digest, not an error.
 */
function unpinnedBaseWarnings(
  images: PlatformConfig["images"],
  registry: PlatformConfig["registry"],
  services: readonly ServiceConfig[],
): string[] {
  // Chainguard without a digest is already an error; baseDigests only apply to generated Dockerfiles.
  if (images.provider === "chainguard") return [];
  const families = new Set(
    services.filter((s) => s.dockerfile === undefined).map((s) => BASE_FAMILY[s.runtime]),
  );
  return [...families]
    .sort()
    .filter((family) => images.baseDigests[family] === undefined)
    .map((family) => {
      const image = baseImageFor({
        family,
        provider: images.provider,
        debian: images.debian,
        // The base families are the runtimes' names where the builder's version names the image.
        ...(BUILDER_VERSIONED_FAMILIES.includes(family)
          ? { runtimeVersion: runtimeVersionOf(images, family as Runtime) }
          : {}),
        ...(registry.mirror !== undefined ? { mirror: registry.mirror } : {}),
      });
      return (
        `images.baseDigests.${family}: (unset) in environment prod, so the ${family} base image is pulled by its ` +
        `moving tag ${image}; pin it with \`pulumi config set --path images.baseDigests.${family} sha256:<digest>\`, ` +
        `the digest shown by \`docker buildx imagetools inspect ${image}\``
      );
    });
}

const ADOPT_ALLOWED =
  'expected none with runtimeClass.mode "adopt" (the cluster\'s RuntimeClass is read, not changed, and keeps its own scheduling)';

// Pods a Deployment may add during a rolling update (workload.ts's maxSurge), so the quota admits rollouts.
const SURGE = Number(DEFAULT_MAX_SURGE.replace("%", "")) / 100;

/**
 * Most pods one service runs at once: both tracks as CanaryRelease splits them (by pod ratio, or with a gateway the
 * full stable track plus the canary's share) and each track's rolling-update surge.
 */
export function peakPods(
  replicas: number,
  weight: number,
  hasCanary: boolean,
  hasGateway: boolean,
  steps: readonly number[] | undefined,
): number {
  const stepped = steps !== undefined && steps.includes(weight) && weight < 100;
  let tracks = [replicas];
  if (hasCanary && stepped) {
    const split = hasGateway ? trafficRoutedReplicas(replicas, weight) : splitReplicas(replicas, weight);
    tracks = [split.stable, split.canary];
  }
  return tracks.reduce((sum, n) => sum + n + Math.ceil(n * SURGE), 0);
}

function formatNeed(name: string, needed: number): string {
  if (name === "pods") return `${needed} pods`;
  if (name.endsWith("Cpu")) return `${Math.round(needed * 1000)}m CPU`;
  return `${Math.ceil(needed / 2 ** 20)}Mi`;
}

// ---------------------------------------------------------------------------------------------------------------
// Cross-field rules: each a small named function of the parsed sections, run in this order after every section
// parsed on its own, so one bad section does not hide the problems of another.

/** The sections as parsed; a section that failed its own schema is undefined (its problems are already listed). */
export interface ParsedConfig {
  readonly environment?: PlatformConfig["environment"];
  readonly namespace?: PlatformConfig["namespace"];
  readonly registry?: PlatformConfig["registry"];
  readonly runtimeClass?: PlatformConfig["runtimeClass"];
  readonly images?: PlatformConfig["images"];
  readonly canary?: PlatformConfig["canary"];
  readonly gateway?: PlatformConfig["gateway"];
  readonly debug?: PlatformConfig["debug"];
  readonly requireDigest?: boolean;
  readonly services: readonly (ServiceConfig | undefined)[];
}

/** What rules see besides the parsed sections: the raw values and the loader's options. */
export interface RuleInput {
  readonly raw: Readonly<Record<string, unknown>>;
  readonly options: LoadConfigOptions;
}

/** A rule across keys: the problems it finds, each `<key>: <value> is not allowed; <what is allowed>`. */
export type ConfigRule = (c: ParsedConfig, input: RuleInput) => string[];

/** A rule on one service; `at` is its key, e.g. `services[2]`. */
export type ServiceRule = (
  svc: ServiceConfig,
  at: string,
  i: number,
  c: ParsedConfig,
  input: RuleInput,
) => string[];

/** A debug container runs in the app's process namespace: in prod its image is pinned like the app's. */
export const debugImagePinnedInProd: ConfigRule = ({ debug, environment }) =>
  debug?.image !== undefined && environment === "prod" && !isPinnedByDigest(debug.image)
    ? [
        problem(
          "debug.image",
          debug.image,
          "expected an image pinned by digest (<repository>@sha256:<64 hex>) in environment prod",
        ),
      ]
    : [];

/** Read from the raw value, so a plaintext password is reported even when another registry field is bad. */
export const registryPasswordIsSecret: ConfigRule = (_c, { raw, options }) => {
  const rawRegistry = raw.registry;
  const plaintext =
    typeof rawRegistry === "object" &&
    rawRegistry !== null &&
    (rawRegistry as Record<string, unknown>).password !== undefined &&
    !(options.secretKeys ?? []).includes("registry");
  // The value itself is never echoed: it is a credential.
  return plaintext
    ? [
        "registry.password: (plaintext, value hidden) is not allowed; expected a secret set with " +
          "`pulumi config set --secret --path registry.password <token>`",
      ]
    : [];
};

export const registryCredentialsTogether: ConfigRule = ({ registry }) => {
  if (registry === undefined || (registry.username === undefined) === (registry.password === undefined))
    return [];
  const missing = registry.username === undefined ? "registry.username" : "registry.password";
  return [
    `${missing}: (unset) is not allowed; expected registry.username and registry.password to be set together`,
  ];
};

export const gatewayKeysNeedName: ConfigRule = ({ gateway }) =>
  gateway === undefined || gateway.name !== undefined
    ? []
    : (["namespace", "sectionName"] as const)
        .filter((k) => gateway[k] !== undefined)
        .map((k) => problem(`gateway.${k}`, gateway[k], "expected gateway.name to be set as well"));

export const gatewayNeedsNamespace: ConfigRule = ({ gateway }) =>
  gateway?.name !== undefined && gateway.namespace === undefined
    ? [problem("gateway.namespace", undefined, "expected the Gateway's namespace when gateway.name is set")]
    : [];

/** An adopted RuntimeClass is read, not changed: it keeps its own scheduling. */
export const adoptedRuntimeClassUnscheduled: ConfigRule = ({ runtimeClass }) => {
  if (runtimeClass?.mode !== "adopt") return [];
  return [
    ...(Object.keys(runtimeClass.nodeSelector).length > 0
      ? [problem("runtimeClass.nodeSelector", runtimeClass.nodeSelector, ADOPT_ALLOWED)]
      : []),
    ...(runtimeClass.tolerations.length > 0
      ? [problem("runtimeClass.tolerations", runtimeClass.tolerations, ADOPT_ALLOWED)]
      : []),
  ];
};

export const prodRequiresDigest: ConfigRule = ({ environment, requireDigest }) =>
  environment === "prod" && requireDigest === false
    ? [problem("requireDigest", false, "expected true in environment prod (images run by digest only)")]
    : [];

/** Rules across keys that run before the services' own. */
export const CONFIG_RULES: readonly ConfigRule[] = [
  debugImagePinnedInProd,
  registryPasswordIsSecret,
  registryCredentialsTogether,
  gatewayKeysNeedName,
  gatewayNeedsNamespace,
  adoptedRuntimeClassUnscheduled,
  prodRequiresDigest,
];

/** The first earlier service that `matches`, by index. */
function earlier(
  services: ParsedConfig["services"],
  i: number,
  matches: (s: ServiceConfig) => boolean,
): number | undefined {
  const j = services.slice(0, i).findIndex((s) => s !== undefined && matches(s));
  return j < 0 ? undefined : j;
}

export const serviceNameUnique: ServiceRule = (svc, at, i, { services }) => {
  const first = earlier(services, i, (s) => s.name === svc.name);
  return first === undefined
    ? []
    : [problem(`${at}.name`, svc.name, `expected a name not already used by services[${first}]`)];
};

/** The app is a directory inside the project; its own Dockerfile, when named, a file in it. */
export const serviceAppInsideProject: ServiceRule = (svc, at, _i, _c, { options }) => {
  if (options.pathProblem === undefined) return [];
  const appProblem = options.pathProblem(svc.app, "directory");
  if (appProblem !== undefined) return [problem(`${at}.app`, svc.app, appProblem)];
  const dockerfileProblem =
    svc.dockerfile !== undefined
      ? options.pathProblem(path.posix.join(svc.app, svc.dockerfile), "file")
      : undefined;
  return dockerfileProblem !== undefined
    ? [problem(`${at}.dockerfile`, svc.dockerfile, dockerfileProblem)]
    : [];
};

/**
 * The weight is 0 or a step. Without a gateway the pod ratio is the traffic split, so in prod the replicas make
 * every step exact; a gateway splits by route weight, exact at any count, and outside prod CanaryRelease warns.
 */
export const canaryWeightIsStep: ServiceRule = (svc, at, _i, { canary, environment, gateway }) => {
  const steps = canary?.steps;
  if (steps === undefined) return [];
  const weight = svc.canary.weight;
  const allowed = [0, ...steps];
  if (!allowed.includes(weight)) {
    return [problem(`${at}.canary.weight`, weight, `expected one of ${allowed.join(", ")} (canary.steps)`)];
  }
  const multiple = exactReplicaMultiple(steps);
  if (environment === "prod" && gateway?.name === undefined && svc.replicas % multiple !== 0) {
    return [
      problem(
        `${at}.replicas`,
        svc.replicas,
        `expected a multiple of ${multiple} in environment prod without a gateway, so every canary step ` +
          `(${steps.join(", ")}) is an exact pod split`,
      ),
    ];
  }
  return [];
};

export const canaryVersionWithWeight: ServiceRule = (svc, at) =>
  svc.canary.weight > 0 && svc.canary.version === undefined
    ? [
        problem(
          `${at}.canary.version`,
          undefined,
          `expected the canary's version when canary.weight is ${svc.canary.weight}`,
        ),
      ]
    : [];

/** Only the working tree's version is built; while a canary runs, the stable track keeps the image it runs. */
export const stableImageWhileCanary: ServiceRule = (svc, at) => {
  if (svc.canary.version !== undefined && svc.stableImage === undefined) {
    return [
      problem(
        `${at}.stableImage`,
        undefined,
        `expected the digest-pinned image version ${svc.version} runs now when canary.version is set ` +
          `(only the canary's version is built from ${svc.app}); ${STABLE_IMAGE_SOURCE}`,
      ),
    ];
  }
  if (svc.canary.version === undefined && svc.stableImage !== undefined) {
    return [
      problem(
        `${at}.stableImage`,
        svc.stableImage,
        `expected no stableImage without canary.version (the image built from ${svc.app} is the stable one); ` +
          `remove it with \`pulumi config rm --path '${at}.stableImage'\``,
      ),
    ];
  }
  return [];
};

export const canaryVersionDiffers: ServiceRule = (svc, at) =>
  svc.canary.version !== undefined && svc.canary.version === svc.version
    ? [problem(`${at}.canary.version`, svc.canary.version, `expected a version different from ${at}.version`)]
    : [];

export const requestsWithinLimits: ServiceRule = (svc, at) =>
  (["cpu", "memory"] as const)
    .filter((res) => quantityValue(svc.resources.requests[res]) > quantityValue(svc.resources.limits[res]))
    .map((res) =>
      problem(
        `${at}.resources.requests.${res}`,
        svc.resources.requests[res],
        `expected at most resources.limits.${res} (${show(svc.resources.limits[res])})`,
      ),
    );

export const writablePathsUnique: ServiceRule = (svc, at) =>
  svc.writablePaths.flatMap((w, j) =>
    svc.writablePaths.slice(0, j).some((v) => v.path === w.path)
      ? [problem(`${at}.writablePaths[${j}].path`, w.path, "expected each path once")]
      : [],
  );

/** Host names belong to HTTPRoutes; with several services on one Gateway, each needs its own. */
export const hostnamesRouted: ServiceRule = (svc, at, i, { gateway, services }) => {
  const out: string[] = [];
  if (gateway !== undefined && gateway.name === undefined && svc.hostnames.length > 0) {
    out.push(
      problem(
        `${at}.hostnames`,
        svc.hostnames,
        "expected gateway.name to be set (hostnames only apply to HTTPRoutes)",
      ),
    );
  }
  if (gateway?.name !== undefined && services.length > 1 && svc.hostnames.length === 0) {
    // A route without hostnames matches every host: two such catch-all routes on one Gateway collide.
    out.push(
      problem(
        `${at}.hostnames`,
        svc.hostnames,
        "expected at least one hostname when a gateway routes several services",
      ),
    );
  }
  svc.hostnames.forEach((host, j) => {
    const owner = earlier(services, i, (s) => s.hostnames.includes(host));
    if (owner !== undefined) {
      out.push(
        problem(
          `${at}.hostnames[${j}]`,
          host,
          `expected a hostname not already routed to services[${owner}]`,
        ),
      );
    }
  });
  return out;
};

/** The platform sets PORT, APP_VERSION and TRACK; credentials come from Secrets; prod runs without debug settings. */
export const envAllowed: ServiceRule = (svc, at, _i, { environment }) =>
  Object.entries(svc.env).flatMap(([name, value]) => {
    if (RESERVED_ENV.includes(name)) {
      return [
        problem(
          `${at}.env.${name}`,
          value,
          `expected none of ${RESERVED_ENV.join(", ")} (the port, the version baked into the image and the track decide them)`,
        ),
      ];
    }
    if (SECRET_ENV_NAME.test(name)) {
      return [
        `${at}.env.${name}: (value hidden) is not allowed; expected no credentials in plain config ` +
          "(mount them from a Kubernetes Secret instead)",
      ];
    }
    if (environment === "prod" && (name === "DEBUG" || name === "NODE_DEBUG" || /--inspect/.test(value))) {
      return [problem(`${at}.env.${name}`, value, "expected no debug settings in environment prod")];
    }
    return [];
  });

/** The base a service is built on: its own `base`, else images.base. */
export function baseOf(svc: ServiceConfig, images: ParsedConfig["images"]): Base {
  return svc.base ?? images?.base ?? DEFAULT_BASE;
}

/**
 * A minimal image is generated for a static Go binary or for node (with the libraries it loads): a service's own
 * Dockerfile chooses its own base.
 */
export const minimalBaseFits: ServiceRule = (svc, at, _i, { images }) => {
  if (baseOf(svc, images) !== "minimal") return [];
  const key = svc.base !== undefined ? `${at}.base` : "images.base";
  const why =
    svc.dockerfile !== undefined
      ? `expected "distroless" for ${at}, which builds its own Dockerfile (its final FROM is its base)`
      : !(MINIMAL_RUNTIMES as readonly string[]).includes(svc.runtime)
        ? `expected "distroless" for ${at} (runtime "${svc.runtime}"): minimal images are made for ${MINIMAL_RUNTIMES.map((r) => `"${r}"`).join(" and ")} services`
        : undefined;
  return why === undefined ? [] : [problem(key, "minimal", why)];
};

/** The rules each service is checked with, in order; a service's problems are listed together. */
export const SERVICE_RULES: readonly ServiceRule[] = [
  serviceNameUnique,
  serviceAppInsideProject,
  canaryWeightIsStep,
  canaryVersionWithWeight,
  stableImageWhileCanary,
  canaryVersionDiffers,
  requestsWithinLimits,
  writablePathsUnique,
  hostnamesRouted,
  envAllowed,
  minimalBaseFits,
];

/**
 * The quota admits what the services run at their peak: both canary tracks and their rolling-update surge, the
 * RuntimeClass overhead included (it is added to every pod's requests and limits). Needs every service valid, as
 * it would only repeat a service's own problem otherwise.
 */
export const quotaFitsServices = (c: ParsedConfig, servicesValid: boolean): string[] => {
  const { namespace, runtimeClass, canary, gateway } = c;
  if (namespace === undefined || runtimeClass === undefined || !servicesValid) return [];
  const overheadCpu = quantityValue(runtimeClass.overhead.cpu);
  const overheadMemory = quantityValue(runtimeClass.overhead.memory);
  let pods = 0;
  let requestsCpu = 0;
  let requestsMemory = 0;
  let limitsCpu = 0;
  let limitsMemory = 0;
  for (const svc of c.services as ServiceConfig[]) {
    const n = peakPods(
      svc.replicas,
      svc.canary.weight,
      svc.canary.version !== undefined,
      gateway?.name !== undefined,
      canary?.steps,
    );
    pods += n;
    requestsCpu += n * (quantityValue(svc.resources.requests.cpu) + overheadCpu);
    requestsMemory += n * (quantityValue(svc.resources.requests.memory) + overheadMemory);
    limitsCpu += n * (quantityValue(svc.resources.limits.cpu) + overheadCpu);
    limitsMemory += n * (quantityValue(svc.resources.limits.memory) + overheadMemory);
  }
  const q = namespace.quota;
  const checks: [string, string | number, number, number][] = [
    ["pods", q.pods, q.pods, pods],
    ["requestsCpu", q.requestsCpu, quantityValue(q.requestsCpu), requestsCpu],
    ["requestsMemory", q.requestsMemory, quantityValue(q.requestsMemory), requestsMemory],
    ["limitsCpu", q.limitsCpu, quantityValue(q.limitsCpu), limitsCpu],
    ["limitsMemory", q.limitsMemory, quantityValue(q.limitsMemory), limitsMemory],
  ];
  // A tiny epsilon absorbs float error from summing milli-CPU.
  return checks
    .filter(([, , limit, needed]) => needed > limit + 1e-9)
    .map(([name, shown, , needed]) =>
      problem(
        `namespace.quota.${name}`,
        shown,
        `expected at least what the services need (${formatNeed(name, needed)}) for both canary tracks and their rolling-update surge, RuntimeClass overhead included`,
      ),
    );
};

export const attestationsNeedBuildkit: ConfigRule = ({ images }) =>
  images?.attestations !== undefined && images.buildkit === undefined
    ? [
        problem(
          "images.attestations",
          images.attestations,
          "expected images.buildkit to be set as well: attestations are attached by a BuildKit daemon driven directly " +
            "(@pulumi/docker-build, used with images.builder, has no inputs for them)",
        ),
      ]
    : [];

/** The gate scans the SBOM that BuildKit attaches: it needs images.buildkit and an SBOM generator. */
export const vulnerabilitiesNeedSbom: ConfigRule = ({ images }) =>
  images?.vulnerabilities !== undefined &&
  (images.buildkit === undefined || images.attestations?.sbomGenerator === "")
    ? [
        problem(
          "images.vulnerabilities",
          images.vulnerabilities,
          images.buildkit === undefined
            ? "expected images.buildkit to be set as well: the gate scans the SBOM a BuildKit daemon driven directly attaches"
            : 'expected an SBOM to scan: images.attestations.sbomGenerator is "" (no SBOM)',
        ),
      ]
    : [];

export const builderOrBuildkit: ConfigRule = ({ images }) =>
  images?.builder !== undefined && images.buildkit !== undefined
    ? [
        problem(
          "images.builder",
          images.builder,
          "expected either images.builder (a buildx builder, through @pulumi/docker-build) or images.buildkit " +
            "(a BuildKit daemon driven directly), not both",
        ),
      ]
    : [];

/** Google's python3 image holds its Debian release's Python; the builder must make bytecode and wheels for it. */
export const pythonVersionOfGoogleBase: ConfigRule = ({ images }) => {
  if (images?.provider !== "google") return [];
  const debianPython = DEBIAN_PYTHON[images.debian];
  return images.pythonVersion === debianPython
    ? []
    : [
        problem(
          "images.pythonVersion",
          images.pythonVersion,
          `expected "${debianPython}", the Python of Google's python3-debian${images.debian} image (the builder must ` +
            'use the base\'s Python); another minor needs provider "chainguard" with a base of that Python',
        ),
      ];
};

/** Chainguard's public images only carry `latest`, so the digest is what pins the base image. */
export const chainguardBasesPinned: ConfigRule = ({ images, services }) => {
  if (images?.provider !== "chainguard") return [];
  const families = new Set(services.flatMap((s) => (s === undefined ? [] : [BASE_FAMILY[s.runtime]])));
  return [...families]
    .sort()
    .filter((family) => images.baseDigests[family] === undefined)
    .map((family) =>
      problem(
        `images.baseDigests.${family}`,
        undefined,
        `expected a digest for the ${family} base image with provider "chainguard" ` +
          '(its public images only publish the moving "latest" tag)',
      ),
    );
};

/** Google and Chainguard publish no skeleton as small as a minimal image's: it comes from a mirror. */
export const minimalBaseNeedsMirror: ConfigRule = ({ images, registry, services }) => {
  if (registry?.mirror !== undefined) return [];
  const i = services.findIndex((s) => s !== undefined && baseOf(s, images) === "minimal");
  if (i < 0) return [];
  return [
    problem(
      services[i]?.base !== undefined ? `services[${i}].base` : "images.base",
      "minimal",
      "expected registry.mirror to be set as well: the minimal skeleton (minimal-debian13:nonroot) is published by " +
        "no provider; `npm run bases -- --push <registry>/<path>` fills a mirror with it",
    ),
  ];
};

/** Rules across keys that run after the services' own and the quota. */
export const IMAGE_RULES: readonly ConfigRule[] = [
  attestationsNeedBuildkit,
  vulnerabilitiesNeedSbom,
  minimalBaseNeedsMirror,
  builderOrBuildkit,
  pythonVersionOfGoogleBase,
  chainguardBasesPinned,
];

/** Every cross-field problem, in order: CONFIG_RULES, each service's SERVICE_RULES, the quota, IMAGE_RULES. */
export function crossFieldProblems(c: ParsedConfig, input: RuleInput): string[] {
  const global = CONFIG_RULES.flatMap((rule) => rule(c, input));
  const perService = c.services.flatMap((svc, i) =>
    svc === undefined ? [] : SERVICE_RULES.flatMap((rule) => rule(svc, `services[${i}]`, i, c, input)),
  );
  const servicesValid = c.services.every((s) => s !== undefined) && perService.length === 0;
  return [
    ...global,
    ...perService,
    ...quotaFitsServices(c, servicesValid),
    ...IMAGE_RULES.flatMap((rule) => rule(c, input)),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// Reading from Pulumi.

/** Keys whose values are plain strings in `pulumi config`; every other key holds YAML/JSON structure. */
const STRING_KEYS: readonly ConfigKey[] = ["environment"];

/**
 * Converts one raw config string as Pulumi passes it to the program: structured values arrive as JSON text,
 * `true`/`false` as text. Text that is not JSON stays a string, so zod reports it with its value.
 */
export function decodeConfigValue(key: string, text: string): unknown {
  if ((STRING_KEYS as readonly string[]).includes(key)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

// `isConfigSecret` is exported by the runtime but left out of its type declarations.
const isConfigSecret = (runtimeConfig as unknown as { isConfigSecret?: (fullKey: string) => boolean })
  .isConfigSecret;

/**
 * Reads every `distroless-platform:*` key from the stack (project defaults from Pulumi.yaml included, as the
 * engine merges them) and validates it with loadConfig. Unknown keys in the project namespace are reported too.
 */
export function readStackConfig(projectRoot: string = __dirname): LoadedConfig {
  const config = new pulumi.Config(PROJECT);
  const raw: Record<string, unknown> = {};
  const prefix = `${PROJECT}:`;
  const keys = new Set<string>(CONFIG_KEYS);
  for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
    if (fullKey.startsWith(prefix)) keys.add(fullKey.slice(prefix.length));
  }
  const secretKeys: string[] = [];
  for (const key of keys) {
    const text = config.get(key);
    if (text === undefined) continue;
    raw[key] = decodeConfigValue(key, text);
    if (isConfigSecret?.(`${prefix}${key}`) === true) secretKeys.push(key);
  }
  return loadConfig(raw, {
    secretKeys,
    pathProblem: (relPath, kind) => projectPathProblem(projectRoot, relPath, kind),
  });
}
