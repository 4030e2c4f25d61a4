// Section 4: the image policies, run through the policy-runtime harness exactly as `pulumi preview`
// would run them on docker-build and docker Image resources.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  DEFAULT_IMAGE_RULE_CONFIG,
  dockerfileDistroless,
  IMAGE_RESOURCE_TYPES,
  BUILDKIT_IMAGE_KIND,
  imageFacts,
  imagePushRegistry,
  rawExportRefs,
  resolveDockerfile,
  scanFacts,
  truncateToTarget,
  VULNERABILITY_SCAN_KIND,
} from "../images";
import { imagePolicies } from "../crossguard/images";
import { type AnalyzeResult, type HarnessOptions, PolicyHarness, UNKNOWN } from "./harness";

const BUILD = IMAGE_RESOURCE_TYPES.dockerBuild;
const DOCKER = IMAGE_RESOURCE_TYPES.docker;
const REGISTRY_IMAGE = IMAGE_RESOURCE_TYPES.registryImage;

const GOOD_DOCKERFILE = `FROM golang:1.24 AS build
RUN CGO_ENABLED=0 go build -o /app .
FROM gcr.io/distroless/static-debian13:nonroot
COPY --from=build /app /app
USER 65532:65532
ENTRYPOINT ["/app"]
`;

/** A compliant docker-build Image; tests override one field at a time. */
function buildProps(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    dockerfile: { inline: GOOD_DOCKERFILE },
    context: { location: "app" },
    platforms: ["linux/amd64", "linux/arm64"],
    push: true,
    tags: ["registry.example.com/team/api:1.2.3"],
    ...overrides,
  };
}

function harness(options: HarnessOptions = {}): PolicyHarness {
  return new PolicyHarness(imagePolicies, options);
}

async function analyze(
  props: Record<string, unknown>,
  type: string = BUILD,
  options: HarnessOptions = {},
): Promise<AnalyzeResult> {
  return harness(options).analyze({ type, name: "api", props });
}

/** Violation messages of one policy. */
function of(result: AnalyzeResult, policy: string): string[] {
  return result.violations.filter((v) => v.policyName === policy).map((v) => v.violation);
}

async function dockerfileFindings(dockerfile: string, options: HarnessOptions = {}): Promise<string[]> {
  return of(
    await analyze(buildProps({ dockerfile: { inline: dockerfile } }), BUILD, options),
    "dockerfileDistroless",
  );
}

/** Folders made by tempProject, removed once every test of the file has run. */
const TEMP_DIRS: string[] = [];
after(() => {
  for (const dir of TEMP_DIRS.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempProject(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-policy-"));
  TEMP_DIRS.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe("image policies", () => {
  it("are dockerfileDistroless, imagePlatforms, imagePushRegistry and imageVulnerabilities, mandatory, with their config keys", () => {
    assert.deepEqual(
      imagePolicies.map((p) => [
        p.name,
        p.enforcementLevel,
        Object.keys(p.configSchema?.properties ?? {}).sort(),
      ]),
      [
        [
          "dockerfileDistroless",
          "mandatory",
          ["allowedRegistries", "environment", "exemptions", "projectDir"],
        ],
        ["imagePlatforms", "mandatory", ["environment", "exemptions"]],
        ["imagePushRegistry", "mandatory", ["allowedRegistries", "environment", "exemptions"]],
        [
          "imageVulnerabilities",
          "mandatory",
          ["environment", "exemptions", "failOn", "maxDatabaseAgeDays", "onlyFixed"],
        ],
      ],
    );
  });

  it("a compliant docker-build Image has no violation", async () => {
    const r = await analyze(buildProps());
    assert.deepEqual(r.diagnostics, []);
    // Scans are dynamic resources of their own.
    assert.deepEqual(r.notApplicable, [
      { policyName: "imageVulnerabilities", reason: "applies to pulumi-nodejs:dynamic:Resource only" },
    ]);
  });

  it("are not applicable to other resource types", async () => {
    const r = await analyze({ metadata: { name: "x" } }, "kubernetes:core/v1:ConfigMap");
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(
      r.notApplicable.map((n) => n.policyName),
      ["dockerfileDistroless", "imagePlatforms", "imagePushRegistry", "imageVulnerabilities"],
    );
  });
});

describe("image policies on distroless-platform's BuildKitImage (a dynamic resource)", () => {
  const DYNAMIC = IMAGE_RESOURCE_TYPES.dynamic;
  /** A compliant BuildKitImage's inputs. */
  function buildKitProps(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      kind: BUILDKIT_IMAGE_KIND,
      address: "tcp://127.0.0.1:1234",
      context: "app",
      dockerfile: GOOD_DOCKERFILE,
      platforms: ["linux/amd64", "linux/arm64"],
      buildArgs: {},
      repository: "registry.example.com/team/api",
      tags: ["registry.example.com/team/api:1.2.3"],
      cacheRef: "",
      contentHash: "sha256:0",
      ...overrides,
    };
  }

  it("a compliant BuildKitImage has no violation", async () => {
    const r = await analyze(buildKitProps(), DYNAMIC);
    assert.deepEqual(r.diagnostics, []);
  });

  it("audits its Dockerfile, platforms and pushed tags like any image build", async () => {
    const r = await analyze(
      buildKitProps({
        dockerfile: GOOD_DOCKERFILE.replace("static-debian13:nonroot", "static-debian13:debug"),
        platforms: ["linux/amd64"],
        tags: ["docker.io/team/api:1"],
      }),
      DYNAMIC,
    );
    assert.deepEqual(
      r.violations.map((v) => v.policyName),
      ["dockerfileDistroless", "imagePlatforms", "imagePushRegistry"],
    );
    assert.match(of(r, "dockerfileDistroless")[0], /:debug/);
    assert.deepEqual(of(r, "imagePlatforms"), ["platforms [linux/amd64] must include linux/arm64"]);
  });

  it("leaves other dynamic resources alone", async () => {
    const r = await analyze({ somethingElse: true }, DYNAMIC);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(imageFacts(DYNAMIC, { somethingElse: true }), undefined);
  });
});

describe("dockerfileDistroless", () => {
  const cases: [string, string, string][] = [
    [
      "base is not distroless",
      'FROM node:22-slim\nCOPY . /app\nUSER 65532\nCMD ["node", "/app/index.js"]\n',
      'inline Dockerfile:1: final stage base "node:22-slim" is not distroless; build on a gcr.io/distroless/* or cgr.dev/chainguard/* image (no shell, no package manager) and keep build tools in an earlier stage',
    ],
    [
      ":debug tag",
      'FROM gcr.io/distroless/static:debug-nonroot\nCMD ["/app"]\n',
      'inline Dockerfile:1: final stage base "gcr.io/distroless/static:debug-nonroot" is a debug variant (tag "debug-nonroot") that ships a shell; use the "nonroot" tag of the same image',
    ],
    [
      "-dev tag",
      'FROM cgr.dev/chainguard/static:latest-dev\nCMD ["/app"]\n',
      'inline Dockerfile:1: final stage base "cgr.dev/chainguard/static:latest-dev" is a debug variant (tag "latest-dev") that ships a shell; use the "nonroot" tag of the same image',
    ],
    [
      "no tag (latest)",
      'FROM gcr.io/distroless/static\nUSER 65532\nCMD ["/app"]\n',
      'inline Dockerfile:1: final stage base "gcr.io/distroless/static" has no tag (implicitly :latest); use a fixed tag such as ":nonroot" or pin a digest (@sha256:...)',
    ],
    [
      "RUN in the final stage",
      'FROM gcr.io/distroless/static:nonroot\nRUN ["/app", "migrate"]\nCMD ["/app"]\n',
      'inline Dockerfile:2: final stage runs "RUN ["/app", "migrate"]"; distroless images have no shell — move RUN into a builder stage and COPY the result',
    ],
    [
      "HEALTHCHECK",
      'FROM gcr.io/distroless/static:nonroot\nHEALTHCHECK CMD ["/app", "health"]\nCMD ["/app"]\n',
      'inline Dockerfile:2: final stage declares "HEALTHCHECK CMD ["/app", "health"]"; Kubernetes ignores HEALTHCHECK and a distroless image has no shell or curl to run it — remove it and use HTTP, gRPC or TCP probes',
    ],
    [
      "shell-form CMD",
      "FROM gcr.io/distroless/static:nonroot\nCMD /app --port 8080\n",
      'inline Dockerfile:2: CMD uses shell form "CMD /app --port 8080"; distroless images have no /bin/sh — use the exec form (JSON array), e.g. CMD ["/app","--port","8080"]',
    ],
    [
      "shell-form ENTRYPOINT",
      "FROM gcr.io/distroless/static:nonroot\nENTRYPOINT /app\n",
      'inline Dockerfile:2: ENTRYPOINT uses shell form "ENTRYPOINT /app"; distroless images have no /bin/sh — use the exec form (JSON array), e.g. ENTRYPOINT ["/app"]',
    ],
    [
      "USER root",
      'FROM gcr.io/distroless/static:nonroot\nUSER root\nCMD ["/app"]\n',
      'inline Dockerfile:2: USER "root" runs the container as root; use a numeric non-root user, e.g. USER 65532:65532',
    ],
    [
      "USER by a name other than nonroot",
      'FROM gcr.io/distroless/static:nonroot\nUSER app\nCMD ["/app"]\n',
      'inline Dockerfile:2: USER "app" is not numeric, so Kubernetes runAsNonRoot cannot verify it; use a numeric non-root user, e.g. USER 65532:65532',
    ],
    [
      "USER nonroot on a base that is not a nonroot variant",
      `FROM gcr.io/distroless/static@sha256:${"d".repeat(64)}\nUSER nonroot\nCMD ["/app"]\n`,
      `inline Dockerfile:2: USER "nonroot" is not numeric, so Kubernetes runAsNonRoot cannot verify it; use a numeric non-root user, e.g. USER 65532:65532 (the name "nonroot" is accepted only on a nonroot base)`,
    ],
    [
      "FROM scratch (one finding: no tag noise)",
      'FROM scratch\nCOPY app /app\nUSER 65532:65532\nCMD ["/app"]\n',
      'inline Dockerfile:1: final stage base "scratch" is an empty image, not a distroless image from an allowed registry; build on a gcr.io/distroless/* or cgr.dev/chainguard/* image instead (a "static" one for a static binary: still no shell, plus CA certificates, tzdata and a nonroot user)',
    ],
    [
      "no USER on a root base",
      'FROM gcr.io/distroless/static-debian13:latest-amd64\nCMD ["/app"]\n',
      'inline Dockerfile:1: final stage sets no USER and base "gcr.io/distroless/static-debian13:latest-amd64" is not a nonroot variant, so it runs as root; add USER 65532:65532 or use the ":nonroot" tag',
    ],
    [
      "USER with the root group",
      'FROM gcr.io/distroless/static:nonroot\nUSER 65532:0\nCMD ["/app"]\n',
      'inline Dockerfile:2: USER "65532:0" runs with the root group (gid 0); use a numeric non-root user, e.g. USER 65532:65532',
    ],
    [
      "an unparsable Dockerfile",
      'FRM gcr.io/distroless/static:nonroot\nCMD ["/app"]\n',
      'inline Dockerfile:1: unknown instruction "FRM"; a Dockerfile line must start with an instruction such as FROM, COPY, USER or CMD',
    ],
    [
      "a base image from an ARG without a value",
      'FROM ${BASE}\nCMD ["/app"]\n',
      'inline Dockerfile:1: final stage base "${BASE}" uses ${BASE} with no ARG default and no build arg; give the ARG a default before the first FROM or pass it in buildArgs',
    ],
  ];
  for (const [what, dockerfile, message] of cases) {
    it(`fails on ${what}`, async () => {
      assert.deepEqual(await dockerfileFindings(dockerfile), [message]);
    });
  }

  it("passes a distroless final stage with a nonroot base and no USER, built from a builder stage", async () => {
    assert.deepEqual(
      await dockerfileFindings(
        'FROM golang:1.24 AS b\nRUN go build\nFROM gcr.io/distroless/static:nonroot\nCMD ["/app"]\n',
      ),
      [],
    );
  });

  it("passes USER nonroot and USER nonroot:nonroot on a nonroot base", async () => {
    for (const user of ["nonroot", "nonroot:nonroot"]) {
      assert.deepEqual(
        await dockerfileFindings(`FROM gcr.io/distroless/static:nonroot\nUSER ${user}\nCMD ["/app"]\n`),
        [],
      );
    }
  });

  it("reads allowedRegistries from its config (an internal mirror)", async () => {
    const mirror = {
      config: { dockerfileDistroless: { allowedRegistries: ["mirror.internal/distroless"] } },
    };
    assert.deepEqual(
      await dockerfileFindings('FROM mirror.internal/distroless/static:nonroot\nCMD ["/app"]\n', mirror),
      [],
    );
    assert.deepEqual(await dockerfileFindings(GOOD_DOCKERFILE, mirror), [
      'inline Dockerfile:3: final stage base "gcr.io/distroless/static-debian13:nonroot" is not from an allowed registry (mirror.internal/distroless); pull it through one of them, e.g. "mirror.internal/distroless/static-debian13:nonroot"',
    ]);
  });

  it("applies buildArgs to the FROM line", async () => {
    const text = 'ARG BASE=gcr.io/distroless/static:nonroot\nFROM ${BASE}\nCMD ["/app"]\n';
    assert.deepEqual(await dockerfileFindings(text), []);
    const r = await analyze(buildProps({ dockerfile: { inline: text }, buildArgs: { BASE: "alpine:3.20" } }));
    assert.deepEqual(of(r, "dockerfileDistroless"), [
      'inline Dockerfile:2: final stage base "alpine:3.20" is not distroless; build on a gcr.io/distroless/* or cgr.dev/chainguard/* image (no shell, no package manager) and keep build tools in an earlier stage',
      'inline Dockerfile:2: final stage sets no USER and base "alpine:3.20" is not a nonroot variant, so it runs as root; add USER 65532:65532 or use the ":nonroot" tag',
    ]);
  });

  it("audits the --target stage, not the last one", async () => {
    const text =
      'FROM gcr.io/distroless/static:nonroot AS runtime\nCMD ["/app"]\nFROM gcr.io/distroless/static:debug AS debug\nCMD /app\n';
    assert.equal(
      truncateToTarget(text, "runtime"),
      'FROM gcr.io/distroless/static:nonroot AS runtime\nCMD ["/app"]',
    );
    const runtime = await analyze(buildProps({ dockerfile: { inline: text }, target: "runtime" }));
    assert.deepEqual(of(runtime, "dockerfileDistroless"), []);
    const missing = await analyze(buildProps({ dockerfile: { inline: text }, target: "prod" }));
    assert.deepEqual(of(missing, "dockerfileDistroless"), [
      'inline Dockerfile: target stage "prod" is not defined in the Dockerfile',
    ]);
  });

  it("reads dockerfile.location relative to projectDir, and context/Dockerfile by default", async () => {
    const dir = tempProject({
      "app/Dockerfile": 'FROM gcr.io/distroless/static:nonroot\nRUN ["/x"]\nCMD ["/app"]\n',
      "build/api.Dockerfile": "FROM gcr.io/distroless/static:nonroot\nCMD /app\n",
    });
    const options = { config: { dockerfileDistroless: { projectDir: dir } } };
    const byContext = await analyze(
      buildProps({ dockerfile: undefined, context: { location: "app" } }),
      BUILD,
      options,
    );
    assert.deepEqual(of(byContext, "dockerfileDistroless"), [
      `${path.join("app", "Dockerfile")}:2: final stage runs "RUN ["/x"]"; distroless images have no shell — move RUN into a builder stage and COPY the result`,
    ]);
    const byLocation = await analyze(
      buildProps({ dockerfile: { location: "build/api.Dockerfile" } }),
      BUILD,
      options,
    );
    assert.deepEqual(of(byLocation, "dockerfileDistroless"), [
      `${path.join("build", "api.Dockerfile")}:2: CMD uses shell form "CMD /app"; distroless images have no /bin/sh — use the exec form (JSON array), e.g. CMD ["/app"]`,
    ]);
  });

  it("reads docker's v4 build.dockerfile relative to build.context", async () => {
    const dir = tempProject({
      "svc/prod.Dockerfile": "FROM gcr.io/distroless/static:nonroot\nENTRYPOINT /app\n",
    });
    const props = {
      imageName: "registry.example.com/svc:1",
      build: { context: "svc", dockerfile: "prod.Dockerfile" },
    };
    const r = await analyze(props, DOCKER, { config: { dockerfileDistroless: { projectDir: dir } } });
    assert.deepEqual(of(r, "dockerfileDistroless"), [
      `${path.join("svc", "prod.Dockerfile")}:2: ENTRYPOINT uses shell form "ENTRYPOINT /app"; distroless images have no /bin/sh — use the exec form (JSON array), e.g. ENTRYPOINT ["/app"]`,
    ]);
  });

  it("fails closed when the Dockerfile cannot be read: remote, missing, or nothing given", async () => {
    const remote = await analyze(
      buildProps({ dockerfile: undefined, context: { location: "https://github.com/acme/api.git" } }),
    );
    assert.deepEqual(of(remote, "dockerfileDistroless"), [
      'cannot audit the Dockerfile: "https://github.com/acme/api.git" is remote; use an inline Dockerfile or a local file',
    ]);
    const dir = tempProject({});
    const missing = await analyze(
      buildProps({ dockerfile: { location: "nope/Dockerfile" }, context: undefined }),
      BUILD,
      {
        config: { dockerfileDistroless: { projectDir: dir } },
      },
    );
    const [message] = of(missing, "dockerfileDistroless");
    assert.ok(
      message.startsWith(
        `cannot audit the Dockerfile: "nope/Dockerfile" was not found (looked at ${path.join(dir, "nope/Dockerfile")}`,
      ),
      message,
    );
    assert.ok(message.endsWith("; set the policy's projectDir"), message);
    const nothing = resolveDockerfile(
      { type: BUILD, builds: true, dockerfile: {}, buildArgs: {}, pushed: [] },
      {},
      () => undefined,
    );
    assert.deepEqual(nothing, {
      ok: false,
      message: "cannot audit the Dockerfile: neither a Dockerfile nor a build context is set",
    });
  });

  it("an exemption with a reason skips the image; one without a reason is reported", async () => {
    const bad = buildProps({ dockerfile: { inline: "FROM node:22\nCMD node\n" } });
    const exempt = await analyze(bad, BUILD, {
      config: { dockerfileDistroless: { exemptions: [{ name: "api", reason: "vendor image, INC-42" }] } },
    });
    assert.deepEqual(of(exempt, "dockerfileDistroless"), []);
    const reasonless = await analyze(buildProps(), BUILD, {
      config: { dockerfileDistroless: { exemptions: [{ name: "api" }] } },
    });
    assert.deepEqual(of(reasonless, "dockerfileDistroless"), [
      'exemption {name: "api"} has no reason; every exemption must state why it is needed',
    ]);
  });

  it("at preview, an unknown inline Dockerfile skips only this policy (advisory); unknown tags do not skip it", async () => {
    const unknownDockerfile = await analyze(buildProps({ dockerfile: { inline: UNKNOWN } }));
    assert.deepEqual(
      unknownDockerfile.previewSkips.map((d) => [d.policyName, d.enforcementLevel]),
      [["dockerfileDistroless", "advisory"]],
    );
    assert.deepEqual(unknownDockerfile.violations, []);
    const unknownTags = await analyze(buildProps({ tags: [UNKNOWN] }));
    assert.deepEqual(
      unknownTags.previewSkips.map((d) => d.policyName),
      ["imagePushRegistry"],
    );
    const withBadDockerfile = await analyze(
      buildProps({ tags: [UNKNOWN], dockerfile: { inline: 'FROM node:22\nUSER 1000\nCMD ["node"]\n' } }),
    );
    assert.deepEqual(
      withBadDockerfile.violations.map((v) => v.policyName),
      ["dockerfileDistroless"],
    );
  });
});

describe("imagePlatforms", () => {
  it("fails when platforms is not set", async () => {
    assert.deepEqual(of(await analyze(buildProps({ platforms: undefined })), "imagePlatforms"), [
      "platforms is not set, so only the builder's platform is built; set platforms to include linux/amd64 and linux/arm64",
    ]);
  });

  it("fails when a required platform is missing", async () => {
    assert.deepEqual(of(await analyze(buildProps({ platforms: ["linux/amd64"] })), "imagePlatforms"), [
      "platforms [linux/amd64] must include linux/arm64",
    ]);
    assert.deepEqual(of(await analyze(buildProps({ platforms: ["linux/s390x"] })), "imagePlatforms"), [
      "platforms [linux/s390x] must include linux/amd64 and linux/arm64",
    ]);
  });

  it("fails docker's v4 Image (mandatory): it builds one platform; the message names the move and the exemption", async () => {
    const props = {
      imageName: "registry.example.com/svc:1",
      build: { context: ".", platform: "linux/amd64" },
    };
    const r = await analyze(props, DOCKER);
    assert.deepEqual(of(r, "imagePlatforms"), [
      'docker:index/image:Image can build only one platform (here linux/amd64), but images must run on linux/amd64 and linux/arm64 nodes; move the build to docker-build:index:Image with platforms ["linux/amd64", "linux/arm64"], or, if it runs on one architecture only, exempt it in imagePlatforms\' exemptions: {"name": "api", "reason": "..."}',
    ]);
    assert.deepEqual(
      r.violations.filter((v) => v.policyName === "imagePlatforms").map((v) => v.enforcementLevel),
      ["mandatory"],
    );
    const noPlatform = { imageName: "registry.example.com/svc:1", build: { context: "." } };
    assert.deepEqual(of(await analyze(noPlatform, DOCKER), "imagePlatforms"), [
      'docker:index/image:Image can build only one platform (here the builder\'s platform), but images must run on linux/amd64 and linux/arm64 nodes; move the build to docker-build:index:Image with platforms ["linux/amd64", "linux/arm64"], or, if it runs on one architecture only, exempt it in imagePlatforms\' exemptions: {"name": "api", "reason": "..."}',
    ]);
  });

  it("the exemption the docker v4 message suggests works, and one without a reason does not", async () => {
    const props = {
      imageName: "registry.example.com/svc:1",
      build: { context: ".", platform: "linux/arm64" },
    };
    const exempt = await analyze(props, DOCKER, {
      config: {
        imagePlatforms: { exemptions: [{ name: "api", reason: "runs on the arm64 edge pool only" }] },
      },
    });
    assert.deepEqual(of(exempt, "imagePlatforms"), []);
    const reasonless = await analyze(props, DOCKER, {
      config: { imagePlatforms: { exemptions: [{ name: "api" }] } },
    });
    assert.deepEqual(of(reasonless, "imagePlatforms"), [
      'exemption {name: "api"} has no reason; every exemption must state why it is needed',
      'docker:index/image:Image can build only one platform (here linux/arm64), but images must run on linux/amd64 and linux/arm64 nodes; move the build to docker-build:index:Image with platforms ["linux/amd64", "linux/arm64"], or, if it runs on one architecture only, exempt it in imagePlatforms\' exemptions: {"name": "api", "reason": "..."}',
    ]);
  });

  it("passes amd64 + arm64 (a variant such as linux/arm64/v8 counts) and extra platforms", async () => {
    const r = await analyze(buildProps({ platforms: ["linux/amd64", "linux/arm64/v8", "linux/riscv64"] }));
    assert.deepEqual(of(r, "imagePlatforms"), []);
  });

  it("does not apply to RegistryImage, which builds nothing", async () => {
    const r = await analyze({ name: "registry.example.com/svc:1" }, REGISTRY_IMAGE);
    assert.deepEqual(
      r.notApplicable.map((n) => n.policyName),
      ["dockerfileDistroless", "imagePlatforms", "imageVulnerabilities"],
    );
  });
});

describe("imagePushRegistry", () => {
  it("fails a push without a registry host (Docker Hub)", async () => {
    assert.deepEqual(of(await analyze(buildProps({ tags: ["acme/api:1"] })), "imagePushRegistry"), [
      'pushes "acme/api:1" without a registry host, which means Docker Hub; name an internal registry, e.g. registry.example.com/team/app',
    ]);
  });

  it("fails a push to docker.io", async () => {
    assert.deepEqual(of(await analyze(buildProps({ tags: ["docker.io/acme/api:1"] })), "imagePushRegistry"), [
      'pushes "docker.io/acme/api:1" to Docker Hub; push to an internal registry or list it in allowedRegistries',
    ]);
  });

  it("with allowedRegistries, fails every other registry (prefixes match whole path segments)", async () => {
    const options = { config: { imagePushRegistry: { allowedRegistries: ["ghcr.io/acme"] } } };
    const r = await analyze(
      buildProps({ tags: ["ghcr.io/acme/api:1", "ghcr.io/acmex/api:1", "localhost:5000/api"] }),
      BUILD,
      options,
    );
    assert.deepEqual(of(r, "imagePushRegistry"), [
      'pushes "ghcr.io/acmex/api:1" to a registry that is not allowed; allowed: ghcr.io/acme',
      'pushes "localhost:5000/api" to a registry that is not allowed; allowed: ghcr.io/acme',
    ]);
  });

  it("checks registry exports and their names, docker's v4 imageName and RegistryImage's name", async () => {
    const exported = await analyze(
      buildProps({
        push: false,
        tags: ["acme/api:1"],
        exports: [{ registry: { names: ["quay.io/acme/api:1"] } }],
      }),
      BUILD,
      { config: { imagePushRegistry: { allowedRegistries: ["registry.example.com"] } } },
    );
    assert.deepEqual(of(exported, "imagePushRegistry"), [
      'pushes "quay.io/acme/api:1" to a registry that is not allowed; allowed: registry.example.com',
    ]);
    assert.deepEqual(
      of(await analyze({ imageName: "api:1", build: { context: "." } }, DOCKER), "imagePushRegistry"),
      [
        'pushes "api:1" without a registry host, which means Docker Hub; name an internal registry, e.g. registry.example.com/team/app',
      ],
    );
    assert.deepEqual(
      of(await analyze({ name: "index.docker.io/acme/api:1" }, REGISTRY_IMAGE), "imagePushRegistry"),
      [
        'pushes "index.docker.io/acme/api:1" to Docker Hub; push to an internal registry or list it in allowedRegistries',
      ],
    );
  });

  it("reads raw exports the way buildx --output does", () => {
    assert.deepEqual(rawExportRefs("type=registry,name=ghcr.io/a/b:1", ["t.io/x:1"]), ["ghcr.io/a/b:1"]);
    assert.deepEqual(rawExportRefs("type=registry", ["t.io/x:1"]), ["t.io/x:1"]);
    assert.deepEqual(rawExportRefs("type=image,name=q.io/c:2,push=true", []), ["q.io/c:2"]);
    assert.deepEqual(rawExportRefs("type=image,name=q.io/c:2", []), []);
    assert.deepEqual(rawExportRefs("type=registry,push=false,name=q.io/c:2", []), []);
    assert.deepEqual(rawExportRefs("type=docker,name=q.io/c:2", []), []);
  });

  it("passes images that are not pushed, and pushes to a named internal registry", async () => {
    assert.deepEqual(
      of(await analyze(buildProps({ push: false, tags: ["acme/api:1"] })), "imagePushRegistry"),
      [],
    );
    assert.deepEqual(
      of(
        await analyze({ imageName: "api:1", skipPush: true, build: { context: "." } }, DOCKER),
        "imagePushRegistry",
      ),
      [],
    );
    assert.deepEqual(
      of(await analyze(buildProps({ tags: ["localhost:5000/api:dev"] })), "imagePushRegistry"),
      [],
    );
  });

  it("pure rule: checks exactly the references the image pushes", () => {
    const image = imageFacts(
      BUILD,
      buildProps({
        tags: ["a.io/x:1"],
        exports: [
          { image: { push: true, names: ["b.io/y:1"] } },
          { disabled: true, registry: { names: ["c.io/z"] } },
        ],
      }),
    );
    assert.ok(image);
    assert.deepEqual(image.pushed, ["a.io/x:1", "b.io/y:1"]);
    const messages = imagePushRegistry.check({
      name: "api",
      image,
      config: { ...DEFAULT_IMAGE_RULE_CONFIG, allowedPushRegistries: ["a.io"] },
      readFile: () => undefined,
    });
    assert.deepEqual(messages, ['pushes "b.io/y:1" to a registry that is not allowed; allowed: a.io']);
    assert.equal(dockerfileDistroless.section, "image");
  });
});

describe("imageVulnerabilities on distroless-platform's VulnerabilityScan (a dynamic resource)", () => {
  const DYNAMIC = IMAGE_RESOURCE_TYPES.dynamic;
  const IMAGE = `registry.example.com/team/api@sha256:${"ab".repeat(32)}`;
  const finding = (over: Record<string, unknown> = {}) => ({
    id: "CVE-2099-0001",
    severity: "high",
    package: "libc6",
    version: "2.41-12",
    type: "deb",
    fixedIn: ["2.41-13"],
    platform: "linux/amd64",
    ...over,
  });
  /** A VulnerabilityScan's inputs after its check, with these findings. */
  function scanProps(matches: unknown[], databaseBuilt = new Date().toISOString()): Record<string, unknown> {
    return {
      kind: VULNERABILITY_SCAN_KIND,
      image: IMAGE,
      repository: "registry.example.com/team/api",
      sbomDigests: { "linux/amd64": "sha256:1" },
      database: ".grype/vulnerability.db",
      failOn: "critical",
      onlyFixed: true,
      databaseDigest: "sha256:2",
      findings: { databaseBuilt, platforms: ["linux/amd64"], matches },
    };
  }
  const verdict = async (props: Record<string, unknown>, config: Record<string, unknown> = {}) =>
    of(await analyze(props, DYNAMIC, { config: { imageVulnerabilities: config } }), "imageVulnerabilities");

  it("fails a fixable High finding by the organisation's default, whatever threshold the stack chose", async () => {
    assert.deepEqual(await verdict(scanProps([finding()])), [
      `${IMAGE}: 1 fixable finding at severity high or above:\n` +
        "  - CVE-2099-0001 high in deb package libc6 2.41-12 (fixed in 2.41-13) on linux/amd64\n" +
        "Rebuild on a base with the fixed packages (npm run bases, or a newer images.baseDigests entry), upgrade the " +
        "app's dependency, or raise images.vulnerabilities.failOn for this environment.",
    ]);
  });

  it("passes findings below the threshold, and unfixed ones while onlyFixed", async () => {
    assert.deepEqual(
      await verdict(scanProps([finding({ severity: "medium" }), finding({ fixedIn: [] })])),
      [],
    );
    assert.deepEqual(await verdict(scanProps([finding()]), { failOn: "critical" }), []);
  });

  it("counts unfixed findings too when onlyFixed is false", async () => {
    const messages = await verdict(scanProps([finding({ fixedIn: [] })]), { onlyFixed: false });
    assert.match(
      messages[0],
      /^registry\.example\.com\/team\/api@sha256:[0-9a-f]{64}: 1 finding at severity high/,
    );
    assert.match(messages[0], /\(no fix yet\)/);
  });

  it("refuses a database older than maxDatabaseAgeDays", async () => {
    const old = new Date(Date.now() - 10 * 86_400_000).toISOString();
    const messages = await verdict(scanProps([], old), { maxDatabaseAgeDays: 7 });
    assert.deepEqual(messages, [
      `${IMAGE}: scanned with a vulnerability database built ${JSON.stringify(old)}, 10 days ago; at most 7 days ` +
        'are accepted: refresh images.vulnerabilities.database (README "Vulnerability gate")',
    ]);
    assert.deepEqual(await verdict(scanProps([], old)), [], "any age without maxDatabaseAgeDays");
  });

  it("has nothing to judge before the image is scanned, and skips nothing at preview for it", async () => {
    const props = { ...scanProps([]), image: UNKNOWN, findings: undefined };
    const r = await analyze(props, DYNAMIC);
    assert.deepEqual(r.diagnostics, []);
  });

  it("exempts a scan by resource name with a reason", async () => {
    const exemptions = [{ name: "api", reason: "accepted until the vendor ships 2.41-13" }];
    assert.deepEqual(await verdict(scanProps([finding()]), { exemptions }), []);
  });

  it("leaves image builds to the image rules and scans to itself", () => {
    assert.equal(imageFacts(DYNAMIC, scanProps([])), undefined);
    assert.equal(scanFacts(DYNAMIC, { kind: BUILDKIT_IMAGE_KIND }), undefined);
    assert.equal(scanFacts(BUILD, scanProps([])), undefined);
  });
});
