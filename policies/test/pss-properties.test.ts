// Property tests: from a compliant restricted pod, each single mutation that breaks one PSS check is caught
// by exactly that check (or, at restricted, by the restricted check that overrides it), in every
// pod-carrying kind.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import type { Container, ObjectMeta, PodSpec, Volume } from "../lib/k8s";
import { POD_CARRYING_KINDS, type PodCarryingKind } from "../lib/pods";
import type { Level } from "../lib/types";
import { SYSCTLS_ALLOWED_V1_37 } from "../pss/sysctls";
import { evaluateObject, forbiddenOutcomes, LATEST_PSS_VERSION, PSS_CHECK_IDS } from "../pss/registry";

interface Pod {
  metadata: ObjectMeta;
  spec: PodSpec;
}

const dnsLabel = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);

const image = fc.oneof(
  fc.constantFrom("gcr.io/distroless/static-debian12:nonroot", "registry.k8s.io/pause"),
  fc
    .tuple(dnsLabel, fc.stringMatching(/^[a-f0-9]{64}$/))
    .map(([name, digest]) => `registry.example.com/${name}@sha256:${digest}`),
);

/** A container that satisfies every restricted check on its own (seccomp may come from the pod). */
const compliantContainer = (name: string, podSetsSeccomp: boolean): fc.Arbitrary<Container> =>
  fc
    .record({
      image,
      addNetBind: fc.boolean(),
      runAsUser: fc.option(fc.integer({ min: 1, max: 2 ** 31 - 1 }), { nil: undefined }),
      ownSeccomp: podSetsSeccomp ? fc.boolean() : fc.constant(true),
      ownRunAsNonRoot: fc.boolean(),
      readOnlyRootFilesystem: fc.boolean(),
      port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
      explicitZeroHostPort: fc.boolean(),
      probe: fc.constantFrom("none", "http", "tcp", "grpc"),
      seLinux: fc.boolean(),
      appArmor: fc.constantFrom(undefined, "RuntimeDefault", "Localhost"),
      procMountDefault: fc.boolean(),
    })
    .map((r) => {
      const c: Container = {
        name,
        image: r.image,
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: r.readOnlyRootFilesystem,
          capabilities: { drop: ["ALL"], ...(r.addNetBind ? { add: ["NET_BIND_SERVICE"] } : {}) },
          ...(r.runAsUser !== undefined ? { runAsUser: r.runAsUser } : {}),
          ...(r.ownRunAsNonRoot ? { runAsNonRoot: true } : {}),
          ...(r.ownSeccomp ? { seccompProfile: { type: "RuntimeDefault" } } : {}),
          ...(r.seLinux ? { seLinuxOptions: { type: "container_t", level: "s0:c1,c2" } } : {}),
          ...(r.appArmor === "RuntimeDefault" ? { appArmorProfile: { type: "RuntimeDefault" } } : {}),
          ...(r.appArmor === "Localhost"
            ? { appArmorProfile: { type: "Localhost", localhostProfile: "k8s-default" } }
            : {}),
          ...(r.procMountDefault ? { procMount: "Default" } : {}),
        },
      };
      if (r.port !== undefined) {
        c.ports = [{ containerPort: r.port, ...(r.explicitZeroHostPort ? { hostPort: 0 } : {}) }];
        if (r.probe === "http") c.readinessProbe = { httpGet: { path: "/healthz", port: r.port } };
        if (r.probe === "tcp") c.livenessProbe = { tcpSocket: { port: r.port } };
        if (r.probe === "grpc") c.startupProbe = { grpc: { port: r.port } };
      }
      return c;
    });

const compliantVolume = (name: string): fc.Arbitrary<Volume> =>
  fc.constantFrom<Volume>(
    { name },
    { name, emptyDir: { sizeLimit: "64Mi" } },
    { name, configMap: { name: "cfg" } },
    { name, secret: { secretName: "s" } },
    { name, persistentVolumeClaim: { claimName: "data" } },
    { name, projected: { sources: [] } },
    { name, downwardAPI: { items: [] } },
    { name, csi: { driver: "csi.example.com" } },
    { name, image: { reference: "registry.example.com/data:1" } },
  );

/** A pod every restricted check admits, with 1–3 containers, 0–2 init and 0–2 ephemeral containers. */
const compliantPod: fc.Arbitrary<Pod> = fc
  .record({
    counts: fc.tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 2 }),
    ),
    podSetsSeccomp: fc.boolean(),
    podName: dnsLabel,
    hostUsers: fc.constantFrom(undefined, true),
    sysctls: fc.subarray([...SYSCTLS_ALLOWED_V1_37]),
    volumeCount: fc.integer({ min: 0, max: 3 }),
    podRunAsUser: fc.option(fc.integer({ min: 1, max: 65532 }), { nil: undefined }),
    localhostSeccomp: fc.boolean(),
  })
  .chain((p) => {
    const total = p.counts[0] + p.counts[1] + p.counts[2];
    return fc
      .uniqueArray(dnsLabel, { minLength: total + p.volumeCount, maxLength: total + p.volumeCount })
      .chain((names) => {
        const containerNames = names.slice(0, total);
        const volumeNames = names.slice(total);
        return fc
          .tuple(
            fc.tuple(...containerNames.map((n) => compliantContainer(n, p.podSetsSeccomp))),
            fc.tuple(...volumeNames.map((n) => compliantVolume(n))),
          )
          .map(([containers, volumes]): Pod => {
            const [nc, ni] = p.counts;
            const spec: PodSpec = {
              containers: containers.slice(0, nc),
              securityContext: {
                runAsNonRoot: true,
                ...(p.podRunAsUser !== undefined
                  ? { runAsUser: p.podRunAsUser, runAsGroup: p.podRunAsUser }
                  : {}),
                ...(p.podSetsSeccomp
                  ? {
                      seccompProfile: p.localhostSeccomp
                        ? { type: "Localhost", localhostProfile: "profiles/audit.json" }
                        : { type: "RuntimeDefault" },
                    }
                  : {}),
                ...(p.sysctls.length > 0 ? { sysctls: p.sysctls.map((name) => ({ name, value: "1" })) } : {}),
              },
            };
            if (ni > 0) spec.initContainers = containers.slice(nc, nc + ni);
            if (containers.length > nc + ni) spec.ephemeralContainers = containers.slice(nc + ni);
            if (volumes.length > 0) spec.volumes = volumes;
            if (p.hostUsers !== undefined) spec.hostUsers = p.hostUsers;
            return {
              metadata: { name: p.podName, labels: { app: p.podName }, annotations: { team: "platform" } },
              spec,
            };
          });
      });
  });

function allContainers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

function pickContainer(spec: PodSpec, pick: number): Container {
  const all = allContainers(spec);
  return all[pick % all.length];
}

/** Wraps a pod in an object of the given kind, as a user would write the manifest. */
function wrap(kind: PodCarryingKind, pod: Pod): Record<string, unknown> {
  const template = { metadata: pod.metadata, spec: pod.spec };
  const meta = { name: "workload", namespace: "apps" };
  switch (kind) {
    case "Pod":
      return { apiVersion: "v1", kind, metadata: pod.metadata, spec: pod.spec };
    case "PodTemplate":
      return { apiVersion: "v1", kind, metadata: meta, template };
    case "ReplicationController":
      return { apiVersion: "v1", kind, metadata: meta, spec: { replicas: 1, template } };
    case "CronJob":
      return {
        apiVersion: "batch/v1",
        kind,
        metadata: meta,
        spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template } } },
      };
    case "Job":
      return { apiVersion: "batch/v1", kind, metadata: meta, spec: { template } };
    default:
      return {
        apiVersion: "apps/v1",
        kind,
        metadata: meta,
        spec: { selector: { matchLabels: {} }, template },
      };
  }
}

function failingChecks(kind: PodCarryingKind, pod: Pod, level: Level, version: string): string[] {
  const outcomes = evaluateObject(kind, wrap(kind, pod), level, version);
  assert.ok(outcomes, `${kind} must carry a pod`);
  return forbiddenOutcomes(outcomes).map((o) => o.checkId);
}

interface Mutation {
  /** The check the mutation breaks. */
  check: string;
  description: string;
  /** Checks expected to fail at each level (the restricted check that overrides a baseline one replaces it). */
  baseline: string[];
  restricted: string[];
  mutate: (pod: Pod, pick: number, variant: number) => void;
}

function sc(c: Container): NonNullable<Container["securityContext"]> {
  c.securityContext ??= {};
  return c.securityContext;
}

const MUTATIONS: Mutation[] = [
  {
    check: "hostNamespaces",
    description: "hostNetwork, hostPID or hostIPC true",
    baseline: ["hostNamespaces"],
    restricted: ["hostNamespaces"],
    mutate: (pod, _pick, variant) => {
      const field = (["hostNetwork", "hostPID", "hostIPC"] as const)[variant % 3];
      pod.spec[field] = true;
    },
  },
  {
    check: "privileged",
    description: "privileged: true",
    baseline: ["privileged"],
    restricted: ["privileged"],
    mutate: (pod, pick) => {
      sc(pickContainer(pod.spec, pick)).privileged = true;
    },
  },
  {
    check: "capabilities_baseline",
    description: "add SYS_ADMIN (still dropping ALL)",
    baseline: ["capabilities_baseline"],
    restricted: ["capabilities_restricted"],
    mutate: (pod, pick) => {
      const s = sc(pickContainer(pod.spec, pick));
      s.capabilities = { drop: ["ALL"], add: [...(s.capabilities?.add ?? []), "SYS_ADMIN"] };
    },
  },
  {
    check: "hostPathVolumes",
    description: "a hostPath volume",
    baseline: ["hostPathVolumes"],
    restricted: ["restrictedVolumes"],
    mutate: (pod) => {
      pod.spec.volumes = [...(pod.spec.volumes ?? []), { name: "host-root-vol", hostPath: { path: "/" } }];
    },
  },
  {
    check: "hostPorts",
    description: "a hostPort",
    baseline: ["hostPorts"],
    restricted: ["hostPorts"],
    mutate: (pod, pick, variant) => {
      const c = pickContainer(pod.spec, pick);
      c.ports = [...(c.ports ?? []), { containerPort: 8080, hostPort: 1 + (variant % 65535) }];
    },
  },
  {
    check: "appArmorProfile",
    description: "AppArmor Unconfined (field or annotation)",
    baseline: ["appArmorProfile"],
    restricted: ["appArmorProfile"],
    mutate: (pod, pick, variant) => {
      const c = pickContainer(pod.spec, pick);
      if (variant % 3 === 0) sc(c).appArmorProfile = { type: "Unconfined" };
      else if (variant % 3 === 1) {
        pod.spec.securityContext = { ...pod.spec.securityContext, appArmorProfile: { type: "Unconfined" } };
      } else {
        pod.metadata.annotations = {
          ...pod.metadata.annotations,
          [`container.apparmor.security.beta.kubernetes.io/${c.name ?? ""}`]: "unconfined",
        };
      }
    },
  },
  {
    check: "seLinuxOptions",
    description: "SELinux type spc_t, or a user or role",
    baseline: ["seLinuxOptions"],
    restricted: ["seLinuxOptions"],
    mutate: (pod, pick, variant) => {
      const opts = [{ type: "spc_t" }, { user: "system_u" }, { role: "sysadm_r" }][variant % 3];
      sc(pickContainer(pod.spec, pick)).seLinuxOptions = opts;
    },
  },
  {
    check: "procMount",
    description: "procMount Unmasked",
    baseline: ["procMount"],
    restricted: ["procMount_restricted"],
    mutate: (pod, pick) => {
      sc(pickContainer(pod.spec, pick)).procMount = "Unmasked";
    },
  },
  {
    check: "seccompProfile_baseline",
    description: "seccomp Unconfined",
    baseline: ["seccompProfile_baseline"],
    restricted: ["seccompProfile_restricted"],
    mutate: (pod, pick, variant) => {
      if (variant % 2 === 0) sc(pickContainer(pod.spec, pick)).seccompProfile = { type: "Unconfined" };
      else pod.spec.securityContext = { ...pod.spec.securityContext, seccompProfile: { type: "Unconfined" } };
    },
  },
  {
    check: "sysctls",
    description: "an unsafe sysctl",
    baseline: ["sysctls"],
    restricted: ["sysctls"],
    mutate: (pod, _pick, variant) => {
      const name = ["kernel.msgmax", "net.core.somaxconn", "vm.swappiness"][variant % 3];
      const sysctls = [...(pod.spec.securityContext?.sysctls ?? []), { name, value: "1" }];
      pod.spec.securityContext = { ...pod.spec.securityContext, sysctls };
    },
  },
  {
    check: "windowsHostProcess",
    description: "windowsOptions.hostProcess true",
    baseline: ["windowsHostProcess"],
    restricted: ["windowsHostProcess"],
    mutate: (pod, pick, variant) => {
      if (variant % 2 === 0) sc(pickContainer(pod.spec, pick)).windowsOptions = { hostProcess: true };
      else pod.spec.securityContext = { ...pod.spec.securityContext, windowsOptions: { hostProcess: true } };
    },
  },
  {
    check: "hostProbesAndHostLifecycle",
    description: "a probe or lifecycle handler with a host",
    baseline: ["hostProbesAndHostLifecycle"],
    restricted: ["hostProbesAndHostLifecycle"],
    mutate: (pod, pick, variant) => {
      const c = pickContainer(pod.spec, pick);
      const host = "169.254.169.254";
      switch (variant % 4) {
        case 0:
          c.readinessProbe = { httpGet: { host, port: 80, path: "/" } };
          break;
        case 1:
          c.livenessProbe = { tcpSocket: { host, port: 80 } };
          break;
        case 2:
          c.startupProbe = { httpGet: { host, port: 80 } };
          break;
        default:
          c.lifecycle = { preStop: { httpGet: { host, port: 80 } } };
      }
    },
  },
  {
    check: "restrictedVolumes",
    description: "a restricted volume type (nfs, gitRepo, iscsi)",
    baseline: [],
    restricted: ["restrictedVolumes"],
    mutate: (pod, _pick, variant) => {
      const sources: Volume[] = [
        { name: "nfs-vol", nfs: { server: "nfs.example.com", path: "/export" } },
        { name: "git-vol", gitRepo: { repository: "https://example.com/r.git" } },
        { name: "iscsi-vol", iscsi: { targetPortal: "10.0.0.1:3260", iqn: "iqn.x", lun: 0 } },
      ];
      pod.spec.volumes = [...(pod.spec.volumes ?? []), sources[variant % 3]];
    },
  },
  {
    check: "allowPrivilegeEscalation",
    description: "allowPrivilegeEscalation true or unset",
    baseline: [],
    restricted: ["allowPrivilegeEscalation"],
    mutate: (pod, pick, variant) => {
      const s = sc(pickContainer(pod.spec, pick));
      if (variant % 2 === 0) s.allowPrivilegeEscalation = true;
      else delete s.allowPrivilegeEscalation;
    },
  },
  {
    check: "runAsNonRoot",
    description: "runAsNonRoot false",
    baseline: [],
    restricted: ["runAsNonRoot"],
    mutate: (pod, pick, variant) => {
      if (variant % 2 === 0) sc(pickContainer(pod.spec, pick)).runAsNonRoot = false;
      else pod.spec.securityContext = { ...pod.spec.securityContext, runAsNonRoot: false };
    },
  },
  {
    check: "runAsUser",
    description: "runAsUser 0",
    baseline: [],
    restricted: ["runAsUser"],
    mutate: (pod, pick, variant) => {
      if (variant % 2 === 0) sc(pickContainer(pod.spec, pick)).runAsUser = 0;
      else pod.spec.securityContext = { ...pod.spec.securityContext, runAsUser: 0 };
    },
  },
  {
    check: "seccompProfile_restricted",
    description: "no seccomp profile anywhere",
    baseline: [],
    restricted: ["seccompProfile_restricted"],
    mutate: (pod) => {
      if (pod.spec.securityContext) delete pod.spec.securityContext.seccompProfile;
      for (const c of allContainers(pod.spec)) delete sc(c).seccompProfile;
    },
  },
  {
    check: "capabilities_restricted",
    description: "capabilities not dropping ALL",
    baseline: [],
    restricted: ["capabilities_restricted"],
    mutate: (pod, pick, variant) => {
      const s = sc(pickContainer(pod.spec, pick));
      if (variant % 3 === 0) delete s.capabilities;
      else if (variant % 3 === 1) s.capabilities = { drop: ["NET_RAW"] };
      else s.capabilities = { drop: ["all"] };
    },
  },
  {
    check: "procMount_restricted",
    description: "procMount Unmasked in a user namespace (hostUsers: false)",
    baseline: [],
    restricted: ["procMount_restricted"],
    mutate: (pod, pick) => {
      pod.spec.hostUsers = false;
      sc(pickContainer(pod.spec, pick)).procMount = "Unmasked";
    },
  },
];

const VERSIONS = [LATEST_PSS_VERSION, "latest"];

const SPEC_KEYS = ["hostNetwork", "hostPID", "hostIPC", "hostUsers", "os", "securityContext", "volumes"];
const CONTAINER_KEYS = [
  "name",
  "ports",
  "securityContext",
  "livenessProbe",
  "readinessProbe",
  "startupProbe",
  "lifecycle",
];
const SC_KEYS = [
  "privileged",
  "allowPrivilegeEscalation",
  "capabilities",
  "procMount",
  "runAsNonRoot",
  "runAsUser",
  "seccompProfile",
  "appArmorProfile",
  "seLinuxOptions",
  "windowsOptions",
  "sysctls",
];

/** Loosely shaped input, as a malformed manifest may carry: right keys, any JSON values (nulls included). */
const looseSpec = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.jsonValue({ maxDepth: 2 }),
    fc.array(tie("object"), { maxLength: 2 }),
    tie("object"),
  ),
  object: fc.dictionary(
    fc.constantFrom(...SC_KEYS, ...CONTAINER_KEYS, "type", "add", "drop", "host"),
    tie("value"),
    {
      maxKeys: 4,
    },
  ),
  spec: fc.record(
    {
      ...Object.fromEntries(SPEC_KEYS.map((k) => [k, tie("value")])),
      containers: fc.oneof(fc.constant(null), fc.array(tie("object"), { maxLength: 3 })),
      initContainers: fc.array(fc.oneof(fc.constant(null), tie("object")), { maxLength: 2 }),
    },
    { requiredKeys: [] },
  ),
})).spec;

describe("PSS properties: malformed input", () => {
  it("never throws and always reports every applicable check", () => {
    fc.assert(
      fc.property(looseSpec, fc.jsonValue({ maxDepth: 2 }), (spec, annotations) => {
        const pod = { metadata: { annotations }, spec };
        for (const level of ["baseline", "restricted"] as const) {
          const outcomes = evaluateObject("Pod", pod, level, "latest");
          assert.ok(outcomes);
          assert.equal(outcomes.length, level === "baseline" ? 12 : 15);
          for (const o of outcomes) {
            assert.equal(typeof o.result.allowed, "boolean");
            if (!o.result.allowed) assert.ok(o.result.forbiddenReason, o.checkId);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("PSS properties: single mutations of a compliant pod", () => {
  it("the generated compliant pod passes baseline and restricted in every pod-carrying kind", () => {
    fc.assert(
      fc.property(compliantPod, (pod) => {
        for (const kind of POD_CARRYING_KINDS) {
          for (const version of VERSIONS) {
            assert.deepEqual(
              failingChecks(kind, pod, "baseline", version),
              [],
              `${kind} baseline ${version}`,
            );
            assert.deepEqual(
              failingChecks(kind, pod, "restricted", version),
              [],
              `${kind} restricted ${version}`,
            );
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it("covers one mutation per upstream check (all 19)", () => {
    assert.deepEqual([...MUTATIONS.map((m) => m.check)].sort(), [...PSS_CHECK_IDS].sort());
    assert.equal(MUTATIONS.length, 19);
  });

  for (const m of MUTATIONS) {
    it(`${m.check}: ${m.description} fails exactly [${m.restricted.join(", ")}] at restricted, [${m.baseline.join(", ")}] at baseline`, () => {
      fc.assert(
        fc.property(compliantPod, fc.nat(), fc.nat(), (original, pick, variant) => {
          const pod = structuredClone(original);
          m.mutate(pod, pick, variant);
          for (const kind of POD_CARRYING_KINDS) {
            for (const version of VERSIONS) {
              assert.deepEqual(failingChecks(kind, pod, "baseline", version), m.baseline, `${kind} baseline`);
              assert.deepEqual(
                failingChecks(kind, pod, "restricted", version),
                m.restricted,
                `${kind} restricted`,
              );
            }
          }
        }),
        { numRuns: 100 },
      );
    });
  }
});
