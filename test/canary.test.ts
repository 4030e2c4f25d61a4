import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import {
  ANNOTATION_PHASE,
  ANNOTATION_PREVIOUS_STEP,
  ANNOTATION_WEIGHT,
  CanaryRelease,
  CanaryReleaseArgs,
  planCanaryRelease,
  trackOrdering,
} from "../components/canary";
import { failureOf, isKnown, promiseOf, type Registered, setMocks } from "./helpers/mocks";

const STABLE_IMAGE = `registry.example/shop@sha256:${"a".repeat(64)}`;
const CANARY_IMAGE = `registry.example/shop@sha256:${"b".repeat(64)}`;
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";

let recorded: Registered[] = [];

function useMocks(preview: boolean): void {
  recorded = [];
  // In preview, outputs not given back stay unknown: the fake image resource returns no `ref`.
  setMocks(recorded, preview, (args) => ({
    id: preview ? undefined : `${args.name}-id`,
    state: args.type === "test:index:Image" ? {} : args.inputs,
  }));
}

/** Waits until every child of the release has been registered with the mock monitor. */
async function settle(release: CanaryRelease): Promise<void> {
  const children: pulumi.Resource[] = [
    release,
    release.serviceAccount,
    release.stableDeployment,
    release.service,
    release.networkPolicy,
    ...release.podDisruptionBudgets,
  ];
  if (release.canaryDeployment) children.push(release.canaryDeployment);
  if (release.canaryService) children.push(release.canaryService);
  if (release.route) children.push(release.route);
  await Promise.all(children.map((r) => promiseOf(r.urn)));
  await promiseOf(release.effectiveWeight);
}

function find(type: string, name: string): Registered {
  const hit = recorded.find((r) => r.type === type && r.name === name);
  assert.ok(hit, `${type} ${name} registered (got ${recorded.map((r) => `${r.type} ${r.name}`).join(", ")})`);
  return hit;
}

type Obj = Record<string, unknown>;
const at = (value: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], value);

function baseArgs(overrides: Partial<CanaryReleaseArgs> = {}): CanaryReleaseArgs {
  return {
    namespace: "shop",
    appName: "shop",
    stable: { image: STABLE_IMAGE, version: "1.4.0" },
    canary: { image: CANARY_IMAGE, version: "1.5.0" },
    weight: 20,
    replicas: 10,
    pod: { containerPort: 8080 },
    ...overrides,
  };
}

const POD_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  fsGroup: 65532,
  seccompProfile: { type: "RuntimeDefault" },
};
const CONTAINER_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

function trackLabels(track: string, version: string): Obj {
  return {
    "app.kubernetes.io/name": "shop",
    "app.kubernetes.io/instance": `shop-${track}`,
    "app.kubernetes.io/version": version,
    "app.kubernetes.io/component": "server",
    "app.kubernetes.io/part-of": "distroless-platform",
    "app.kubernetes.io/managed-by": "pulumi",
    "distroless.dev/track": track,
  };
}

const SHARED_LABELS = {
  "app.kubernetes.io/name": "shop",
  "app.kubernetes.io/instance": "shop",
  "app.kubernetes.io/component": "server",
  "app.kubernetes.io/part-of": "distroless-platform",
  "app.kubernetes.io/managed-by": "pulumi",
};

/** The container env of a track: what the release sets per track, sorted by name like every env list. */
function trackEnv(track: string, version: string, extra: Record<string, string> = {}): Obj[] {
  const env: Record<string, string> = { ...extra, TRACK: track, APP_VERSION: version };
  return Object.keys(env)
    .sort()
    .map((name) => ({ name, value: env[name] }));
}

/** Pod template with the per-track fields removed, to compare what must be identical. */
function trackIndependent(template: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(template)) as Obj;
  const meta = copy.metadata as Obj;
  delete meta.labels;
  const spec = copy.spec as Obj;
  const container = (spec.containers as Obj[])[0];
  delete container.image;
  delete container.env;
  for (const c of spec.topologySpreadConstraints as Obj[]) delete c.labelSelector;
  return copy;
}

describe("CanaryRelease", () => {
  describe("replica split without a gateway", () => {
    let release: CanaryRelease;
    beforeEach(async () => {
      useMocks(false);
      release = new CanaryRelease("shop", baseArgs());
      await settle(release);
    });

    it("registers exactly the release's children", () => {
      // Registration order is asynchronous; what matters is the set.
      assert.deepEqual(
        recorded.map((r) => `${r.type} ${r.name}`).sort(),
        [
          "distroless:canary:CanaryRelease shop",
          "kubernetes:core/v1:ServiceAccount shop-sa",
          "kubernetes:core/v1:Service shop-service",
          `${DEPLOYMENT} shop-canary`,
          `${DEPLOYMENT} shop-stable`,
          "kubernetes:networking.k8s.io/v1:NetworkPolicy shop-netpol",
          "kubernetes:policy/v1:PodDisruptionBudget shop-stable-pdb",
          "kubernetes:policy/v1:PodDisruptionBudget shop-canary-pdb",
        ].sort(),
      );
    });

    it("splits 10 replicas at 20% into 8 stable and 2 canary pods", () => {
      assert.equal(at(find(DEPLOYMENT, "shop-stable").inputs, "spec", "replicas"), 8);
      assert.equal(at(find(DEPLOYMENT, "shop-canary").inputs, "spec", "replicas"), 2);
    });

    it("runs each track's image with its track and version labels", () => {
      const stable = find(DEPLOYMENT, "shop-stable").inputs;
      const canary = find(DEPLOYMENT, "shop-canary").inputs;
      assert.equal(at(stable, "spec", "template", "spec", "containers", 0, "image"), STABLE_IMAGE);
      assert.equal(at(canary, "spec", "template", "spec", "containers", 0, "image"), CANARY_IMAGE);
      assert.deepEqual(at(stable, "metadata", "labels"), trackLabels("stable", "1.4.0"));
      assert.deepEqual(at(canary, "metadata", "labels"), trackLabels("canary", "1.5.0"));
      assert.deepEqual(at(stable, "spec", "template", "metadata", "labels"), trackLabels("stable", "1.4.0"));
      assert.deepEqual(at(canary, "spec", "template", "metadata", "labels"), trackLabels("canary", "1.5.0"));
      assert.deepEqual(at(stable, "spec", "selector"), {
        matchLabels: { "app.kubernetes.io/name": "shop", "app.kubernetes.io/instance": "shop-stable" },
      });
      assert.deepEqual(at(canary, "spec", "selector"), {
        matchLabels: { "app.kubernetes.io/name": "shop", "app.kubernetes.io/instance": "shop-canary" },
      });
      assert.equal(at(stable, "metadata", "name"), "shop-stable");
      assert.equal(at(canary, "metadata", "name"), "shop-canary");
      assert.equal(at(stable, "metadata", "namespace"), "shop");
    });

    it("gives both tracks identical security contexts, field by field", () => {
      for (const name of ["shop-stable", "shop-canary"]) {
        const pod = at(find(DEPLOYMENT, name).inputs, "spec", "template", "spec") as Obj;
        assert.deepEqual(pod.securityContext, POD_SECURITY_CONTEXT, name);
        assert.deepEqual(at(pod, "containers", 0, "securityContext"), CONTAINER_SECURITY_CONTEXT, name);
        assert.equal(pod.automountServiceAccountToken, false, name);
        assert.equal(pod.runtimeClassName, "gvisor", name);
        assert.equal(pod.serviceAccountName, "shop", name);
      }
    });

    it("sets TRACK and APP_VERSION of its own track in each track's env, exactly", () => {
      const env = (name: string) =>
        at(find(DEPLOYMENT, name).inputs, "spec", "template", "spec", "containers", 0, "env");
      assert.deepEqual(env("shop-stable"), [
        { name: "APP_VERSION", value: "1.4.0" },
        { name: "TRACK", value: "stable" },
      ]);
      assert.deepEqual(env("shop-canary"), [
        { name: "APP_VERSION", value: "1.5.0" },
        { name: "TRACK", value: "canary" },
      ]);
    });

    it("builds both tracks from the same template apart from image, env, labels and spread selector", () => {
      const stable = at(find(DEPLOYMENT, "shop-stable").inputs, "spec", "template");
      const canary = at(find(DEPLOYMENT, "shop-canary").inputs, "spec", "template");
      assert.deepEqual(trackIndependent(canary), trackIndependent(stable));
      assert.deepEqual(at(stable, "spec", "volumes"), [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }]);
    });

    it("records the step on the Deployments, not the pod template", () => {
      const expected = {
        [ANNOTATION_WEIGHT]: "20",
        [ANNOTATION_PREVIOUS_STEP]: "10",
        [ANNOTATION_PHASE]: "canary",
      };
      for (const name of ["shop-stable", "shop-canary"]) {
        const inputs = find(DEPLOYMENT, name).inputs;
        assert.deepEqual(at(inputs, "metadata", "annotations"), expected, name);
        assert.deepEqual(
          at(inputs, "spec", "template", "metadata", "annotations"),
          { "kubectl.kubernetes.io/default-container": "shop" },
          name,
        );
      }
    });

    it("sets the progress deadline the await gate relies on", () => {
      for (const name of ["shop-stable", "shop-canary"]) {
        assert.equal(at(find(DEPLOYMENT, name).inputs, "spec", "progressDeadlineSeconds"), 600, name);
      }
    });

    it("exposes one Service selecting both tracks by app name", () => {
      const service = find(SERVICE, "shop-service").inputs;
      assert.deepEqual(service.metadata, { name: "shop", namespace: "shop", labels: SHARED_LABELS });
      assert.deepEqual(service.spec, {
        type: "ClusterIP",
        selector: { "app.kubernetes.io/name": "shop" },
        ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
      });
    });

    it("shares one ServiceAccount without a token and one NetworkPolicy over both tracks", () => {
      assert.deepEqual(find("kubernetes:core/v1:ServiceAccount", "shop-sa").inputs, {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "shop", namespace: "shop", labels: SHARED_LABELS },
        automountServiceAccountToken: false,
      });
      const netpol = find("kubernetes:networking.k8s.io/v1:NetworkPolicy", "shop-netpol").inputs;
      assert.deepEqual(at(netpol, "spec", "podSelector"), {
        matchLabels: { "app.kubernetes.io/name": "shop" },
      });
      assert.deepEqual(at(netpol, "spec", "policyTypes"), ["Ingress", "Egress"]);
    });

    it("guards each track with its own PDB", () => {
      for (const track of ["stable", "canary"]) {
        const pdb = find("kubernetes:policy/v1:PodDisruptionBudget", `shop-${track}-pdb`).inputs;
        assert.deepEqual(pdb.spec, {
          maxUnavailable: 1,
          selector: {
            matchLabels: { "app.kubernetes.io/name": "shop", "app.kubernetes.io/instance": `shop-${track}` },
          },
          unhealthyPodEvictionPolicy: "AlwaysAllow",
        });
      }
    });

    it("outputs the weight, pods per track, service and images", async () => {
      assert.equal(await promiseOf(release.weight), 20);
      assert.equal(await promiseOf(release.effectiveWeight), 20);
      assert.equal(await promiseOf(release.phase), "canary");
      assert.equal(await promiseOf(release.stableReplicas), 8);
      assert.equal(await promiseOf(release.canaryReplicas), 2);
      assert.equal(await promiseOf(release.serviceName), "shop");
      assert.equal(await promiseOf(release.canaryServiceName), undefined);
      assert.equal(await promiseOf(release.stableImage), STABLE_IMAGE);
      assert.equal(await promiseOf(release.stableVersion), "1.4.0");
      assert.equal(await promiseOf(release.canaryImage), CANARY_IMAGE);
      assert.equal(await promiseOf(release.canaryVersion), "1.5.0");
      assert.equal(await promiseOf(release.routeName), undefined);
      assert.equal(await promiseOf(release.previousStep), 10);
      assert.equal(await promiseOf(release.nextStep), 50);
      assert.equal(await promiseOf(release.warning), undefined);
    });
  });

  describe("precision warning", () => {
    it("warns at preview when 4 replicas cannot give 10%", async () => {
      useMocks(true);
      const warnings: string[] = [];
      const original = console.warn;
      console.warn = (...parts: unknown[]) => warnings.push(parts.map(String).join(" "));
      try {
        const release = new CanaryRelease("shop", baseArgs({ weight: 10, replicas: 4 }));
        await settle(release);
        const message =
          "canary weight 10% with 4 replicas runs 1 canary pod of 4 (25%); use at least 10 replicas for exact 10% steps";
        assert.deepEqual(warnings, [`warning: [runtime] ${message}`]);
        assert.equal(await promiseOf(release.warning), message);
        assert.equal(await promiseOf(release.effectiveWeight), 25);
        assert.equal(at(find(DEPLOYMENT, "shop-stable").inputs, "spec", "replicas"), 3);
        assert.equal(at(find(DEPLOYMENT, "shop-canary").inputs, "spec", "replicas"), 1);
      } finally {
        console.warn = original;
      }
    });

    it("does not warn with a gateway, whose weights are exact", async () => {
      useMocks(false);
      const release = new CanaryRelease(
        "shop",
        baseArgs({ weight: 10, replicas: 4, gateway: { name: "public", namespace: "gateways" } }),
      );
      await settle(release);
      assert.equal(await promiseOf(release.warning), undefined);
      assert.equal(await promiseOf(release.effectiveWeight), 10);
    });
  });

  describe("with a gateway", () => {
    let release: CanaryRelease;
    beforeEach(async () => {
      useMocks(false);
      release = new CanaryRelease(
        "shop",
        baseArgs({
          replicas: 4,
          gateway: {
            name: "public",
            namespace: "gateways",
            sectionName: "https",
            hostnames: ["shop.example.com"],
          },
        }),
      );
      await settle(release);
    });

    it("splits traffic 80/20 with HTTPRoute backendRefs", () => {
      const route = find(ROUTE, "shop-route").inputs;
      assert.deepEqual(route, {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: "shop", namespace: "shop", labels: SHARED_LABELS },
        spec: {
          parentRefs: [
            {
              group: "gateway.networking.k8s.io",
              kind: "Gateway",
              name: "public",
              namespace: "gateways",
              sectionName: "https",
            },
          ],
          hostnames: ["shop.example.com"],
          rules: [
            {
              matches: [{ path: { type: "PathPrefix", value: "/" } }],
              backendRefs: [
                { group: "", kind: "Service", name: "shop-stable", port: 80, weight: 80 },
                { group: "", kind: "Service", name: "shop-canary", port: 80, weight: 20 },
              ],
            },
          ],
        },
      });
    });

    it("keeps stable fully scaled and gives the canary ceil(4 x 20%) = 1 pod", async () => {
      assert.equal(at(find(DEPLOYMENT, "shop-stable").inputs, "spec", "replicas"), 4);
      assert.equal(at(find(DEPLOYMENT, "shop-canary").inputs, "spec", "replicas"), 1);
      assert.equal(await promiseOf(release.effectiveWeight), 20);
      assert.equal(await promiseOf(release.routeName), "shop");
    });

    it("gives each track its own Service selecting only that track", async () => {
      for (const track of ["stable", "canary"]) {
        const service = find(SERVICE, `shop-${track}-service`).inputs;
        assert.equal(at(service, "metadata", "name"), `shop-${track}`);
        assert.deepEqual(at(service, "spec", "selector"), {
          "app.kubernetes.io/name": "shop",
          "app.kubernetes.io/instance": `shop-${track}`,
        });
      }
      assert.equal(recorded.filter((r) => r.type === SERVICE).length, 2);
      assert.equal(await promiseOf(release.serviceName), "shop-stable");
      assert.equal(await promiseOf(release.canaryServiceName), "shop-canary");
    });
  });

  describe("promotion at weight 100", () => {
    it("moves the canary's spec to stable, scales the canary to 0 and routes all traffic to stable", async () => {
      useMocks(false);
      const release = new CanaryRelease(
        "shop",
        baseArgs({ weight: 100, replicas: 4, gateway: { name: "public", namespace: "gateways" } }),
      );
      await settle(release);
      const stable = find(DEPLOYMENT, "shop-stable").inputs;
      const canary = find(DEPLOYMENT, "shop-canary").inputs;
      assert.equal(at(stable, "spec", "replicas"), 4);
      assert.equal(at(stable, "spec", "template", "spec", "containers", 0, "image"), CANARY_IMAGE);
      assert.deepEqual(at(stable, "spec", "template", "metadata", "labels"), trackLabels("stable", "1.5.0"));
      // The stable track now runs the canary's build: it reports the canary's version, on track stable.
      assert.deepEqual(
        at(stable, "spec", "template", "spec", "containers", 0, "env"),
        trackEnv("stable", "1.5.0"),
      );
      assert.deepEqual(
        at(canary, "spec", "template", "spec", "containers", 0, "env"),
        trackEnv("canary", "1.5.0"),
      );
      assert.equal(at(canary, "spec", "replicas"), 0);
      assert.equal(at(canary, "spec", "template", "spec", "containers", 0, "image"), CANARY_IMAGE);
      assert.deepEqual(at(find(ROUTE, "shop-route").inputs, "spec", "rules", 0, "backendRefs"), [
        { group: "", kind: "Service", name: "shop-stable", port: 80, weight: 100 },
        { group: "", kind: "Service", name: "shop-canary", port: 80, weight: 0 },
      ]);
      assert.equal(await promiseOf(release.phase), "promote");
      assert.equal(await promiseOf(release.effectiveWeight), 100);
      assert.equal(await promiseOf(release.stableImage), CANARY_IMAGE);
      assert.equal(await promiseOf(release.stableVersion), "1.5.0");
      assert.equal(await promiseOf(release.stableReplicas), 4);
      assert.equal(await promiseOf(release.canaryReplicas), 0);
      assert.equal(await promiseOf(release.previousStep), 50);
      assert.equal(await promiseOf(release.nextStep), 100);
    });

    it("promotes without a gateway too: all pods on stable with the canary image", async () => {
      useMocks(false);
      const release = new CanaryRelease("shop", baseArgs({ weight: 100, replicas: 3 }));
      await settle(release);
      const stable = find(DEPLOYMENT, "shop-stable").inputs;
      assert.equal(at(stable, "spec", "replicas"), 3);
      assert.equal(at(stable, "spec", "template", "spec", "containers", 0, "image"), CANARY_IMAGE);
      assert.equal(at(find(DEPLOYMENT, "shop-canary").inputs, "spec", "replicas"), 0);
      assert.equal(await promiseOf(release.warning), undefined);
    });
  });

  describe("abort at weight 0", () => {
    it("scales the canary to 0 and keeps stable on its own image with every pod", async () => {
      useMocks(false);
      const release = new CanaryRelease("shop", baseArgs({ weight: 0, replicas: 5 }));
      await settle(release);
      const stable = find(DEPLOYMENT, "shop-stable").inputs;
      const canary = find(DEPLOYMENT, "shop-canary").inputs;
      assert.equal(at(stable, "spec", "replicas"), 5);
      assert.equal(at(stable, "spec", "template", "spec", "containers", 0, "image"), STABLE_IMAGE);
      assert.equal(at(canary, "spec", "replicas"), 0);
      assert.equal(at(canary, "spec", "template", "spec", "containers", 0, "image"), CANARY_IMAGE);
      assert.deepEqual(at(canary, "metadata", "annotations"), {
        [ANNOTATION_WEIGHT]: "0",
        [ANNOTATION_PREVIOUS_STEP]: "0",
        [ANNOTATION_PHASE]: "abort",
      });
      assert.equal(await promiseOf(release.effectiveWeight), 0);
      assert.equal(await promiseOf(release.phase), "abort");
      assert.equal(await promiseOf(release.stableImage), STABLE_IMAGE);
    });

    it("routes everything to stable with a gateway", async () => {
      useMocks(false);
      const release = new CanaryRelease(
        "shop",
        baseArgs({ weight: 0, replicas: 5, gateway: { name: "public", namespace: "gateways" } }),
      );
      await settle(release);
      assert.deepEqual(
        (at(find(ROUTE, "shop-route").inputs, "spec", "rules", 0, "backendRefs") as Obj[]).map(
          (r) => r.weight,
        ),
        [100, 0],
      );
      assert.equal(at(find(DEPLOYMENT, "shop-canary").inputs, "spec", "replicas"), 0);
    });
  });

  describe("ordering of the tracks", () => {
    async function dependencies(args: CanaryReleaseArgs): Promise<Map<string, unknown[]>> {
      useMocks(false);
      const deps = new Map<string, unknown[]>();
      const release = new CanaryRelease("shop", args, {
        transformations: [
          ({ name, opts }) => {
            deps.set(name, [...((opts.dependsOn as pulumi.Resource[] | undefined) ?? [])]);
            return undefined;
          },
        ],
      });
      await settle(release);
      deps.set("__release", [release.stableDeployment, release.canaryDeployment, release.route]);
      return deps;
    }

    function depsOf(deps: Map<string, unknown[]>, name: string): unknown[] {
      const list = deps.get(name);
      assert.ok(list, `${name} was transformed`);
      return list;
    }

    it("stepping forward: stable and route wait for the canary", async () => {
      const deps = await dependencies(baseArgs({ gateway: { name: "public", namespace: "gateways" } }));
      const [stable, canary] = depsOf(deps, "__release");
      assert.ok(depsOf(deps, "shop-stable").includes(canary));
      assert.ok(depsOf(deps, "shop-route").includes(canary));
      assert.ok(depsOf(deps, "shop-route").includes(stable));
      assert.ok(!depsOf(deps, "shop-canary").includes(stable));
    });

    it("promoting: the route waits for stable and the canary scales down last", async () => {
      const deps = await dependencies(
        baseArgs({ weight: 100, gateway: { name: "public", namespace: "gateways" } }),
      );
      const [stable, canary, route] = depsOf(deps, "__release");
      assert.ok(depsOf(deps, "shop-route").includes(stable));
      assert.ok(depsOf(deps, "shop-canary").includes(stable));
      assert.ok(depsOf(deps, "shop-canary").includes(route));
      assert.ok(!depsOf(deps, "shop-stable").includes(canary));
    });

    it("aborting without a gateway: the canary scales down after stable is back to full size", async () => {
      const deps = await dependencies(baseArgs({ weight: 0 }));
      const [stable, canary] = depsOf(deps, "__release");
      assert.ok(depsOf(deps, "shop-canary").includes(stable));
      assert.ok(!depsOf(deps, "shop-stable").includes(canary));
    });

    it("matches the documented ordering per phase", () => {
      assert.deepEqual(trackOrdering("canary"), { stableAfterCanary: true, canaryAfterStable: false });
      assert.deepEqual(trackOrdering("abort"), { stableAfterCanary: false, canaryAfterStable: true });
      assert.deepEqual(trackOrdering("promote"), { stableAfterCanary: false, canaryAfterStable: true });
      assert.deepEqual(trackOrdering("stable"), { stableAfterCanary: false, canaryAfterStable: false });
    });
  });

  describe("without a canary", () => {
    it("runs only the stable track and routes it all the traffic", async () => {
      useMocks(false);
      const release = new CanaryRelease(
        "shop",
        baseArgs({
          canary: undefined,
          weight: 100,
          replicas: 3,
          gateway: { name: "public", namespace: "gateways" },
        }),
      );
      await settle(release);
      assert.deepEqual(
        recorded.filter((r) => r.type === DEPLOYMENT).map((r) => r.name),
        ["shop-stable"],
      );
      assert.equal(at(find(DEPLOYMENT, "shop-stable").inputs, "spec", "replicas"), 3);
      assert.equal(
        at(find(DEPLOYMENT, "shop-stable").inputs, "spec", "template", "spec", "containers", 0, "image"),
        STABLE_IMAGE,
      );
      assert.deepEqual(at(find(ROUTE, "shop-route").inputs, "spec", "rules", 0, "backendRefs"), [
        { group: "", kind: "Service", name: "shop-stable", port: 80, weight: 100 },
      ]);
      assert.equal(await promiseOf(release.phase), "stable");
      assert.equal(await promiseOf(release.effectiveWeight), 0);
      assert.equal(await promiseOf(release.canaryReplicas), 0);
      assert.equal(await promiseOf(release.canaryImage), undefined);
    });
  });

  describe("validation before anything is registered", () => {
    const cases: [string, Partial<CanaryReleaseArgs>, string][] = [
      [
        "a weight that is not a step",
        { weight: 15 },
        "canary.weight: 15 is not allowed; use one of 0, 10, 20, 50, 100 (0 aborts back to stable, 100 promotes the canary)",
      ],
      [
        "a weight outside custom steps",
        { weight: 20, steps: [25, 50, 100] },
        "canary.weight: 20 is not allowed; use one of 0, 25, 50, 100 (0 aborts back to stable, 100 promotes the canary)",
      ],
      [
        "steps not ending with 100",
        { steps: [10, 20, 50] },
        "canary.steps: [10, 20, 50] is not allowed (the last step must be 100); " +
          "use strictly increasing integers in 1..100 ending with 100, e.g. [10, 20, 50, 100]",
      ],
      ["zero replicas", { replicas: 0 }, "replicas: 0 is not allowed; use an integer from 1 to 1000"],
      [
        "a gateway namespace that is not a namespace name",
        { gateway: { name: "public", namespace: "Gateways" } },
        'gateway.namespace: "Gateways" is not a namespace name; use at most 63 lowercase letters, digits and "-"',
      ],
      [
        "a progress deadline out of range",
        { progressDeadlineSeconds: 5 },
        "progressDeadlineSeconds: 5 is not allowed; use an integer from 30 to 3600",
      ],
    ];
    for (const [label, overrides, message] of cases) {
      it(`rejects ${label} with no resource registered`, async () => {
        useMocks(false);
        assert.throws(() => new CanaryRelease("shop", baseArgs(overrides)), { message });
        await new Promise((resolve) => setTimeout(resolve, 10));
        assert.deepEqual(recorded, []);
      });
    }

    it("rejects an unpinned canary image through the hardened pod checks, with nothing registered", async () => {
      useMocks(false);
      assert.throws(
        () =>
          new CanaryRelease(
            "shop",
            baseArgs({ canary: { image: "registry.example/shop:1.5.0", version: "1.5.0" } }),
          ),
        /^Error: canary\.image: "registry.example\/shop:1.5.0"/,
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(recorded, []);
    });

    for (const name of ["TRACK", "APP_VERSION"]) {
      it(`rejects pod.env.${name}, which the release sets per track, with nothing registered`, async () => {
        useMocks(false);
        assert.throws(
          () =>
            new CanaryRelease(
              "shop",
              baseArgs({ pod: { containerPort: 8080, env: { LOG_LEVEL: "info", [name]: "x" } } }),
            ),
          {
            message: `pod.env.${name}: "x" is not allowed; the release sets TRACK and APP_VERSION per track`,
          },
        );
        await new Promise((resolve) => setTimeout(resolve, 10));
        assert.deepEqual(recorded, []);
      });
    }

    it("names the track when a version is not a label value", () => {
      useMocks(false);
      assert.throws(
        () => new CanaryRelease("shop", baseArgs({ canary: { image: CANARY_IMAGE, version: "1.5.0 beta" } })),
        /^Error: canary\.version: "1\.5\.0 beta"/,
      );
      assert.deepEqual(recorded, []);
    });
  });

  describe("per-track env", () => {
    it("keeps the user's env next to the per-track variables, sorted by name", async () => {
      useMocks(false);
      const release = new CanaryRelease(
        "shop",
        baseArgs({ pod: { containerPort: 8080, env: { LOG_LEVEL: "info", ZONE: "eu" } } }),
      );
      await settle(release);
      for (const [track, version] of [
        ["stable", "1.4.0"],
        ["canary", "1.5.0"],
      ]) {
        assert.deepEqual(
          at(find(DEPLOYMENT, `shop-${track}`).inputs, "spec", "template", "spec", "containers", 0, "env"),
          trackEnv(track, version, { LOG_LEVEL: "info", ZONE: "eu" }),
          track,
        );
      }
    });
  });

  describe("preview with an image not built yet", () => {
    class FakeImage extends pulumi.CustomResource {
      declare readonly ref: pulumi.Output<string>;
      constructor(name: string) {
        super("test:index:Image", name, { ref: undefined });
      }
    }

    it("knows replicas, weights and labels while the image is unknown", async () => {
      useMocks(true);
      const image = new FakeImage("canary-image");
      const release = new CanaryRelease("shop", baseArgs({ canary: { image: image.ref, version: "1.5.0" } }));
      await settle(release);
      const canary = find(DEPLOYMENT, "shop-canary").inputs;
      const stable = find(DEPLOYMENT, "shop-stable").inputs;
      assert.equal(at(canary, "spec", "replicas"), 2);
      assert.equal(at(stable, "spec", "replicas"), 8);
      // The mock monitor hands unknown inputs over as pulumi's Unknown sentinel.
      assert.ok(pulumi.isUnknown(at(canary, "spec", "template", "spec", "containers", 0, "image")));
      assert.equal(at(stable, "spec", "template", "spec", "containers", 0, "image"), STABLE_IMAGE);
      assert.deepEqual(at(canary, "metadata", "labels"), trackLabels("canary", "1.5.0"));
      assert.deepEqual(
        at(canary, "spec", "template", "spec", "containers", 0, "securityContext"),
        CONTAINER_SECURITY_CONTEXT,
      );
      assert.equal(await isKnown(release.canaryImage), false);
      assert.equal(await isKnown(release.stableImage), true);
      assert.equal(await promiseOf(release.effectiveWeight), 20);
      assert.equal(await promiseOf(release.canaryReplicas), 2);
    });
  });

  describe("weight as an Output", () => {
    it("computes the same split once the weight resolves", async () => {
      useMocks(false);
      const release = new CanaryRelease(
        "shop",
        baseArgs({ weight: pulumi.output(50), replicas: pulumi.output(4) }),
      );
      await settle(release);
      assert.equal(at(find(DEPLOYMENT, "shop-stable").inputs, "spec", "replicas"), 2);
      assert.equal(at(find(DEPLOYMENT, "shop-canary").inputs, "spec", "replicas"), 2);
      assert.equal(await promiseOf(release.effectiveWeight), 50);
      assert.equal(await promiseOf(release.previousStep), 20);
    });
  });

  describe("planCanaryRelease", () => {
    it("uses Argo's replica-ratio rounding without a gateway", () => {
      assert.deepEqual(planCanaryRelease({ replicas: 3, weight: 50, hasCanary: true, hasGateway: false }), {
        weight: 50,
        phase: "canary",
        stableReplicas: 1,
        canaryReplicas: 2,
        effectiveWeight: 66.67,
        stableRouteWeight: 50,
        canaryRouteWeight: 50,
        stableRunsCanary: false,
        previousStep: 20,
        nextStep: 100,
        warning:
          "canary weight 50% with 3 replicas runs 2 canary pods of 3 (66.67%); use a multiple of 2 replicas for exact 50% steps",
      });
    });

    it("uses Argo's traffic-routed counts with a gateway", () => {
      assert.deepEqual(planCanaryRelease({ replicas: 3, weight: 50, hasCanary: true, hasGateway: true }), {
        weight: 50,
        phase: "canary",
        stableReplicas: 3,
        canaryReplicas: 2,
        effectiveWeight: 50,
        stableRouteWeight: 50,
        canaryRouteWeight: 50,
        stableRunsCanary: false,
        previousStep: 20,
        nextStep: 100,
      });
    });
  });
});

/**
 * Asserts `output` fails with `message`. The engine prefixes it with the input of each child it broke (one Error
 * object reaches every Output derived from the bad value, and pulumi amends its message in place).
 */
async function assertFailsWith(output: pulumi.Output<unknown>, message: string): Promise<void> {
  const err = await failureOf(output);
  assert.ok(err instanceof Error, `expected a failure with ${message}`);
  const prefix = /^(error serializing property "[^"]+": )*/.exec(err.message)?.[0] ?? "";
  assert.equal(err.message, `${prefix}${message}`);
}

/** The message constructing a release with `args` throws (plain arguments fail before anything registers). */
function plainFailure(args: CanaryReleaseArgs): string {
  try {
    new CanaryRelease("probe", args);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected the plain arguments to be rejected");
}

describe("CanaryRelease: Output-valued arguments", () => {
  const GATEWAY = { name: "public", namespace: "gateway-system", hostnames: ["shop.example.com"] };
  const POD = { containerPort: 8080, env: { LOG_LEVEL: "info" }, portName: "web" };

  it("registers the same children as with plain values once the Outputs resolve", async () => {
    useMocks(false);
    const plain = new CanaryRelease("plain", {
      ...baseArgs({ gateway: GATEWAY, pod: POD }),
      servicePort: 8080,
      serviceAccountName: "shop-runner",
      pdbMaxUnavailable: "25%",
      ingressFrom: [{ namespace: "gateway-system" }],
      egressTo: [{ cidr: "10.0.0.0/8", ports: [443] }],
      revisionHistoryLimit: 2,
    });
    const lifted = new CanaryRelease("lifted", {
      ...baseArgs({ gateway: GATEWAY }),
      stable: { image: pulumi.output(STABLE_IMAGE), version: pulumi.output("1.4.0") },
      canary: { image: CANARY_IMAGE, version: Promise.resolve("1.5.0") },
      pod: pulumi.output(POD),
      servicePort: pulumi.output(8080),
      serviceAccountName: pulumi.output("shop-runner"),
      pdbMaxUnavailable: pulumi.output("25%"),
      ingressFrom: pulumi.output([{ namespace: "gateway-system" }]),
      egressTo: pulumi.output([{ cidr: "10.0.0.0/8", ports: [443] }]),
      revisionHistoryLimit: pulumi.output(2),
    });
    await settle(plain);
    await settle(lifted);
    const children = ["sa", "stable", "canary", "stable-service", "canary-service", "route", "netpol"];
    for (const child of [...children, "stable-pdb", "canary-pdb"]) {
      const want = recorded.find((r) => r.name === `plain-${child}`);
      const got = recorded.find((r) => r.name === `lifted-${child}`);
      assert.ok(want && got, child);
      assert.deepEqual(got.inputs, want.inputs, child);
    }
    assert.equal(at(find(ROUTE, "lifted-route").inputs, "spec", "rules", 0, "backendRefs", 1, "port"), 8080);
    assert.equal(await promiseOf(lifted.stableVersion), "1.4.0");
    assert.equal(await promiseOf(lifted.canaryVersion), "1.5.0");
    assert.equal(await promiseOf(lifted.stableImage), STABLE_IMAGE);
  });

  it("validates an Output version once it resolves, with the message a plain value gets", async () => {
    useMocks(false);
    const message = plainFailure(baseArgs({ stable: { image: STABLE_IMAGE, version: "1.4.0 beta" } }));
    assert.match(message, /^stable\.version: "1\.4\.0 beta"/);
    recorded.length = 0;
    const release = new CanaryRelease(
      "shop",
      baseArgs({ stable: { image: STABLE_IMAGE, version: pulumi.output("1.4.0 beta") } }),
    );
    await assertFailsWith(release.stableVersion, message);
  });

  it("validates an Output pod and servicePort once they resolve", async () => {
    useMocks(false);
    const env = plainFailure(baseArgs({ pod: { containerPort: 8080, env: { TRACK: "x" } } }));
    assert.equal(env, 'pod.env.TRACK: "x" is not allowed; the release sets TRACK and APP_VERSION per track');
    const badPod = new CanaryRelease(
      "pod",
      baseArgs({ pod: pulumi.output({ containerPort: 8080, env: { TRACK: "x" } }) }),
    );
    await assertFailsWith(badPod.canaryVersion, env);
    const badPort = new CanaryRelease("port", baseArgs({ servicePort: pulumi.output(0) }));
    await assertFailsWith(
      badPort.stableVersion,
      "servicePort: 0 is not allowed; use an integer from 1 to 65535",
    );
  });

  it("still validates the plain arguments before anything is registered", async () => {
    useMocks(false);
    assert.throws(
      () => new CanaryRelease("shop", baseArgs({ pod: pulumi.output({ containerPort: 8080 }), replicas: 0 })),
      { message: "replicas: 0 is not allowed; use an integer from 1 to 1000" },
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(recorded, []);
  });
});

describe("CanaryRelease: registerOutputs", () => {
  it("registers every public output and child resource", async () => {
    useMocks(false);
    let registered: unknown;
    class Probe extends CanaryRelease {
      protected override registerOutputs(
        outputs?: pulumi.Inputs | Promise<pulumi.Inputs> | pulumi.Output<pulumi.Inputs>,
      ): void {
        // Pulumi calls it once more, without outputs, after its async initialize(); keep the component's call.
        if (outputs !== undefined) registered = outputs;
        super.registerOutputs(outputs);
      }
    }
    const release = new Probe("shop", baseArgs({ gateway: { name: "public", namespace: "gateway-system" } }));
    await settle(release);
    assert.ok(typeof registered === "object" && registered !== null);
    const outputs = registered as Record<string, unknown>;
    assert.equal(outputs.serviceAccount, release.serviceAccount);
    assert.equal(outputs.stableDeployment, release.stableDeployment);
    assert.equal(outputs.canaryDeployment, release.canaryDeployment);
    assert.equal(outputs.service, release.service);
    assert.equal(outputs.canaryService, release.canaryService);
    assert.equal(outputs.route, release.route);
    assert.equal(outputs.networkPolicy, release.networkPolicy);
    assert.equal(outputs.podDisruptionBudgets, release.podDisruptionBudgets);
    assert.ok(release.canaryDeployment && release.canaryService && release.route);
    assert.equal(release.podDisruptionBudgets.length, 2);
    // Every public property of the component (besides Pulumi's own) is registered, and nothing else.
    const own = Object.keys(release).filter((k) => !k.startsWith("__") && k !== "urn");
    assert.deepEqual(Object.keys(outputs).sort(), own.sort());
    assert.equal(own.length, 23);
  });
});
