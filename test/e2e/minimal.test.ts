// images.base: minimal on the real engine and cluster: the Go and Node.js samples built on the mirror's skeleton
// with only what they need, run under gVisor, answer, log JSON, convert time zones, read the TLS root store that
// was asked for, and hold no shell or package manager.
import { strict as assert } from "node:assert";
import type * as k8s from "@kubernetes/client-node";
import { destroy, up } from "../../scripts/stack";
import { imageContents } from "../../scripts/lib/image-files";
import { stackConfig } from "../helpers/run-program";
import {
  clusterRunning,
  e2eIsolation,
  EngineSession,
  inCluster,
  kubectl,
  kubectlJson,
  kubectlOk,
} from "./cluster";

const NAMESPACE = "distroless-e2e-minimal";
const RUNTIME_CLASS = "gvisor-e2e-minimal";
const resources = { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "300m", memory: "192Mi" } };
const SERVICES = [
  { name: "go-minimal", app: "apps/go-service", runtime: "go", version: "1.0.0", replicas: 1, resources },
  {
    name: "node-minimal",
    app: "apps/node-service",
    runtime: "nodejs",
    version: "1.0.0",
    replicas: 1,
    resources,
  },
];
const NAMES = SERVICES.map((s) => s.name);

/** What each app reports from inside its pod (the image has no shell to ask with). */
const SELF_CHECKS: Record<string, string[]> = {
  "go-minimal": ["/app", "selfcheck"],
  "node-minimal": [
    "/nodejs/bin/node",
    "-e",
    'const tls=require("tls");' +
      'const berlin=new Intl.DateTimeFormat("en-GB",{timeZone:"Europe/Berlin",hour:"2-digit",minute:"2-digit",timeZoneName:"short"})' +
      '.format(new Date("2026-07-01T12:00:00Z"));' +
      'console.log(JSON.stringify({uid:process.getuid(),berlin,systemRoots:tls.getCACertificates("system").length}))',
  ],
};

interface ServiceOut {
  serviceName: string;
  image: string;
  vulnerabilities: Record<string, { total: number; fixable: number }>;
}

describe("e2e: minimal images on the real engine and cluster", function () {
  this.timeout(20 * 60_000);
  const session = new EngineSession();
  let services: Record<string, ServiceOut>;
  const stack = () => {
    const images = stackConfig("local")["distroless-platform:images"] as Record<string, unknown>;
    return session.target("local", {
      policyConfig: { runtimeClassGvisor: { allowedRuntimeClasses: [RUNTIME_CLASS] } },
      config: {
        ...e2eIsolation(NAMESPACE, RUNTIME_CLASS, {
          requestsCpu: "1",
          requestsMemory: "2Gi",
          limitsCpu: "4",
          limitsMemory: "4Gi",
          pods: 10,
        }),
        images: { ...images, base: "minimal", minimal: { caCertificates: true, timeZones: false } },
        services: SERVICES,
      },
    });
  };
  const pod = (name: string): k8s.V1Pod =>
    kubectlJson<{ items: k8s.V1Pod[] }>([
      "get",
      "pods",
      "-n",
      NAMESPACE,
      "-l",
      `app.kubernetes.io/name=${name}`,
    ]).items[0];

  before(function () {
    assert.ok(
      clusterRunning(),
      "the local environment is not running: npm run local:up (scripts/e2e.sh starts it)",
    );
  });
  after(() => session.dispose());

  it("up builds both on the minimal skeleton and runs them Ready under gVisor, with the pack", async () => {
    const result = await up(stack());
    assert.equal(result.summary.result, "succeeded", session.output);
    services = result.outputs.services.value as Record<string, ServiceOut>;
    for (const name of NAMES) {
      const p = pod(name);
      assert.equal(p.spec?.runtimeClassName, RUNTIME_CLASS);
      assert.ok(
        p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
        `${name} Ready`,
      );
    }
    assert.match(session.output, /distroless-guardrails@v0\.1\.0/);
  });

  it("answers /healthz and logs JSON", () => {
    for (const name of NAMES) {
      const svc = kubectlJson<k8s.V1Service>(["get", "service", "-n", NAMESPACE, services[name].serviceName]);
      const r = inCluster([
        "curl",
        "-sS",
        "--max-time",
        "10",
        `http://${svc.spec?.clusterIP}:${svc.spec?.ports?.[0]?.port}/healthz`,
      ]);
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      assert.deepEqual(JSON.parse(r.stdout), { status: "ok" });
      const first = kubectlOk(["logs", "-n", NAMESPACE, pod(name).metadata?.name ?? ""])
        .trim()
        .split("\n")[0];
      const line = JSON.parse(first) as Record<string, unknown>;
      assert.equal(typeof (line.msg ?? line.message), "string", `${name} log line: ${first}`);
    }
  });

  it("converts time zones without /usr/share/zoneinfo and reads the CA bundle it asked for, as 65532", () => {
    for (const name of NAMES) {
      const p = pod(name);
      const out = kubectlOk([
        "exec",
        "-n",
        NAMESPACE,
        p.metadata?.name ?? "",
        "-c",
        name,
        "--",
        ...SELF_CHECKS[name],
      ]);
      const seen = JSON.parse(out.trim()) as { uid: number; berlin: string; systemRoots: number };
      assert.equal(seen.uid, 65532, name);
      // Go embeds the zones (-tags timetzdata); node carries ICU's.
      assert.match(
        seen.berlin,
        name === "go-minimal" ? /^2026-07-01T14:00:00\+02:00$/ : /^14:00 CEST$/,
        name,
      );
      assert.ok(seen.systemRoots > 50, `${name} sees ${seen.systemRoots} system roots`);
    }
  });

  it("holds no shell, no package manager and no zoneinfo: only the skeleton, the runtime and what it loads", async () => {
    for (const name of NAMES) {
      const [repository, digest] = services[name].image.split("@");
      for (const platform of ["linux/amd64", "linux/arm64"]) {
        const { files } = await imageContents(repository, digest, platform);
        const paths = [...files.keys()];
        for (const forbidden of [
          "usr/bin/sh",
          "bin/sh",
          "usr/bin/dpkg",
          "usr/bin/apt",
          "usr/share/zoneinfo",
        ]) {
          assert.ok(!files.has(forbidden), `${name} ${platform} holds ${forbidden}`);
        }
        const regular = paths.filter((p) => files.get(p)?.type === "file").sort();
        const expectedApp =
          name === "go-minimal" ? ["app"] : ["app/server.js", "app/package.json", "nodejs/bin/node"];
        for (const f of expectedApp) assert.ok(regular.includes(f), `${name} ${platform} lacks ${f}`);
        // Besides the app: users, os-release, the CA bundle, and (for node) the C and C++ runtime libraries.
        const others = regular.filter(
          (p) =>
            !p.startsWith("app/") && p !== "app" && p !== "nodejs/bin/node" && !p.startsWith("var/lib/dpkg/"),
        );
        const libs = others.filter((p) => p.startsWith("usr/lib/"));
        assert.deepEqual(
          others.filter((p) => !p.startsWith("usr/lib/")).sort(),
          ["etc/group", "etc/os-release", "etc/passwd", "etc/ssl/certs/ca-certificates.crt"],
          `${name} ${platform}`,
        );
        if (name === "go-minimal") assert.deepEqual(libs, [], `${name} ${platform} libraries`);
        else {
          const names = libs.map((p) => p.slice(p.lastIndexOf("/") + 1)).sort();
          assert.deepEqual(
            names.filter((n) => !n.startsWith("ld-linux")),
            [
              "libc.so.6",
              "libdl.so.2",
              "libgcc_s.so.1",
              "libm.so.6",
              "libpthread.so.0",
              "libstdc++.so.6.0.33",
            ],
            `${name} ${platform} libraries`,
          );
        }
      }
    }
  });

  it("is scanned like any image: the sample zlib finding is gone with zlib", () => {
    for (const name of NAMES) assert.deepEqual(services[name].vulnerabilities, {}, name);
  });

  it("destroy leaves nothing of the stack in the cluster", async () => {
    const result = await destroy(stack());
    assert.equal(result.summary.result, "succeeded", session.output);
    for (let i = 0; i < 120 && kubectl(["get", "namespace", NAMESPACE]).status === 0; i++) {
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.notEqual(kubectl(["get", "namespace", NAMESPACE]).status, 0, "namespace left behind");
  });
});
