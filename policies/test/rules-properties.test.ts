// Property tests for section 2: from a compliant hardened pod (generated container names and counts,
// init and ephemeral containers), each single mutation that breaks one rule is caught by exactly that
// rule, with the exact messages, and by no other section-2 rule, in every pod-carrying kind.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import type { Container, PodSpec } from "../lib/k8s";
import { extractPod, POD_CARRYING_KINDS } from "../lib/pods";
import { ruleConfig } from "../lib/rule";
import { POD_RULES } from "../rules";
import { containersOf, type ContainerList, type ContainerRef } from "../rules/common";
import { runAsUserAbove10000 } from "../rules/runAsUserAbove10000";
import { runAsGroupAbove10000 } from "../rules/runAsGroupAbove10000";
import { DIGEST, hardenedPodSpec, IMAGE, podCarrier } from "./hardenedFixtures";

/** Names of the containers of each list; together unique, as the API requires. */
interface Shape {
  containers: string[];
  initContainers: string[];
  ephemeralContainers: string[];
}

const dnsLabel = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);

const shapeArb: fc.Arbitrary<Shape> = fc
  .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1 }))
  .chain(([r, i, e]) =>
    fc.uniqueArray(dnsLabel, { minLength: r + i + e, maxLength: r + i + e }).map((names) => ({
      containers: names.slice(0, r),
      initContainers: names.slice(r, r + i),
      ephemeralContainers: names.slice(r + i),
    })),
  );

/** A pod that every section-2 rule accepts: the fixture's container for each regular name, hardened
 *  init containers (no probes: Kubernetes rejects them there) and ephemeral ones (no resources: ditto). */
function compliantPod(shape: Shape): PodSpec {
  const spec = hardenedPodSpec();
  const template = spec.containers?.[0];
  assert.ok(template);
  const hardenedSc = (): Container["securityContext"] => structuredClone(template.securityContext);
  spec.containers = shape.containers.map((name) => ({ ...structuredClone(template), name }));
  if (shape.initContainers.length > 0) {
    spec.initContainers = shape.initContainers.map((name) => ({
      name,
      image: IMAGE,
      resources: structuredClone(template.resources),
      securityContext: hardenedSc(),
    }));
  }
  if (shape.ephemeralContainers.length > 0) {
    spec.ephemeralContainers = shape.ephemeralContainers.map((name) => ({
      name,
      image: DEBUG_IMAGE,
      securityContext: hardenedSc(),
    }));
  }
  return spec;
}

const config = ruleConfig();

/** A debug image from an allowed registry, pinned: what ephemeral containers run. */
const DEBUG_IMAGE = `gcr.io/distroless/base-debian13:debug-nonroot@${DIGEST}`;
/** The repository a mutated image keeps: an ephemeral container's stays in an allowed registry. */
const repoFor = (t: ContainerRef) =>
  t.list === "ephemeralContainers" ? "gcr.io/distroless/base-debian13" : "gcr.io/acme/web";

/** Every section-2 message for `spec` wrapped in `kind`, by rule name (rules with none left out). */
function violations(kind: string, spec: PodSpec): Record<string, string[]> {
  const obj = podCarrier(kind, spec);
  const pod = extractPod(kind, obj);
  assert.ok(pod, `${kind} carries a pod`);
  const out: Record<string, string[]> = {};
  for (const rule of POD_RULES) {
    const messages = rule.check({ kind, name: "web", namespace: "apps", ...pod, config });
    if (messages.length > 0) out[rule.name] = messages;
  }
  return out;
}

/** The container a mutation changes, picked among the lists it may apply to. */
function pick(spec: PodSpec, lists: readonly ContainerList[], seed: number): ContainerRef {
  const refs = containersOf(spec, lists);
  assert.ok(refs.length > 0);
  return refs[seed % refs.length];
}

/** The picked container inside `spec` (a copy made by the caller), to mutate in place. */
function at(spec: PodSpec, ref: ContainerRef): Container {
  const list = spec[ref.list];
  assert.ok(list);
  return list[ref.index];
}

const SOCKETS: [string, string][] = [
  ["/var/run/docker.sock", "/var/run/docker.sock"],
  ["/run/containerd/containerd.sock", "/run/containerd/containerd.sock"],
  ["/var/run", "/var/run/docker.sock"],
  ["/run/crio/crio.sock", "/run/crio/crio.sock"],
];

const SECRET_ENV_NAMES = ["DB_PASSWORD", "apiKey", "GITHUB_TOKEN", "client_secret", "AWS_ACCESS_KEY"];

interface Mutation {
  what: string;
  /** The one rule that must catch it. */
  rule: string;
  /** Container lists the mutation may target; undefined = it changes the pod itself. */
  lists?: readonly ContainerList[];
  /** Kinds where the mutation is not a violation by design (no rule may fire there). */
  exemptKinds?: readonly string[];
  /** Mutates `spec` (a fresh copy) and returns the exact messages the rule must report. */
  apply(spec: PodSpec, target: ContainerRef | undefined, choice: number): string[];
}

const ALL: readonly ContainerList[] = ["containers", "initContainers", "ephemeralContainers"];
const labels = (spec: PodSpec): string[] => containersOf(spec).map((c) => c.label);

const MUTATIONS: Mutation[] = [
  {
    what: "readOnlyRootFilesystem: false on one container",
    rule: "readOnlyRootFilesystem",
    lists: ALL,
    apply(spec, t) {
      assert.ok(t);
      const sc = at(spec, t).securityContext;
      assert.ok(sc);
      sc.readOnlyRootFilesystem = false;
      return [`${t.label} must set securityContext.readOnlyRootFilesystem=true`];
    },
  },
  {
    what: "runAsUser: 1000 in the pod securityContext",
    rule: "runAsUserAbove10000",
    apply(spec) {
      assert.ok(spec.securityContext);
      spec.securityContext.runAsUser = 1000;
      return labels(spec).map(
        (l) => `${l} has runAsUser=1000 (from pod securityContext); it must be > 10000`,
      );
    },
  },
  {
    what: "runAsUser: 1000 in one container's securityContext",
    rule: "runAsUserAbove10000",
    lists: ALL,
    apply(spec, t) {
      assert.ok(t);
      const sc = at(spec, t).securityContext;
      assert.ok(sc);
      sc.runAsUser = 1000;
      return [`${t.label} has runAsUser=1000 (from container securityContext); it must be > 10000`];
    },
  },
  {
    what: "runAsGroup: 1000 in the pod securityContext",
    rule: "runAsGroupAbove10000",
    apply(spec) {
      assert.ok(spec.securityContext);
      spec.securityContext.runAsGroup = 1000;
      return labels(spec).map(
        (l) => `${l} has runAsGroup=1000 (from pod securityContext); it must be > 10000`,
      );
    },
  },
  {
    what: "limits removed from one container or init container",
    rule: "resourcesRequestsLimits",
    lists: ["containers", "initContainers"],
    apply(spec, t) {
      assert.ok(t);
      const resources = at(spec, t).resources;
      assert.ok(resources);
      delete resources.limits;
      return [`${t.label} must set resources.limits.cpu, resources.limits.memory`];
    },
  },
  {
    what: "image tagged :latest (still pinned by digest)",
    rule: "imageTagNotLatest",
    lists: ALL,
    apply(spec, t) {
      assert.ok(t);
      const image = `${repoFor(t)}:latest@${DIGEST}`;
      at(spec, t).image = image;
      return [
        `${t.label} image ${JSON.stringify(image)} uses the "latest" tag; use a version tag or a digest`,
      ];
    },
  },
  {
    what: "image not pinned by digest (version tag kept)",
    rule: "imageDigestPinned",
    lists: ALL,
    apply(spec, t) {
      assert.ok(t);
      const image = `${repoFor(t)}:1.2.3`;
      at(spec, t).image = image;
      return [`${t.label} image ${JSON.stringify(image)} is not pinned by digest (name@sha256:...)`];
    },
  },
  {
    what: "automountServiceAccountToken: true",
    rule: "automountServiceAccountToken",
    apply(spec) {
      spec.automountServiceAccountToken = true;
      return ["pod must set automountServiceAccountToken=false"];
    },
  },
  {
    what: "readinessProbe removed from one container",
    rule: "probesPresent",
    lists: ["containers"],
    // Jobs and CronJobs run to completion: probesPresent does not expect probes there.
    exemptKinds: ["Job", "CronJob"],
    apply(spec, t) {
      assert.ok(t);
      delete at(spec, t).readinessProbe;
      return [`${t.label} must define a readinessProbe`];
    },
  },
  {
    what: "exec livenessProbe on one container",
    rule: "noExecProbesOrHooks",
    lists: ["containers"],
    apply(spec, t) {
      assert.ok(t);
      at(spec, t).livenessProbe = { exec: { command: ["/bin/sh", "-c", "true"] } };
      return [
        `${t.label} livenessProbe uses exec; a distroless image has no shell: use httpGet, grpc or tcpSocket`,
      ];
    },
  },
  {
    what: "exec preStop hook on any container",
    rule: "noExecProbesOrHooks",
    lists: ALL,
    apply(spec, t) {
      assert.ok(t);
      at(spec, t).lifecycle = { preStop: { exec: { command: ["/bin/sh", "-c", "sleep 5"] } } };
      return [
        `${t.label} lifecycle.preStop uses exec; a distroless image has no shell: use httpGet or sleep`,
      ];
    },
  },
  {
    what: "hostPath volume exposing a runtime socket",
    rule: "noContainerRuntimeSocket",
    apply(spec, _t, choice) {
      const [hostPath, socket] = SOCKETS[choice % SOCKETS.length];
      spec.volumes = [...(spec.volumes ?? []), { name: "runtime-sock", hostPath: { path: hostPath } }];
      return [
        `volume "runtime-sock" hostPath ${JSON.stringify(hostPath)} exposes the container runtime socket ${socket}`,
      ];
    },
  },
  {
    what: "secret-named env var with a literal value",
    rule: "noSecretLiteralsInEnv",
    lists: ALL,
    apply(spec, t, choice) {
      assert.ok(t);
      const name = SECRET_ENV_NAMES[choice % SECRET_ENV_NAMES.length];
      const c = at(spec, t);
      c.env = [...(c.env ?? []), { name: "LOG_LEVEL", value: "info" }, { name, value: "hunter2" }];
      return [
        `${t.label} env ${JSON.stringify(name)} sets a literal value; reference a Secret with valueFrom.secretKeyRef`,
      ];
    },
  },
  {
    what: "an ephemeral container's image from a registry not allowed",
    rule: "ephemeralContainerImages",
    apply(spec, _t, choice) {
      const image = [`docker.io/library/busybox:1.37@${DIGEST}`, `gcr.io/acme/web:1.2.3@${DIGEST}`][
        choice % 2
      ];
      const list = (spec.ephemeralContainers ??= []);
      const hardened = structuredClone(spec.containers?.[0]?.securityContext);
      if (list.length === 0) list.push({ name: "debugger", image, securityContext: hardened });
      const target = list[choice % list.length];
      target.image = image;
      const label = `ephemeralContainer ${JSON.stringify(target.name)}`;
      return [
        `${label} image ${JSON.stringify(image)} is not from an allowed registry (gcr.io/distroless, cgr.dev/chainguard); ` +
          "debug with an image from allowedRegistries, e.g. a distroless :debug-nonroot variant",
      ];
    },
  },
  {
    what: "runtimeClassName: runc",
    rule: "runtimeClassGvisor",
    apply(spec) {
      spec.runtimeClassName = "runc";
      return ['pod runtimeClassName "runc" is not allowed (allowed: gvisor)'];
    },
  },
];

describe("section 2 properties: single mutations of a compliant pod", () => {
  it("the generated compliant pods pass every section-2 rule in every pod-carrying kind", () => {
    fc.assert(
      fc.property(shapeArb, (shape) => {
        for (const kind of POD_CARRYING_KINDS)
          assert.deepEqual(violations(kind, compliantPod(shape)), {}, kind);
      }),
    );
  });

  it("the mutations cover every section-2 rule", () => {
    assert.deepEqual([...new Set(MUTATIONS.map((m) => m.rule))].sort(), POD_RULES.map((r) => r.name).sort());
  });

  for (const m of MUTATIONS) {
    it(`${m.what} is caught by ${m.rule} alone, in every pod-carrying kind`, () => {
      fc.assert(
        fc.property(shapeArb, fc.nat(), fc.nat(), (shape, seed, choice) => {
          const spec = compliantPod(shape);
          const target = m.lists ? pick(spec, m.lists, seed) : undefined;
          const expected = m.apply(spec, target, choice);
          for (const kind of POD_CARRYING_KINDS) {
            const want = m.exemptKinds?.includes(kind) ? {} : { [m.rule]: expected };
            assert.deepEqual(violations(kind, spec), want, kind);
          }
        }),
      );
    });
  }
});

describe("runAsUser/runAsGroup > 10000: values that are not integers", () => {
  // Input as users write it: YAML `runAsUser: "65532"` is a string, which the API would reject.
  const notInteger = fc.oneof(
    fc.integer({ min: 10001, max: 2 ** 31 - 1 }).map(String),
    fc.double({ min: 10001, max: 1e9, noNaN: true }).filter((d) => !Number.isInteger(d)),
    fc.boolean(),
  );

  for (const rule of [runAsUserAbove10000, runAsGroupAbove10000]) {
    const field = rule === runAsUserAbove10000 ? "runAsUser" : "runAsGroup";
    it(`${rule.name} reports a non-integer ${field} with the value as written`, () => {
      fc.assert(
        fc.property(notInteger, fc.boolean(), (value, onContainer) => {
          const spec = hardenedPodSpec();
          const container = spec.containers?.[0];
          assert.ok(spec.securityContext && container?.securityContext);
          const sc = (onContainer ? container.securityContext : spec.securityContext) as Record<
            string,
            unknown
          >;
          sc[field] = value;
          const where = onContainer ? "container securityContext" : "pod securityContext";
          assert.deepEqual(rule.check({ kind: "Pod", name: "web", ...extractPodOf(spec), config }), [
            `container "web" has ${field}=${JSON.stringify(value)} (from ${where}); it must be > 10000`,
          ]);
        }),
      );
    });
  }

  it('runAsUser: "65532" (a quoted number) is the exact example', () => {
    const spec = hardenedPodSpec();
    (spec.securityContext as Record<string, unknown>).runAsUser = "65532";
    assert.deepEqual(runAsUserAbove10000.check({ kind: "Pod", name: "web", ...extractPodOf(spec), config }), [
      'container "web" has runAsUser="65532" (from pod securityContext); it must be > 10000',
    ]);
  });
});

function extractPodOf(spec: PodSpec): NonNullable<ReturnType<typeof extractPod>> {
  const pod = extractPod("Pod", podCarrier("Pod", spec));
  assert.ok(pod);
  return pod;
}
