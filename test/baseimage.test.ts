import * as assert from "assert";
import { auditDockerfile, finalStageBase } from "distroless-guardrails/model";
import { baseImageFor, FAMILIES, PROVIDERS, validateMirror } from "../components/baseimage";
import {
  generateDockerfile,
  goDockerfile,
  javaDockerfile,
  nodeDockerfile,
  pythonDockerfile,
  RUNTIME_FAMILIES,
  RUNTIMES,
} from "../components/dockerfiles";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

describe("baseImageFor", () => {
  const table: [Parameters<typeof baseImageFor>[0], string][] = [
    [{ family: "static" }, "gcr.io/distroless/static-debian13:nonroot"],
    [{ family: "base", provider: "google" }, "gcr.io/distroless/base-debian13:nonroot"],
    [{ family: "cc", debian: 13 }, "gcr.io/distroless/cc-debian13:nonroot"],
    [{ family: "nodejs" }, "gcr.io/distroless/nodejs22-debian13:nonroot"],
    [{ family: "nodejs", runtimeVersion: "24" }, "gcr.io/distroless/nodejs24-debian13:nonroot"],
    [{ family: "python" }, "gcr.io/distroless/python3-debian13:nonroot"],
    [{ family: "java" }, "gcr.io/distroless/java21-debian13:nonroot"],
    [{ family: "java", runtimeVersion: "25" }, "gcr.io/distroless/java25-debian13:nonroot"],
    [{ family: "static", digest: DIGEST }, `gcr.io/distroless/static-debian13:nonroot@${DIGEST}`],
    [
      { family: "nodejs", mirror: "mirror.internal/distroless" },
      "mirror.internal/distroless/nodejs22-debian13:nonroot",
    ],
    [
      { family: "static", provider: "chainguard", digest: DIGEST },
      `cgr.dev/chainguard/static:latest@${DIGEST}`,
    ],
    [
      { family: "base", provider: "chainguard", digest: DIGEST },
      `cgr.dev/chainguard/glibc-dynamic:latest@${DIGEST}`,
    ],
    [
      { family: "cc", provider: "chainguard", digest: DIGEST },
      `cgr.dev/chainguard/glibc-dynamic:latest@${DIGEST}`,
    ],
    [
      { family: "nodejs", provider: "chainguard", digest: DIGEST },
      `cgr.dev/chainguard/node:latest@${DIGEST}`,
    ],
    [
      { family: "python", provider: "chainguard", digest: DIGEST },
      `cgr.dev/chainguard/python:latest@${DIGEST}`,
    ],
    [{ family: "java", provider: "chainguard", digest: DIGEST }, `cgr.dev/chainguard/jre:latest@${DIGEST}`],
    [
      { family: "static", provider: "chainguard", digest: DIGEST, mirror: "localhost:5001/cg" },
      `localhost:5001/cg/static:latest@${DIGEST}`,
    ],
  ];

  for (const [opts, expected] of table) {
    it(`${JSON.stringify(opts)} → ${expected}`, () => {
      assert.strictEqual(baseImageFor(opts), expected);
    });
  }

  it("every family × provider is a base the Dockerfile audit accepts without USER", () => {
    for (const family of FAMILIES) {
      for (const provider of PROVIDERS) {
        const base = baseImageFor({
          family,
          provider,
          ...(provider === "chainguard" ? { digest: DIGEST } : {}),
        });
        const text = `FROM ${base}\nCOPY app /app\nENTRYPOINT ["/app"]\n`;
        assert.deepStrictEqual(auditDockerfile(text), [], `${family}/${provider}: ${base}`);
      }
    }
  });

  const errors: [Parameters<typeof baseImageFor>[0], string][] = [
    [
      { family: "ruby" },
      'family: "ruby" is not supported; allowed: "static", "base", "cc", "nodejs", "python", "java"',
    ],
    [
      { family: "static", provider: "alpine" },
      'provider: "alpine" is not supported; allowed: "google", "chainguard"',
    ],
    [
      { family: "static", debian: 12 },
      "debian: 12 is not allowed; Debian 12 distroless images reached end of life in 2026-09 — use 13 (allowed: 13)",
    ],
    [{ family: "static", debian: 11 }, "debian: 11 is not supported; allowed: 13"],
    [
      { family: "nodejs", runtimeVersion: "20" },
      'runtimeVersion: "20" is not available for family "nodejs" on Debian 13; allowed: "22", "24"',
    ],
    [
      { family: "java", runtimeVersion: "17" },
      'runtimeVersion: "17" is not available for family "java" on Debian 13; allowed: "21", "25"',
    ],
    [
      { family: "static", runtimeVersion: "1" },
      'runtimeVersion: "1" does not apply to family "static"; only nodejs, python and java images have a runtime version',
    ],
    [
      { family: "static", provider: "chainguard" },
      'digest: required for provider "chainguard"; its public images only publish the moving "latest" tag, so pin one by digest (sha256:<64 hex>)',
    ],
    [
      { family: "static", provider: "chainguard", digest: DIGEST, debian: 13 },
      'debian: 13 does not apply to provider "chainguard"; Chainguard images are built on Wolfi, not Debian — omit debian',
    ],
    [
      { family: "nodejs", provider: "chainguard", digest: DIGEST, runtimeVersion: "22" },
      'runtimeVersion: "22" cannot select a Chainguard image; its public images only publish the "latest" tag, so the digest decides the version — omit runtimeVersion',
    ],
    [
      { family: "static", digest: "sha256:abc" },
      'digest: "sha256:abc" is not a digest; expected sha256: followed by 64 hex digits',
    ],
    [
      { family: "static", mirror: "https://mirror.internal/distroless" },
      'mirror: "https://mirror.internal/distroless" is not a registry prefix; expected host[:port]/path such as "mirror.internal/distroless" (no scheme, tag, digest or trailing slash)',
    ],
  ];

  for (const [opts, message] of errors) {
    it(`rejects ${JSON.stringify(opts)}`, () => {
      assert.throws(() => baseImageFor(opts), { message });
    });
  }

  it("validateMirror accepts host:port prefixes and names the key it is given", () => {
    assert.doesNotThrow(() => validateMirror("localhost:5001"));
    assert.doesNotThrow(() => validateMirror("mirror.internal:8443/distroless"));
    assert.throws(() => validateMirror("mirror.internal/distroless/", "registryMirror"), {
      message:
        'registryMirror: "mirror.internal/distroless/" is not a registry prefix; expected host[:port]/path such as "mirror.internal/distroless" (no scheme, tag, digest or trailing slash)',
    });
  });
});

describe("generated Dockerfiles", () => {
  it("Node.js: npm ci on the build platform, app owned by 65532, exec-form CMD", () => {
    const text = nodeDockerfile({ baseImage: "gcr.io/distroless/nodejs22-debian13:nonroot" });
    assert.strictEqual(
      text,
      [
        "# syntax=docker/dockerfile:1",
        "# Generated by distroless-platform (DistrolessImage, runtime nodejs).",
        "FROM --platform=$BUILDPLATFORM node:22-trixie-slim AS build",
        "WORKDIR /app",
        "ENV NODE_ENV=production",
        "COPY package.json package-lock.json ./",
        "RUN npm ci --omit=dev --no-audit --no-fund",
        "COPY . .",
        "",
        "FROM gcr.io/distroless/nodejs22-debian13:nonroot",
        "ARG VERSION=dev",
        "ENV NODE_ENV=production APP_VERSION=$VERSION",
        "WORKDIR /app",
        "COPY --from=build --chown=65532:65532 /app /app",
        "USER 65532:65532",
        'CMD ["server.js"]',
        "",
      ].join("\n"),
    );
    assert.deepStrictEqual(auditDockerfile(text), []);
  });

  it("Go: CGO off, cross-compiled for TARGETOS/TARGETARCH, static final stage", () => {
    const text = goDockerfile({
      baseImage: "gcr.io/distroless/static-debian13:nonroot",
      goVersion: "1.26.1",
    });
    assert.strictEqual(
      text,
      [
        "# syntax=docker/dockerfile:1",
        "# Generated by distroless-platform (DistrolessImage, runtime go).",
        "FROM --platform=$BUILDPLATFORM golang:1.26.1 AS build",
        "ARG TARGETOS",
        "ARG TARGETARCH",
        "ARG VERSION=dev",
        "WORKDIR /src",
        "COPY go.* ./",
        "RUN --mount=type=cache,target=/go/pkg/mod go mod download",
        "COPY . .",
        'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags "-s -w -X main.version=$VERSION" -o /out/app .',
        "",
        "FROM gcr.io/distroless/static-debian13:nonroot",
        "COPY --from=build /out/app /app",
        "USER 65532:65532",
        'ENTRYPOINT ["/app"]',
        "",
      ].join("\n"),
    );
    assert.deepStrictEqual(auditDockerfile(text), []);
  });

  const PIP_STEP = [
    "RUN --mount=type=cache,target=/root/.cache/pip \\",
    '    case "$TARGETARCH" in amd64) arch=x86_64 ;; arm64) arch=aarch64 ;; *) echo "no Python wheels for TARGETARCH=$TARGETARCH" >&2; exit 1 ;; esac; \\',
    '    set -- --platform "manylinux2014_$arch"; m=41; while [ "$m" -ge 17 ]; do set -- "$@" --platform "manylinux_2_${m}_$arch"; m=$((m - 1)); done; \\',
  ];
  const pipInstall = (python: string, what: string): string =>
    `    pip install --root-user-action=ignore --disable-pip-version-check --no-compile --target /app/deps --only-binary=:all: --implementation cp --python-version ${python} "$@" ${what}`;
  const PYTHON_FINAL = [
    "ARG VERSION=dev",
    "ENV PYTHONPATH=/app/deps PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 APP_VERSION=$VERSION",
    "WORKDIR /app",
    "COPY --from=build --chown=65532:65532 /app /app",
    "USER 65532:65532",
  ];

  it("Python with requirements.txt: wheels for TARGETARCH on the build platform, bytecode at build time", () => {
    const text = pythonDockerfile({
      baseImage: "gcr.io/distroless/python3-debian13:nonroot",
      dependencies: "requirements.txt",
    });
    assert.strictEqual(
      text,
      [
        "# syntax=docker/dockerfile:1",
        "# Generated by distroless-platform (DistrolessImage, runtime python).",
        "FROM --platform=$BUILDPLATFORM python:3.13-slim-trixie AS build",
        "ARG TARGETARCH",
        "WORKDIR /app",
        "COPY requirements.txt ./",
        ...PIP_STEP,
        pipInstall("3.13", "-r requirements.txt"),
        "COPY . .",
        "RUN python -m compileall -q --invalidation-mode unchecked-hash /app",
        "",
        "FROM gcr.io/distroless/python3-debian13:nonroot",
        ...PYTHON_FINAL,
        'ENTRYPOINT ["/usr/bin/python3", "main.py"]',
        "",
      ].join("\n"),
    );
    assert.deepStrictEqual(auditDockerfile(text), []);
  });

  it("Python with pyproject.toml: the project installed with its dependencies, after its code is copied", () => {
    const text = pythonDockerfile({
      baseImage: "b",
      dependencies: "pyproject.toml",
      pythonVersion: "3.14",
      main: "src/app.py",
    });
    const lines = text.split("\n");
    const start = lines.indexOf("WORKDIR /app");
    assert.deepStrictEqual(lines.slice(start, start + 7), [
      "WORKDIR /app",
      "COPY . .",
      ...PIP_STEP,
      pipInstall("3.14", "."),
      "RUN python -m compileall -q --invalidation-mode unchecked-hash /app",
    ]);
    assert.strictEqual(lines[2], "FROM --platform=$BUILDPLATFORM python:3.14-slim-trixie AS build");
    assert.ok(text.endsWith('ENTRYPOINT ["/usr/bin/python3", "src/app.py"]\n'));
  });

  it("Python with the standard library only: no pip step", () => {
    const text = pythonDockerfile({
      baseImage: "gcr.io/distroless/python3-debian13:nonroot",
      dependencies: "none",
    });
    assert.strictEqual(
      text,
      [
        "# syntax=docker/dockerfile:1",
        "# Generated by distroless-platform (DistrolessImage, runtime python).",
        "FROM --platform=$BUILDPLATFORM python:3.13-slim-trixie AS build",
        "ARG TARGETARCH",
        "WORKDIR /app",
        "COPY . .",
        "RUN python -m compileall -q --invalidation-mode unchecked-hash /app",
        "",
        "FROM gcr.io/distroless/python3-debian13:nonroot",
        ...PYTHON_FINAL,
        'ENTRYPOINT ["/usr/bin/python3", "main.py"]',
        "",
      ].join("\n"),
    );
    assert.deepStrictEqual(auditDockerfile(text), []);
  });

  it("Java: one Maven build on the build platform, the one application jar alone on the JRE, JVM writes under /tmp", () => {
    const text = javaDockerfile({
      baseImage: "gcr.io/distroless/java25-debian13:nonroot",
      javaVersion: "25",
    });
    assert.strictEqual(
      text,
      [
        "# syntax=docker/dockerfile:1",
        "# Generated by distroless-platform (DistrolessImage, runtime java).",
        "FROM --platform=$BUILDPLATFORM maven:3.9-eclipse-temurin-25 AS build",
        "WORKDIR /src",
        "COPY . .",
        "RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests package && mkdir -p /out && \\",
        "    set -- $(ls target/*.jar | grep -v -e '-sources\\.jar$' -e '-javadoc\\.jar$' -e '/original-[^/]*$') && \\",
        '    if [ "$#" -ne 1 ]; then echo "expected one application jar in target/, found: $*" >&2; exit 1; fi && \\',
        '    cp "$1" /out/app.jar',
        "",
        "FROM gcr.io/distroless/java25-debian13:nonroot",
        "ARG VERSION=dev",
        "ENV APP_VERSION=$VERSION",
        "COPY --from=build /out/app.jar /app/app.jar",
        "USER 65532:65532",
        'ENTRYPOINT ["/usr/bin/java", "-XX:-UsePerfData", "-XX:ErrorFile=/tmp/hs_err_pid%p.log", "-Djava.io.tmpdir=/tmp", "-jar", "/app/app.jar"]',
        "",
      ].join("\n"),
    );
    assert.deepStrictEqual(auditDockerfile(text), []);
    assert.ok(javaDockerfile({ baseImage: "b" }).includes("maven:3.9-eclipse-temurin-21 AS build"));
  });

  it("every runtime × provider × mirror combination passes the audit", () => {
    const mirror = "mirror.internal/distroless";
    for (const runtime of RUNTIMES) {
      for (const provider of PROVIDERS) {
        for (const withMirror of [false, true]) {
          const base = baseImageFor({
            family: RUNTIME_FAMILIES[runtime],
            provider,
            ...(provider === "chainguard" ? { digest: DIGEST } : {}),
            ...(withMirror ? { mirror } : {}),
          });
          const text = generateDockerfile(runtime, base);
          const allowedRegistries = withMirror ? [mirror] : undefined;
          assert.deepStrictEqual(
            auditDockerfile(text, { allowedRegistries }),
            [],
            `${runtime}/${provider}/${withMirror}`,
          );
          assert.strictEqual(finalStageBase(text), base);
        }
      }
    }
  });

  it("rejects unknown runtimes and malformed versions or paths", () => {
    assert.throws(() => generateDockerfile("ruby", "x"), {
      message: 'runtime: "ruby" is not supported; allowed: "nodejs", "go", "python", "java"',
    });
    assert.throws(() => generateDockerfile("nodejs", "x", "22.1"), {
      message: 'runtimeVersion: "22.1" is not a Node.js major version; expected e.g. "22"',
    });
    assert.throws(() => generateDockerfile("go", "x", "go1.26"), {
      message: 'runtimeVersion: "go1.26" is not a Go version; expected e.g. "1.26" or "1.26.1"',
    });
    assert.throws(() => generateDockerfile("python", "x", "3"), {
      message: 'runtimeVersion: "3" is not a Python 3 minor version; expected e.g. "3.13"',
    });
    assert.throws(() => generateDockerfile("java", "x", "21.0.2"), {
      message: 'runtimeVersion: "21.0.2" is not a Java release; expected e.g. "21"',
    });
    assert.throws(() => pythonDockerfile({ baseImage: "x", dependencies: "none", main: "/app/main.py" }), {
      message:
        'main: "/app/main.py" is not a plain relative path inside the build context; expected e.g. "server.js"',
    });
    assert.throws(() => nodeDockerfile({ baseImage: "x", main: "../server.js" }), {
      message:
        'main: "../server.js" is not a plain relative path inside the build context; expected e.g. "server.js"',
    });
  });

  it("uses the given main script and Go package", () => {
    assert.ok(nodeDockerfile({ baseImage: "b", main: "dist/index.js" }).endsWith('CMD ["dist/index.js"]\n'));
    assert.ok(goDockerfile({ baseImage: "b", package: "./cmd/api" }).includes(" -o /out/app ./cmd/api\n"));
  });
});
