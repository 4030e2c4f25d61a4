import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { buildHardenedPodTemplate, HardenedPodOptions } from "../components/podspec";
import {
  buildDeploymentSpec,
  buildNetworkPolicySpec,
  buildPdbSpec,
  buildServiceSpec,
  DNS_PEER,
  HardenedWorkload,
  HardenedWorkloadArgs,
  validateHardenedWorkloadArgs,
  wantsPdb,
  validateNetworkPolicyOptions,
} from "../components/workload";
import { byType, failureOf, one, promiseOf, recordResources } from "./helpers/mocks";

const IMAGE = `registry.example.com/web@sha256:${"ab".repeat(32)}`;

function pod(over: Partial<HardenedPodOptions> = {}): HardenedPodOptions {
  return { appName: "web", version: "1.4.2", image: IMAGE, containerPort: 8080, ...over };
}

/** Waits until every child of the workload has been registered with the mock monitor. */
async function settle(w: HardenedWorkload): Promise<void> {
  const children: pulumi.Resource[] = [w.serviceAccount, w.deployment, w.service, w.networkPolicy];
  if (w.podDisruptionBudget) children.push(w.podDisruptionBudget);
  await Promise.all(children.map((c) => promiseOf(c.urn)));
}

const LABELS = {
  "app.kubernetes.io/name": "web",
  "app.kubernetes.io/instance": "web",
  "app.kubernetes.io/version": "1.4.2",
  "app.kubernetes.io/component": "server",
  "app.kubernetes.io/part-of": "distroless-platform",
  "app.kubernetes.io/managed-by": "pulumi",
};
const SELECTOR = { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" };

function json<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

describe("workload: pure builders", () => {
  it("builds the Deployment spec: rolling update with maxUnavailable 0, selector, history, template", () => {
    const spec = buildDeploymentSpec({ pod: pod({ track: "stable" }), replicas: 10 });
    assert.equal(spec.replicas, 10);
    assert.equal(spec.revisionHistoryLimit, 5);
    assert.equal(spec.progressDeadlineSeconds, 600);
    assert.deepEqual(spec.strategy, {
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" },
    });
    assert.deepEqual(spec.selector, {
      matchLabels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web-stable" },
    });
    assert.deepEqual(spec.template, buildHardenedPodTemplate(pod({ track: "stable" })));
  });

  it("builds the Service spec targeting the named port and selecting every track", () => {
    assert.deepEqual(buildServiceSpec({ appName: "web" }), {
      type: "ClusterIP",
      selector: { "app.kubernetes.io/name": "web" },
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
    });
    assert.deepEqual(buildServiceSpec({ appName: "web", port: 8443, portName: "grpc" }).ports, [
      { name: "grpc", port: 8443, targetPort: "grpc", protocol: "TCP" },
    ]);
  });

  it("builds the PDB spec with maxUnavailable and AlwaysAllow eviction of unhealthy pods", () => {
    assert.deepEqual(buildPdbSpec({ appName: "web", track: "canary" }), {
      maxUnavailable: 1,
      selector: {
        matchLabels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web-canary" },
      },
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    });
    assert.equal(buildPdbSpec({ appName: "web", maxUnavailable: "25%" }).maxUnavailable, "25%");
  });

  it("decides the PDB from replicas unless set explicitly", () => {
    assert.equal(wantsPdb(1), false);
    assert.equal(wantsPdb(2), true);
    assert.equal(wantsPdb(1, true), true);
    assert.equal(wantsPdb(10, false), false);
  });

  it("builders are total: they build what they are given, and validation alone refuses", () => {
    // One validation boundary: the component validates its args once, the builders do not check again.
    assert.equal(buildServiceSpec({ appName: "web", port: 0 }).ports[0].port, 0);
    assert.equal(buildPdbSpec({ appName: "web", maxUnavailable: 0 }).maxUnavailable, 0);
    assert.equal(buildDeploymentSpec({ pod: pod(), replicas: -1 }).replicas, -1);
    const egressTo = [{ cidr: "10.0.0.0", ports: [443] }];
    const spec = buildNetworkPolicySpec({ appName: "web", containerPort: 8080, egressTo });
    assert.deepEqual(spec.egress[1].to, [{ ipBlock: { cidr: "10.0.0.0" } }]);
    assert.throws(() => validateNetworkPolicyOptions({ containerPort: 8080, egressTo }), {
      message: 'egressTo[0].cidr: "10.0.0.0" is not a CIDR; use e.g. "10.0.0.0/8" or "fd00::/8"',
    });
    assert.throws(() => validateNetworkPolicyOptions({ containerPort: 0 }), {
      message: "containerPort: 0 is not allowed; use an integer from 1 to 65535",
    });
  });

  it("builds the NetworkPolicy: ingress from peers on the container port, egress DNS and allowances", () => {
    const spec = buildNetworkPolicySpec({
      appName: "web",
      containerPort: 8080,
      ingressFrom: [
        { namespace: "gateway-system" },
        { podLabels: { "app.kubernetes.io/name": "frontend" } },
        { namespace: "monitoring", podLabels: { app: "prometheus" } },
      ],
      egressTo: [
        { namespace: "data", podLabels: { app: "postgres" }, ports: [5432] },
        { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"], ports: [443, 8443] },
        { cidr: "fd00::/8", ports: [53], protocol: "UDP" },
      ],
    });
    assert.deepEqual(spec, {
      podSelector: { matchLabels: SELECTOR },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "gateway-system" } } },
            { podSelector: { matchLabels: { "app.kubernetes.io/name": "frontend" } } },
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
              podSelector: { matchLabels: { app: "prometheus" } },
            },
          ],
          ports: [{ protocol: "TCP", port: 8080 }],
        },
      ],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "data" } },
              podSelector: { matchLabels: { app: "postgres" } },
            },
          ],
          ports: [{ protocol: "TCP", port: 5432 }],
        },
        {
          to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }],
          ports: [
            { protocol: "TCP", port: 443 },
            { protocol: "TCP", port: 8443 },
          ],
        },
        { to: [{ ipBlock: { cidr: "fd00::/8" } }], ports: [{ protocol: "UDP", port: 53 }] },
      ],
    });
  });

  it("isolates ingress with no rule when no peer is allowed", () => {
    const spec = buildNetworkPolicySpec({ appName: "web", containerPort: 8080 });
    assert.deepEqual(spec.ingress, []);
    assert.deepEqual(spec.egress, [
      {
        to: [DNS_PEER],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
    ]);
  });
});

describe("workload: validation (nothing registered)", () => {
  const records = recordResources();

  const base: HardenedWorkloadArgs = { namespace: "apps", pod: pod() };
  const cases: [string, HardenedWorkloadArgs, string][] = [
    [
      "negative replicas",
      { ...base, replicas: -1 },
      "replicas: -1 is not allowed; use an integer from 0 to 1000",
    ],
    [
      "bad pdbMaxUnavailable",
      { ...base, pdbMaxUnavailable: 0 },
      'pdbMaxUnavailable: 0 is not allowed; use an integer >= 1 or a percentage "1%".."100%"',
    ],
    [
      "bad servicePort",
      { ...base, servicePort: 0 },
      "servicePort: 0 is not allowed; use an integer from 1 to 65535",
    ],
    [
      "bad namespace",
      { ...base, namespace: "Apps" },
      'namespace: "Apps" is not a namespace name; use at most 63 lowercase letters, digits and "-"',
    ],
    [
      "bad pod option",
      { ...base, pod: pod({ containerPort: 80 }) },
      "containerPort: 80 is privileged (< 1024); use a port >= 1024 or set netBindService: true",
    ],
    [
      "empty ingress peer",
      { ...base, ingressFrom: [{}] },
      "ingressFrom[0]: set namespace, podLabels or both (podLabels: {} means every pod of the own namespace)",
    ],
    [
      "egress without ports",
      { ...base, egressTo: [{ namespace: "data", ports: [] }] },
      "egressTo[0].ports: set at least one destination port",
    ],
    [
      "bad CIDR",
      { ...base, egressTo: [{ cidr: "10.0.0.0", ports: [443] }] },
      'egressTo[0].cidr: "10.0.0.0" is not a CIDR; use e.g. "10.0.0.0/8" or "fd00::/8"',
    ],
    [
      "cidr with namespace",
      { ...base, egressTo: [{ cidr: "10.0.0.0/8", namespace: "data", ports: [443] }] },
      "egressTo[0]: cidr cannot be combined with namespace or podLabels; declare them as separate allowances",
    ],
    [
      "bad serviceName",
      { ...base, serviceName: "9web" },
      'serviceName: "9web" is not a DNS-1035 label; use at most 63 lowercase letters, digits and "-", starting with a letter',
    ],
  ];
  for (const [title, args, message] of cases) {
    it(`rejects ${title} before registering anything`, async () => {
      assert.throws(() => validateHardenedWorkloadArgs(args), { message });
      assert.throws(() => new HardenedWorkload("web", args), { message });
      await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(records, []);
    });
  }
});

describe("workload: HardenedWorkload (mocks)", () => {
  const records = recordResources();

  it("registers the component and its five children with derived names", async () => {
    const w = new HardenedWorkload("web", { namespace: "apps", pod: pod(), replicas: 3 });
    await settle(w);
    // The Deployment waits for its ServiceAccount (dependsOn), so registration order is not fixed; compare sorted.
    assert.deepEqual(
      records.map((r) => [r.type, r.name]).sort(),
      [
        ["distroless:workload:HardenedWorkload", "web"],
        ["kubernetes:core/v1:ServiceAccount", "web-sa"],
        ["kubernetes:apps/v1:Deployment", "web-deployment"],
        ["kubernetes:core/v1:Service", "web-service"],
        ["kubernetes:policy/v1:PodDisruptionBudget", "web-pdb"],
        ["kubernetes:networking.k8s.io/v1:NetworkPolicy", "web-netpol"],
      ].sort(),
    );
  });

  it("registers the ServiceAccount without a token", async () => {
    const w = new HardenedWorkload("web", { namespace: "apps", pod: pod() });
    await settle(w);
    assert.deepEqual(one(records, "kubernetes:core/v1:ServiceAccount").inputs, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "web", namespace: "apps", labels: LABELS },
      automountServiceAccountToken: false,
    });
  });

  it("registers the Deployment with the hardened template field by field", async () => {
    const w = new HardenedWorkload("web", { namespace: "apps", pod: pod(), replicas: 4 });
    await settle(w);
    const d = one(records, "kubernetes:apps/v1:Deployment").inputs;
    assert.equal(d.apiVersion, "apps/v1");
    assert.equal(d.kind, "Deployment");
    assert.deepEqual(d.metadata, { name: "web", namespace: "apps", labels: LABELS });
    const spec = d.spec as Record<string, unknown>;
    assert.equal(spec.replicas, 4);
    assert.deepEqual(spec.strategy, {
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" },
    });
    assert.deepEqual(spec.selector, { matchLabels: SELECTOR });
    const expected = json(buildDeploymentSpec({ pod: pod({ serviceAccountName: "web" }), replicas: 4 }));
    assert.deepEqual(d.spec, expected);
    const podSpec = (spec.template as { spec: Record<string, unknown> }).spec;
    assert.equal(podSpec.serviceAccountName, "web");
    assert.equal(podSpec.automountServiceAccountToken, false);
    assert.equal(podSpec.runtimeClassName, "gvisor");
    const container = (podSpec.containers as Record<string, unknown>[])[0];
    assert.deepEqual(container.securityContext, {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.deepEqual(podSpec.volumes, [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }]);
  });

  it("registers the Service, the PDB and the NetworkPolicy exactly", async () => {
    const w = new HardenedWorkload("web", {
      namespace: "apps",
      pod: pod(),
      replicas: 2,
      servicePort: 8080,
      ingressFrom: [{ namespace: "gateway-system" }],
    });
    await settle(w);
    assert.deepEqual(one(records, "kubernetes:core/v1:Service").inputs, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace: "apps", labels: LABELS },
      spec: {
        type: "ClusterIP",
        selector: { "app.kubernetes.io/name": "web" },
        ports: [{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }],
      },
    });
    assert.deepEqual(one(records, "kubernetes:policy/v1:PodDisruptionBudget").inputs, {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "web", namespace: "apps", labels: LABELS },
      spec: {
        maxUnavailable: 1,
        selector: { matchLabels: SELECTOR },
        unhealthyPodEvictionPolicy: "AlwaysAllow",
      },
    });
    const np = one(records, "kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs;
    assert.deepEqual(np.metadata, { name: "web", namespace: "apps", labels: LABELS });
    assert.deepEqual(
      np.spec,
      json(
        buildNetworkPolicySpec({
          appName: "web",
          containerPort: 8080,
          ingressFrom: [{ namespace: "gateway-system" }],
        }),
      ),
    );
  });

  it("skips the PDB for one replica, and creates it when pdb: true", async () => {
    const single = new HardenedWorkload("solo", { namespace: "apps", pod: pod(), replicas: 1 });
    await settle(single);
    assert.equal(single.podDisruptionBudget, undefined);
    assert.equal(byType(records, "kubernetes:policy/v1:PodDisruptionBudget").length, 0);
    assert.equal(await promiseOf(single.pdbEnabled), false);

    const forced = new HardenedWorkload("forced", { namespace: "apps", pod: pod(), replicas: 1, pdb: true });
    await settle(forced);
    assert.equal(one(records, "kubernetes:policy/v1:PodDisruptionBudget").name, "forced-pdb");
  });

  it("names children after the track and honours explicit service and service account names", async () => {
    const w = new HardenedWorkload("web-canary", {
      namespace: "apps",
      pod: pod({ track: "canary" }),
      replicas: 1,
      serviceName: "web-preview",
      serviceAccountName: "web-runner",
    });
    await settle(w);
    assert.equal(await promiseOf(w.deploymentName), "web-canary");
    assert.equal(await promiseOf(w.serviceName), "web-preview");
    assert.equal(await promiseOf(w.serviceAccountName), "web-runner");
    const d = one(records, "kubernetes:apps/v1:Deployment").inputs as {
      spec: { template: { spec: { serviceAccountName: string } } };
    };
    assert.equal(d.spec.template.spec.serviceAccountName, "web-runner");
  });

  it("outputs names, replicas, labels and selector", async () => {
    const w = new HardenedWorkload("web", { namespace: "apps", pod: pod(), replicas: 3 });
    await settle(w);
    assert.equal(await promiseOf(w.deploymentName), "web");
    assert.equal(await promiseOf(w.serviceName), "web");
    assert.equal(await promiseOf(w.serviceAccountName), "web");
    assert.equal(await promiseOf(w.replicas), 3);
    assert.deepEqual(await promiseOf(w.labels), LABELS);
    assert.deepEqual(await promiseOf(w.selector), SELECTOR);
    assert.equal(await promiseOf(w.pdbEnabled), true);
  });
});

describe("workload: preview (unknown outputs)", () => {
  const records = recordResources(true);

  it("registers every child while the namespace and the image are still unknown", async () => {
    // A namespace created in the same program has no name yet at preview; neither has a freshly built image.
    const ns = new k8s.core.v1.Namespace("apps", { metadata: { name: "apps" } });
    const built = new k8s.core.v1.ConfigMap("image-build", { data: { ref: IMAGE } });
    const w = new HardenedWorkload("web", {
      namespace: ns.metadata.name,
      pod: pod({ image: built.data.apply((d) => d.ref) }),
      replicas: 2,
    });
    await settle(w);
    const d = one(records, "kubernetes:apps/v1:Deployment").inputs as {
      metadata: Record<string, unknown>;
      spec: { replicas: number; template: { spec: { containers: Record<string, unknown>[] } } };
    };
    assert.equal(d.metadata.name, "web");
    assert.equal(pulumi.isUnknown(d.metadata.namespace), true);
    assert.equal(d.spec.replicas, 2);
    assert.equal(pulumi.isUnknown(d.spec.template.spec.containers[0].image), true);
    assert.deepEqual(d.spec.template.spec.containers[0].securityContext, {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.equal(byType(records, "kubernetes:policy/v1:PodDisruptionBudget").length, 1);
    assert.equal(byType(records, "kubernetes:networking.k8s.io/v1:NetworkPolicy").length, 1);
    // Values the component knows from its plain arguments stay known.
    assert.equal(await promiseOf(w.replicas), 2);
  });
});

/**
 * Asserts `output` fails with `message`. The engine prefixes it with the input of each child it broke (one Error
 * object reaches every Output derived from the bad value, and pulumi amends its message in place), e.g. `error serializing property "spec": `.
 */
async function assertFailsWith(output: pulumi.Output<unknown>, message: string): Promise<void> {
  const err = await failureOf(output);
  assert.ok(err instanceof Error, `expected a failure with ${message}`);
  const prefix = /^(error serializing property "[^"]+": )*/.exec(err.message)?.[0] ?? "";
  assert.equal(err.message, `${prefix}${message}`);
}

describe("workload: Output-valued arguments", () => {
  const records = recordResources();

  it("registers the same children as with plain values once the Outputs resolve", async () => {
    const plain = new HardenedWorkload("plain", {
      namespace: "apps",
      pod: pod({ track: "canary" }),
      replicas: 3,
      pdbMaxUnavailable: "25%",
      servicePort: 8080,
      serviceName: "web-preview",
      serviceAccountName: "web-runner",
      ingressFrom: [{ namespace: "gateway-system" }],
      egressTo: [{ cidr: "10.0.0.0/8", ports: [443] }],
      revisionHistoryLimit: 2,
    });
    const lifted = new HardenedWorkload("lifted", {
      namespace: pulumi.output("apps"),
      pod: pulumi.output(pod({ track: "canary" })),
      replicas: pulumi.output(3),
      pdbMaxUnavailable: pulumi.output("25%"),
      servicePort: Promise.resolve(8080),
      serviceName: pulumi.output("web-preview"),
      serviceAccountName: pulumi.output("web-runner"),
      ingressFrom: pulumi.output([{ namespace: "gateway-system" }]),
      egressTo: pulumi.output([{ cidr: "10.0.0.0/8", ports: [443] }]),
      revisionHistoryLimit: pulumi.output(2),
    });
    await settle(plain);
    await settle(lifted);
    for (const child of ["sa", "deployment", "service", "pdb", "netpol"]) {
      const want = records.find((r) => r.name === `plain-${child}`);
      const got = records.find((r) => r.name === `lifted-${child}`);
      assert.ok(want && got, child);
      assert.deepEqual(got.inputs, want.inputs, child);
    }
    assert.equal(await promiseOf(lifted.replicas), 3);
    assert.equal(await promiseOf(lifted.serviceName), "web-preview");
    assert.deepEqual(await promiseOf(lifted.selector), {
      "app.kubernetes.io/name": "web",
      "app.kubernetes.io/instance": "web-canary",
    });
  });

  it("validates an Output once it resolves: the error surfaces through the workload's outputs", async () => {
    // Nothing is known to be wrong before super(): the component is created and its children fail at deploy.
    const w = new HardenedWorkload("web", { namespace: "apps", pod: pod(), servicePort: pulumi.output(0) });
    await assertFailsWith(w.replicas, "servicePort: 0 is not allowed; use an integer from 1 to 65535");
  });

  it("validates an Output pod once it resolves", async () => {
    const w = new HardenedWorkload("web", {
      namespace: "apps",
      pod: pulumi.output(pod({ image: "registry.example.com/web:1.4.2" })),
    });
    await assertFailsWith(
      w.labels,
      'image: "registry.example.com/web:1.4.2" is not pinned by digest; use "<repository>@sha256:<64 hex digits>" or set allowUnpinnedImage: true',
    );
  });

  it("still validates the plain arguments before anything is registered", async () => {
    assert.throws(
      () =>
        new HardenedWorkload("web", {
          namespace: "apps",
          pod: pod(),
          servicePort: pulumi.output(80),
          replicas: -1,
        }),
      { message: "replicas: -1 is not allowed; use an integer from 0 to 1000" },
    );
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(records, []);
  });

  it("assumes a PDB while replicas is an Output, unless pdb is set", async () => {
    const assumed = new HardenedWorkload("web", {
      namespace: "apps",
      pod: pod(),
      replicas: pulumi.output(1),
    });
    await settle(assumed);
    assert.equal(await promiseOf(assumed.pdbEnabled), true);
    assert.equal(one(records, "kubernetes:policy/v1:PodDisruptionBudget").name, "web-pdb");
    const off = new HardenedWorkload("off", {
      namespace: "apps",
      pod: pod(),
      replicas: pulumi.output(1),
      pdb: false,
    });
    await settle(off);
    assert.equal(off.podDisruptionBudget, undefined);
  });
});

describe("workload: registerOutputs", () => {
  recordResources();

  it("registers every public output and child resource", async () => {
    let registered: unknown;
    class Probe extends HardenedWorkload {
      protected override registerOutputs(
        outputs?: pulumi.Inputs | Promise<pulumi.Inputs> | pulumi.Output<pulumi.Inputs>,
      ): void {
        // Pulumi calls it once more, without outputs, after its async initialize(); keep the component's call.
        if (outputs !== undefined) registered = outputs;
        super.registerOutputs(outputs);
      }
    }
    const w = new Probe("web", { namespace: "apps", pod: pod(), replicas: 2 });
    await settle(w);
    assert.ok(typeof registered === "object" && registered !== null);
    const outputs = registered as Record<string, unknown>;
    assert.equal(outputs.deployment, w.deployment);
    assert.equal(outputs.service, w.service);
    assert.equal(outputs.serviceAccount, w.serviceAccount);
    assert.equal(outputs.networkPolicy, w.networkPolicy);
    assert.equal(outputs.podDisruptionBudget, w.podDisruptionBudget);
    assert.ok(w.podDisruptionBudget);
    // Every public property of the component (besides Pulumi's own) is registered, and nothing else.
    const own = Object.keys(w).filter((k) => !k.startsWith("__") && k !== "urn");
    assert.deepEqual(Object.keys(outputs).sort(), own.sort());
    assert.equal(own.length, 12);
  });
});
