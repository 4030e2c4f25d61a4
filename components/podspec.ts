// Pure builders for the hardened pod template every workload runs with. They take plain values, validate them
// synchronously and return plain Kubernetes objects, so components, the canary release, tests and policies
// share one definition of "hardened". Only `image` may be a pulumi.Input (it usually comes from an image build).
import * as pulumi from "@pulumi/pulumi";
import {
  hardenedContainerSecurityContext,
  type HardenedContainerSecurityContext,
  hardenedPodSecurityContext,
  type HardenedPodSecurityContext,
  type HardenedSeccompProfile,
  GVISOR_RUNTIME_CLASS,
} from "distroless-guardrails/model";
import {
  assertAbsolutePath,
  assertDns1035Label,
  assertDns1123Subdomain,
  assertInt,
  assertLabelValue,
  assertPinnedImage,
  assertQuantity,
  DNS1035_LABEL,
  ENV_NAME,
  fail,
  parseQuantity,
  show,
} from "./validation";

export const DEFAULT_RUNTIME_CLASS = GVISOR_RUNTIME_CLASS;
export const DEFAULT_TMP_SIZE_LIMIT = "64Mi";
export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;
export const DEFAULT_LIVENESS_PATH = "/healthz";
export const DEFAULT_READINESS_PATH = "/readyz";
export const DEFAULT_STARTUP_PATH = "/healthz";
export const DEFAULT_PORT_NAME = "http";
export const DEFAULT_COMPONENT = "server";
export const DEFAULT_PART_OF = "distroless-platform";
export const MANAGED_BY = "pulumi";
export const DEFAULT_RESOURCES: Readonly<HardenedResources> = Object.freeze({
  requests: Object.freeze({ cpu: "100m", memory: "128Mi" }),
  limits: Object.freeze({ cpu: "500m", memory: "256Mi" }),
});

export const LABEL_NAME = "app.kubernetes.io/name";
export const LABEL_INSTANCE = "app.kubernetes.io/instance";
export const LABEL_VERSION = "app.kubernetes.io/version";
export const LABEL_COMPONENT = "app.kubernetes.io/component";
export const LABEL_PART_OF = "app.kubernetes.io/part-of";
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
/** Track of a release ("stable", "canary"); kept out of the Service selector so one Service spans tracks. */
export const LABEL_TRACK = "distroless.dev/track";
export const ZONE_TOPOLOGY_KEY = "topology.kubernetes.io/zone";
export const HOSTNAME_TOPOLOGY_KEY = "kubernetes.io/hostname";

/** Default timings: startup allows 60 s for a cold start under gVisor before liveness takes over. */
export const DEFAULT_PROBE_TIMINGS: Readonly<
  Record<"liveness" | "readiness" | "startup", Required<ProbeTimings>>
> = {
  liveness: {
    initialDelaySeconds: 0,
    periodSeconds: 10,
    timeoutSeconds: 2,
    failureThreshold: 3,
    successThreshold: 1,
  },
  readiness: {
    initialDelaySeconds: 0,
    periodSeconds: 5,
    timeoutSeconds: 2,
    failureThreshold: 3,
    successThreshold: 1,
  },
  startup: {
    initialDelaySeconds: 0,
    periodSeconds: 2,
    timeoutSeconds: 2,
    failureThreshold: 30,
    successThreshold: 1,
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Plain output types: a narrow, exact subset of core/v1 that is assignable to @pulumi/kubernetes input types.

export interface PlainLabels {
  [key: string]: string;
}
export type SeccompProfile = HardenedSeccompProfile;
export type PodSecurityContext = HardenedPodSecurityContext;
export type ContainerSecurityContext = HardenedContainerSecurityContext;
export interface ProbeSpec {
  httpGet?: { path: string; port: number; scheme: "HTTP" };
  grpc?: { port: number; service?: string };
  tcpSocket?: { port: number };
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  successThreshold: number;
}
// A type alias, not an interface, so it gets the implicit index signature k8s resource maps require.
export type ResourceList = {
  cpu: string;
  memory: string;
};
export interface HardenedResources {
  requests: ResourceList;
  limits: ResourceList;
}
export interface VolumeMount {
  name: string;
  mountPath: string;
}
export interface EmptyDirVolume {
  name: string;
  emptyDir: { sizeLimit: string };
}
export interface EnvVar {
  name: string;
  value: string;
}
export interface HardenedContainer {
  name: string;
  image: pulumi.Input<string>;
  imagePullPolicy: "IfNotPresent";
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports: { name: string; containerPort: number; protocol: "TCP" }[];
  livenessProbe: ProbeSpec;
  readinessProbe: ProbeSpec;
  startupProbe: ProbeSpec;
  resources: HardenedResources;
  securityContext: ContainerSecurityContext;
  volumeMounts: VolumeMount[];
}
export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway";
  labelSelector: { matchLabels: PlainLabels };
  matchLabelKeys: string[];
}
export interface HardenedPodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken: false;
  enableServiceLinks: false;
  hostNetwork: false;
  hostPID: false;
  hostIPC: false;
  runtimeClassName: string;
  terminationGracePeriodSeconds: number;
  securityContext: PodSecurityContext;
  imagePullSecrets?: { name: string }[];
  containers: HardenedContainer[];
  volumes: EmptyDirVolume[];
  topologySpreadConstraints: TopologySpreadConstraint[];
}
export interface HardenedPodTemplate {
  metadata: { labels: PlainLabels; annotations: PlainLabels };
  spec: HardenedPodSpec;
}

// ---------------------------------------------------------------------------------------------------------------
// Options.

/** Probe timings; each defaults per probe kind (see DEFAULT_PROBE_TIMINGS). */
export interface ProbeTimings {
  /** Seconds before the first probe. */
  readonly initialDelaySeconds?: number;
  /** Seconds between probes. */
  readonly periodSeconds?: number;
  /** Seconds before a probe attempt times out. */
  readonly timeoutSeconds?: number;
  /** Consecutive failures before the probe counts as failed. */
  readonly failureThreshold?: number;
  /** Consecutive successes before it counts as passing again; must be 1 for liveness and startup. */
  readonly successThreshold?: number;
}
/** One probe: an HTTP GET, a gRPC health check or a TCP connect. Exec probes are deliberately not expressible. */
export type ProbeCheck =
  | ({ readonly http: { readonly path: string; readonly port?: number } } & ProbeTimings)
  | ({ readonly grpc: { readonly service?: string; readonly port?: number } } & ProbeTimings)
  | ({ readonly tcp: { readonly port?: number } } & ProbeTimings);

export interface HardenedProbes {
  /** Default: HTTP GET /healthz on the container port. */
  readonly liveness?: ProbeCheck;
  /** Default: HTTP GET /readyz on the container port. */
  readonly readiness?: ProbeCheck;
  /** Default: HTTP GET /healthz on the container port, 30 × 2 s. */
  readonly startup?: ProbeCheck;
}

export interface WritablePath {
  /** Absolute directory that gets its own emptyDir, e.g. "/var/cache/app". */
  readonly path: string;
  /** Kubernetes quantity capping the emptyDir, e.g. "32Mi". */
  readonly sizeLimit: string;
}

export interface HardenedPodOptions {
  /** app.kubernetes.io/name; a DNS-1035 label. Also the container name. */
  readonly appName: string;
  /** Release track ("stable", "canary"). Sets app.kubernetes.io/instance to `<appName>-<track>`. */
  readonly track?: string;
  /** app.kubernetes.io/version; what the service reports so tracks can be told apart. */
  readonly version: string;
  /** Image reference pinned by digest (`repo@sha256:<64 hex>`). */
  readonly image: pulumi.Input<string>;
  /** Accept a tag-only image reference (local clusters only). Default false. */
  readonly allowUnpinnedImage?: boolean;
  /** TCP port the container listens on. Ports below 1024 require `netBindService`. */
  readonly containerPort: number;
  /** Name of the container port; Services target it. Default "http". */
  readonly portName?: string;
  /** Overrides the image ENTRYPOINT (exec form; distroless images have no shell). */
  readonly command?: string[];
  /** Overrides the image CMD. */
  readonly args?: string[];
  /** Plain environment variables; emitted sorted by name. */
  readonly env?: Record<string, string>;
  /** Liveness, readiness and startup probes; HTTP, gRPC or TCP only. */
  readonly probes?: HardenedProbes;
  /** Requests and limits for cpu and memory. Default requests 100m/128Mi, limits 500m/256Mi. */
  readonly resources?: HardenedResources;
  /** Extra writable directories, each an emptyDir with a size limit. /tmp is always provided. */
  readonly writablePaths?: readonly WritablePath[];
  /** Size limit of the /tmp emptyDir. Default "64Mi". */
  readonly tmpSizeLimit?: string;
  /** RuntimeClass the pod runs with. Default "gvisor". */
  readonly runtimeClassName?: string;
  /** ServiceAccount of the pod. Its token is never mounted. */
  readonly serviceAccountName?: string;
  /** Seconds between SIGTERM and SIGKILL. Default 30. */
  readonly terminationGracePeriodSeconds?: number;
  /** Zone spread policy; hostname spread is always ScheduleAnyway. Default "ScheduleAnyway" (works on single-zone clusters). */
  readonly zoneSpread?: "DoNotSchedule" | "ScheduleAnyway";
  /** app.kubernetes.io/component. Default "server". */
  readonly component?: string;
  /** app.kubernetes.io/part-of. Default "distroless-platform". */
  readonly partOf?: string;
  /** Extra pod annotations. */
  readonly annotations?: Record<string, string>;
  /** Names of image pull Secrets for private registries. */
  readonly imagePullSecrets?: readonly string[];
  /**
   * Named exception: add NET_BIND_SERVICE (after dropping ALL) so a port below 1024 can be bound. Prefer a port
   * >= 1024: the Service already maps port 80 to it, and a capability added for a non-root user only becomes
   * effective when the runtime grants it as an ambient capability.
   */
  readonly netBindService?: boolean;
}

const OPTION_KEYS: readonly (keyof HardenedPodOptions)[] = [
  "appName",
  "track",
  "version",
  "image",
  "allowUnpinnedImage",
  "containerPort",
  "portName",
  "command",
  "args",
  "env",
  "probes",
  "resources",
  "writablePaths",
  "tmpSizeLimit",
  "runtimeClassName",
  "serviceAccountName",
  "terminationGracePeriodSeconds",
  "zoneSpread",
  "component",
  "partOf",
  "annotations",
  "imagePullSecrets",
  "netBindService",
];

function assertProbe(key: string, probe: unknown): void {
  if (typeof probe !== "object" || probe === null) fail(`${key}: ${show(probe)} is not a probe object`);
  const p = probe as Record<string, unknown>;
  if ("exec" in p) {
    fail(`${key}: exec probes are not allowed (distroless images have no shell); use http, grpc or tcp`);
  }
  const kinds = ["http", "grpc", "tcp"].filter((k) => k in p);
  if (kinds.length !== 1) {
    fail(
      `${key}: set exactly one of http, grpc or tcp (got ${kinds.length === 0 ? "none" : kinds.join(", ")})`,
    );
  }
  const kind = kinds[0];
  const action = p[kind];
  if (typeof action !== "object" || action === null) fail(`${key}.${kind}: ${show(action)} is not an object`);
  const a = action as Record<string, unknown>;
  if (kind === "http") {
    if (typeof a.path !== "string" || !a.path.startsWith("/")) {
      fail(`${key}.http.path: ${show(a.path)} must start with "/"`);
    }
  }
  if (kind === "grpc" && a.service !== undefined && typeof a.service !== "string") {
    fail(`${key}.grpc.service: ${show(a.service)} must be a string`);
  }
  if (a.port !== undefined) assertInt(`${key}.${kind}.port`, a.port, 1, 65535);
  for (const t of ["initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold"] as const) {
    if (p[t] !== undefined) assertInt(`${key}.${t}`, p[t], t === "initialDelaySeconds" ? 0 : 1, 3600);
  }
  if (p.successThreshold !== undefined) {
    // Kubernetes requires successThreshold 1 for liveness and startup probes.
    const max = key.endsWith("readiness") ? 3600 : 1;
    assertInt(`${key}.successThreshold`, p.successThreshold, 1, max);
  }
}

/** Volume name for a writable path: "/var/cache/app" → "rw-var-cache-app" (a DNS-1123 label). */
export function writableVolumeName(path: string): string {
  const slug = path
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `rw-${slug}`.slice(0, 63).replace(/-+$/, "");
}

/**
 * Validates options synchronously and throws an Error naming the key, the value and what is allowed. Unknown keys
 * are rejected too, so a JavaScript caller cannot pass e.g. `privileged: true` and believe it was honoured.
 */
export function validateHardenedPodOptions(opts: HardenedPodOptions): void {
  if (typeof opts !== "object" || opts === null) fail(`options: ${show(opts)} is not an object`);
  for (const key of Object.keys(opts)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) {
      fail(
        `${key}: is not a HardenedPodOptions key; hardening cannot be switched off and the only exception is netBindService (allowed keys: ${OPTION_KEYS.join(", ")})`,
      );
    }
  }
  assertDns1035Label("appName", opts.appName);
  if (opts.track !== undefined) {
    assertDns1035Label("track", opts.track);
    const instance = instanceName(opts.appName, opts.track);
    if (instance.length > 63) {
      fail(
        `track: ${show(opts.track)} makes app.kubernetes.io/instance "${instance}" longer than 63 characters; shorten appName or track`,
      );
    }
  }
  assertLabelValue("version", opts.version);
  if (opts.component !== undefined) assertLabelValue("component", opts.component);
  if (opts.partOf !== undefined) assertLabelValue("partOf", opts.partOf);

  if (typeof opts.image === "string") assertPinnedImage(opts.image, opts.allowUnpinnedImage === true);
  else if (opts.image === undefined || opts.image === null) fail(`image: ${show(opts.image)} is required`);

  assertInt("containerPort", opts.containerPort, 1, 65535);
  if (opts.containerPort < 1024 && opts.netBindService !== true) {
    fail(
      `containerPort: ${opts.containerPort} is privileged (< 1024); use a port >= 1024 or set netBindService: true`,
    );
  }
  if (opts.netBindService === true && opts.containerPort >= 1024) {
    fail(
      `netBindService: true is only needed for a containerPort below 1024 (got ${opts.containerPort}); remove it`,
    );
  }
  if (opts.portName !== undefined) {
    if (
      typeof opts.portName !== "string" ||
      opts.portName.length > 15 ||
      !DNS1035_LABEL.test(opts.portName)
    ) {
      fail(
        `portName: ${show(opts.portName)} is not an IANA service name; use at most 15 lowercase letters, digits and "-"`,
      );
    }
  }

  for (const key of ["command", "args"] as const) {
    const list = opts[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.some((s) => typeof s !== "string")) {
      fail(`${key}: ${show(list)} must be an array of strings`);
    }
  }
  if (opts.command !== undefined && opts.command.length > 0) {
    const exe = opts.command[0];
    if (/^(\/(usr\/)?bin\/)?(ba|da|z|a)?sh$/.test(exe)) {
      fail(
        `command: ${show(exe)} needs a shell, which distroless images do not have; use the exec form of the binary`,
      );
    }
  }

  if (opts.env !== undefined) {
    for (const [name, value] of Object.entries(opts.env)) {
      if (!ENV_NAME.test(name))
        fail(`env: ${show(name)} is not a valid variable name; use [A-Za-z_][A-Za-z0-9_]*`);
      if (typeof value !== "string") fail(`env.${name}: ${show(value)} must be a string`);
    }
  }

  if (opts.probes !== undefined) {
    for (const kind of Object.keys(opts.probes)) {
      if (!["liveness", "readiness", "startup"].includes(kind)) {
        fail(`probes.${kind}: is not a probe; use liveness, readiness or startup`);
      }
      assertProbe(`probes.${kind}`, (opts.probes as Record<string, unknown>)[kind]);
    }
  }

  const resources = opts.resources ?? DEFAULT_RESOURCES;
  for (const tier of ["requests", "limits"] as const) {
    for (const res of ["cpu", "memory"] as const) {
      const value = resources[tier]?.[res];
      if (value === undefined)
        fail(`resources.${tier}.${res}: is required; set a Kubernetes quantity such as "250m"`);
      assertQuantity(`resources.${tier}.${res}`, value);
    }
  }
  for (const res of ["cpu", "memory"] as const) {
    const req = resources.requests[res];
    const lim = resources.limits[res];
    if (parseQuantity(req) > parseQuantity(lim)) {
      fail(
        `resources.requests.${res}: "${req}" exceeds resources.limits.${res} "${lim}"; requests must be <= limits`,
      );
    }
  }

  if (opts.tmpSizeLimit !== undefined) assertQuantity("tmpSizeLimit", opts.tmpSizeLimit);
  const seenPaths = new Set<string>();
  const seenNames = new Map<string, string>();
  (opts.writablePaths ?? []).forEach((w, i) => {
    const key = `writablePaths[${i}]`;
    assertAbsolutePath(`${key}.path`, w.path);
    if (w.path === "/tmp") fail(`${key}.path: "/tmp" is always mounted; set tmpSizeLimit instead`);
    if (seenPaths.has(w.path)) fail(`${key}.path: ${show(w.path)} is declared twice; declare each path once`);
    seenPaths.add(w.path);
    assertQuantity(`${key}.sizeLimit`, w.sizeLimit);
    const name = writableVolumeName(w.path);
    const clash = seenNames.get(name);
    if (clash !== undefined || name === "rw") {
      fail(
        `${key}.path: ${show(w.path)} maps to volume name "${name}", already used by ${show(clash)}; rename the path`,
      );
    }
    seenNames.set(name, w.path);
  });

  if (opts.runtimeClassName !== undefined) assertDns1123Subdomain("runtimeClassName", opts.runtimeClassName);
  if (opts.serviceAccountName !== undefined)
    assertDns1123Subdomain("serviceAccountName", opts.serviceAccountName);
  if (opts.terminationGracePeriodSeconds !== undefined) {
    assertInt("terminationGracePeriodSeconds", opts.terminationGracePeriodSeconds, 1, 3600);
  }
  if (opts.zoneSpread !== undefined && !["DoNotSchedule", "ScheduleAnyway"].includes(opts.zoneSpread)) {
    fail(`zoneSpread: ${show(opts.zoneSpread)} is not allowed; use "DoNotSchedule" or "ScheduleAnyway"`);
  }
  for (const [i, s] of (opts.imagePullSecrets ?? []).entries())
    assertDns1123Subdomain(`imagePullSecrets[${i}]`, s);
  if (opts.netBindService !== undefined && typeof opts.netBindService !== "boolean") {
    fail(`netBindService: ${show(opts.netBindService)} must be true or false`);
  }
  for (const key of Object.keys(opts.annotations ?? {})) {
    if (key === "" || key.length > 317) fail(`annotations: ${show(key)} is not a valid annotation key`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Builders.

/** app.kubernetes.io/instance value: `<appName>-<track>`, or just the app name without a track. */
export function instanceName(appName: string, track?: string): string {
  return track !== undefined ? `${appName}-${track}` : appName;
}

/**
 * Labels a Deployment, its PDB and topology spread select on: name and instance. Including the instance keeps the
 * selectors of a stable and a canary Deployment of the same app disjoint.
 */
export function buildSelectorLabels(appName: string, track?: string): PlainLabels {
  return { [LABEL_NAME]: appName, [LABEL_INSTANCE]: instanceName(appName, track) };
}

/** Labels a Service selects on: the name only, so one Service spans every track of the app. */
export function buildServiceSelector(appName: string): PlainLabels {
  return { [LABEL_NAME]: appName };
}

export interface LabelOptions {
  /** app.kubernetes.io/name. */
  readonly appName: string;
  /** app.kubernetes.io/version. */
  readonly version: string;
  /** Release track; sets the instance to `<appName>-<track>` and adds distroless.dev/track. */
  readonly track?: string;
  /** app.kubernetes.io/component. Default "server". */
  readonly component?: string;
  /** app.kubernetes.io/part-of. Default "distroless-platform". */
  readonly partOf?: string;
}

/** The full app.kubernetes.io label set (plus the track label) for pods and every child object. */
export function buildLabels(opts: LabelOptions): PlainLabels {
  const labels: PlainLabels = {
    [LABEL_NAME]: opts.appName,
    [LABEL_INSTANCE]: instanceName(opts.appName, opts.track),
    [LABEL_VERSION]: opts.version,
    [LABEL_COMPONENT]: opts.component ?? DEFAULT_COMPONENT,
    [LABEL_PART_OF]: opts.partOf ?? DEFAULT_PART_OF,
    [LABEL_MANAGED_BY]: MANAGED_BY,
  };
  if (opts.track !== undefined) labels[LABEL_TRACK] = opts.track;
  return labels;
}

/** The pod security context of every workload (policies/lib/hardened.ts is its home). */
export function buildPodSecurityContext(): PodSecurityContext {
  return hardenedPodSecurityContext();
}

/** The container security context of every workload (policies/lib/hardened.ts is its home). */
export function buildContainerSecurityContext(netBindService = false): ContainerSecurityContext {
  return hardenedContainerSecurityContext(netBindService);
}

/** Expands one probe option (or its default HTTP path) into a core/v1 Probe on `defaultPort`. */
export function buildProbe(
  kind: "liveness" | "readiness" | "startup",
  check: ProbeCheck | undefined,
  defaultPort: number,
): ProbeSpec {
  const defaultPath = {
    liveness: DEFAULT_LIVENESS_PATH,
    readiness: DEFAULT_READINESS_PATH,
    startup: DEFAULT_STARTUP_PATH,
  }[kind];
  const c: ProbeCheck = check ?? { http: { path: defaultPath } };
  const d = DEFAULT_PROBE_TIMINGS[kind];
  const timings = {
    initialDelaySeconds: c.initialDelaySeconds ?? d.initialDelaySeconds,
    periodSeconds: c.periodSeconds ?? d.periodSeconds,
    timeoutSeconds: c.timeoutSeconds ?? d.timeoutSeconds,
    failureThreshold: c.failureThreshold ?? d.failureThreshold,
    successThreshold: c.successThreshold ?? d.successThreshold,
  };
  if ("http" in c) {
    return { httpGet: { path: c.http.path, port: c.http.port ?? defaultPort, scheme: "HTTP" }, ...timings };
  }
  if ("grpc" in c) {
    const grpc: { port: number; service?: string } = { port: c.grpc.port ?? defaultPort };
    if (c.grpc.service !== undefined) grpc.service = c.grpc.service;
    return { grpc, ...timings };
  }
  return { tcpSocket: { port: c.tcp.port ?? defaultPort }, ...timings };
}

function buildImage(opts: HardenedPodOptions): pulumi.Input<string> {
  if (typeof opts.image === "string") return opts.image;
  // An image built in the same program is known only at deploy time; check the pin once it resolves.
  const allow = opts.allowUnpinnedImage === true;
  return pulumi.output(opts.image).apply((ref) => assertPinnedImage(ref, allow));
}

/** Volumes: "tmp" for /tmp, then one emptyDir per writable path, all disk-backed with a sizeLimit. */
function buildVolumes(opts: HardenedPodOptions): { volumes: EmptyDirVolume[]; mounts: VolumeMount[] } {
  const volumes: EmptyDirVolume[] = [
    { name: "tmp", emptyDir: { sizeLimit: opts.tmpSizeLimit ?? DEFAULT_TMP_SIZE_LIMIT } },
  ];
  const mounts: VolumeMount[] = [{ name: "tmp", mountPath: "/tmp" }];
  for (const w of opts.writablePaths ?? []) {
    const name = writableVolumeName(w.path);
    volumes.push({ name, emptyDir: { sizeLimit: w.sizeLimit } });
    mounts.push({ name, mountPath: w.path });
  }
  return { volumes, mounts };
}

function buildContainer(opts: HardenedPodOptions): HardenedContainer {
  const port = opts.containerPort;
  const resources = opts.resources ?? DEFAULT_RESOURCES;
  const container: HardenedContainer = {
    name: opts.appName,
    image: buildImage(opts),
    imagePullPolicy: "IfNotPresent",
    ports: [{ name: opts.portName ?? DEFAULT_PORT_NAME, containerPort: port, protocol: "TCP" }],
    livenessProbe: buildProbe("liveness", opts.probes?.liveness, port),
    readinessProbe: buildProbe("readiness", opts.probes?.readiness, port),
    startupProbe: buildProbe("startup", opts.probes?.startup, port),
    resources: {
      requests: { cpu: resources.requests.cpu, memory: resources.requests.memory },
      limits: { cpu: resources.limits.cpu, memory: resources.limits.memory },
    },
    securityContext: buildContainerSecurityContext(opts.netBindService === true),
    volumeMounts: buildVolumes(opts).mounts,
  };
  if (opts.command !== undefined) container.command = [...opts.command];
  if (opts.args !== undefined) container.args = [...opts.args];
  if (opts.env !== undefined && Object.keys(opts.env).length > 0) {
    container.env = Object.keys(opts.env)
      .sort()
      .map((name) => ({ name, value: (opts.env as Record<string, string>)[name] }));
  }
  return container;
}

export function buildTopologySpread(
  selector: PlainLabels,
  zoneSpread: "DoNotSchedule" | "ScheduleAnyway" = "ScheduleAnyway",
): TopologySpreadConstraint[] {
  // matchLabelKeys keeps the skew computed per ReplicaSet, so rolling updates do not fight the old pods.
  return [
    {
      maxSkew: 1,
      topologyKey: ZONE_TOPOLOGY_KEY,
      whenUnsatisfiable: zoneSpread,
      labelSelector: { matchLabels: { ...selector } },
      matchLabelKeys: ["pod-template-hash"],
    },
    {
      maxSkew: 1,
      topologyKey: HOSTNAME_TOPOLOGY_KEY,
      whenUnsatisfiable: "ScheduleAnyway",
      labelSelector: { matchLabels: { ...selector } },
      matchLabelKeys: ["pod-template-hash"],
    },
  ];
}

/**
 * The hardened PodSpec of options validateHardenedPodOptions accepted: a total function, as the components validate
 * their arguments once, before anything is built.
 */
export function buildHardenedPodSpec(opts: HardenedPodOptions): HardenedPodSpec {
  const spec: HardenedPodSpec = {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    hostNetwork: false,
    hostPID: false,
    hostIPC: false,
    runtimeClassName: opts.runtimeClassName ?? DEFAULT_RUNTIME_CLASS,
    terminationGracePeriodSeconds: opts.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS,
    securityContext: buildPodSecurityContext(),
    containers: [buildContainer(opts)],
    volumes: buildVolumes(opts).volumes,
    topologySpreadConstraints: buildTopologySpread(
      buildSelectorLabels(opts.appName, opts.track),
      opts.zoneSpread,
    ),
  };
  if (opts.serviceAccountName !== undefined) spec.serviceAccountName = opts.serviceAccountName;
  if (opts.imagePullSecrets !== undefined && opts.imagePullSecrets.length > 0) {
    spec.imagePullSecrets = opts.imagePullSecrets.map((name) => ({ name }));
  }
  return spec;
}

/** Pod template (metadata + spec) for a Deployment, of options validateHardenedPodOptions accepted. */
export function buildHardenedPodTemplate(opts: HardenedPodOptions): HardenedPodTemplate {
  const spec = buildHardenedPodSpec(opts);
  return {
    metadata: {
      labels: buildLabels(opts),
      // Lets `kubectl logs/exec` pick the app container without -c.
      annotations: { "kubectl.kubernetes.io/default-container": opts.appName, ...(opts.annotations ?? {}) },
    },
    spec,
  };
}
