// The whole program per stack: Pulumi.yaml's defaults and Pulumi.<stack>.yaml loaded into the runtime config,
// index.ts run under mocks, and the key inputs of what it registers asserted field by field.
import { strict as assert } from "node:assert";
import {
  findResource,
  isUnknown,
  mockDigest,
  mockSbomDigests,
  ofType,
  ProgramFailure,
  runProgram,
  type ProgramRun,
} from "./helpers/run-program";
import { BUILDKIT_IMAGE_KIND, VULNERABILITY_SCAN_KIND } from "distroless-guardrails/model";
import { type BuildKitImageInputs } from "../components/buildkit";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const IMAGE = "docker-build:index:Image";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const RUNTIME_CLASS = "kubernetes:node.k8s.io/v1:RuntimeClass";

interface PodSpecView {
  runtimeClassName: string;
  automountServiceAccountToken: boolean;
  containers: {
    image: unknown;
    env?: { name: string; value: string }[];
    ports: { containerPort: number }[];
  }[];
}
interface DeploymentView {
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { replicas: number; template: { spec: PodSpecView } };
}

function deployment(run: ProgramRun, name: string): DeploymentView {
  return findResource(run, DEPLOYMENT, name).inputs as unknown as DeploymentView;
}

function names(resources: readonly { name: string }[]): string[] {
  return resources.map((r) => r.name).sort();
}

/** The digest-pinned reference the program must run for `service` at `version`, from the mocked build. */
/** An image build as the test reads it, from either builder's resource. */
interface ImageBuild {
  name: string;
  platforms: string[];
  tags: string[];
  buildArgs: Record<string, string>;
  context: string;
  dockerfile: string;
  builder: { buildx?: string } | { buildkit: string };
}

/** The images a run builds: docker-build Images and BuildKitImages, reduced to the same fields. */
function imageBuilds(run: ProgramRun): ImageBuild[] {
  const dockerBuild = ofType(run, IMAGE).map((i) => {
    const inputs = i.inputs as {
      push: boolean;
      platforms: string[];
      tags: string[];
      buildArgs: Record<string, string>;
      context: { location: string };
      dockerfile: { inline: string };
      builder?: { name: string };
    };
    assert.equal(inputs.push, true, `${i.name} pushes`);
    return {
      name: i.name,
      platforms: inputs.platforms,
      tags: inputs.tags,
      buildArgs: inputs.buildArgs,
      context: inputs.context.location,
      dockerfile: inputs.dockerfile.inline,
      builder: inputs.builder !== undefined ? { buildx: inputs.builder.name } : {},
    };
  });
  const buildKit = ofType(run, "pulumi-nodejs:dynamic:Resource")
    .filter((i) => i.inputs.kind === BUILDKIT_IMAGE_KIND)
    .map((i) => {
      const inputs = i.inputs as unknown as BuildKitImageInputs;
      assert.match(inputs.contentHash, /^sha256:[0-9a-f]{64}$/, `${i.name} content hash`);
      assert.equal(inputs.cacheRef, `${inputs.repository}:buildcache`);
      return {
        name: i.name,
        platforms: inputs.platforms,
        tags: inputs.tags,
        buildArgs: inputs.buildArgs,
        context: inputs.context,
        dockerfile: inputs.dockerfile,
        builder: { buildkit: inputs.address },
      };
    });
  return [...dockerBuild, ...buildKit];
}

/** What a mocked BuildKit build of the service's version reports as its SBOM digests, for both platforms. */
function sbom(service: string, version: string): Record<string, string> {
  return mockSbomDigests(`${service}-${version}-image`, ["linux/amd64", "linux/arm64"]);
}

function pinned(repo: string, service: string, version: string): string {
  return `${repo}/${service}@${mockDigest(`${service}-${version}-image`)}`;
}

const PSS_LABELS = {
  "app.kubernetes.io/managed-by": "pulumi",
  "app.kubernetes.io/part-of": "distroless-platform",
  "pod-security.kubernetes.io/audit": "restricted",
  "pod-security.kubernetes.io/audit-version": "v1.37",
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "v1.37",
  "pod-security.kubernetes.io/warn": "restricted",
  "pod-security.kubernetes.io/warn-version": "v1.37",
};

interface TrackExpectation {
  readonly deployment: string;
  readonly replicas: number;
  readonly version: string;
  /** The image the track's Deployment runs. */
  readonly image: string;
}

interface StackExpectation {
  readonly namespace: string;
  readonly repo: string;
  readonly quota: Record<string, string>;
  /** Image resource name → version built; exactly one per service. */
  readonly images: Record<string, string>;
  /** What builds the images: buildx via docker-build (images.builder) or a BuildKit daemon (images.buildkit). */
  readonly builder: { buildx?: string } | { buildkit: string };
  /** Registry prefix of the final stages' base images (registry.mirror, else Google's). */
  readonly baseRegistry: string;
  /** The vulnerability gate's database and threshold (images.vulnerabilities). */
  readonly gate: { readonly database: string; readonly failOn: string };
  readonly tracks: readonly TrackExpectation[];
  readonly pdbs: readonly string[];
  readonly outputs: Record<string, unknown>;
  readonly warnings: readonly string[];
}

const LOCAL_REPO = "localhost:5000/distroless-platform";
const TEAM_REPO = "ghcr.io/acme/distroless-platform";
/** The illustrative stable image staging and prod give node-service while its canary runs (services[].stableImage). */
const NODE_STABLE_IMAGE = `${TEAM_REPO}/node-service@sha256:${"0123456789abcdef".repeat(4)}`;

/** The preview warning prod logs for a base image family without images.baseDigests. */
function unpinnedBaseWarning(family: string, image: string): string {
  return (
    `images.baseDigests.${family}: (unset) in environment prod, so the ${family} base image is pulled by its ` +
    `moving tag ${image}; pin it with \`pulumi config set --path images.baseDigests.${family} sha256:<digest>\`, ` +
    `the digest shown by \`docker buildx imagetools inspect ${image}\``
  );
}

const EXPECTED: Record<"local" | "staging" | "prod", StackExpectation> = {
  local: {
    namespace: "distroless-local",
    gate: { database: ".grype/local.db", failOn: "high" },
    repo: LOCAL_REPO,
    quota: {
      "requests.cpu": "2",
      "requests.memory": "4Gi",
      "limits.cpu": "4",
      "limits.memory": "8Gi",
      pods: "20",
    },
    images: {
      "node-service-1.0.0-image": "1.0.0",
      "go-service-1.0.0-image": "1.0.0",
      "python-service-1.0.0-image": "1.0.0",
    },
    builder: { buildkit: "tcp://127.0.0.1:1234" },
    baseRegistry: "localhost:5000/distroless",
    tracks: [
      {
        deployment: "node-service-stable",
        replicas: 1,
        version: "1.0.0",
        image: pinned(LOCAL_REPO, "node-service", "1.0.0"),
      },
      {
        deployment: "go-service-stable",
        replicas: 1,
        version: "1.0.0",
        image: pinned(LOCAL_REPO, "go-service", "1.0.0"),
      },
      {
        deployment: "python-service-stable",
        replicas: 1,
        version: "1.0.0",
        image: pinned(LOCAL_REPO, "python-service", "1.0.0"),
      },
    ],
    pdbs: [],
    outputs: {
      environment: "local",
      namespace: "distroless-local",
      podSecurityVersion: "v1.37",
      runtimeClass: "gvisor",
      runtimeClassHandler: "runsc",
      services: {
        "node-service": {
          serviceName: "node-service",
          image: pinned(LOCAL_REPO, "node-service", "1.0.0"),
          imageVersion: "1.0.0",
          sbomDigests: sbom("node-service", "1.0.0"),
          vulnerabilities: {},
          stableImage: pinned(LOCAL_REPO, "node-service", "1.0.0"),
          weight: 0,
          effectiveWeight: 0,
          phase: "stable",
          replicas: { stable: 1, canary: 0 },
        },
        "go-service": {
          serviceName: "go-service",
          image: pinned(LOCAL_REPO, "go-service", "1.0.0"),
          imageVersion: "1.0.0",
          sbomDigests: sbom("go-service", "1.0.0"),
          vulnerabilities: {},
          stableImage: pinned(LOCAL_REPO, "go-service", "1.0.0"),
          weight: 0,
          effectiveWeight: 0,
          phase: "stable",
          replicas: { stable: 1, canary: 0 },
        },
        "python-service": {
          serviceName: "python-service",
          image: pinned(LOCAL_REPO, "python-service", "1.0.0"),
          imageVersion: "1.0.0",
          sbomDigests: sbom("python-service", "1.0.0"),
          vulnerabilities: {},
          stableImage: pinned(LOCAL_REPO, "python-service", "1.0.0"),
          weight: 0,
          effectiveWeight: 0,
          phase: "stable",
          replicas: { stable: 1, canary: 0 },
        },
      },
    },
    warnings: [],
  },
  staging: {
    namespace: "distroless-staging",
    gate: { database: ".grype/vulnerability.db", failOn: "critical" },
    repo: TEAM_REPO,
    quota: {
      "requests.cpu": "6",
      "requests.memory": "8Gi",
      "limits.cpu": "12",
      "limits.memory": "16Gi",
      pods: "30",
    },
    // While node-service's canary runs only 1.1.0 (the working tree) is built; 1.0.0 runs from stableImage.
    images: { "node-service-1.1.0-image": "1.1.0", "go-service-1.0.0-image": "1.0.0" },
    builder: { buildkit: "tcp://127.0.0.1:1234" },
    baseRegistry: "gcr.io/distroless",
    tracks: [
      { deployment: "node-service-stable", replicas: 4, version: "1.0.0", image: NODE_STABLE_IMAGE },
      {
        deployment: "node-service-canary",
        replicas: 1,
        version: "1.1.0",
        image: pinned(TEAM_REPO, "node-service", "1.1.0"),
      },
      {
        deployment: "go-service-stable",
        replicas: 2,
        version: "1.0.0",
        image: pinned(TEAM_REPO, "go-service", "1.0.0"),
      },
    ],
    pdbs: ["go-service-stable-pdb", "node-service-canary-pdb", "node-service-stable-pdb"],
    outputs: {
      environment: "staging",
      namespace: "distroless-staging",
      podSecurityVersion: "v1.37",
      runtimeClass: "gvisor",
      runtimeClassHandler: "runsc",
      services: {
        "node-service": {
          serviceName: "node-service",
          image: pinned(TEAM_REPO, "node-service", "1.1.0"),
          imageVersion: "1.1.0",
          sbomDigests: sbom("node-service", "1.1.0"),
          vulnerabilities: {},
          canaryImage: pinned(TEAM_REPO, "node-service", "1.1.0"),
          stableImage: NODE_STABLE_IMAGE,
          weight: 20,
          effectiveWeight: 20,
          phase: "canary",
          replicas: { stable: 4, canary: 1 },
        },
        "go-service": {
          serviceName: "go-service",
          image: pinned(TEAM_REPO, "go-service", "1.0.0"),
          imageVersion: "1.0.0",
          sbomDigests: sbom("go-service", "1.0.0"),
          vulnerabilities: {},
          stableImage: pinned(TEAM_REPO, "go-service", "1.0.0"),
          weight: 0,
          effectiveWeight: 0,
          phase: "stable",
          replicas: { stable: 2, canary: 0 },
        },
      },
    },
    warnings: [],
  },
  prod: {
    namespace: "distroless-prod",
    gate: { database: ".grype/vulnerability.db", failOn: "high" },
    repo: TEAM_REPO,
    quota: {
      "requests.cpu": "12",
      "requests.memory": "16Gi",
      "limits.cpu": "24",
      "limits.memory": "32Gi",
      pods: "60",
    },
    // While node-service's canary runs only 1.1.0 (the working tree) is built; 1.0.0 runs from stableImage.
    images: { "node-service-1.1.0-image": "1.1.0", "go-service-1.0.0-image": "1.0.0" },
    builder: { buildkit: "tcp://127.0.0.1:1234" },
    baseRegistry: "gcr.io/distroless",
    tracks: [
      { deployment: "node-service-stable", replicas: 9, version: "1.0.0", image: NODE_STABLE_IMAGE },
      {
        deployment: "node-service-canary",
        replicas: 1,
        version: "1.1.0",
        image: pinned(TEAM_REPO, "node-service", "1.1.0"),
      },
      {
        deployment: "go-service-stable",
        replicas: 10,
        version: "1.0.0",
        image: pinned(TEAM_REPO, "go-service", "1.0.0"),
      },
    ],
    pdbs: ["go-service-stable-pdb", "node-service-canary-pdb", "node-service-stable-pdb"],
    outputs: {
      environment: "prod",
      namespace: "distroless-prod",
      podSecurityVersion: "v1.37",
      runtimeClass: "gvisor",
      runtimeClassHandler: "runsc",
      services: {
        "node-service": {
          serviceName: "node-service",
          image: pinned(TEAM_REPO, "node-service", "1.1.0"),
          imageVersion: "1.1.0",
          sbomDigests: sbom("node-service", "1.1.0"),
          vulnerabilities: {},
          canaryImage: pinned(TEAM_REPO, "node-service", "1.1.0"),
          stableImage: NODE_STABLE_IMAGE,
          weight: 10,
          effectiveWeight: 10,
          phase: "canary",
          replicas: { stable: 9, canary: 1 },
        },
        "go-service": {
          serviceName: "go-service",
          image: pinned(TEAM_REPO, "go-service", "1.0.0"),
          imageVersion: "1.0.0",
          sbomDigests: sbom("go-service", "1.0.0"),
          vulnerabilities: {},
          stableImage: pinned(TEAM_REPO, "go-service", "1.0.0"),
          weight: 0,
          effectiveWeight: 0,
          phase: "stable",
          replicas: { stable: 10, canary: 0 },
        },
      },
    },
    // Prod's base images are tag-only until images.baseDigests is set: one warning per family, nothing invented.
    warnings: [
      unpinnedBaseWarning("nodejs", "gcr.io/distroless/nodejs22-debian13:nonroot"),
      unpinnedBaseWarning("static", "gcr.io/distroless/static-debian13:nonroot"),
    ],
  },
};

for (const stack of ["local", "staging", "prod"] as const) {
  const expected = EXPECTED[stack];

  describe(`program: ${stack} stack`, () => {
    let run: ProgramRun;
    before(async () => {
      run = await runProgram(stack);
    });

    it("exports the exact stack outputs", () => {
      assert.deepEqual(run.outputs, expected.outputs);
    });

    it("creates the namespace with pinned restricted Pod Security labels and the stack's quota", () => {
      const ns = findResource(run, "kubernetes:core/v1:Namespace", "platform-ns").inputs;
      assert.deepEqual(ns.metadata, { name: expected.namespace, labels: PSS_LABELS });
      const quota = findResource(run, "kubernetes:core/v1:ResourceQuota", "platform-quota").inputs as {
        spec: { hard: Record<string, string> };
      };
      for (const [key, value] of Object.entries(expected.quota))
        assert.equal(quota.spec.hard[key], value, key);
      const policies = names(ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy"));
      assert.ok(policies.includes("platform-default-deny-ingress"));
    });

    it("builds exactly one image per service: the version in its app directory", () => {
      const images = imageBuilds(run);
      assert.deepEqual(names(images), Object.keys(expected.images).sort());
      assert.deepEqual(
        images.map((i) => i.context).sort(),
        Object.keys(expected.images)
          .map((name) => `apps/${name.slice(0, name.indexOf("-service-") + "-service".length)}`)
          .sort(),
      );
    });

    it("registers each image multi-platform, tagged with its version, from the audited Dockerfile", () => {
      for (const image of imageBuilds(run)) {
        const version = expected.images[image.name];
        const service = image.name.slice(0, image.name.length - `-${version}-image`.length);
        assert.deepEqual(image.platforms, ["linux/amd64", "linux/arm64"]);
        assert.deepEqual(image.tags, [`${expected.repo}/${service}:${version}`]);
        assert.deepEqual(image.buildArgs, { VERSION: version });
        assert.equal(image.context, `apps/${service}`);
        assert.deepEqual(image.builder, expected.builder);
        const family = { "node-service": "nodejs22", "go-service": "static", "python-service": "python3" }[
          service
        ];
        const base = `FROM ${expected.baseRegistry}/${family}-debian13:nonroot`;
        assert.ok(image.dockerfile.includes(`\n${base}\n`), `${image.name} final stage: ${base}`);
      }
    });

    it("gates each built image on its SBOMs with the environment's database and threshold", () => {
      const scans = ofType(run, "pulumi-nodejs:dynamic:Resource").filter(
        (r) => r.inputs.kind === VULNERABILITY_SCAN_KIND,
      );
      assert.deepEqual(
        names(scans),
        Object.keys(expected.images)
          .map((image) => image.replace(/-image$/, "-scan"))
          .sort(),
      );
      for (const scan of scans) {
        const image = scan.name.replace(/-scan$/, "-image");
        const version = expected.images[image];
        const service = scan.name.slice(0, scan.name.length - `-${version}-scan`.length);
        // The serialized provider is the dynamic resource's own; the rest is what the gate runs on.
        const { __provider: provider, ...inputs } = scan.inputs;
        assert.equal(typeof provider, "string");
        assert.deepEqual(inputs, {
          kind: VULNERABILITY_SCAN_KIND,
          image: pinned(expected.repo, service, version),
          repository: `${expected.repo}/${service}`,
          sbomDigests: sbom(service, version),
          database: expected.gate.database,
          failOn: expected.gate.failOn,
          onlyFixed: true,
        });
      }
    });

    it("runs each track with its replicas, its image by digest and the gvisor runtime class", () => {
      assert.deepEqual(names(ofType(run, DEPLOYMENT)), expected.tracks.map((t) => t.deployment).sort());
      for (const track of expected.tracks) {
        const d = deployment(run, track.deployment);
        assert.equal(d.metadata.namespace, expected.namespace);
        assert.equal(d.metadata.labels["app.kubernetes.io/version"], track.version);
        assert.equal(d.spec.replicas, track.replicas, `${track.deployment} replicas`);
        const pod = d.spec.template.spec;
        assert.equal(pod.runtimeClassName, "gvisor");
        assert.equal(pod.automountServiceAccountToken, false);
        assert.equal(pod.containers.length, 1);
        assert.equal(pod.containers[0].image, track.image, `${track.deployment} image`);
        // The release sets TRACK and APP_VERSION per track (the apps report them); PORT comes from the config.
        const trackName = track.deployment.endsWith("-canary") ? "canary" : "stable";
        assert.deepEqual(
          pod.containers[0].env,
          [
            { name: "APP_VERSION", value: track.version },
            { name: "PORT", value: "8080" },
            { name: "TRACK", value: trackName },
          ],
          `${track.deployment} env`,
        );
        assert.deepEqual(
          pod.containers[0].ports.map((p) => p.containerPort),
          [8080],
        );
      }
    });

    it("runs services[].stableImage on the stable track while a canary runs, else the built image", () => {
      const services = run.config["distroless-platform:services"] as {
        name: string;
        version: string;
        stableImage?: string;
        canary?: { version?: string };
      }[];
      for (const svc of services) {
        const built = pinned(expected.repo, svc.name, svc.canary?.version ?? svc.version);
        const image = deployment(run, `${svc.name}-stable`).spec.template.spec.containers[0].image;
        assert.equal(image, svc.canary?.version !== undefined ? svc.stableImage : built, svc.name);
      }
    });

    it("protects every multi-replica service with PodDisruptionBudgets", () => {
      assert.deepEqual(names(ofType(run, PDB)), [...expected.pdbs]);
    });

    it("logs exactly the stack's config warnings", () => {
      assert.deepEqual(run.warnings, [...expected.warnings]);
    });
  });
}

describe("program: runtime class per stack", () => {
  it("creates gvisor (handler runsc) with the local overhead on kind", async () => {
    const run = await runProgram("local");
    const rc = findResource(run, RUNTIME_CLASS, "sandbox-runtimeclass");
    assert.equal(rc.readId, undefined);
    assert.deepEqual(rc.inputs, {
      apiVersion: "node.k8s.io/v1",
      kind: "RuntimeClass",
      metadata: {
        name: "gvisor",
        labels: {
          "app.kubernetes.io/managed-by": "pulumi",
          "app.kubernetes.io/part-of": "distroless-platform",
        },
      },
      handler: "runsc",
      overhead: { podFixed: { cpu: "100m", memory: "32Mi" } },
    });
  });

  for (const stack of ["staging", "prod"]) {
    it(`adopts the cluster's gvisor RuntimeClass in ${stack} instead of creating one`, async () => {
      const run = await runProgram(stack);
      const rc = findResource(run, RUNTIME_CLASS, "sandbox-runtimeclass");
      assert.equal(rc.readId, "gvisor");
      assert.deepEqual(rc.inputs, {});
      assert.equal(run.outputs.runtimeClassHandler, "runsc");
    });
  }

  it("warns at staging when the cluster's gvisor class declares another overhead than the stack", async () => {
    const run = await runProgram("staging", {
      clusterRuntimeClassOverhead: { cpu: "500m", memory: "128Mi" },
    });
    assert.deepEqual(
      run.warnings.filter((w) => w.includes("existing RuntimeClass")),
      [
        'runtimeClass.overhead: existing RuntimeClass "gvisor" declares overhead.podFixed cpu "500m", memory ' +
          '"128Mi", but runtimeClass.overhead is cpu "250m", memory "64Mi"; the namespace quota is sized with the ' +
          "declared overhead, so set runtimeClass.overhead to the cluster's values",
      ],
    );
  });
});

describe("program: preview (image digests unknown)", () => {
  let run: ProgramRun;
  before(async () => {
    run = await runProgram("prod", { preview: true });
  });

  it("registers the same resources as an update", async () => {
    const update = await runProgram("prod");
    assert.deepEqual(
      run.resources.map((r) => `${r.type} ${r.name}`).sort(),
      update.resources.map((r) => `${r.type} ${r.name}`).sort(),
    );
  });

  it("leaves the images unknown but knows the canary plan", () => {
    const services = run.outputs.services as Record<string, Record<string, unknown>>;
    assert.deepEqual(services["node-service"], {
      serviceName: "node-service",
      image: undefined,
      imageVersion: "1.1.0",
      sbomDigests: undefined,
      vulnerabilities: undefined,
      canaryImage: undefined,
      // The stable track runs an image given by digest, so it is known before anything is built.
      stableImage: NODE_STABLE_IMAGE,
      weight: 10,
      effectiveWeight: 10,
      phase: "canary",
      replicas: { stable: 9, canary: 1 },
    });
    assert.equal(run.outputs.namespace, "distroless-prod");
  });

  it("sends the built tracks an unknown image, the canary's stable track its pinned image, known replicas", () => {
    for (const [name, replicas] of [
      ["node-service-canary", 1],
      ["go-service-stable", 10],
    ] as const) {
      const d = deployment(run, name);
      assert.equal(d.spec.replicas, replicas);
      assert.ok(isUnknown(d.spec.template.spec.containers[0].image), `${name} image is unknown at preview`);
    }
    const stable = deployment(run, "node-service-stable");
    assert.equal(stable.spec.replicas, 9);
    assert.equal(stable.spec.template.spec.containers[0].image, NODE_STABLE_IMAGE);
  });
});

describe("program: Dockerfile audit before any resource", () => {
  it("fails with the audit's findings and registers nothing when a service's Dockerfile is not distroless", async () => {
    const failure = await runProgram("local", {
      config: {
        // Without the local mirror, so only the Dockerfile's own faults are found.
        registry: { server: "localhost:5000", repositoryPrefix: "distroless-platform" },
        services: [
          {
            name: "debug-app",
            app: "test/fixtures/debug-app",
            dockerfile: "Dockerfile",
            runtime: "nodejs",
            version: "1.0.0",
          },
        ],
      },
    }).then(
      () => assert.fail("expected the program to fail"),
      (e: unknown) => e,
    );
    assert.ok(failure instanceof ProgramFailure);
    const lines = failure.message.split("\n");
    assert.equal(
      lines[0],
      'DistrolessImage "debug-app-1.0.0": test/fixtures/debug-app/Dockerfile fails the distroless audit (3 findings):',
    );
    assert.ok(
      lines.some((l) => l.startsWith("  - test/fixtures/debug-app/Dockerfile:2: ") && l.includes(":debug")),
    );
    assert.ok(
      lines.some((l) => l.startsWith('  - test/fixtures/debug-app/Dockerfile:3: final stage runs "RUN')),
    );
    assert.deepEqual(failure.resources, []);
  });
});

describe("program: config-driven variants", () => {
  it("promotes at weight 100: stable runs the canary's image and the canary track scales to 0", async () => {
    const run = await runProgram("staging", {
      config: {
        services: [
          {
            name: "node-service",
            app: "apps/node-service",
            runtime: "nodejs",
            version: "1.0.0",
            stableImage: NODE_STABLE_IMAGE,
            replicas: 5,
            canary: { weight: 100, version: "1.1.0" },
          },
        ],
      },
    });
    assert.equal(deployment(run, "node-service-canary").spec.replicas, 0);
    const stable = deployment(run, "node-service-stable");
    assert.equal(stable.spec.replicas, 5);
    assert.equal(stable.spec.template.spec.containers[0].image, pinned(TEAM_REPO, "node-service", "1.1.0"));
    const out = (run.outputs.services as Record<string, Record<string, unknown>>)["node-service"];
    assert.deepEqual(
      [out.phase, out.effectiveWeight, out.stableImage],
      ["promote", 100, pinned(TEAM_REPO, "node-service", "1.1.0")],
    );
  });

  it("closing a release keeps the canary's image: same resource and inputs, now run by the stable track", async () => {
    const node = { name: "node-service", app: "apps/node-service", runtime: "nodejs", replicas: 5 };
    const during = await runProgram("staging", {
      config: {
        services: [
          {
            ...node,
            version: "1.0.0",
            stableImage: NODE_STABLE_IMAGE,
            canary: { weight: 100, version: "1.1.0" },
          },
        ],
      },
    });
    const closed = await runProgram("staging", { config: { services: [{ ...node, version: "1.1.0" }] } });
    const built = (run: ProgramRun) => imageBuilds(run);
    assert.deepEqual(names(built(during)), ["node-service-1.1.0-image"]);
    assert.deepEqual(built(closed), built(during));
    const image = pinned(TEAM_REPO, "node-service", "1.1.0");
    assert.equal(deployment(closed, "node-service-stable").spec.template.spec.containers[0].image, image);
    const out = (closed.outputs.services as Record<string, Record<string, unknown>>)["node-service"];
    assert.deepEqual([out.phase, out.image, out.stableImage], ["stable", image, image]);
  });

  it("routes through a gateway with one HTTPRoute per service and admits only the gateway's namespace", async () => {
    const run = await runProgram("staging", {
      config: {
        gateway: { name: "public", namespace: "gateway-system" },
        services: [
          {
            name: "node-service",
            app: "apps/node-service",
            runtime: "nodejs",
            version: "1.0.0",
            stableImage: NODE_STABLE_IMAGE,
            replicas: 5,
            canary: { weight: 20, version: "1.1.0" },
            hostnames: ["shop.example.com"],
          },
        ],
      },
    });
    const route = findResource(run, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "node-service-route")
      .inputs as {
      spec: {
        hostnames: string[];
        parentRefs: Record<string, string>[];
        rules: { backendRefs: unknown[] }[];
      };
    };
    assert.deepEqual(route.spec.hostnames, ["shop.example.com"]);
    assert.deepEqual(route.spec.parentRefs, [
      { group: "gateway.networking.k8s.io", kind: "Gateway", name: "public", namespace: "gateway-system" },
    ]);
    assert.deepEqual(route.spec.rules[0].backendRefs, [
      { group: "", kind: "Service", name: "node-service-stable", port: 80, weight: 80 },
      { group: "", kind: "Service", name: "node-service-canary", port: 80, weight: 20 },
    ]);
    // With a route the stable track keeps every replica; the canary adds ceil(5 × 20 %) = 1.
    assert.equal(deployment(run, "node-service-stable").spec.replicas, 5);
    assert.equal(deployment(run, "node-service-canary").spec.replicas, 1);
    const allow = findResource(
      run,
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "platform-allow-from-namespaces",
    );
    assert.ok(JSON.stringify(allow.inputs).includes('"kubernetes.io/metadata.name":"gateway-system"'));
  });

  it("passes registry credentials to the build only as a secret", async () => {
    const run = await runProgram("prod", {
      config: {
        // The docker-build builder (no images.buildkit).
        images: { platforms: ["linux/amd64", "linux/arm64"] },
        registry: {
          server: "ghcr.io",
          repositoryPrefix: "acme/distroless-platform",
          username: "ci",
          password: "s3cr3t",
        },
      },
      secretKeys: ["registry"],
    });
    const registries = findResource(run, IMAGE, "go-service-1.0.0-image").inputs.registries;
    // Mocks receive secrets wrapped with Pulumi's secret signature.
    const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
    const wrapped = registries as { value: { value: Record<string, string> }[] } & Record<string, unknown>;
    assert.equal(wrapped["4dabf18193072939515e22adb298388d"], SECRET_SIG);
    assert.deepEqual(wrapped.value[0].value, { address: "ghcr.io", username: "ci", password: "s3cr3t" });
  });

  it("warns at preview with the effective percentage when replicas cannot split the weight", async () => {
    const run = await runProgram("staging", {
      preview: true,
      config: {
        services: [
          {
            name: "node-service",
            app: "apps/node-service",
            runtime: "nodejs",
            version: "1.0.0",
            stableImage: NODE_STABLE_IMAGE,
            replicas: 4,
            canary: { weight: 10, version: "1.1.0" },
          },
        ],
      },
    });
    assert.deepEqual(run.warnings, [
      "canary weight 10% with 4 replicas runs 1 canary pod of 4 (25%); use at least 10 replicas for exact 10% steps",
    ]);
  });
});
