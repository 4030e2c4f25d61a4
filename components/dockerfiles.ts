// Dockerfiles generated per runtime. Builders run on the build platform (no emulation) and the final stage
// is the distroless image with nothing but the app, so the output always passes the Dockerfile audit.
import * as fs from "node:fs";
import * as path from "node:path";
import { NONROOT_GID, NONROOT_UID } from "distroless-guardrails/model";
import { DEBIAN_PYTHON, DEFAULT_DEBIAN, DEFAULT_RUNTIME_VERSIONS, type Family } from "./baseimage";
import { show } from "./validation";

/** The `nonroot` user the final stage runs as and owns the app: distroless images' UID and GID. */
const NONROOT = `${NONROOT_UID}:${NONROOT_GID}`;

export const RUNTIMES = ["nodejs", "go", "python", "java"] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** Node.js major of the builder when none is given; matches the default distroless nodejs image. */
export const DEFAULT_NODE_VERSION = DEFAULT_RUNTIME_VERSIONS.nodejs;
/** Go toolchain of the builder when none is given. */
export const DEFAULT_GO_VERSION = "1.26";
/**
 * Python of the builder when none is given: Debian 13's, which Google's python3-debian13 runs. The builder's minor
 * must be the base's, as bytecode and binary wheels are made for one minor.
 */
export const DEFAULT_PYTHON_VERSION = DEBIAN_PYTHON[DEFAULT_DEBIAN];
/** Java release of the builder (and of Google's base) when none is given. */
export const DEFAULT_JAVA_VERSION = DEFAULT_RUNTIME_VERSIONS.java;

/** The distroless family each runtime's final stage runs on. */
export const RUNTIME_FAMILIES = {
  nodejs: "nodejs",
  go: "static",
  python: "python",
  java: "java",
} as const satisfies Readonly<Record<Runtime, Family>>;

/** Runtimes a `minimal` image can be made for: a static binary, or node and the libraries it loads. */
export const MINIMAL_RUNTIMES = ["nodejs", "go"] as const satisfies readonly Runtime[];

/** Throws unless a `minimal` image can be made for `runtime`. */
export function assertMinimalRuntime(runtime: string): void {
  if (!(MINIMAL_RUNTIMES as readonly string[]).includes(runtime)) {
    throw new Error(
      `base: "minimal" is not available for runtime ${show(runtime)}; allowed for ${MINIMAL_RUNTIMES.map(show).join(", ")} (use base "distroless")`,
    );
  }
}

/**
 * A `minimal` image (images.base: minimal): `baseImage` is then the minimal skeleton (users, /tmp, /home/nonroot),
 * and the runtime's files come from its usual distroless image.
 */
export interface MinimalOptions {
  /** The runtime's usual distroless image, e.g. `gcr.io/distroless/nodejs22-debian13:nonroot`. */
  runtimeImage: string;
  /** Add its CA bundle, `/etc/ssl/certs/ca-certificates.crt`, for TLS clients that read the system store. */
  caCertificates: boolean;
  /** Add its time zone database, `/usr/share/zoneinfo` (Go embeds its own: `-tags timetzdata`). */
  timeZones: boolean;
}

/** The closure stage's script, run by the builder's node: one file, so it is linted and unit-tested as it ships. */
const CLOSURE_SCRIPT = fs.readFileSync(path.join(__dirname, "minimal-closure.js"), "utf8").trimEnd();

/** The stage a minimal image copies from, and the files it copies only when asked for. */
function minimalRuntimeStage(m: MinimalOptions): string[] {
  return ["", `FROM ${m.runtimeImage} AS runtime`];
}
function minimalExtras(m: MinimalOptions): string[] {
  return [
    ...(m.caCertificates
      ? ["COPY --from=runtime /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt"]
      : []),
    ...(m.timeZones ? ["COPY --from=runtime /usr/share/zoneinfo /usr/share/zoneinfo"] : []),
  ];
}

export interface NodeDockerfileOptions {
  /** Final-stage image, e.g. `gcr.io/distroless/nodejs22-debian13:nonroot` (the minimal skeleton with `minimal`). */
  baseImage: string;
  /** Build a `minimal` image: node and the libraries it loads, taken from the runtime image. */
  minimal?: MinimalOptions;
  /** Node.js major of the builder stage (`node:<v>-trixie-slim`); defaults to DEFAULT_NODE_VERSION. */
  nodeVersion?: string;
  /** Script the image's `node` entrypoint runs, relative to /app; defaults to `server.js`. */
  main?: string;
}

export interface GoDockerfileOptions {
  /** Final-stage image, e.g. `gcr.io/distroless/static-debian13:nonroot` (the minimal skeleton with `minimal`). */
  baseImage: string;
  /** Build a `minimal` image: the binary with time zones embedded, CA certificates only when asked for. */
  minimal?: MinimalOptions;
  /** Go toolchain of the builder stage (`golang:<v>`); defaults to DEFAULT_GO_VERSION. */
  goVersion?: string;
  /** Package to build, relative to the context; defaults to `.`. */
  package?: string;
}

/** Where a Python app declares its dependencies, in the order looked for; `none` for the standard library only. */
export const PYTHON_DEPENDENCY_FILES = ["requirements.txt", "pyproject.toml"] as const;
export type PythonDependencies = (typeof PYTHON_DEPENDENCY_FILES)[number] | "none";

export interface PythonDockerfileOptions {
  /** Final-stage image, e.g. `gcr.io/distroless/python3-debian13:nonroot`. */
  baseImage: string;
  /** Python minor of the builder stage (`python:<v>-slim-trixie`); must be the base's. Default DEFAULT_PYTHON_VERSION. */
  pythonVersion?: string;
  /** What declares the dependencies (found in the build context); `none` skips pip. */
  dependencies: PythonDependencies;
  /** Script the interpreter runs, relative to /app; defaults to `main.py`. */
  main?: string;
}

export interface JavaDockerfileOptions {
  /** Final-stage image, e.g. `gcr.io/distroless/java21-debian13:nonroot`. */
  baseImage: string;
  /** Java release of the Maven builder stage (`maven:3.9-eclipse-temurin-<v>`); defaults to DEFAULT_JAVA_VERSION. */
  javaVersion?: string;
}

const isDigits = (s: string): boolean => s.length > 0 && [...s].every((c) => c >= "0" && c <= "9");

function checkNodeVersion(version: string): void {
  if (!isDigits(version)) {
    throw new Error(
      `runtimeVersion: ${JSON.stringify(version)} is not a Node.js major version; expected e.g. "22"`,
    );
  }
}

function checkGoVersion(version: string): void {
  const parts = version.split(".");
  if (parts.length < 2 || parts.length > 3 || !parts.every(isDigits)) {
    throw new Error(
      `runtimeVersion: ${JSON.stringify(version)} is not a Go version; expected e.g. "1.26" or "1.26.1"`,
    );
  }
}

function checkPythonVersion(version: string): void {
  const parts = version.split(".");
  if (parts.length !== 2 || parts[0] !== "3" || !isDigits(parts[1])) {
    throw new Error(
      `runtimeVersion: ${JSON.stringify(version)} is not a Python 3 minor version; expected e.g. "${DEFAULT_PYTHON_VERSION}"`,
    );
  }
}

function checkJavaVersion(version: string): void {
  if (!isDigits(version)) {
    throw new Error(
      `runtimeVersion: ${JSON.stringify(version)} is not a Java release; expected e.g. "${DEFAULT_JAVA_VERSION}"`,
    );
  }
}

function checkRelativePath(key: string, value: string): void {
  const bad =
    value.length === 0 ||
    value.startsWith("/") ||
    value.split("/").includes("..") ||
    [...value].some((c) => c === '"' || c === "\\" || c === "$" || c === "\n" || c === " ");
  if (bad) {
    throw new Error(
      `${key}: ${JSON.stringify(value)} is not a plain relative path inside the build context; expected e.g. "server.js"`,
    );
  }
}

/** How every generated Dockerfile starts: the frontend, who made it, and the builder on the build platform. */
function builderStage(runtime: Runtime, image: string): string[] {
  return [
    "# syntax=docker/dockerfile:1",
    `# Generated by distroless-platform (DistrolessImage, runtime ${runtime}).`,
    `FROM --platform=$BUILDPLATFORM ${image} AS build`,
  ];
}

/**
 * Node.js: `npm ci --omit=dev` on the build platform (dependencies must be pure JavaScript, as native addons
 * would be built for the wrong architecture), then the app and its node_modules owned by 65532.
 * Needs package.json and package-lock.json in the context.
 */
export function nodeDockerfile(opts: NodeDockerfileOptions): string {
  const version = opts.nodeVersion ?? DEFAULT_NODE_VERSION;
  const main = opts.main ?? "server.js";
  checkNodeVersion(version);
  checkRelativePath("main", main);
  return [
    ...builderStage("nodejs", `node:${version}-trixie-slim`),
    "WORKDIR /app",
    "ENV NODE_ENV=production",
    "COPY package.json package-lock.json ./",
    "RUN npm ci --omit=dev --no-audit --no-fund",
    "COPY . .",
    ...(opts.minimal === undefined
      ? [
          "",
          `FROM ${opts.baseImage}`,
          "ARG VERSION=dev",
          "ENV NODE_ENV=production APP_VERSION=$VERSION",
          "WORKDIR /app",
          `COPY --from=build --chown=${NONROOT} /app /app`,
          `USER ${NONROOT}`,
          // The distroless nodejs entrypoint is node itself, so CMD names only the script.
          `CMD [${JSON.stringify(main)}]`,
        ]
      : [
          ...minimalRuntimeStage(opts.minimal),
          "",
          `FROM --platform=$BUILDPLATFORM node:${version}-trixie-slim AS closure`,
          "# node and exactly the shared libraries it loads, from the runtime image, read on the build platform.",
          "RUN --mount=type=bind,from=runtime,target=/runtime node - /runtime /out /nodejs/bin/node <<'JS'",
          CLOSURE_SCRIPT,
          "JS",
          "",
          `FROM ${opts.baseImage}`,
          "ARG VERSION=dev",
          "ENV NODE_ENV=production APP_VERSION=$VERSION",
          "COPY --from=closure /out/ /",
          ...minimalExtras(opts.minimal),
          "WORKDIR /app",
          `COPY --from=build --chown=${NONROOT} /app /app`,
          `USER ${NONROOT}`,
          `ENTRYPOINT ["/nodejs/bin/node", ${JSON.stringify(main)}]`,
        ]),
    "",
  ].join("\n");
}

/** Go: a static binary cross-compiled on the build platform for TARGETOS/TARGETARCH, alone in the image. */
export function goDockerfile(opts: GoDockerfileOptions): string {
  const version = opts.goVersion ?? DEFAULT_GO_VERSION;
  const pkg = opts.package ?? ".";
  checkGoVersion(version);
  if (pkg !== ".") checkRelativePath("package", pkg.startsWith("./") ? pkg.slice(2) : pkg);
  return [
    ...builderStage("go", `golang:${version}`),
    // One ARG per line: some parsers read `ARG A B` as a name and a value.
    "ARG TARGETOS",
    "ARG TARGETARCH",
    "ARG VERSION=dev",
    "WORKDIR /src",
    "COPY go.* ./",
    // Module and build caches persist in the builder between builds: an app-only change recompiles only the app.
    "RUN --mount=type=cache,target=/go/pkg/mod go mod download",
    "COPY . .",
    // A minimal image has no /usr/share/zoneinfo unless asked for: the binary carries the time zones itself.
    `RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath ${opts.minimal !== undefined ? "-tags timetzdata " : ""}-ldflags "-s -w -X main.version=$VERSION" -o /out/app ${pkg}`,
    ...(opts.minimal !== undefined && minimalExtras(opts.minimal).length > 0
      ? minimalRuntimeStage(opts.minimal)
      : []),
    "",
    `FROM ${opts.baseImage}`,
    ...(opts.minimal !== undefined ? minimalExtras(opts.minimal) : []),
    "COPY --from=build /out/app /app",
    `USER ${NONROOT}`,
    'ENTRYPOINT ["/app"]',
    "",
  ].join("\n");
}

/**
 * The lowest glibc minor of the manylinux wheels pip may pick, and the highest (Debian 13's glibc is 2.41). pip takes
 * `--platform` literally (manylinux_2_41 does not imply manylinux_2_17), so the RUN step lists every minor between.
 */
const MANYLINUX_GLIBC = { lowest: 17, highest: 41 } as const;

/**
 * Python: dependencies installed into /app/deps on the build platform by pip, choosing wheels for the target
 * (TARGETARCH) so nothing runs under emulation; every dependency must therefore come as a wheel (pure Python or
 * manylinux). Bytecode is compiled at build time, as the root filesystem is read-only at run time, and checked by
 * hash rather than by the source's mtime, which the image's layers do not keep.
 */
export function pythonDockerfile(opts: PythonDockerfileOptions): string {
  const version = opts.pythonVersion ?? DEFAULT_PYTHON_VERSION;
  const main = opts.main ?? "main.py";
  checkPythonVersion(version);
  checkRelativePath("main", main);
  const pip = (what: string): string[] => [
    "RUN --mount=type=cache,target=/root/.cache/pip \\",
    '    case "$TARGETARCH" in amd64) arch=x86_64 ;; arm64) arch=aarch64 ;; *) echo "no Python wheels for TARGETARCH=$TARGETARCH" >&2; exit 1 ;; esac; \\',
    `    set -- --platform "manylinux2014_$arch"; m=${MANYLINUX_GLIBC.highest}; while [ "$m" -ge ${MANYLINUX_GLIBC.lowest} ]; do set -- "$@" --platform "manylinux_2_\${m}_$arch"; m=$((m - 1)); done; \\`,
    `    pip install --root-user-action=ignore --disable-pip-version-check --no-compile --target /app/deps --only-binary=:all: --implementation cp --python-version ${version} "$@" ${what}`,
  ];
  const install =
    opts.dependencies === "requirements.txt"
      ? ["COPY requirements.txt ./", ...pip("-r requirements.txt"), "COPY . ."]
      : opts.dependencies === "pyproject.toml"
        ? // The project itself is installed with its dependencies, so its own code needs to be there first.
          ["COPY . .", ...pip(".")]
        : ["COPY . ."];
  return [
    ...builderStage("python", `python:${version}-slim-trixie`),
    "ARG TARGETARCH",
    "WORKDIR /app",
    ...install,
    "RUN python -m compileall -q --invalidation-mode unchecked-hash /app",
    "",
    `FROM ${opts.baseImage}`,
    "ARG VERSION=dev",
    "ENV PYTHONPATH=/app/deps PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 APP_VERSION=$VERSION",
    "WORKDIR /app",
    `COPY --from=build --chown=${NONROOT} /app /app`,
    `USER ${NONROOT}`,
    `ENTRYPOINT ["/usr/bin/python3", ${JSON.stringify(main)}]`,
    "",
  ].join("\n");
}

/**
 * Java: `mvn package` once on the build platform (a jar runs on every architecture), then the one application jar
 * alone on the JRE. The JVM is told to write only under /tmp: no hsperfdata, crash logs and temporary files there.
 */
export function javaDockerfile(opts: JavaDockerfileOptions): string {
  const version = opts.javaVersion ?? DEFAULT_JAVA_VERSION;
  checkJavaVersion(version);
  return [
    ...builderStage("java", `maven:3.9-eclipse-temurin-${version}`),
    "WORKDIR /src",
    "COPY . .",
    // Sources, javadoc and shade's original-*.jar are not the application; exactly one jar must remain.
    "RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests package && mkdir -p /out && \\",
    "    set -- $(ls target/*.jar | grep -v -e '-sources\\.jar$' -e '-javadoc\\.jar$' -e '/original-[^/]*$') && \\",
    '    if [ "$#" -ne 1 ]; then echo "expected one application jar in target/, found: $*" >&2; exit 1; fi && \\',
    '    cp "$1" /out/app.jar',
    "",
    `FROM ${opts.baseImage}`,
    "ARG VERSION=dev",
    "ENV APP_VERSION=$VERSION",
    "COPY --from=build /out/app.jar /app/app.jar",
    `USER ${NONROOT}`,
    'ENTRYPOINT ["/usr/bin/java", "-XX:-UsePerfData", "-XX:ErrorFile=/tmp/hs_err_pid%p.log", "-Djava.io.tmpdir=/tmp", "-jar", "/app/app.jar"]',
    "",
  ].join("\n");
}

/**
 * The Dockerfile for `runtime` on `baseImage`; `runtimeVersion` is the builder's Node.js, Go, Python or Java version
 * and `pythonDependencies` what a Python app's context declares its dependencies in.
 */
export function generateDockerfile(
  runtime: string,
  baseImage: string,
  runtimeVersion?: string,
  pythonDependencies: PythonDependencies = "none",
  minimal?: MinimalOptions,
): string {
  if (minimal !== undefined) assertMinimalRuntime(runtime);
  switch (runtime) {
    case "nodejs":
      return nodeDockerfile({
        baseImage,
        ...(runtimeVersion !== undefined ? { nodeVersion: runtimeVersion } : {}),
        ...(minimal !== undefined ? { minimal } : {}),
      });
    case "go":
      return goDockerfile({
        baseImage,
        ...(runtimeVersion !== undefined ? { goVersion: runtimeVersion } : {}),
        ...(minimal !== undefined ? { minimal } : {}),
      });
    case "python":
      return pythonDockerfile({
        baseImage,
        dependencies: pythonDependencies,
        ...(runtimeVersion !== undefined ? { pythonVersion: runtimeVersion } : {}),
      });
    case "java":
      return javaDockerfile({
        baseImage,
        ...(runtimeVersion !== undefined ? { javaVersion: runtimeVersion } : {}),
      });
    default:
      throw new Error(
        `runtime: ${JSON.stringify(runtime)} is not supported; allowed: ${RUNTIMES.map((r) => JSON.stringify(r)).join(", ")}`,
      );
  }
}
