import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeSettings from "@pulumi/pulumi/runtime/settings";
import { DistrolessImage, type DistrolessImageArgs } from "../components/image";
import { goDockerfile, javaDockerfile, nodeDockerfile, pythonDockerfile } from "../components/dockerfiles";
import { isKnown, one, promiseOf, Registered, setMocks } from "./helpers/mocks";
import { BUILDKIT_IMAGE_KIND, VULNERABILITY_SCAN_KIND } from "distroless-guardrails/model";

const DIGEST = `sha256:${"ab12".repeat(16)}`;
const REPO = "registry.example.com/team/node-service";
// The runtime's wire form of a secret value in mocked inputs.
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

let recorded: Registered[] = [];

function useMocks(preview: boolean): void {
  recorded = [];
  setMocks(recorded, preview, (args) => {
    if (args.type === "docker-build:index:Image") {
      // At preview the digest is not known yet, so it is left out (unknown).
      const state = preview
        ? { ...args.inputs }
        : { ...args.inputs, digest: DIGEST, ref: `${REPO}:x@${DIGEST}` };
      return { id: preview ? "" : `${args.name}-id`, state };
    }
    if (args.inputs.kind === BUILDKIT_IMAGE_KIND && !preview) {
      // A BuildKit build reports its digest and the SBOM attested per platform.
      const state = {
        ...args.inputs,
        digest: DIGEST,
        ref: `${REPO}@${DIGEST}`,
        sbomDigests: { "linux/amd64": SBOM_AMD64 },
      };
      return { id: `${args.name}-id`, state };
    }
    return { id: preview ? "" : `${args.name}-id`, state: args.inputs };
  });
}

const SBOM_AMD64 = `sha256:${"5b".repeat(32)}`;

interface RegisterRequest {
  getName(): string;
  getRetainondelete(): boolean;
}

/** Records the retainOnDelete option of every registration; the mock monitor does not pass options to newResource. */
function recordRetainOnDelete(): Map<string, boolean> {
  const monitor = runtimeSettings.getMonitor() as unknown as {
    registerResource: (req: RegisterRequest, callback: unknown) => unknown;
  };
  const original = monitor.registerResource.bind(monitor);
  const seen = new Map<string, boolean>();
  monitor.registerResource = (req, callback) => {
    seen.set(req.getName(), req.getRetainondelete());
    return original(req, callback);
  };
  return seen;
}

function imageInputs(): Record<string, unknown> {
  return one(recorded, "docker-build:index:Image").inputs;
}

// Dockerfiles must lie inside the project (the working directory), so the test's own live in a folder there.
let tmp: string;
before(() => {
  tmp = path.relative(process.cwd(), fs.mkdtempSync(path.join(process.cwd(), ".tmp-image-test-")));
});
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function writeDockerfile(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
}

const nodeArgs: DistrolessImageArgs = {
  repository: REPO,
  context: "apps/node-service",
  runtime: "nodejs",
  version: "1.2.3",
  registry: { address: "registry.example.com", username: "ci", password: "s3cr3t" },
};

describe("DistrolessImage", () => {
  describe("generated Node.js Dockerfile", () => {
    let image: DistrolessImage;
    before(async () => {
      useMocks(false);
      image = new DistrolessImage("node-service", nodeArgs);
      await promiseOf(image.ref);
    });

    it("registers the component and one docker-build Image named after it", () => {
      assert.deepStrictEqual(
        recorded.map((r) => [r.type, r.name]),
        [
          ["distroless:image:DistrolessImage", "node-service"],
          ["docker-build:index:Image", "node-service-image"],
        ],
      );
    });

    it("pushes the default platforms with the version tag", () => {
      const inputs = imageInputs();
      assert.strictEqual(inputs.push, true);
      assert.deepStrictEqual(inputs.platforms, ["linux/amd64", "linux/arm64"]);
      assert.deepStrictEqual(inputs.tags, [`${REPO}:1.2.3`]);
      assert.deepStrictEqual(inputs.context, { location: "apps/node-service" });
      assert.deepStrictEqual(inputs.buildArgs, { VERSION: "1.2.3" });
    });

    it("builds the generated, audited Dockerfile inline", () => {
      assert.deepStrictEqual(imageInputs().dockerfile, {
        inline: nodeDockerfile({
          baseImage: "gcr.io/distroless/nodejs22-debian13:nonroot",
          nodeVersion: "22",
        }),
      });
    });

    it("uses the registry cache from and to <repository>:buildcache", () => {
      const inputs = imageInputs();
      assert.deepStrictEqual(inputs.cacheFrom, [{ registry: { ref: `${REPO}:buildcache` } }]);
      assert.deepStrictEqual(inputs.cacheTo, [
        { registry: { ref: `${REPO}:buildcache`, mode: "max", imageManifest: true, ociMediaTypes: true } },
      ]);
    });

    it("passes the registry password only as a secret", () => {
      const registries = imageInputs().registries as Record<string, unknown>;
      assert.strictEqual(registries[SIG_KEY], SECRET_SIG, "registries is marked secret");
      assert.deepStrictEqual(registries.value, [
        { address: "registry.example.com", username: "ci", password: "s3cr3t" },
      ]);
    });

    it("leaves the builder to Docker's current one when none is named", () => {
      assert.strictEqual(imageInputs().builder, undefined);
    });

    it("outputs the ref pinned by digest, the digest, the platforms and the base image", async () => {
      assert.strictEqual(await promiseOf(image.ref), `${REPO}@${DIGEST}`);
      assert.strictEqual(await promiseOf(image.digest), DIGEST);
      assert.deepStrictEqual(await promiseOf(image.platforms), ["linux/amd64", "linux/arm64"]);
      assert.strictEqual(await promiseOf(image.baseImage), "gcr.io/distroless/nodejs22-debian13:nonroot");
    });
  });

  describe("generated Go Dockerfile with a mirror and explicit options", () => {
    it("builds static from the mirror with the given platforms, tags, cache and build args", async () => {
      useMocks(false);
      const image = new DistrolessImage("go-service", {
        repository: "localhost:5001/go-service",
        context: "apps/go-service",
        runtime: "go",
        runtimeVersion: "1.26",
        registryMirror: "mirror.internal/distroless",
        platforms: ["linux/arm64"],
        tags: ["canary", "2.0.0"],
        cacheFrom: ["localhost:5001/cache:go", "localhost:5001/cache:main"],
        cacheTo: "localhost:5001/cache:go",
        buildArgs: { GOFLAGS: "-mod=readonly" },
        version: "2.0.0",
      });
      assert.strictEqual(await promiseOf(image.ref), `localhost:5001/go-service@${DIGEST}`);
      const inputs = imageInputs();
      assert.deepStrictEqual(inputs.dockerfile, {
        inline: goDockerfile({
          baseImage: "mirror.internal/distroless/static-debian13:nonroot",
          goVersion: "1.26",
        }),
      });
      assert.deepStrictEqual(inputs.platforms, ["linux/arm64"]);
      assert.deepStrictEqual(inputs.tags, [
        "localhost:5001/go-service:canary",
        "localhost:5001/go-service:2.0.0",
      ]);
      assert.deepStrictEqual(inputs.buildArgs, { GOFLAGS: "-mod=readonly", VERSION: "2.0.0" });
      assert.deepStrictEqual(inputs.cacheFrom, [
        { registry: { ref: "localhost:5001/cache:go" } },
        { registry: { ref: "localhost:5001/cache:main" } },
      ]);
      assert.deepStrictEqual(inputs.cacheTo, [
        {
          registry: { ref: "localhost:5001/cache:go", mode: "max", imageManifest: true, ociMediaTypes: true },
        },
      ]);
      assert.strictEqual(inputs.registries, undefined);
      assert.strictEqual(
        await promiseOf(image.baseImage),
        "mirror.internal/distroless/static-debian13:nonroot",
      );
    });
  });

  describe("BuildKit builder: attestations", () => {
    const dynamicInputs = (): Record<string, unknown> =>
      one(recorded, "pulumi-nodejs:dynamic:Resource").inputs;

    it("attaches an SBOM by BuildKit's default generator and provenance unless told otherwise", async () => {
      useMocks(false);
      const image = new DistrolessImage("bk", {
        ...nodeArgs,
        registry: undefined,
        buildkitAddress: "tcp://127.0.0.1:1234",
      });
      await promiseOf(image.baseImage);
      // The dynamic resource registers once its content hash (an apply over the inputs) is known.
      await new Promise((r) => setTimeout(r, 50));
      const inputs = dynamicInputs();
      assert.equal(inputs.sbomGenerator, "docker/buildkit-syft-scanner:stable-1");
      assert.equal(inputs.provenance, true);
    });

    it("takes another generator, or none, and provenance off", async () => {
      useMocks(false);
      new DistrolessImage("bk", {
        ...nodeArgs,
        registry: undefined,
        buildkitAddress: "tcp://127.0.0.1:1234",
        attestations: { sbomGenerator: "mirror.internal/tools/syft-scanner:1", provenance: false },
      });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(dynamicInputs().sbomGenerator, "mirror.internal/tools/syft-scanner:1");
      assert.equal(dynamicInputs().provenance, false);
    });

    it("refuses attestations on the docker-build path, which cannot attach them", () => {
      useMocks(false);
      assert.throws(() => new DistrolessImage("bk", { ...nodeArgs, attestations: { provenance: true } }), {
        message:
          'attestations: {"provenance":true} needs buildkitAddress; @pulumi/docker-build cannot attach SBOM or provenance attestations',
      });
      assert.deepEqual(recorded, []);
    });
  });

  describe("BuildKit builder: vulnerability gate", () => {
    const gated: DistrolessImageArgs = {
      ...nodeArgs,
      registry: undefined,
      buildkitAddress: "tcp://127.0.0.1:1234",
      vulnerabilityGate: { database: ".grype/vulnerability.db" },
    };

    it("scans the pushed image's SBOMs with the default threshold, and hands out the scanned reference", async () => {
      useMocks(false);
      const image = new DistrolessImage("bk", gated);
      assert.equal(await promiseOf(image.ref), `${REPO}@${DIGEST}`);
      const scan = recorded.filter((r) => r.inputs.kind === VULNERABILITY_SCAN_KIND);
      assert.equal(scan.length, 1);
      assert.equal(scan[0].name, "bk-scan");
      const { __provider: provider, ...inputs } = scan[0].inputs;
      assert.equal(typeof provider, "string");
      assert.deepEqual(inputs, {
        kind: VULNERABILITY_SCAN_KIND,
        image: `${REPO}@${DIGEST}`,
        repository: REPO,
        sbomDigests: { "linux/amd64": SBOM_AMD64 },
        database: ".grype/vulnerability.db",
        failOn: "high",
        onlyFixed: true,
      });
      assert.deepEqual(await promiseOf(image.vulnerabilities), {});
    });

    it("takes the environment's threshold", async () => {
      useMocks(false);
      new DistrolessImage("bk", {
        ...gated,
        vulnerabilityGate: { database: "db/grype.db", failOn: "critical", onlyFixed: false },
      });
      await new Promise((r) => setTimeout(r, 50));
      const scan = recorded.find((r) => r.inputs.kind === VULNERABILITY_SCAN_KIND);
      assert.deepEqual(
        [scan?.inputs.database, scan?.inputs.failOn, scan?.inputs.onlyFixed],
        ["db/grype.db", "critical", false],
      );
    });

    const refused: [string, Partial<DistrolessImageArgs>, string][] = [
      [
        "without BuildKit",
        { buildkitAddress: undefined },
        'vulnerabilityGate: {"database":".grype/vulnerability.db"} needs buildkitAddress and an SBOM generator; the gate scans the SBOM BuildKit attaches to the image',
      ],
      [
        "without an SBOM",
        { attestations: { sbomGenerator: "" } },
        'vulnerabilityGate: {"database":".grype/vulnerability.db"} needs buildkitAddress and an SBOM generator; the gate scans the SBOM BuildKit attaches to the image',
      ],
      [
        "with an unknown severity",
        { vulnerabilityGate: { database: "v.db", failOn: "severe" as never } },
        'vulnerabilityGate.failOn: "severe" is not a severity; allowed: "negligible", "low", "medium", "high", "critical"',
      ],
      [
        "with a database outside the project",
        { vulnerabilityGate: { database: "../v.db" } },
        'vulnerabilityGate.database: "../v.db" is not allowed; expected a path inside the project, relative to its root',
      ],
    ];
    for (const [what, patch, message] of refused) {
      it(`refuses a gate ${what}, registering nothing`, () => {
        useMocks(false);
        assert.throws(() => new DistrolessImage("bk", { ...gated, ...patch }), { message });
        assert.deepEqual(recorded, []);
      });
    }
  });

  describe("buildx builder", () => {
    it("builds with the named builder, passed as docker-build's builder.name", async () => {
      useMocks(false);
      const image = new DistrolessImage("node-service", { ...nodeArgs, builder: "distroless" });
      await promiseOf(image.ref);
      assert.deepStrictEqual(imageInputs().builder, { name: "distroless" });
    });

    it("accepts the builder name as an Output", async () => {
      useMocks(false);
      const image = new DistrolessImage("node-service", {
        ...nodeArgs,
        builder: pulumi.output("ci-builder"),
      });
      await promiseOf(image.ref);
      assert.deepStrictEqual(imageInputs().builder, { name: "ci-builder" });
    });
  });

  describe("registry tags on delete", () => {
    it("keeps the pushed tags when the Image is deleted, by default", async () => {
      useMocks(false);
      const retain = recordRetainOnDelete();
      const image = new DistrolessImage("node-service", nodeArgs);
      await promiseOf(image.ref);
      assert.strictEqual(retain.get("node-service-image"), true);
    });

    it("lets docker-build delete them when retainOnDelete is false", async () => {
      useMocks(false);
      const retain = recordRetainOnDelete();
      const image = new DistrolessImage("node-service", { ...nodeArgs, retainOnDelete: false });
      await promiseOf(image.ref);
      assert.strictEqual(retain.get("node-service-image"), false);
    });
  });

  describe("generated Node.js Dockerfile on Chainguard", () => {
    it("pins the Chainguard image by digest and keeps the Node.js version for the builder only", async () => {
      useMocks(false);
      const image = new DistrolessImage("cg", {
        ...nodeArgs,
        registry: undefined,
        provider: "chainguard",
        baseImageDigest: DIGEST,
        runtimeVersion: "24",
      });
      const base = `cgr.dev/chainguard/node:latest@${DIGEST}`;
      assert.strictEqual(await promiseOf(image.baseImage), base);
      await promiseOf(image.ref);
      assert.deepStrictEqual(imageInputs().dockerfile, {
        inline: nodeDockerfile({ baseImage: base, nodeVersion: "24" }),
      });
    });
  });

  describe("generated Python Dockerfile", () => {
    /** A context folder inside the project holding the given files. */
    function pythonContext(name: string, files: readonly string[]): string {
      const dir = path.join(tmp, name);
      fs.mkdirSync(dir, { recursive: true });
      for (const f of files) fs.writeFileSync(path.join(dir, f), "");
      return dir;
    }
    const base = "gcr.io/distroless/python3-debian13:nonroot";

    for (const [files, dependencies] of [
      [["requirements.txt", "pyproject.toml", "main.py"], "requirements.txt"],
      [["pyproject.toml", "main.py"], "pyproject.toml"],
      [["main.py"], "none"],
    ] as const) {
      it(`installs from ${dependencies} when the context holds ${files.join(", ")}`, async () => {
        useMocks(false);
        const image = new DistrolessImage("py", {
          repository: "registry.example.com/team/py",
          context: pythonContext(`py-${dependencies}`, files),
          runtime: "python",
          version: "1.0.0",
        });
        assert.strictEqual(await promiseOf(image.baseImage), base);
        await promiseOf(image.ref);
        assert.deepStrictEqual(imageInputs().dockerfile, {
          inline: pythonDockerfile({ baseImage: base, dependencies }),
        });
      });
    }

    it("a requirements.txt that is a symbolic link is not followed", async () => {
      useMocks(false);
      const dir = pythonContext("py-link", ["main.py"]);
      fs.symlinkSync("/etc/hostname", path.join(dir, "requirements.txt"));
      const image = new DistrolessImage("py", { repository: REPO, context: dir, runtime: "python" });
      await promiseOf(image.ref);
      assert.deepStrictEqual(imageInputs().dockerfile, {
        inline: pythonDockerfile({ baseImage: base, dependencies: "none" }),
      });
    });

    it("refuses a builder Python other than the one in Google's python3 image", () => {
      useMocks(false);
      assert.throws(
        () =>
          new DistrolessImage("py", {
            repository: REPO,
            context: pythonContext("py-version", ["main.py"]),
            runtime: "python",
            runtimeVersion: "3.12",
          }),
        {
          message:
            'runtimeVersion: "3.12" is not the Python of Google\'s python3 image on Debian 13 (3.13); the builder must use the base\'s Python, as bytecode and binary wheels are made for one minor (allowed: "3.13")',
        },
      );
      assert.deepStrictEqual(recorded, []);
    });

    it("on Chainguard the builder Python follows runtimeVersion", async () => {
      useMocks(false);
      const image = new DistrolessImage("py", {
        repository: REPO,
        context: pythonContext("py-cg", ["requirements.txt"]),
        runtime: "python",
        provider: "chainguard",
        baseImageDigest: DIGEST,
        runtimeVersion: "3.14",
      });
      const cg = `cgr.dev/chainguard/python:latest@${DIGEST}`;
      assert.strictEqual(await promiseOf(image.baseImage), cg);
      await promiseOf(image.ref);
      assert.deepStrictEqual(imageInputs().dockerfile, {
        inline: pythonDockerfile({ baseImage: cg, dependencies: "requirements.txt", pythonVersion: "3.14" }),
      });
    });
  });

  describe("generated Java Dockerfile", () => {
    it("runtimeVersion picks both the Maven builder and Google's java image", async () => {
      useMocks(false);
      const image = new DistrolessImage("jv", {
        repository: REPO,
        context: "apps/node-service",
        runtime: "java",
        runtimeVersion: "25",
      });
      const base = "gcr.io/distroless/java25-debian13:nonroot";
      assert.strictEqual(await promiseOf(image.baseImage), base);
      await promiseOf(image.ref);
      assert.deepStrictEqual(imageInputs().dockerfile, {
        inline: javaDockerfile({ baseImage: base, javaVersion: "25" }),
      });
    });

    it("a Java release Google does not publish", () => {
      useMocks(false);
      assert.throws(
        () =>
          new DistrolessImage("jv", {
            repository: REPO,
            context: "apps/node-service",
            runtime: "java",
            runtimeVersion: "17",
          }),
        {
          message:
            'runtimeVersion: "17" is not available for family "java" on Debian 13; allowed: "21", "25"',
        },
      );
    });
  });

  describe("user Dockerfile", () => {
    it("audits the file and builds it from its location; the base follows ARGs and build args", async () => {
      useMocks(false);
      const file = writeDockerfile(
        "Dockerfile.good",
        [
          "ARG VARIANT=nonroot",
          "FROM golang:1.26 AS build",
          "RUN go build -o /out/app .",
          "FROM gcr.io/distroless/static-debian13:${VARIANT}",
          "COPY --from=build /out/app /app",
          'ENTRYPOINT ["/app"]',
        ].join("\n"),
      );
      const image = new DistrolessImage("api", {
        repository: "registry.example.com/team/api",
        context: tmp,
        dockerfile: file,
        buildArgs: { VARIANT: "nonroot-amd64" },
      });
      assert.strictEqual(await promiseOf(image.baseImage), "gcr.io/distroless/static-debian13:nonroot-amd64");
      assert.strictEqual(await promiseOf(image.ref), `registry.example.com/team/api@${DIGEST}`);
      const inputs = imageInputs();
      assert.deepStrictEqual(inputs.dockerfile, { location: file });
      assert.deepStrictEqual(inputs.context, { location: tmp });
      // No version: the component name is the tag.
      assert.deepStrictEqual(inputs.tags, ["registry.example.com/team/api:api"]);
      assert.deepStrictEqual(inputs.buildArgs, { VARIANT: "nonroot-amd64" });
    });

    it("audits a Dockerfile path given as an Output once it resolves", async () => {
      useMocks(false);
      const file = writeDockerfile(
        "Dockerfile.later",
        "FROM cgr.dev/chainguard/static:latest@" + DIGEST + '\nENTRYPOINT ["/app"]\n',
      );
      const image = new DistrolessImage("later", {
        repository: "registry.example.com/team/later",
        context: tmp,
        dockerfile: pulumi.output(file),
      });
      assert.strictEqual(await promiseOf(image.baseImage), `cgr.dev/chainguard/static:latest@${DIGEST}`);
      await promiseOf(image.ref);
      assert.deepStrictEqual(imageInputs().dockerfile, { location: file });
    });

    it("throws every finding, naming file, line and fix, before any resource is registered", async () => {
      useMocks(false);
      const file = writeDockerfile(
        "Dockerfile.bad",
        ["FROM gcr.io/distroless/static-debian13:debug", "RUN apk add curl", "USER root", "CMD /app"].join(
          "\n",
        ),
      );
      assert.throws(() => new DistrolessImage("bad", { repository: REPO, context: tmp, dockerfile: file }), {
        message: [
          `DistrolessImage "bad": ${file} fails the distroless audit (4 findings):`,
          `  - ${file}:1: final stage base "gcr.io/distroless/static-debian13:debug" is a debug variant (tag "debug") that ships a shell; use the "nonroot" tag of the same image`,
          `  - ${file}:2: final stage runs "RUN apk add curl"; distroless images have no shell — move RUN into a builder stage and COPY the result`,
          `  - ${file}:3: USER "root" runs the container as root; use a numeric non-root user, e.g. USER 65532:65532`,
          `  - ${file}:4: CMD uses shell form "CMD /app"; distroless images have no /bin/sh — use the exec form (JSON array), e.g. CMD ["/app"]`,
        ].join("\n"),
      });
      await new Promise((r) => setTimeout(r, 50));
      assert.deepStrictEqual(recorded, []);
    });

    it("rejects the upstream registry when a mirror is configured", async () => {
      useMocks(false);
      const file = writeDockerfile(
        "Dockerfile.upstream",
        'FROM gcr.io/distroless/static-debian13:nonroot\nENTRYPOINT ["/app"]\n',
      );
      assert.throws(
        () =>
          new DistrolessImage("up", {
            repository: REPO,
            context: tmp,
            dockerfile: file,
            registryMirror: "mirror.internal/distroless",
          }),
        {
          message: `DistrolessImage "up": ${file} fails the distroless audit (1 finding):\n  - ${file}:1: final stage base "gcr.io/distroless/static-debian13:nonroot" is not from an allowed registry (mirror.internal/distroless); pull it through one of them, e.g. "mirror.internal/distroless/static-debian13:nonroot"`,
        },
      );
      await new Promise((r) => setTimeout(r, 50));
      assert.deepStrictEqual(recorded, []);
    });
  });

  describe("bad inputs fail before anything is registered", () => {
    const cases: [string, Partial<DistrolessImageArgs>, string][] = [
      [
        "repository with a tag",
        { repository: `${REPO}:1.0` },
        `repository: "${REPO}:1.0" is not a repository; expected host[:port]/path without tag or digest, e.g. "registry.example.com/team/app"`,
      ],
      [
        "platform without arch",
        { platforms: ["linux"] },
        'platforms[0]: "linux" is not an os/arch platform buildx knows; expected e.g. "linux/amd64", "linux/arm64"',
      ],
      [
        "duplicate platform",
        { platforms: ["linux/amd64", "linux/amd64"] },
        'platforms[1]: "linux/amd64" is listed twice',
      ],
      [
        "tag with repository",
        { tags: ["registry/x:1"] },
        'tags[0]: "registry/x:1" is not a docker tag; expected letters, digits, "_", "." or "-" (max 128), not starting with "." or "-", and without the repository',
      ],
      [
        "Debian 12",
        { debian: 12 },
        "debian: 12 is not allowed; Debian 12 distroless images reached end of life in 2026-09 — use 13 (allowed: 13)",
      ],
      [
        "family that cannot run Node.js",
        { family: "static" },
        'family: "static" cannot run a nodejs build; allowed for runtime "nodejs": "nodejs"',
      ],
      [
        "Chainguard without digest",
        { provider: "chainguard" },
        'digest: required for provider "chainguard"; its public images only publish the moving "latest" tag, so pin one by digest (sha256:<64 hex>)',
      ],
      [
        "both dockerfile and runtime",
        { dockerfile: "Dockerfile" },
        'dockerfile and runtime: both set ("Dockerfile", "nodejs"); give either dockerfile (your own) or runtime (generated)',
      ],
      [
        "neither dockerfile nor runtime",
        { runtime: undefined },
        'dockerfile and runtime: neither is set; give dockerfile (path of your Dockerfile) or runtime ("nodejs", "go", "python", "java") to generate one',
      ],
      [
        "mirror with scheme",
        { registryMirror: "https://mirror.internal" },
        'registryMirror: "https://mirror.internal" is not a registry prefix; expected host[:port]/path such as "mirror.internal/distroless" (no scheme, tag, digest or trailing slash)',
      ],
    ];
    for (const [what, override, message] of cases) {
      it(what, async () => {
        useMocks(false);
        assert.throws(() => new DistrolessImage("svc", { ...nodeArgs, ...override }), { message });
        await new Promise((r) => setTimeout(r, 20));
        assert.deepStrictEqual(recorded, []);
      });
    }

    it("generator options next to a user Dockerfile", () => {
      useMocks(false);
      assert.throws(
        () =>
          new DistrolessImage("svc", {
            repository: REPO,
            context: tmp,
            dockerfile: "Dockerfile",
            family: "static",
            debian: 13,
          }),
        {
          message:
            'family, debian: only apply to a generated Dockerfile (runtime), but dockerfile "Dockerfile" is set; choose the base image in that Dockerfile\'s final FROM',
        },
      );
    });

    it("a Dockerfile outside the project", () => {
      useMocks(false);
      const outside = path.join(os.tmpdir(), "Dockerfile");
      assert.throws(
        () => new DistrolessImage("svc", { repository: REPO, context: tmp, dockerfile: outside }),
        {
          message: `dockerfile: "${outside}" is not allowed; expected a file inside the project, given relative to the project root`,
        },
      );
    });

    it("a missing Dockerfile", () => {
      useMocks(false);
      const missing = path.join(tmp, "nope", "Dockerfile");
      assert.throws(
        () => new DistrolessImage("svc", { repository: REPO, context: tmp, dockerfile: missing }),
        {
          message: `dockerfile: "${missing}" is not allowed; expected a file inside the project; nothing exists there`,
        },
      );
    });
  });

  describe("preview", () => {
    it("registers the same inputs while digest and ref stay unknown", async () => {
      useMocks(true);
      const image = new DistrolessImage("node-service", nodeArgs);
      assert.strictEqual(await promiseOf(image.baseImage), "gcr.io/distroless/nodejs22-debian13:nonroot");
      assert.deepStrictEqual(await promiseOf(image.platforms), ["linux/amd64", "linux/arm64"]);
      assert.strictEqual(await isKnown(image.digest), false);
      assert.strictEqual(await isKnown(image.ref), false);
      const inputs = imageInputs();
      assert.strictEqual(inputs.push, true);
      assert.deepStrictEqual(inputs.tags, [`${REPO}:1.2.3`]);
      assert.deepStrictEqual(inputs.dockerfile, {
        inline: nodeDockerfile({ baseImage: "gcr.io/distroless/nodejs22-debian13:nonroot" }),
      });
    });
  });
});
