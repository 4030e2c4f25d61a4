// The pieces of the real-engine path that need no engine: pinned versions agree with the npm packages, the driver
// leaves the user's stack file alone, and the BuildKit builder's arguments and content hash.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  buildctlArgs,
  buildKitProvider,
  contentHash,
  type BuildKitImageInputs,
  type BuildKitImageOutputs,
} from "../components/buildkit";
import { pinnedVersions, PROJECT_ROOT } from "../scripts/lib/paths";
import { DriverError, engineEnv, mergeStackFile, prepareWorkDir } from "../scripts/stack";

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "distroless-toolchain-test-"));
}

describe("toolchain versions", () => {
  const versions = pinnedVersions();
  const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version: string }>;
  };

  it("builds the Pulumi CLI at the version of @pulumi/pulumi", () => {
    assert.equal(versions.PULUMI_VERSION, lock.packages["node_modules/@pulumi/pulumi"].version);
  });

  it("builds the Kubernetes provider at exactly the release @pulumi/kubernetes is pinned to", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    // Exact, not a range: the SDK asks the engine for the plugin version of its own package.json.
    assert.equal(pkg.dependencies["@pulumi/kubernetes"], versions.K8S_PROVIDER_VERSION);
    assert.equal(lock.packages["node_modules/@pulumi/kubernetes"].version, versions.K8S_PROVIDER_VERSION);
  });

  it("pins every piece the scripts build", () => {
    for (const key of [
      "GO_VERSION",
      "KUBERNETES_VERSION",
      "CONTAINERD_VERSION",
      "GVISOR_MODULE_VERSION",
      "BUILDKIT_VERSION",
      "COREDNS_VERSION",
      "ACTIONLINT_VERSION",
      "NODE_VERSION",
    ]) {
      assert.match(versions[key] ?? "", /^v?\d+\.\d+\.\d+/, key);
    }
  });
});

describe("driver: workspace and environment", () => {
  it("keeps the engine's salt between runs and never adds it to the user's text otherwise", () => {
    const user = "config:\n  distroless-platform:environment: local\n";
    assert.equal(mergeStackFile(user, undefined), user);
    const copy = `encryptionsalt: v1:abc\n${user}`;
    assert.equal(mergeStackFile(user, copy), copy);
    // The user's own salt wins.
    const own = `encryptionsalt: v1:mine\n${user}`;
    assert.equal(mergeStackFile(own, copy), own);
  });

  it("works on a copy: the user's Pulumi.<stack>.yaml stays byte-for-byte unchanged", () => {
    const root = tmpdir();
    const cache = tmpdir();
    const text = "config:\n  distroless-platform:requireDigest: true\n";
    fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: distroless-platform\nruntime: nodejs\n");
    fs.writeFileSync(path.join(root, "Pulumi.local.yaml"), text);
    const dir = prepareWorkDir({ stack: "local", projectRoot: root }, { DISTROLESS_CACHE: cache });
    // What the engine does to its copy (adds a salt, rewrites booleans) stays there.
    fs.writeFileSync(
      path.join(dir, "Pulumi.local.yaml"),
      `encryptionsalt: v1:x\n${text.replace("true", '"true"')}`,
    );
    prepareWorkDir({ stack: "local", projectRoot: root }, { DISTROLESS_CACHE: cache });
    assert.equal(fs.readFileSync(path.join(root, "Pulumi.local.yaml"), "utf8"), text);
    assert.equal(
      fs.readFileSync(path.join(dir, "Pulumi.local.yaml"), "utf8"),
      `encryptionsalt: v1:x\n${text}`,
    );
    assert.ok(dir.startsWith(cache));
    fs.rmSync(root, { recursive: true });
    fs.rmSync(cache, { recursive: true });
  });

  it("names the stacks it has when the stack file is missing, and refuses a bad stack name", () => {
    assert.throws(
      () => prepareWorkDir({ stack: "qa" }, { DISTROLESS_CACHE: tmpdir() }),
      (e: unknown) =>
        e instanceof DriverError &&
        e.message === '--stack: "qa" has no settings file Pulumi.qa.yaml; stacks here: local, prod, staging',
    );
    assert.throws(
      () => prepareWorkDir({ stack: "../x" }, { DISTROLESS_CACHE: tmpdir() }),
      /--stack: "\.\.\/x" is not a stack name/,
    );
  });

  it("uses PULUMI_BACKEND_URL when set, else a file backend in the cache; the local kubeconfig for local only", () => {
    const cache = tmpdir();
    const base = { DISTROLESS_CACHE: cache, PATH: "/usr/bin" };
    const local = engineEnv({ stack: "local" }, base);
    assert.equal(local.PULUMI_BACKEND_URL, `file://${path.join(cache, "state")}`);
    assert.equal(local.KUBECONFIG, path.join(cache, "local", "kubeconfig"));
    assert.equal(local.PATH, `${path.join(cache, "bin")}:/usr/bin`);
    assert.equal(local.DISTROLESS_PROJECT_ROOT, PROJECT_ROOT);
    const staging = engineEnv({ stack: "staging" }, { ...base, PULUMI_BACKEND_URL: "s3://bucket" });
    assert.equal(staging.PULUMI_BACKEND_URL, "s3://bucket");
    assert.equal(staging.KUBECONFIG, undefined);
    fs.rmSync(cache, { recursive: true });
  });
});

describe("BuildKit builder", () => {
  const inputs: BuildKitImageInputs = {
    kind: "distroless:image:BuildKitImage",
    address: "tcp://127.0.0.1:1234",
    context: "apps/go-service",
    dockerfile: "FROM scratch\n",
    platforms: ["linux/amd64", "linux/arm64"],
    buildArgs: { VERSION: "1.0.0", A: "b" },
    repository: "localhost:5000/p/go-service",
    tags: ["localhost:5000/p/go-service:1.0.0", "localhost:5000/p/go-service:latest"],
    cacheRef: "localhost:5000/p/go-service:buildcache",
    sbomGenerator: "docker/buildkit-syft-scanner:stable-1",
    provenance: true,
    contentHash: "sha256:1",
  };

  it("gives buildctl every platform in one build, sorted build args, one pushed index and the registry cache", () => {
    assert.deepEqual(
      buildctlArgs(inputs, { context: "/ctx", dockerfileDir: "/df", metadataFile: "/m.json" }),
      [
        "--addr",
        "tcp://127.0.0.1:1234",
        "build",
        "--frontend",
        "dockerfile.v0",
        "--local",
        "context=/ctx",
        "--local",
        "dockerfile=/df",
        "--opt",
        "platform=linux/amd64,linux/arm64",
        "--opt",
        "build-arg:A=b",
        "--opt",
        "build-arg:VERSION=1.0.0",
        "--opt",
        "attest:sbom=generator=docker/buildkit-syft-scanner:stable-1",
        "--opt",
        "attest:provenance=mode=max",
        "--output",
        'type=image,"name=localhost:5000/p/go-service:1.0.0,localhost:5000/p/go-service:latest",push=true,oci-mediatypes=true',
        "--import-cache",
        "type=registry,ref=localhost:5000/p/go-service:buildcache",
        "--export-cache",
        "type=registry,ref=localhost:5000/p/go-service:buildcache,mode=max,image-manifest=true,oci-mediatypes=true",
        "--metadata-file",
        "/m.json",
        "--progress",
        "plain",
      ],
    );
  });

  it("hashes the context: same tree, same hash; a changed file, mode or setting, another hash", () => {
    const dir = tmpdir();
    fs.mkdirSync(path.join(dir, "sub"));
    fs.writeFileSync(path.join(dir, "sub", "main.go"), "package main\n");
    fs.symlinkSync("/etc/passwd", path.join(dir, "link"));
    const settings = {
      dockerfile: "FROM scratch\n",
      buildArgs: { V: "1" },
      platforms: ["linux/amd64"],
      tags: ["r:1"],
    };
    const first = contentHash(dir, settings);
    assert.match(first, /^sha256:[0-9a-f]{64}$/);
    assert.equal(contentHash(dir, settings), first);
    fs.writeFileSync(path.join(dir, "sub", "main.go"), "package main // changed\n");
    const changed = contentHash(dir, settings);
    assert.notEqual(changed, first);
    fs.chmodSync(path.join(dir, "sub", "main.go"), 0o755);
    assert.notEqual(contentHash(dir, settings), changed);
    assert.notEqual(
      contentHash(dir, { ...settings, platforms: ["linux/arm64"] }),
      contentHash(dir, settings),
    );
    assert.notEqual(contentHash(dir, { ...settings, buildArgs: { V: "2" } }), contentHash(dir, settings));
    fs.rmSync(dir, { recursive: true });
  });

  it("rebuilds on a content change, records a new daemon address without rebuilding", async () => {
    const olds: BuildKitImageOutputs = {
      ...inputs,
      digest: `sha256:${"a".repeat(64)}`,
      ref: "r@sha256:a",
      sbomDigests: { "linux/amd64": `sha256:${"b".repeat(64)}` },
    };
    const moved = await buildKitProvider.diff!("id", olds, { ...inputs, address: "unix:///run/b.sock" });
    assert.deepEqual(moved, { changes: true, replaces: [], deleteBeforeReplace: false });
    const updated = await buildKitProvider.update!("id", olds, { ...inputs, address: "unix:///run/b.sock" });
    assert.deepEqual(updated.outs, { ...olds, address: "unix:///run/b.sock" });
    const same = await buildKitProvider.diff!("id", olds, inputs);
    assert.equal(same.changes, false);
    const rebuilt = await buildKitProvider.diff!("id", olds, { ...inputs, contentHash: "sha256:2" });
    assert.equal(rebuilt.changes, true);
    // Turning an attestation off or on is a new image: the index it is attached to changes.
    assert.equal((await buildKitProvider.diff!("id", olds, { ...inputs, provenance: false })).changes, true);
    assert.equal((await buildKitProvider.diff!("id", olds, { ...inputs, sbomGenerator: "" })).changes, true);
  });

  it("asks for no attestation when the SBOM generator is empty and provenance off", () => {
    const args = buildctlArgs(
      { ...inputs, sbomGenerator: "", provenance: false },
      { context: "/ctx", dockerfileDir: "/df", metadataFile: "/m.json" },
    );
    assert.deepEqual(
      args.filter((a) => a.startsWith("attest:")),
      [],
    );
  });

  it("fails a build with what to do when buildctl is missing", async () => {
    const before = process.env.DISTROLESS_BUILDCTL;
    process.env.DISTROLESS_BUILDCTL = "/nonexistent/buildctl";
    try {
      await assert.rejects(
        buildKitProvider.create!(inputs),
        /cannot run \/nonexistent\/buildctl \(ENOENT\); install BuildKit's buildctl on PATH or set DISTROLESS_BUILDCTL/,
      );
    } finally {
      if (before === undefined) delete process.env.DISTROLESS_BUILDCTL;
      else process.env.DISTROLESS_BUILDCTL = before;
    }
  });
});

describe("npm run bases: its options", () => {
  const bases = (args: readonly string[]) =>
    spawnSync("bash", [path.join(PROJECT_ROOT, "scripts/local/images.sh"), "mirror", ...args], {
      encoding: "utf8",
      // A cache of its own, so nothing of the machine's is touched before the options are refused.
      env: { ...process.env, DISTROLESS_CACHE: tmpdir() },
    });

  for (const [args, message] of [
    [
      ["--push", "https://mirror.internal/distroless"],
      'error: --push: "https://mirror.internal/distroless" is not a registry prefix; expected <host>[:port]/<path> such as mirror.internal/distroless\n  next: npm run bases -- --push <registry>/<path>\n',
    ],
    [
      [],
      'error: --push: "" is not a registry prefix; expected <host>[:port]/<path> such as mirror.internal/distroless\n  next: npm run bases -- --push <registry>/<path>\n',
    ],
    [
      ["--push", "mirror.internal"],
      'error: --push: "mirror.internal" is not a registry prefix; expected <host>[:port]/<path> such as mirror.internal/distroless\n  next: npm run bases -- --push <registry>/<path>\n',
    ],
    [
      ["--tag", "x"],
      "error: unknown option --tag for mirror\n  next: npm run bases -- --push <registry>/<path> [--buildkit <address>]\n",
    ],
  ] as const) {
    it(`refuses ${JSON.stringify(args)} with exit 1, before building anything`, () => {
      const r = bases(args);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, message);
      assert.equal(r.stdout, "");
    });
  }

  it("says how to get buildctl when the toolchain is not built", () => {
    const r = bases(["--push", "localhost:5999/m"]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "error: buildctl is not built\n  next: npm run toolchain\n");
  });
});
