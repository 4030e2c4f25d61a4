// The program's hardened pod builder against the pack's Pod Security Standards registry: the pod spec every
// workload of the program runs with passes the `restricted` profile at every policy version a namespace may
// pin (v1.22..v1.37, the program's allowed range) and at `latest`.
import { strict as assert } from "node:assert";
import {
  buildHardenedPodSpec,
  buildHardenedPodTemplate,
  type HardenedPodOptions,
} from "../../components/podspec";
import type { ObjectMeta, PodSpec } from "../lib/k8s";
import { evaluatePod, forbiddenOutcomes, LATEST_PSS_VERSION } from "../pss/registry";

const IMAGE = `registry.example.com/shop@sha256:${"c".repeat(64)}`;

const VERSIONS: string[] = [...Array.from({ length: 16 }, (_, i) => `v1.${22 + i}`), "latest"];

/**
 * Checks the restricted profile evaluates at a version: 13 at v1.22, 14 from v1.23 (runAsUser), 15 from v1.34
 * (hostProbesAndHostLifecycle; from v1.35 procMount_restricted replaces procMount); `latest` is v1.37.
 */
function restrictedCheckCount(version: string): number {
  const minor = Number((version === "latest" ? LATEST_PSS_VERSION : version).slice("v1.".length));
  return minor >= 34 ? 15 : minor >= 23 ? 14 : 13;
}

const CASES: Record<string, HardenedPodOptions> = {
  "the defaults": { appName: "shop", version: "1.0.0", image: IMAGE, containerPort: 8080 },
  "every option, NET_BIND_SERVICE on port 80 included": {
    appName: "shop",
    track: "canary",
    version: "1.1.0",
    image: IMAGE,
    containerPort: 80,
    netBindService: true,
    portName: "web",
    command: ["/app/server"],
    args: ["--listen", ":80"],
    env: { LOG_LEVEL: "info" },
    probes: {
      liveness: { grpc: { service: "health" } },
      readiness: { tcp: {} },
      startup: { http: { path: "/started" }, failureThreshold: 60 },
    },
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    writablePaths: [{ path: "/var/cache/app", sizeLimit: "32Mi" }],
    tmpSizeLimit: "16Mi",
    runtimeClassName: "gvisor",
    serviceAccountName: "shop",
    terminationGracePeriodSeconds: 45,
    zoneSpread: "DoNotSchedule",
    annotations: { "example.com/owner": "team-shop" },
    imagePullSecrets: ["registry-credentials"],
  },
};

/** The builder's output as plain data, the shape the checks read (the image is a plain string here). */
function podOf(opts: HardenedPodOptions): { metadata: ObjectMeta; spec: PodSpec } {
  const spec = buildHardenedPodSpec(opts);
  const template = buildHardenedPodTemplate(opts);
  // Deployments use the template: its spec must be the builder's spec.
  assert.deepEqual(template.spec, spec);
  assert.equal(typeof spec.containers[0].image, "string");
  return {
    metadata: JSON.parse(JSON.stringify(template.metadata)) as ObjectMeta,
    spec: JSON.parse(JSON.stringify(spec)) as PodSpec,
  };
}

describe("buildHardenedPodSpec against the Pod Security Standards", () => {
  it("covers every version from v1.22 to v1.37 and latest", () => {
    assert.equal(VERSIONS.length, 17);
    assert.equal(VERSIONS[0], "v1.22");
    assert.equal(VERSIONS[15], "v1.37");
  });

  for (const [label, opts] of Object.entries(CASES)) {
    describe(label, () => {
      for (const version of VERSIONS) {
        it(`passes restricted at ${version}`, () => {
          const { metadata, spec } = podOf(opts);
          const outcomes = evaluatePod("restricted", version, metadata, spec);
          assert.equal(outcomes.length, restrictedCheckCount(version), "checks evaluated");
          const forbidden = forbiddenOutcomes(outcomes);
          assert.deepEqual(
            forbidden,
            [],
            forbidden
              .map((o) => `${o.checkId}: ${o.result.forbiddenReason} (${o.result.forbiddenDetail})`)
              .join("\n"),
          );
        });
      }
    });
  }

  it("is caught at every version once hardening is undone (the checks really see the spec)", () => {
    const { metadata, spec } = podOf(CASES["the defaults"]);
    const container = spec.containers?.[0];
    assert.ok(container?.securityContext);
    container.securityContext.allowPrivilegeEscalation = true;
    for (const version of VERSIONS) {
      assert.deepEqual(
        forbiddenOutcomes(evaluatePod("restricted", version, metadata, spec)).map((o) => o.checkId),
        ["allowPrivilegeEscalation"],
        version,
      );
    }
  });
});
