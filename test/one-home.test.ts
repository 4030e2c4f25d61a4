// Concepts defined once and used everywhere: each test names the home and checks every user agrees with it.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadConfig } from "../config";
import { DEFAULT_POD_SECURITY_VERSION } from "../components/namespace";
import { LATEST_PSS_MINOR, LATEST_PSS_VERSION } from "../policies/lib/pss-version";
import { DEFAULT_RULE_CONFIG } from "../policies/lib/rule";
import {
  LATEST_PSS_VERSION as REGISTRY_LATEST,
  MAX_PSS_MINOR,
  parsePssVersion,
} from "../policies/pss/registry";

describe("one home: the newest Pod Security Standards version (policies/lib/pss-version.ts)", () => {
  it("is what the PSS checks define, what `latest` means, and every default", () => {
    assert.equal(LATEST_PSS_VERSION, `v1.${LATEST_PSS_MINOR}`);
    assert.equal(MAX_PSS_MINOR, LATEST_PSS_MINOR);
    assert.equal(parsePssVersion("latest").minor, LATEST_PSS_MINOR);
    assert.equal(REGISTRY_LATEST, LATEST_PSS_VERSION);
    assert.equal(DEFAULT_POD_SECURITY_VERSION, LATEST_PSS_VERSION);
    assert.equal(DEFAULT_RULE_CONFIG.pssVersion, LATEST_PSS_VERSION);
    assert.equal(loadConfig({}).config.namespace.pssVersion, LATEST_PSS_VERSION);
  });
});

describe("one home: the image platforms (policies/lib/platforms.ts)", () => {
  it("are the component's default, the config's allowed and default list, and the pack's required set", async () => {
    const { PLATFORMS } = await import("../policies/lib/platforms");
    const { DEFAULT_PLATFORMS } = await import("../components/image");
    const { SUPPORTED_PLATFORMS } = await import("../config");
    const { REQUIRED_PLATFORMS } = await import("../policies/images/imagePlatforms");
    for (const list of [DEFAULT_PLATFORMS, SUPPORTED_PLATFORMS, REQUIRED_PLATFORMS])
      assert.equal(list, PLATFORMS);
    assert.deepEqual(loadConfig({}).config.images.platforms, [...PLATFORMS]);
  });
});

describe("one home: the hardened security contexts (policies/lib/hardened.ts)", () => {
  it("are the program's pod and container contexts and the pack's compliant baseline", async () => {
    const hardened = await import("../policies/lib/hardened");
    const podspec = await import("../components/podspec");
    const { compliantPodSpec, patchedPodSpec } = await import("../policies/crossguard/adapter");
    const { ruleConfig } = await import("../policies/lib/rule");
    assert.deepEqual(podspec.buildPodSecurityContext(), hardened.hardenedPodSecurityContext());
    assert.deepEqual(
      podspec.buildContainerSecurityContext(true),
      hardened.hardenedContainerSecurityContext(true),
    );
    assert.deepEqual(compliantPodSpec(ruleConfig()).securityContext, hardened.hardenedPodSecurityContext());
    const patched = patchedPodSpec({ containers: [{ name: "web" }] }, ruleConfig());
    assert.deepEqual(patched.containers?.[0]?.securityContext, hardened.hardenedContainerSecurityContext());
  });
});

describe("one home: the namespace quota defaults (components/namespace.ts DEFAULT_QUOTA)", () => {
  it("are the stack config's defaults", async () => {
    const { DEFAULT_QUOTA } = await import("../components/namespace");
    assert.deepEqual(loadConfig({}).config.namespace.quota, { ...DEFAULT_QUOTA });
  });
});

describe("one home: Pod Security labels and pinned versions (policies/lib/pss-version.ts)", () => {
  it("are the namespace's labels, which the pack's label rule and the CrossGuard baseline accept", async () => {
    const { podSecurityLabels, pinnedPssMinor } = await import("../policies/lib/pss-version");
    const { buildPodSecurityLabels } = await import("../components/namespace");
    const { podSecurityLabelProblems } = await import("../policies/rules/namespacePodSecurityLabels");
    const labels = buildPodSecurityLabels("v1.30");
    assert.deepEqual(labels, podSecurityLabels("restricted", "v1.30"));
    assert.deepEqual(Object.keys(labels), [
      "pod-security.kubernetes.io/enforce",
      "pod-security.kubernetes.io/enforce-version",
      "pod-security.kubernetes.io/audit",
      "pod-security.kubernetes.io/audit-version",
      "pod-security.kubernetes.io/warn",
      "pod-security.kubernetes.io/warn-version",
    ]);
    assert.deepEqual(podSecurityLabelProblems(labels), []);
    // One reading of "pinned": the component, the rule, the registry and the config agree on v1.01.
    assert.equal(pinnedPssMinor("v1.01"), undefined);
    assert.throws(() => buildPodSecurityLabels("v1.01"), /v1\.<minor>/);
    assert.deepEqual(podSecurityLabelProblems(podSecurityLabels("restricted", "v1.01")).length, 3);
    assert.throws(() => parsePssVersion("v1.01"));
    assert.throws(() => loadConfig({ namespace: { pssVersion: "v1.030" } }), /namespace\.pssVersion/);
  });
});

describe("one home: image references and digests (policies/lib/image-ref.ts)", () => {
  const digest = `sha256:${"ab".repeat(32)}`;
  it("decide what is pinned for the workload builder, the config and the pack alike", async () => {
    const { isPinnedByDigest } = await import("../policies/lib/image-ref");
    const { assertPinnedImage } = await import("../components/validation");
    const { imageDigestPinned } = await import("../policies/rules/imageDigestPinned");
    for (const [image, pinned] of [
      [`registry.example.com/app@${digest}`, true],
      [`localhost:5000/a/b:1.0@${digest}`, true],
      ["registry.example.com/app:1.0", false],
      [`registry.example.com/app@sha256:${"AB".repeat(32)}`, false],
      [`@${digest}`, false],
    ] as const) {
      assert.equal(isPinnedByDigest(image), pinned, image);
      if (pinned) assert.equal(assertPinnedImage(image), image);
      else assert.throws(() => assertPinnedImage(image), /not (pinned by digest|an image reference)/, image);
      const findings = imageDigestPinned.check({
        kind: "Pod",
        name: "p",
        metadata: {},
        spec: { containers: [{ name: "app", image }] },
        config: { ...DEFAULT_RULE_CONFIG, environment: "prod" },
      });
      // The rule looks at the digest only; a reference without a repository fails at the API server first.
      if (!image.startsWith("@"))
        assert.equal(findings.length === 0, pinned, `${image}: ${findings.join("; ")}`);
    }
  });
});

describe("one home: the pod template of each kind (policies/lib/pods.ts)", () => {
  it("is read and written along the same path", async () => {
    const { extractPod, POD_CARRYING_KINDS, withPodSpec } = await import("../policies/lib/pods");
    for (const kind of POD_CARRYING_KINDS) {
      const spec = { containers: [{ name: kind.toLowerCase(), image: "x" }] };
      const written = withPodSpec(kind, { metadata: { name: "n" } }, spec);
      assert.deepEqual(extractPod(kind, written)?.spec, spec, kind);
      assert.deepEqual((written as { metadata: unknown }).metadata, { name: "n" }, kind);
    }
  });
});

describe("one home: the shared model is imported by package name (distroless-guardrails/model)", () => {
  // The program and its scripts reach the pack only through the package's entry points, never by a relative path
  // into policies/, so the pack's layout stays its own and every concept comes from the one module.
  const root = path.resolve(__dirname, "..");
  const programFiles = (): string[] => {
    const out = ["index.ts", "config.ts"];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) walk(rel);
        else if (/\.(ts|js)$/.test(e.name)) out.push(rel);
      }
    };
    walk("components");
    walk("scripts");
    return out;
  };

  it("from every program and script file, and resolves to the pack's own modules", () => {
    const relative: string[] = [];
    const byName = new Set<string>();
    for (const file of programFiles()) {
      const text = fs.readFileSync(path.join(root, file), "utf8");
      for (const m of text.matchAll(/(?:from\s+|import\(|require\()"([^"]+)"/g)) {
        if (/^(\.\.?\/)+policies\//.test(m[1])) relative.push(`${file} → ${m[1]}`);
        if (m[1].startsWith("distroless-guardrails")) byName.add(m[1]);
      }
    }
    assert.deepEqual(relative, []);
    assert.deepEqual([...byName].sort(), ["distroless-guardrails/model"]);
    assert.equal(require.resolve("distroless-guardrails/model"), path.join(root, "policies", "model.ts"));
  });

  it("is the same module instance the pack uses", async () => {
    const model = await import("distroless-guardrails/model");
    const imageRef = await import("../policies/lib/image-ref");
    const hardened = await import("../policies/lib/hardened");
    assert.equal(model.isPinnedByDigest, imageRef.isPinnedByDigest);
    assert.equal(model.hardenedPodSecurityContext, hardened.hardenedPodSecurityContext);
  });
});

describe("one home: gVisor's RuntimeClass name and handler (policies/lib/hardened.ts)", () => {
  it("are the pod default, the RuntimeClass default, the config defaults and the pack's defaults", async () => {
    const { GVISOR_HANDLER, GVISOR_RUNTIME_CLASS } = await import("../policies/lib/hardened");
    const { DEFAULT_RUNTIME_CLASS } = await import("../components/podspec");
    const { DEFAULT_HANDLER } = await import("../components/runtimeclass");
    const { runtimeClass } = loadConfig({}).config;
    assert.deepEqual(
      [DEFAULT_RUNTIME_CLASS, runtimeClass.name],
      [GVISOR_RUNTIME_CLASS, GVISOR_RUNTIME_CLASS],
    );
    assert.deepEqual([DEFAULT_HANDLER, runtimeClass.handler], [GVISOR_HANDLER, GVISOR_HANDLER]);
    assert.deepEqual(DEFAULT_RULE_CONFIG.allowedRuntimeClasses, [GVISOR_RUNTIME_CLASS]);
    assert.throws(() => loadConfig({ runtimeClass: { handler: "runc" } }), /runtimeClass\.handler: "runc"/);
  });
});

describe("one home: the distroless registries (policies/lib/image-ref.ts)", () => {
  it("are where bases come from, what the Dockerfile audit and the pack allow by default", async () => {
    const { DISTROLESS_REGISTRY, DISTROLESS_REGISTRIES } = await import("../policies/lib/image-ref");
    const { PROVIDER_REGISTRIES } = await import("../components/baseimage");
    assert.equal(PROVIDER_REGISTRIES, DISTROLESS_REGISTRY);
    assert.deepEqual(DEFAULT_RULE_CONFIG.allowedRegistries, [...DISTROLESS_REGISTRIES]);
    const { auditDockerfile } = await import("../policies/lib/dockerfile");
    for (const registry of DISTROLESS_REGISTRIES) {
      const text = `FROM ${registry}/static@sha256:${"ab".repeat(32)}\nUSER 65532\nENTRYPOINT ["/app"]\n`;
      assert.deepEqual(
        auditDockerfile(text).filter((f) => f.rule === "distroless-base" || f.rule === "allowed-registry"),
        [],
        registry,
      );
    }
  });
});

describe("one home: the image reference grammar (policies/lib/image-ref.ts)", () => {
  it("is what config accepts for pinned, registry and BuildKit-resolved references", () => {
    const digest = `sha256:${"ab".repeat(32)}`;
    const service = (stableImage: string) => ({
      services: [
        {
          name: "web",
          app: "apps/node-service",
          runtime: "nodejs",
          version: "1.0.0",
          canary: { version: "1.1.0" },
          stableImage,
        },
      ],
    });
    assert.doesNotThrow(() => loadConfig(service(`registry.example.com/app@${digest}`)));
    assert.throws(() => loadConfig(service("registry.example.com/app:1.0")), /stableImage/);
    assert.doesNotThrow(() =>
      loadConfig({ debug: { image: "gcr.io/distroless/base-debian13:debug-nonroot" } }),
    );
    assert.throws(() => loadConfig({ debug: { image: "busybox" } }), /debug\.image/);
  });
});

describe("no dead exports", () => {
  it("every name production code exports is used beyond its own definition", () => {
    const files = execFileSync("git", ["ls-files", "*.ts"], {
      cwd: path.resolve(__dirname, ".."),
      encoding: "utf8",
    })
      .split("\n")
      .filter((f) => f !== "" && !f.startsWith("policies/dist/"));
    const root = path.resolve(__dirname, "..");
    // Word counts over the whole tree, tests included: an export only tests use is "exported for testing".
    const uses = new Map<string, number>();
    const texts = new Map(files.map((f) => [f, fs.readFileSync(path.join(root, f), "utf8")]));
    for (const text of texts.values()) {
      for (const word of text.match(/[A-Za-z_$][\w$]*/g) ?? []) uses.set(word, (uses.get(word) ?? 0) + 1);
    }
    const definition =
      /^export\s+(?:declare\s+)?(?:async\s+)?(?:function\*?|const|let|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm;
    const dead: string[] = [];
    for (const [file, text] of texts) {
      if (file.startsWith("test/") || file.includes("/test/")) continue;
      for (const m of text.matchAll(definition))
        if ((uses.get(m[1]) ?? 0) <= 1) dead.push(`${file}: ${m[1]}`);
    }
    assert.deepEqual(dead, []);
  });
});
