import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { isPlainInput, liftValidated, mapLifted, mapLifted2 } from "../components/inputs";
import {
  buildContainerSecurityContext,
  buildHardenedPodSpec,
  buildHardenedPodTemplate,
  buildLabels,
  buildProbe,
  buildSelectorLabels,
  buildServiceSelector,
  HardenedPodOptions,
  HardenedPodSpec,
  validateHardenedPodOptions,
  writableVolumeName,
} from "../components/podspec";
import { parseQuantity } from "../components/validation";
import { NONROOT_UID } from "distroless-guardrails/model";
import { failureOf, promiseOf, recordResources } from "./helpers/mocks";

const DIGEST = "sha256:" + "0123456789abcdef".repeat(4);
const IMAGE = `registry.example.com/web@${DIGEST}`;

function base(over: Partial<HardenedPodOptions> = {}): HardenedPodOptions {
  return { appName: "web", version: "1.4.2", image: IMAGE, containerPort: 8080, ...over };
}

/** Options with one key replaced by an arbitrary (possibly ill-typed) value, as a JavaScript caller could pass. */
function withRaw(key: string, value: unknown): HardenedPodOptions {
  return { ...base(), [key]: value } as unknown as HardenedPodOptions;
}

/**
 * The Pod Security Standards `restricted` profile (which includes `baseline`), checked field by field on a plain
 * pod spec as pod-security-admission evaluates it. Returns one string per violation.
 */
function restrictedViolations(spec: Record<string, unknown>): string[] {
  const out: string[] = [];
  const psc = (spec.securityContext ?? {}) as Record<string, unknown>;
  const containers = [
    ...((spec.containers ?? []) as Record<string, unknown>[]),
    ...((spec.initContainers ?? []) as Record<string, unknown>[]),
  ];
  // baseline
  for (const f of ["hostNetwork", "hostPID", "hostIPC"]) if (spec[f] === true) out.push(`${f}`);
  for (const v of (spec.volumes ?? []) as Record<string, unknown>[]) {
    const allowed = [
      "configMap",
      "csi",
      "downwardAPI",
      "emptyDir",
      "ephemeral",
      "persistentVolumeClaim",
      "projected",
    ];
    const kinds = Object.keys(v).filter((k) => k !== "name");
    if (!kinds.every((k) => [...allowed, "secret"].includes(k)))
      out.push(`volume ${String(v.name)}: ${kinds}`);
  }
  const sysctls = (psc.sysctls ?? []) as unknown[];
  if (sysctls.length > 0) out.push("sysctls");
  const podSeccomp = (psc.seccompProfile as { type?: string } | undefined)?.type;
  if (psc.runAsUser === 0) out.push("pod runAsUser 0");
  for (const c of containers) {
    const sc = (c.securityContext ?? {}) as Record<string, unknown>;
    const name = String(c.name);
    if (sc.privileged === true) out.push(`${name}: privileged`);
    if (sc.procMount !== undefined && sc.procMount !== "Default") out.push(`${name}: procMount`);
    for (const p of (c.ports ?? []) as Record<string, unknown>[]) {
      if (p.hostPort !== undefined && p.hostPort !== 0) out.push(`${name}: hostPort`);
    }
    const caps = (sc.capabilities ?? {}) as { add?: string[]; drop?: string[] };
    // restricted
    if (sc.allowPrivilegeEscalation !== false) out.push(`${name}: allowPrivilegeEscalation != false`);
    const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
    if (nonRoot !== true) out.push(`${name}: runAsNonRoot != true`);
    if (sc.runAsUser === 0) out.push(`${name}: runAsUser 0`);
    const seccomp = (sc.seccompProfile as { type?: string } | undefined)?.type ?? podSeccomp;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
      out.push(`${name}: seccompProfile ${seccomp}`);
    if (!(caps.drop ?? []).includes("ALL")) out.push(`${name}: capabilities.drop lacks ALL`);
    for (const cap of caps.add ?? []) if (cap !== "NET_BIND_SERVICE") out.push(`${name}: adds ${cap}`);
    for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
      const p = (c[probe] ?? {}) as Record<string, unknown>;
      const host = (p.httpGet as { host?: string } | undefined)?.host;
      if (host !== undefined) out.push(`${name}: ${probe} host`);
    }
  }
  return out;
}

function asRecord(spec: HardenedPodSpec): Record<string, unknown> {
  return JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
}

describe("podspec: hardened pod spec", () => {
  it("sets the pod securityContext field by field", () => {
    const spec = buildHardenedPodSpec(base());
    assert.equal(NONROOT_UID, 65532);
    assert.deepEqual(spec.securityContext, {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  it("sets the container securityContext field by field", () => {
    const sc = buildHardenedPodSpec(base()).containers[0].securityContext;
    assert.equal(sc.runAsNonRoot, true);
    assert.equal(sc.runAsUser, 65532);
    assert.equal(sc.runAsGroup, 65532);
    assert.equal(sc.readOnlyRootFilesystem, true);
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.equal(sc.privileged, false);
    assert.deepEqual(sc.capabilities, { drop: ["ALL"] });
    assert.deepEqual(sc.seccompProfile, { type: "RuntimeDefault" });
    assert.deepEqual(Object.keys(sc).sort(), [
      "allowPrivilegeEscalation",
      "capabilities",
      "privileged",
      "readOnlyRootFilesystem",
      "runAsGroup",
      "runAsNonRoot",
      "runAsUser",
      "seccompProfile",
    ]);
  });

  it("sets pod-level fields: token, service links, host namespaces, runtime class, grace period", () => {
    const spec = buildHardenedPodSpec(base({ serviceAccountName: "web" }));
    assert.equal(spec.automountServiceAccountToken, false);
    assert.equal(spec.enableServiceLinks, false);
    assert.equal(spec.hostNetwork, false);
    assert.equal(spec.hostPID, false);
    assert.equal(spec.hostIPC, false);
    assert.equal(spec.runtimeClassName, "gvisor");
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.equal(spec.serviceAccountName, "web");
    assert.equal(spec.imagePullSecrets, undefined);
  });

  it("builds the whole default spec exactly", () => {
    const spec = buildHardenedPodSpec(base());
    const sel = { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" };
    const timings = (period: number, failure: number) => ({
      initialDelaySeconds: 0,
      periodSeconds: period,
      timeoutSeconds: 2,
      failureThreshold: failure,
      successThreshold: 1,
    });
    assert.deepEqual(spec, {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      hostNetwork: false,
      hostPID: false,
      hostIPC: false,
      runtimeClassName: "gvisor",
      terminationGracePeriodSeconds: 30,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        fsGroup: 65532,
        seccompProfile: { type: "RuntimeDefault" },
      },
      containers: [
        {
          name: "web",
          image: IMAGE,
          imagePullPolicy: "IfNotPresent",
          ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
          livenessProbe: { httpGet: { path: "/healthz", port: 8080, scheme: "HTTP" }, ...timings(10, 3) },
          readinessProbe: { httpGet: { path: "/readyz", port: 8080, scheme: "HTTP" }, ...timings(5, 3) },
          startupProbe: { httpGet: { path: "/healthz", port: 8080, scheme: "HTTP" }, ...timings(2, 30) },
          resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            privileged: false,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
          },
          volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        },
      ],
      volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "topology.kubernetes.io/zone",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: sel },
          matchLabelKeys: ["pod-template-hash"],
        },
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: sel },
          matchLabelKeys: ["pod-template-hash"],
        },
      ],
    });
  });

  it("adds NET_BIND_SERVICE only through the named netBindService exception", () => {
    const spec = buildHardenedPodSpec(base({ containerPort: 80, netBindService: true }));
    assert.deepEqual(spec.containers[0].securityContext.capabilities, {
      drop: ["ALL"],
      add: ["NET_BIND_SERVICE"],
    });
    assert.deepEqual(buildContainerSecurityContext(false).capabilities, { drop: ["ALL"] });
  });

  it("mounts an emptyDir with a sizeLimit for /tmp and each writable path, medium unset", () => {
    const spec = buildHardenedPodSpec(
      base({
        tmpSizeLimit: "128Mi",
        writablePaths: [
          { path: "/var/cache/nginx", sizeLimit: "32Mi" },
          { path: "/data", sizeLimit: "1Gi" },
        ],
      }),
    );
    assert.deepEqual(spec.volumes, [
      { name: "tmp", emptyDir: { sizeLimit: "128Mi" } },
      { name: "rw-var-cache-nginx", emptyDir: { sizeLimit: "32Mi" } },
      { name: "rw-data", emptyDir: { sizeLimit: "1Gi" } },
    ]);
    assert.deepEqual(spec.containers[0].volumeMounts, [
      { name: "tmp", mountPath: "/tmp" },
      { name: "rw-var-cache-nginx", mountPath: "/var/cache/nginx" },
      { name: "rw-data", mountPath: "/data" },
    ]);
    for (const v of spec.volumes) assert.equal("medium" in v.emptyDir, false);
    assert.equal(writableVolumeName("/Var/Lib_App.d"), "rw-var-lib-app-d");
  });

  it("builds gRPC and TCP probes with custom timings and ports", () => {
    assert.deepEqual(buildProbe("liveness", { grpc: { service: "health" }, periodSeconds: 7 }, 9090), {
      grpc: { port: 9090, service: "health" },
      initialDelaySeconds: 0,
      periodSeconds: 7,
      timeoutSeconds: 2,
      failureThreshold: 3,
      successThreshold: 1,
    });
    assert.deepEqual(buildProbe("readiness", { tcp: { port: 9091 }, failureThreshold: 5 }, 9090), {
      tcpSocket: { port: 9091 },
      initialDelaySeconds: 0,
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 5,
      successThreshold: 1,
    });
    const spec = buildHardenedPodSpec(
      base({ probes: { startup: { http: { path: "/started", port: 8081 } }, liveness: { grpc: {} } } }),
    );
    const c = spec.containers[0];
    assert.deepEqual(c.startupProbe.httpGet, { path: "/started", port: 8081, scheme: "HTTP" });
    assert.deepEqual(c.livenessProbe.grpc, { port: 8080 });
    assert.deepEqual(c.readinessProbe.httpGet, { path: "/readyz", port: 8080, scheme: "HTTP" });
  });

  it("no probe is ever an exec probe", () => {
    const spec = buildHardenedPodSpec(base({ probes: { liveness: { tcp: {} }, readiness: { grpc: {} } } }));
    for (const p of [spec.containers[0].livenessProbe, spec.containers[0].readinessProbe]) {
      assert.equal("exec" in p, false);
    }
  });

  it("emits command, args and env (sorted) only when given", () => {
    const none = buildHardenedPodSpec(base()).containers[0];
    assert.equal("command" in none, false);
    assert.equal("args" in none, false);
    assert.equal("env" in none, false);
    const c = buildHardenedPodSpec(
      base({
        command: ["/app/server"],
        args: ["--port", "8080"],
        env: { Z_LAST: "z", APP_VERSION: "1.4.2" },
      }),
    ).containers[0];
    assert.deepEqual(c.command, ["/app/server"]);
    assert.deepEqual(c.args, ["--port", "8080"]);
    assert.deepEqual(c.env, [
      { name: "APP_VERSION", value: "1.4.2" },
      { name: "Z_LAST", value: "z" },
    ]);
  });

  it("honours runtimeClassName, grace period, zone spread, resources and pull secrets", () => {
    const spec = buildHardenedPodSpec(
      base({
        runtimeClassName: "gvisor-custom",
        terminationGracePeriodSeconds: 45,
        zoneSpread: "DoNotSchedule",
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "512Mi" } },
        imagePullSecrets: ["regcred"],
      }),
    );
    assert.equal(spec.runtimeClassName, "gvisor-custom");
    assert.equal(spec.terminationGracePeriodSeconds, 45);
    assert.equal(spec.topologySpreadConstraints[0].whenUnsatisfiable, "DoNotSchedule");
    assert.equal(spec.topologySpreadConstraints[1].whenUnsatisfiable, "ScheduleAnyway");
    assert.deepEqual(spec.containers[0].resources, {
      requests: { cpu: "50m", memory: "64Mi" },
      limits: { cpu: "1", memory: "512Mi" },
    });
    assert.deepEqual(spec.imagePullSecrets, [{ name: "regcred" }]);
  });
});

describe("podspec: labels and template", () => {
  it("builds app.kubernetes.io labels with and without a track", () => {
    assert.deepEqual(buildLabels({ appName: "web", version: "1.4.2" }), {
      "app.kubernetes.io/name": "web",
      "app.kubernetes.io/instance": "web",
      "app.kubernetes.io/version": "1.4.2",
      "app.kubernetes.io/component": "server",
      "app.kubernetes.io/part-of": "distroless-platform",
      "app.kubernetes.io/managed-by": "pulumi",
    });
    assert.deepEqual(
      buildLabels({ appName: "web", version: "2.0.0", track: "canary", component: "api", partOf: "shop" }),
      {
        "app.kubernetes.io/name": "web",
        "app.kubernetes.io/instance": "web-canary",
        "app.kubernetes.io/version": "2.0.0",
        "app.kubernetes.io/component": "api",
        "app.kubernetes.io/part-of": "shop",
        "app.kubernetes.io/managed-by": "pulumi",
        "distroless.dev/track": "canary",
      },
    );
  });

  it("keeps stable and canary selectors disjoint while the Service selector spans both", () => {
    assert.deepEqual(buildSelectorLabels("web", "stable"), {
      "app.kubernetes.io/name": "web",
      "app.kubernetes.io/instance": "web-stable",
    });
    assert.deepEqual(buildSelectorLabels("web"), {
      "app.kubernetes.io/name": "web",
      "app.kubernetes.io/instance": "web",
    });
    assert.deepEqual(buildServiceSelector("web"), { "app.kubernetes.io/name": "web" });
  });

  it("builds the template metadata with labels and the default-container annotation", () => {
    const t = buildHardenedPodTemplate(
      base({ track: "stable", annotations: { "example.com/team": "core" } }),
    );
    assert.deepEqual(t.metadata, {
      labels: {
        "app.kubernetes.io/name": "web",
        "app.kubernetes.io/instance": "web-stable",
        "app.kubernetes.io/version": "1.4.2",
        "app.kubernetes.io/component": "server",
        "app.kubernetes.io/part-of": "distroless-platform",
        "app.kubernetes.io/managed-by": "pulumi",
        "distroless.dev/track": "stable",
      },
      annotations: { "kubectl.kubernetes.io/default-container": "web", "example.com/team": "core" },
    });
    assert.deepEqual(t.spec.topologySpreadConstraints[0].labelSelector.matchLabels, {
      "app.kubernetes.io/name": "web",
      "app.kubernetes.io/instance": "web-stable",
    });
  });
});

describe("podspec: Pod Security Standards restricted profile", () => {
  it("the default spec has no restricted violations", () => {
    assert.deepEqual(restrictedViolations(asRecord(buildHardenedPodSpec(base()))), []);
  });

  it("a spec using every option still has no restricted violations", () => {
    const spec = buildHardenedPodSpec(
      base({
        containerPort: 443,
        netBindService: true,
        probes: { liveness: { grpc: {} }, readiness: { tcp: {} } },
        writablePaths: [{ path: "/var/run/app", sizeLimit: "1Mi" }],
        command: ["/app"],
        env: { A: "b" },
      }),
    );
    assert.deepEqual(restrictedViolations(asRecord(spec)), []);
  });

  it("the checker itself catches a weakened spec", () => {
    const spec = asRecord(buildHardenedPodSpec(base()));
    const c = (spec.containers as Record<string, unknown>[])[0];
    c.securityContext = {
      ...(c.securityContext as object),
      allowPrivilegeEscalation: true,
      capabilities: { add: ["SYS_ADMIN"] },
    };
    spec.securityContext = {};
    spec.hostNetwork = true;
    spec.volumes = [{ name: "h", hostPath: { path: "/" } }];
    assert.deepEqual(restrictedViolations(spec), [
      "hostNetwork",
      "volume h: hostPath",
      "web: allowPrivilegeEscalation != false",
      "web: capabilities.drop lacks ALL",
      "web: adds SYS_ADMIN",
    ]);
  });
});

describe("podspec: properties (fast-check)", () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9]{0,20}$/);
  const quantity = fc.integer({ min: 1, max: 4096 }).map((n) => `${n}Mi`);
  const options = fc.record(
    {
      appName: name,
      track: fc.option(fc.constantFrom("stable", "canary"), { nil: undefined }),
      version: fc.stringMatching(/^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/),
      containerPort: fc.integer({ min: 1, max: 65535 }),
      tmpSizeLimit: quantity,
      writablePaths: fc
        .uniqueArray(name, { maxLength: 4 })
        .chain((names) =>
          fc
            .tuple(...names.map(() => quantity))
            .map((sizes) => names.map((n, i) => ({ path: `/var/${n}`, sizeLimit: sizes[i] }))),
        ),
      probe: fc.constantFrom<"http" | "grpc" | "tcp">("http", "grpc", "tcp"),
    },
    { requiredKeys: ["appName", "version", "containerPort", "tmpSizeLimit", "writablePaths", "probe"] },
  );

  it("every valid option set yields a spec with no restricted violations and the fixed hardening", () => {
    fc.assert(
      fc.property(options, (o) => {
        const probe =
          o.probe === "http" ? { http: { path: "/live" } } : o.probe === "grpc" ? { grpc: {} } : { tcp: {} };
        const spec = buildHardenedPodSpec({
          appName: o.appName,
          track: o.track,
          version: o.version,
          image: IMAGE,
          containerPort: o.containerPort,
          netBindService: o.containerPort < 1024 ? true : undefined,
          tmpSizeLimit: o.tmpSizeLimit,
          writablePaths: o.writablePaths,
          probes: { liveness: probe },
        });
        assert.deepEqual(restrictedViolations(asRecord(spec)), []);
        assert.deepEqual(spec.securityContext, {
          runAsNonRoot: true,
          runAsUser: 65532,
          runAsGroup: 65532,
          fsGroup: 65532,
          seccompProfile: { type: "RuntimeDefault" },
        });
        const c = spec.containers[0];
        assert.equal(c.securityContext.readOnlyRootFilesystem, true);
        assert.equal(spec.automountServiceAccountToken, false);
        // Every volume is a size-limited emptyDir and is mounted exactly once.
        assert.equal(spec.volumes.length, 1 + o.writablePaths.length);
        for (const v of spec.volumes) assert.ok(v.emptyDir.sizeLimit.endsWith("Mi"));
        assert.deepEqual(
          c.volumeMounts.map((m) => m.name),
          spec.volumes.map((v) => v.name),
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe("podspec: validation", () => {
  const cases: [string, HardenedPodOptions, string][] = [
    [
      "privileged port",
      base({ containerPort: 80 }),
      "containerPort: 80 is privileged (< 1024); use a port >= 1024 or set netBindService: true",
    ],
    [
      "needless netBindService",
      base({ netBindService: true }),
      "netBindService: true is only needed for a containerPort below 1024 (got 8080); remove it",
    ],
    [
      "port out of range",
      base({ containerPort: 70000 }),
      "containerPort: 70000 is not allowed; use an integer from 1 to 65535",
    ],
    [
      "unpinned image",
      base({ image: "registry.example.com/web:1.4.2" }),
      'image: "registry.example.com/web:1.4.2" is not pinned by digest; use "<repository>@sha256:<64 hex digits>" or set allowUnpinnedImage: true',
    ],
    [
      "short digest",
      base({ image: "web@sha256:abc" }),
      'image: "web@sha256:abc" is not pinned by digest; use "<repository>@sha256:<64 hex digits>" or set allowUnpinnedImage: true',
    ],
    [
      "bad appName",
      base({ appName: "Web_1" }),
      'appName: "Web_1" is not a DNS-1035 label; use at most 63 lowercase letters, digits and "-", starting with a letter',
    ],
    [
      "bad version",
      base({ version: "1.0 beta" }),
      'version: "1.0 beta" is not a valid label value; use 1-63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
    ],
    [
      "relative writable path",
      base({ writablePaths: [{ path: "var/cache", sizeLimit: "1Mi" }] }),
      'writablePaths[0].path: "var/cache" is not an absolute path; use a path starting with "/"',
    ],
    [
      "root writable path",
      base({ writablePaths: [{ path: "/", sizeLimit: "1Mi" }] }),
      'writablePaths[0].path: "/" is the root filesystem, which stays read-only; use a subdirectory',
    ],
    [
      "unnormalized writable path",
      base({ writablePaths: [{ path: "/var/../etc", sizeLimit: "1Mi" }] }),
      'writablePaths[0].path: "/var/../etc" is not a normalized path; drop empty, "." and ".." segments and the trailing "/"',
    ],
    [
      "/tmp as writable path",
      base({ writablePaths: [{ path: "/tmp", sizeLimit: "1Mi" }] }),
      'writablePaths[0].path: "/tmp" is always mounted; set tmpSizeLimit instead',
    ],
    [
      "duplicate writable path",
      base({
        writablePaths: [
          { path: "/data", sizeLimit: "1Mi" },
          { path: "/data", sizeLimit: "2Mi" },
        ],
      }),
      'writablePaths[1].path: "/data" is declared twice; declare each path once',
    ],
    [
      "volume name clash",
      base({
        writablePaths: [
          { path: "/a_b", sizeLimit: "1Mi" },
          { path: "/a-b", sizeLimit: "1Mi" },
        ],
      }),
      'writablePaths[1].path: "/a-b" maps to volume name "rw-a-b", already used by "/a_b"; rename the path',
    ],
    [
      "bad sizeLimit",
      base({ writablePaths: [{ path: "/data", sizeLimit: "10 MB" }] }),
      'writablePaths[0].sizeLimit: "10 MB" is not a Kubernetes quantity; use e.g. "250m", "64Mi" or "1Gi"',
    ],
    [
      "bad tmpSizeLimit",
      base({ tmpSizeLimit: "lots" }),
      'tmpSizeLimit: "lots" is not a Kubernetes quantity; use e.g. "250m", "64Mi" or "1Gi"',
    ],
    ["zero tmpSizeLimit", base({ tmpSizeLimit: "0" }), 'tmpSizeLimit: "0" must be greater than zero'],
    [
      "probe path without slash",
      base({ probes: { liveness: { http: { path: "healthz" } } } }),
      'probes.liveness.http.path: "healthz" must start with "/"',
    ],
    [
      "probe with two actions",
      {
        ...base(),
        probes: { readiness: { http: { path: "/r" }, tcp: {} } },
      } as unknown as HardenedPodOptions,
      "probes.readiness: set exactly one of http, grpc or tcp (got http, tcp)",
    ],
    [
      "exec probe",
      withRaw("probes", { liveness: { exec: { command: ["/bin/true"] } } }),
      "probes.liveness: exec probes are not allowed (distroless images have no shell); use http, grpc or tcp",
    ],
    [
      "liveness successThreshold",
      base({ probes: { liveness: { tcp: {}, successThreshold: 2 } } }),
      "probes.liveness.successThreshold: 2 is not allowed; use an integer from 1 to 1",
    ],
    [
      "requests above limits",
      base({
        resources: { requests: { cpu: "2", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
      }),
      'resources.requests.cpu: "2" exceeds resources.limits.cpu "500m"; requests must be <= limits',
    ],
    [
      "missing limit",
      withRaw("resources", { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1" } }),
      'resources.limits.memory: is required; set a Kubernetes quantity such as "250m"',
    ],
    [
      "shell command",
      base({ command: ["/bin/sh", "-c", "server"] }),
      'command: "/bin/sh" needs a shell, which distroless images do not have; use the exec form of the binary',
    ],
    [
      "bad env name",
      base({ env: { "MY-VAR": "x" } }),
      'env: "MY-VAR" is not a valid variable name; use [A-Za-z_][A-Za-z0-9_]*',
    ],
    [
      "zero grace period",
      base({ terminationGracePeriodSeconds: 0 }),
      "terminationGracePeriodSeconds: 0 is not allowed; use an integer from 1 to 3600",
    ],
    [
      "bad runtimeClassName",
      base({ runtimeClassName: "GVisor" }),
      'runtimeClassName: "GVisor" is not a DNS-1123 subdomain; use lowercase letters, digits, "-" and "."',
    ],
    [
      "bad zoneSpread",
      withRaw("zoneSpread", "Always"),
      'zoneSpread: "Always" is not allowed; use "DoNotSchedule" or "ScheduleAnyway"',
    ],
  ];
  for (const [title, opts, message] of cases) {
    it(`rejects ${title}`, () => {
      // The one validation: the builders take what it accepted, and every component calls it first.
      assert.throws(() => validateHardenedPodOptions(opts), { message });
    });
  }

  it("accepts an unpinned image only with allowUnpinnedImage", () => {
    const spec = buildHardenedPodSpec(base({ image: "localhost:5000/web:dev", allowUnpinnedImage: true }));
    assert.equal(spec.containers[0].image, "localhost:5000/web:dev");
  });

  it("parses quantities", () => {
    assert.equal(parseQuantity("250m"), 0.25);
    assert.equal(parseQuantity("64Mi"), 64 * 1024 * 1024);
    assert.equal(parseQuantity("1e3"), 1000);
    assert.equal(parseQuantity("2G"), 2e9);
    assert.throws(() => parseQuantity("-1"), { message: '"-1" is not a Kubernetes quantity' });
  });
});

describe("podspec: hardening cannot be switched off", () => {
  const attempts: [string, unknown][] = [
    ["privileged", true],
    ["runAsNonRoot", false],
    ["runAsUser", 0],
    ["readOnlyRootFilesystem", false],
    ["allowPrivilegeEscalation", true],
    ["capabilities", { add: ["SYS_ADMIN"] }],
    ["hostNetwork", true],
    ["securityContext", {}],
    ["automountServiceAccountToken", true],
  ];
  for (const [key, value] of attempts) {
    it(`rejects the unknown key ${key}`, () => {
      // The builder, given the key anyway (past the validation every component runs), ignores it.
      assert.deepEqual(buildHardenedPodSpec(withRaw(key, value)), buildHardenedPodSpec(base()));
      assert.throws(
        () => validateHardenedPodOptions(withRaw(key, value)),
        (err: Error) => {
          assert.match(
            err.message,
            new RegExp(
              `^${key}: is not a HardenedPodOptions key; hardening cannot be switched off and the only exception is netBindService \\(allowed keys: appName, track, `,
            ),
          );
          return true;
        },
      );
    });
  }

  it("runtimeClassName cannot be emptied", () => {
    assert.throws(() => validateHardenedPodOptions(base({ runtimeClassName: "" })), {
      message: 'runtimeClassName: "" is not a DNS-1123 subdomain; use lowercase letters, digits, "-" and "."',
    });
  });

  it("returns fresh objects, so a caller mutating one spec cannot weaken the next", () => {
    const a = buildHardenedPodSpec(base());
    (a.containers[0].securityContext as unknown as Record<string, unknown>).privileged = true;
    (a.containers[0].resources.limits as Record<string, string>).cpu = "64";
    const b = buildHardenedPodSpec(base());
    assert.equal(b.containers[0].securityContext.privileged, false);
    assert.equal(b.containers[0].resources.limits.cpu, "500m");
  });
});

describe("podspec: registered through a Deployment (mocks)", () => {
  const records = recordResources();

  it("registers the template exactly as built, resolving an Output image", async () => {
    const image = pulumi.output(Promise.resolve(IMAGE));
    const template = buildHardenedPodTemplate(base({ image }));
    const d = new k8s.apps.v1.Deployment("web", {
      metadata: { name: "web", namespace: "apps" },
      spec: { replicas: 1, selector: { matchLabels: buildSelectorLabels("web") }, template },
    });
    await promiseOf(d.id);
    const reg = records.find((r) => r.type === "kubernetes:apps/v1:Deployment");
    assert.ok(reg);
    const spec = reg.inputs.spec as { template: { spec: HardenedPodSpec; metadata: unknown } };
    assert.equal(spec.template.spec.containers[0].image, IMAGE);
    assert.deepEqual(spec.template.spec, asRecord(buildHardenedPodSpec(base())));
    assert.deepEqual(spec.template.metadata, template.metadata);
  });

  it("fails when an Output image resolves to an unpinned reference", async () => {
    const image = pulumi.output(Promise.resolve("web:latest"));
    const template = buildHardenedPodTemplate(base({ image }));
    const err = await failureOf(pulumi.output(template.spec.containers[0].image));
    assert.ok(err instanceof Error);
    assert.equal(
      err.message,
      'image: "web:latest" is not pinned by digest; use "<repository>@sha256:<64 hex digits>" or set allowUnpinnedImage: true',
    );
  });
});

describe("podspec: Input helpers", () => {
  recordResources();

  it("tells plain values from Outputs and Promises", () => {
    assert.equal(isPlainInput("web"), true);
    assert.equal(isPlainInput(undefined), true);
    assert.equal(isPlainInput({ image: pulumi.output("x") }), true);
    assert.equal(isPlainInput(pulumi.output("web")), false);
    assert.equal(isPlainInput(Promise.resolve("web")), false);
  });

  it("builds now when every field is plain, without validating again (the caller checked them)", () => {
    const nested = pulumi.output("ref");
    const seen: unknown[] = [];
    let validated = 0;
    const result = liftValidated<{ a: number; pod: { image: unknown } }, number>(
      { a: 2, pod: { image: nested } },
      () => (validated += 1),
      (r) => {
        seen.push(r.pod.image);
        return r.a * 10;
      },
    );
    assert.equal(result, 20);
    assert.equal(validated, 0);
    // Nested Inputs of plain fields are passed through, not resolved.
    assert.equal(seen[0], nested);
  });

  it("validates once known when a field is an Output, and fails the Output on a bad value", async () => {
    let validated = 0;
    const ok = liftValidated<{ a: number; b: string }, string>(
      { a: pulumi.output(2), b: "x" },
      () => (validated += 1),
      (r) => `${r.b}${r.a}`,
    );
    assert.ok(pulumi.Output.isInstance(ok));
    assert.equal(await promiseOf(ok as pulumi.Output<string>), "x2");
    assert.equal(validated, 1);
    const built: number[] = [];
    const bad = liftValidated<{ a: number }, number>(
      { a: Promise.resolve(-1) },
      (r) => {
        if (r.a < 0) throw new Error(`a: ${r.a} is not allowed`);
      },
      (r) => built.push(r.a),
    );
    const err = await failureOf(bad as pulumi.Output<number>);
    assert.ok(err instanceof Error);
    assert.equal(err.message, "a: -1 is not allowed");
    assert.deepEqual(built, []);
  });

  it("maps lifted values: plain stays plain, an Output stays an Output", async () => {
    assert.equal(
      mapLifted(2, (n) => n + 1),
      3,
    );
    assert.equal(
      mapLifted2(2, "x", (n, s) => `${s}${n}`),
      "x2",
    );
    const lifted = mapLifted2(pulumi.output(2), "x", (n, s) => `${s}${n}`);
    assert.ok(pulumi.Output.isInstance(lifted));
    assert.equal(await promiseOf(lifted as pulumi.Output<string>), "x2");
    assert.equal(await promiseOf(mapLifted(pulumi.output(2), (n) => n + 1) as pulumi.Output<number>), 3);
  });
});
