// End to end on the real parts: the Pulumi engine (through the Automation API driver), the local Kubernetes
// cluster with gVisor, the registry and BuildKit that `npm run local:up` starts. scripts/e2e.sh starts the
// environment when it is down. The tests run in order: each builds on the deployment of the one before.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as k8s from "@kubernetes/client-node";
import * as kube from "@pulumi/kubernetes";
import { BUILDKIT_IMAGE_KIND, GVISOR_RUNTIME_CLASS } from "distroless-guardrails/model";
import { BuildKitImage } from "../../components/buildkit";
import { buildContainerSecurityContext, buildPodSecurityContext } from "../../components/podspec";
import { debug } from "../../scripts/debug";
import { destroy, preview, up, type StackTarget } from "../../scripts/stack";
import { main as checker } from "distroless-guardrails/cli";
import { PROJECT_ROOT, stackConfig } from "../helpers/run-program";
import {
  basePackages,
  blob,
  clusterRunning,
  e2eIsolation,
  EngineSession,
  inCluster,
  kubectl,
  kubectlJson,
  kubectlOk,
  manifest,
  provenanceOf,
} from "./cluster";

const NAMESPACE = "distroless-e2e";
const RUNTIME_CLASS = "gvisor-e2e";
const REPO = "distroless-platform";

/** The local stack, moved to a namespace and RuntimeClass of its own and sized for a 2-core node. */
const BASE_CONFIG: Record<string, unknown> = e2eIsolation(NAMESPACE, RUNTIME_CLASS, {
  requestsCpu: "2",
  requestsMemory: "6Gi",
  limitsCpu: "8",
  limitsMemory: "12Gi",
  pods: 30,
});

/** The pack admits the e2e RuntimeClass besides gvisor. */
const POLICY_CONFIG = {
  runtimeClassGvisor: { allowedRuntimeClasses: [GVISOR_RUNTIME_CLASS, RUNTIME_CLASS] },
};

const NODE = {
  name: "node-service",
  app: "apps/node-service",
  runtime: "nodejs",
  version: "1.0.0",
  replicas: 1,
  resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
};
const GO = {
  name: "go-service",
  app: "apps/go-service",
  runtime: "go",
  version: "1.0.0",
  replicas: 1,
  resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
};

const PYTHON = {
  name: "python-service",
  app: "apps/python-service",
  runtime: "python",
  version: "1.0.0",
  replicas: 1,
  resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
};
/** The sample services, one per runtime the local registry has bases for. */
const SAMPLES = [NODE, GO, PYTHON];
const NAMES = SAMPLES.map((s) => s.name);

interface ServiceOut {
  serviceName: string;
  image: string;
  sbomDigests: Record<string, string>;
  vulnerabilities: Record<string, { total: number; fixable: number }>;
  stableImage: string;
  replicas: { stable: number; canary: number };
}

type Pod = k8s.V1Pod;

function pods(selector: string): Pod[] {
  return kubectlJson<{ items: Pod[] }>(["get", "pods", "-n", NAMESPACE, "-l", selector]).items;
}

/** The local node's platform, as image indexes name it. */
const NODE_ARCH = os.arch() === "arm64" ? "arm64" : "amd64";

/** The manifest for the local node's platform in an index of the local registry. */
async function platformManifest(repository: string, indexDigest: string): Promise<string | undefined> {
  const index = (await manifest(repository, indexDigest)) as {
    manifests: { digest: string; platform?: { os: string; architecture: string } }[];
  };
  return index.manifests.find((m) => m.platform?.os === "linux" && m.platform.architecture === NODE_ARCH)
    ?.digest;
}

function ready(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
}

/** What each app's own runtime reports from inside its pod: the images have no shell to ask with. */
const SELF_CHECKS: Record<string, string[]> = {
  "go-service": ["/app", "selfcheck"],
  "node-service": [
    "/nodejs/bin/node",
    "-e",
    'const fs=require("fs");let rw=true;' +
      'try{fs.writeFileSync("/home/nonroot/.selfcheck","")}catch(e){rw=e.code}' +
      ";console.log(JSON.stringify({uid:process.getuid(),gid:process.getgid()," +
      'kernel:fs.readFileSync("/proc/version","utf8").trim(),homeWritable:rw}))',
  ],
  // The same, and whether the app's module runs from bytecode compiled at build time.
  "python-service": [
    "/usr/bin/python3",
    "-c",
    [
      "import errno, json, os, sys",
      "sys.path.insert(0, '/app')",
      "import service.app as app",
      "rw = True",
      "try:\n open('/home/nonroot/.selfcheck', 'w').close()\nexcept OSError as e:\n rw = errno.errorcode[e.errno]",
      "print(json.dumps({'uid': os.getuid(), 'gid': os.getgid(), 'kernel': open('/proc/version').read().strip(),",
      " 'homeWritable': rw, 'bytecode': {'dontWrite': bool(sys.flags.dont_write_bytecode),",
      " 'cached': app.__cached__, 'exists': os.path.exists(app.__cached__)}}))",
    ].join("\n"),
  ],
};

describe("e2e: the local stack on the real engine and cluster", function () {
  this.timeout(40 * 60_000);
  const session = new EngineSession();
  let services: Record<string, ServiceOut>;

  before(function () {
    assert.ok(
      clusterRunning(),
      "the local environment is not running: npm run local:up (scripts/e2e.sh starts it)",
    );
  });
  after(() => session.dispose());

  /** The local stack on the e2e namespace and RuntimeClass, with these services, on the session's own backend. */
  const e2eStack = (svcs: readonly unknown[] = SAMPLES, extra: Partial<StackTarget> = {}) =>
    session.target("local", {
      policyConfig: POLICY_CONFIG,
      config: { ...BASE_CONFIG, services: svcs },
      ...extra,
    });

  it("up creates the namespace, the RuntimeClass, every image and release, with the policy pack", async () => {
    const result = await up(e2eStack());
    assert.equal(result.summary.result, "succeeded", session.output);
    services = result.outputs.services.value as Record<string, ServiceOut>;
    assert.deepEqual(Object.keys(services).sort(), [...NAMES].sort());
    const ns = kubectlJson<k8s.V1Namespace>(["get", "namespace", NAMESPACE]);
    assert.equal(ns.metadata?.labels?.["pod-security.kubernetes.io/enforce"], "restricted");
    assert.equal(ns.metadata?.labels?.["pod-security.kubernetes.io/enforce-version"], "v1.37");
    const rc = kubectlJson<k8s.V1RuntimeClass>(["get", "runtimeclass", RUNTIME_CLASS]);
    assert.equal(rc.handler, "runsc");
    for (const name of NAMES) {
      assert.match(services[name].image, new RegExp(`^localhost:5000/${REPO}/${name}@sha256:[0-9a-f]{64}$`));
      const deploy = kubectlJson<k8s.V1Deployment>(["get", "deployment", "-n", NAMESPACE, `${name}-stable`]);
      assert.equal(deploy.status?.readyReplicas, 1, `${name} ready replicas`);
    }
    // The pack ran on the real preview and update.
    assert.match(session.output, /distroless-guardrails@v0\.1\.0/);
  });

  it("runs every pod Ready under gVisor, as UID 65532, with a read-only root filesystem", () => {
    for (const name of NAMES) {
      const [pod] = pods(`app.kubernetes.io/name=${name}`);
      assert.ok(pod !== undefined && ready(pod), `${name} pod Ready`);
      assert.equal(pod.spec?.runtimeClassName, RUNTIME_CLASS);
      const container = pod.spec?.containers[0];
      assert.equal(container?.securityContext?.readOnlyRootFilesystem, true);
      // What the process itself sees: the image has no shell, so the app's own binary looks.
      const probe = SELF_CHECKS[name];
      const out = kubectlOk(["exec", "-n", NAMESPACE, pod.metadata?.name ?? "", "-c", name, "--", ...probe]);
      const seen = JSON.parse(out.trim()) as {
        uid: number;
        gid: number;
        kernel: string;
        homeWritable: unknown;
        bytecode?: { dontWrite: boolean; cached: string; exists: boolean };
      };
      assert.equal(seen.uid, 65532, `${name} uid`);
      assert.equal(seen.gid, 65532, `${name} gid`);
      // /home/nonroot belongs to the app's user: only the read-only root filesystem refuses the write.
      assert.ok(
        seen.homeWritable === "EROFS" || seen.homeWritable === "read-only file system",
        `${name} wrote to its root filesystem: ${String(seen.homeWritable)}`,
      );
      // gVisor's Sentry answers /proc/version itself, not the host kernel.
      assert.ok(!seen.kernel.includes(os.release()), `${name} sees the host kernel: ${seen.kernel}`);
      assert.match(seen.kernel, /gvisor/, `${name} kernel: ${seen.kernel}`);
      if (name === "python-service") {
        // Bytecode was compiled for the image's Python at build time: the read-only filesystem cannot take it later.
        assert.deepEqual(seen.bytecode, {
          dontWrite: true,
          cached: "/app/service/__pycache__/app.cpython-313.pyc",
          exists: true,
        });
      }
    }
  });

  it("answers /healthz through each Service", () => {
    for (const name of NAMES) {
      const svc = kubectlJson<k8s.V1Service>(["get", "service", "-n", NAMESPACE, services[name].serviceName]);
      const url = `http://${svc.spec?.clusterIP}:${svc.spec?.ports?.[0]?.port}/healthz`;
      const r = inCluster(["curl", "-sS", "--max-time", "10", url]);
      assert.equal(r.status, 0, `${name} ${url}: ${r.stderr}`);
      assert.deepEqual(JSON.parse(r.stdout), { status: "ok" });
    }
  });

  it("attaches a debug container to a pod of each service that sees the app's processes and files", async () => {
    // The shell comes with the debug image (busybox in /busybox), never with the app's distroless image.
    const command = [
      "/busybox/sh",
      "-c",
      "ps; ls -d /proc/[0-9]*/root/app 2>/dev/null; netstat -ltn; exit 0",
    ];
    for (const [name, process] of [
      ["go-service", /^\s*\d+\s+nonroot\s+\/app$/m],
      ["node-service", /^\s*\d+\s+nonroot\s+\/nodejs\/bin\/node server\.js$/m],
      ["python-service", /^\s*\d+\s+nonroot\s+\/usr\/bin\/python3 main\.py$/m],
    ] as const) {
      const r = await debug({ target: e2eStack(), service: name, command, log: () => undefined });
      assert.equal(r.exitCode, 0, r.output);
      assert.match(r.output ?? "", process, `${name}: ${r.output}`);
      assert.match(r.output ?? "", /^\/proc\/\d+\/root\/app$/m, `${name}: ${r.output}`);
      // The app's socket, as the troubleshooting table says: bound to 0.0.0.0, not to 127.0.0.1.
      assert.match(
        r.output ?? "",
        /^tcp\s+\d+\s+\d+\s+(0\.0\.0\.0|:::):8080\s+\S+\s+LISTEN/m,
        `${name}: ${r.output}`,
      );
      assert.match(r.image, /^localhost:5000\/distroless\/base-debian13:debug-nonroot$/);
      const pod = kubectlJson<k8s.V1Pod>(["get", "pod", "-n", NAMESPACE, r.pod]);
      const added = pod.spec?.ephemeralContainers?.find((c) => c.name === r.container);
      assert.equal(added?.targetContainerName, pod.spec?.containers[0].name);
      assert.equal(added?.securityContext?.runAsNonRoot, true);
    }
  });

  it("pushes an index with linux/amd64 and linux/arm64 and runs the pushed digest", async () => {
    for (const name of NAMES) {
      const digest = services[name].image.split("@")[1];
      const index = (await manifest(`${REPO}/${name}`, digest)) as {
        manifests: { platform?: { os: string; architecture: string } }[];
      };
      const platforms = index.manifests
        .map((m) => m.platform)
        .filter((p) => p !== undefined && p.os !== "unknown")
        .map((p) => `${p?.os}/${p?.architecture}`)
        .sort();
      assert.deepEqual(platforms, ["linux/amd64", "linux/arm64"], `${name} index platforms`);
      const [pod] = pods(`app.kubernetes.io/name=${name}`);
      assert.equal(pod.spec?.containers[0].image, services[name].image);
      // containerd reports the first index it pulled an image by. A rebuild of the same content (a new SBOM,
      // whose creation time differs, makes a new index) keeps the node's earlier name: what must agree is the
      // node platform's manifest in both indexes.
      const running = pod.status?.containerStatuses?.[0].imageID.split("@")[1] ?? "";
      assert.equal(
        await platformManifest(`${REPO}/${name}`, running),
        await platformManifest(`${REPO}/${name}`, digest),
        `${name} runs ${running}, not the content of ${digest}`,
      );
    }
  });

  it("attests each image: an SPDX SBOM per platform naming the app and every base package, and provenance", async () => {
    const debs = basePackages();
    const expected: Record<string, { app: string[]; base: string[] }> = {
      "go-service": { app: ["example.com/go-service", "stdlib"], base: debs.static },
      "node-service": { app: ["node"], base: [...debs.static, ...debs.base, ...debs.cc] },
      // The interpreter is Debian's python3.13-minimal, which owns /usr/bin/python3.13 in the base's status.d
      // md5sums, so syft names that package instead of classifying the binary.
      "python-service": {
        app: ["python3.13-minimal"],
        base: [...debs.static, ...debs.base, ...debs.cc, ...debs.python],
      },
    };
    for (const name of NAMES) {
      const sbomDigests = services[name].sbomDigests;
      assert.deepEqual(Object.keys(sbomDigests).sort(), ["linux/amd64", "linux/arm64"], name);
      for (const [platform, digest] of Object.entries(sbomDigests)) {
        const statement = (await blob(`${REPO}/${name}`, digest)) as {
          predicateType: string;
          predicate: { packages: { name: string; versionInfo?: string }[] };
        };
        assert.equal(statement.predicateType, "https://spdx.dev/Document");
        const packages = new Map(statement.predicate.packages.map((p) => [p.name, p.versionInfo]));
        for (const pkg of [...expected[name].app, ...expected[name].base]) {
          assert.ok(
            packages.has(pkg),
            `${name} ${platform} SBOM lacks ${pkg}: ${[...packages.keys()].join(", ")}`,
          );
        }
        // Debian packages carry their exact versions (from /var/lib/dpkg/status.d in the base).
        assert.match(
          packages.get("base-files") ?? "",
          /^\d+(\.\d+)*\+deb13u\d+$/,
          `${name} base-files version`,
        );
      }
      const provenance = await provenanceOf(`${REPO}/${name}`, services[name].image.split("@")[1]);
      assert.equal(provenance.length, 2, `${name}: one provenance per platform`);
      for (const p of provenance) {
        assert.equal(p.predicateType, "https://slsa.dev/provenance/v1");
        const request = p.predicate.buildDefinition.externalParameters.request;
        assert.equal(request.args["build-arg:VERSION"], "1.0.0");
        const dockerfile = p.predicate.runDetails.metadata.buildkit_metadata.source.infos.find(
          (i) => i.filename === "Dockerfile",
        );
        assert.ok(dockerfile, `${name}: provenance names no Dockerfile`);
        assert.match(
          Buffer.from(dockerfile.data, "base64").toString("utf8"),
          /^# Generated by distroless-platform/m,
        );
      }
    }
  });

  it("scans each image's SBOMs with the sample database: zlib's unfixed Low finding is recorded, below the gate", async () => {
    // zlib1g comes with Google's cc image and those built on it (nodejs, python3), not with static.
    assert.deepEqual(services["go-service"].vulnerabilities, {});
    for (const name of ["node-service", "python-service"]) {
      assert.deepEqual(services[name].vulnerabilities, { low: { total: 2, fixable: 0 } }, name);
    }
    // A preview prints each image's findings.
    await preview(e2eStack());
    assert.match(
      session.output,
      /node-service-1\.0\.0: 2 findings \(low 2; 0 fixable\) on linux\/amd64, linux\/arm64 with the database built \S+; the gate fails on high and above with a fix/,
    );
    assert.match(session.output, /go-service-1\.0\.0: 0 findings on linux\/amd64, linux\/arm64/);
  });

  describe("the vulnerability gate, with a database recording a fixable High finding in libc6", () => {
    const BLOCKING_DB = ".grype/e2e-blocking.db";
    const records = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-vulndb-"));
    /** The local stack's images settings with the gate on BLOCKING_DB at `failOn`. */
    const gatedOn = (failOn: string) => {
      const images = stackConfig("local")["distroless-platform:images"] as Record<string, unknown>;
      return e2eStack(SAMPLES, {
        config: {
          ...BASE_CONFIG,
          services: SAMPLES,
          images: { ...images, vulnerabilities: { database: BLOCKING_DB, failOn, onlyFixed: true } },
        },
      });
    };
    const deployedImages = () =>
      Object.fromEntries(
        NAMES.map((name) => [
          name,
          kubectlJson<k8s.V1Deployment>(["get", "deployment", "-n", NAMESPACE, `${name}-stable`]).spec
            ?.template.spec?.containers[0].image,
        ]),
      );

    before(() => {
      // The sample records plus one: every glibc before 9:0 (any Debian version) has a High finding fixed there.
      fs.cpSync(path.join(PROJECT_ROOT, "scripts", "local", "vulndb"), records, { recursive: true });
      const sample = path.join(records, "debian", "results", "sample-2026-0001.json");
      const record = JSON.parse(fs.readFileSync(sample, "utf8")) as {
        identifier: string;
        item: { Vulnerability: { Name: string; FixedIn: { Version: string }[] } };
      };
      record.identifier = "debian:13/sample-2026-0099";
      record.item.Vulnerability.Name = "SAMPLE-2026-0099";
      record.item.Vulnerability.FixedIn[0].Version = "9:0";
      fs.writeFileSync(
        path.join(records, "debian", "results", "sample-2026-0099.json"),
        JSON.stringify(record),
      );
      const built = spawnSync("bash", ["scripts/vulndb.sh", records, BLOCKING_DB], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
      });
      assert.equal(built.status, 0, built.stderr);
    });
    after(() => {
      fs.rmSync(records, { recursive: true, force: true });
      fs.rmSync(path.join(PROJECT_ROOT, BLOCKING_DB), { force: true });
    });

    it("fails preview naming the finding, its package, fix and platform", async () => {
      const failure = await preview(gatedOn("high")).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(failure instanceof Error, `the preview passed:\n${session.output}`);
      for (const platform of ["linux/amd64", "linux/arm64"]) {
        assert.match(
          session.output,
          new RegExp(`SAMPLE-2026-0099 high in deb package libc6 [^ ]+ \\(fixed in 9:0\\) on ${platform}`),
        );
      }
    });

    it("fails up the same way, and every Deployment keeps the image it ran", async () => {
      const before = deployedImages();
      const failure = await up(gatedOn("high")).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(failure instanceof Error, `the update passed:\n${session.output}`);
      assert.match(session.output, /fixable findings? at severity high or above/);
      assert.deepEqual(deployedImages(), before);
      assert.deepEqual(before, Object.fromEntries(NAMES.map((name) => [name, services[name].image])));
    });

    it("is enforced by the pack at its own threshold when the stack raises its own to critical", async () => {
      const failure = await preview(gatedOn("critical")).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(failure instanceof Error, `the preview passed:\n${session.output}`);
      assert.match(session.output, /imageVulnerabilities/);
      assert.match(session.output, /mandatory/);
      assert.match(session.output, /SAMPLE-2026-0099 high in deb package libc6/);
    });
  });

  it("refuses a non-compliant pod in the namespace by Pod Security admission, as the checker does", () => {
    const manifestText = [
      "apiVersion: v1",
      "kind: Pod",
      "metadata: {name: privileged-probe, namespace: " + NAMESPACE + "}",
      "spec:",
      "  containers:",
      `  - name: app`,
      `    image: ${services["go-service"].image}`,
      "    securityContext: {privileged: true}",
    ].join("\n");
    const r = kubectl(["apply", "-f", "-"], manifestText);
    assert.notEqual(r.status, 0, "the API server admitted a privileged pod");
    assert.match(
      r.stderr,
      /violates PodSecurity "restricted:v1\.37": privileged \(container "app" must not set securityContext\.privileged=true\)/,
    );
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "distroless-e2e-")), "pod.yaml");
    fs.writeFileSync(file, manifestText);
    const lines: string[] = [];
    const code = checker(
      [file],
      (s) => lines.push(s),
      (s) => lines.push(s),
    );
    fs.rmSync(path.dirname(file), { recursive: true });
    assert.equal(code, 1, lines.join("\n"));
    assert.match(lines.join("\n"), /privileged/);
  });

  it("reports no changes on a second up", async () => {
    const result = await up(e2eStack());
    assert.deepEqual(session.changes(), [], session.output);
    assert.deepEqual(Object.keys(result.summary.resourceChanges ?? {}), ["same"]);
  });

  it("moves a canary from 10 to 20 % by changing only the replica split", async () => {
    const canary = (weight: number) =>
      e2eStack([
        NODE,
        {
          ...GO,
          replicas: 10,
          stableImage: services["go-service"].image,
          canary: { weight, version: "1.1.0" },
        },
        PYTHON,
      ]);
    const at10 = await up(canary(10));
    assert.equal(at10.summary.result, "succeeded", session.output);
    const out10 = (at10.outputs.services.value as Record<string, ServiceOut>)["go-service"];
    assert.deepEqual(out10.replicas, { stable: 9, canary: 1 });
    const templateHashesAt10 = new Set(
      pods("app.kubernetes.io/name=go-service").map((p) => p.metadata?.labels?.["pod-template-hash"]),
    );
    assert.equal(templateHashesAt10.size, 2, "one ReplicaSet per track");
    const at20 = await up(canary(20));
    const changes = session.changes();
    assert.deepEqual(
      changes.map(([op, type, name]) => [op, type, name]).sort(),
      [
        ["update", "kubernetes:apps/v1:Deployment", "go-service-canary"],
        ["update", "kubernetes:apps/v1:Deployment", "go-service-stable"],
      ],
      session.output,
    );
    // The replica counts change, and the annotations that record the step; never the pod template.
    const STEP_ANNOTATIONS = [
      'metadata.annotations["distroless.dev/canary-previous-step"]',
      'metadata.annotations["distroless.dev/canary-weight"]',
    ];
    for (const [, , name, diffs] of changes) {
      assert.deepEqual(diffs, [...STEP_ANNOTATIONS, "spec.replicas"], `${name}: ${JSON.stringify(changes)}`);
    }
    // No rollout: every go-service pod still belongs to the ReplicaSet it had at 10 %.
    const hashes = new Set(
      pods("app.kubernetes.io/name=go-service").map((p) => p.metadata?.labels?.["pod-template-hash"]),
    );
    assert.deepEqual([...hashes].sort(), [...templateHashesAt10].sort());
    const out20 = (at20.outputs.services.value as Record<string, ServiceOut>)["go-service"];
    assert.deepEqual(out20.replicas, { stable: 8, canary: 2 });
  });

  it("previews staging and prod with the pack, adopting the cluster's gvisor RuntimeClass", async () => {
    const created = kubectl(["get", "runtimeclass", "gvisor"]).status !== 0;
    if (created)
      kubectlOk(
        ["apply", "-f", "-"],
        "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata: {name: gvisor}\nhandler: runsc\noverhead: {podFixed: {cpu: 250m, memory: 64Mi}}\n",
      );
    try {
      // Their gate reads the database the pipeline fetches; here the local sample database stands in for it.
      const withDatabase = (stack: string, database: string) => {
        const images = stackConfig(stack)["distroless-platform:images"] as Record<string, unknown>;
        const gate = images.vulnerabilities as Record<string, unknown>;
        return session.target(stack, {
          config: { images: { ...images, vulnerabilities: { ...gate, database } } },
        });
      };
      const missing = await preview(withDatabase("prod", ".grype/absent.db")).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(
        missing instanceof Error,
        `prod previewed without its vulnerability database:\n${session.output}`,
      );
      assert.match(
        session.output,
        /images\.vulnerabilities\.database: "\.grype\/absent\.db" is not allowed; expected a file inside the project; nothing exists there/,
      );
      for (const stack of ["staging", "prod"]) {
        const result = await preview(withDatabase(stack, ".grype/local.db"));
        assert.ok((result.changeSummary.create ?? 0) > 0, `${stack}: ${session.output}`);
        assert.doesNotMatch(session.output, /mandatory/, `${stack} preview has a mandatory violation`);
      }
    } finally {
      if (created) kubectlOk(["delete", "runtimeclass", "gvisor"]);
    }
  });

  describe("blocks bad programs at preview with the policy's own message", () => {
    const blocked = async (program: () => void, expected: RegExp) => {
      const failure = await preview(
        e2eStack([], {
          program: async () => {
            program();
          },
        }),
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(failure instanceof Error, `the preview passed:\n${session.output}`);
      assert.match(session.output, expected);
    };
    const pod = (name: string, container: Record<string, unknown>) =>
      new kube.core.v1.Pod(name, {
        metadata: { name, namespace: NAMESPACE },
        spec: {
          runtimeClassName: RUNTIME_CLASS,
          // The program's own hardened contexts: only the one fault under test differs.
          securityContext: buildPodSecurityContext(),
          containers: [
            {
              name: "app",
              image: services["go-service"].image,
              securityContext: buildContainerSecurityContext(),
              ...container,
            },
          ],
        },
      });

    it("an exec probe", () =>
      blocked(
        () => pod("exec-probe", { livenessProbe: { exec: { command: ["/app", "selfcheck"] } } }),
        /noExecProbesOrHooks[\s\S]*livenessProbe uses exec; a distroless image has no shell/,
      ));

    it("a privileged container", () =>
      blocked(
        () =>
          pod("privileged", { securityContext: { ...buildContainerSecurityContext(), privileged: true } }),
        /pss-privileged[\s\S]*privileged/,
      ));

    it("a namespace without Pod Security labels", () =>
      blocked(
        () => new kube.core.v1.Namespace("unlabelled", { metadata: { name: "unlabelled" } }),
        /namespacePodSecurityLabels[\s\S]*pod-security\.kubernetes\.io\/enforce/,
      ));

    it("a :debug base image", () =>
      blocked(
        () =>
          new BuildKitImage("debug-base", {
            kind: BUILDKIT_IMAGE_KIND,
            address: "tcp://127.0.0.1:1234",
            context: "apps/node-service",
            dockerfile:
              'FROM gcr.io/distroless/nodejs22-debian13:debug\nCOPY . /app\nCMD ["/app/server.js"]\n',
            platforms: ["linux/amd64", "linux/arm64"],
            buildArgs: {},
            repository: `localhost:5000/${REPO}/debug-base`,
            tags: [`localhost:5000/${REPO}/debug-base:1`],
            cacheRef: "",
            contentHash: "sha256:0",
          }),
        /dockerfileDistroless[\s\S]*:debug/,
      ));
  });

  // Last: everything above runs on the deployment.
  describe("teardown", () => {
    it("destroy leaves nothing of the stack in the cluster", async () => {
      const result = await destroy(e2eStack());
      assert.equal(result.summary.result, "succeeded", session.output);
      assert.notEqual(kubectl(["get", "runtimeclass", RUNTIME_CLASS]).status, 0, "RuntimeClass left behind");
      // Namespace deletion finishes asynchronously (its contents go first).
      for (let i = 0; i < 120 && kubectl(["get", "namespace", NAMESPACE]).status === 0; i++) {
        await new Promise((r) => setTimeout(r, 1000));
      }
      assert.notEqual(kubectl(["get", "namespace", NAMESPACE]).status, 0, "namespace left behind");
    });
  });
});
