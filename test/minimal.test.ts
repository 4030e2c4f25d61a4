// images.base: minimal. The generated Dockerfiles are given exactly and pass the audit; the closure script that
// picks the runtime's files is run for real on an image root made of this machine's own /usr/bin/true and the
// C library it loads, with an absolute symbolic link that must be resolved inside that root, never on the host.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { planDockerfile } from "../components/image";
import { goDockerfile, nodeDockerfile } from "../components/dockerfiles";
import { auditDockerfile } from "distroless-guardrails/model";

const MIRROR = "localhost:5000/distroless";
const SKELETON = `${MIRROR}/minimal-debian13:nonroot`;
const CLOSURE = fs
  .readFileSync(path.join(__dirname, "..", "components", "minimal-closure.js"), "utf8")
  .trimEnd();

describe("minimal images", () => {
  it("node: the skeleton, node and the libraries it loads from the runtime image, the app; nothing else", () => {
    const text = nodeDockerfile({
      baseImage: SKELETON,
      minimal: {
        runtimeImage: `${MIRROR}/nodejs22-debian13:nonroot`,
        caCertificates: false,
        timeZones: false,
      },
    });
    const finalStages = text.slice(text.indexOf(`FROM ${MIRROR}/nodejs22-debian13:nonroot AS runtime`));
    assert.equal(
      finalStages,
      [
        `FROM ${MIRROR}/nodejs22-debian13:nonroot AS runtime`,
        "",
        "FROM --platform=$BUILDPLATFORM node:22-trixie-slim AS closure",
        "# node and exactly the shared libraries it loads, from the runtime image, read on the build platform.",
        "RUN --mount=type=bind,from=runtime,target=/runtime node - /runtime /out /nodejs/bin/node <<'JS'",
        CLOSURE,
        "JS",
        "",
        `FROM ${SKELETON}`,
        "ARG VERSION=dev",
        "ENV NODE_ENV=production APP_VERSION=$VERSION",
        "COPY --from=closure /out/ /",
        "WORKDIR /app",
        "COPY --from=build --chown=65532:65532 /app /app",
        "USER 65532:65532",
        'ENTRYPOINT ["/nodejs/bin/node", "server.js"]',
        "",
      ].join("\n"),
    );
    assert.deepEqual(
      auditDockerfile(text, { file: "Dockerfile", allowedRegistries: [MIRROR], buildArgs: {} }),
      [],
    );
  });

  it("go: time zones embedded in the binary; the CA bundle and zoneinfo from the static image only when asked", () => {
    const plain = goDockerfile({
      baseImage: SKELETON,
      minimal: { runtimeImage: `${MIRROR}/static-debian13:nonroot`, caCertificates: false, timeZones: false },
    });
    assert.match(plain, / go build -trimpath -tags timetzdata -ldflags /);
    assert.equal(
      plain.slice(plain.indexOf(`FROM ${SKELETON}`)),
      [
        `FROM ${SKELETON}`,
        "COPY --from=build /out/app /app",
        "USER 65532:65532",
        'ENTRYPOINT ["/app"]',
        "",
      ].join("\n"),
    );
    assert.doesNotMatch(plain, / AS runtime/);
    const withBoth = goDockerfile({
      baseImage: SKELETON,
      minimal: { runtimeImage: `${MIRROR}/static-debian13:nonroot`, caCertificates: true, timeZones: true },
    });
    assert.equal(
      withBoth.slice(withBoth.indexOf(`\nFROM ${MIRROR}/static-debian13:nonroot AS runtime`)),
      [
        "",
        `FROM ${MIRROR}/static-debian13:nonroot AS runtime`,
        "",
        `FROM ${SKELETON}`,
        "COPY --from=runtime /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt",
        "COPY --from=runtime /usr/share/zoneinfo /usr/share/zoneinfo",
        "COPY --from=build /out/app /app",
        "USER 65532:65532",
        'ENTRYPOINT ["/app"]',
        "",
      ].join("\n"),
    );
    assert.deepEqual(
      auditDockerfile(withBoth, { file: "Dockerfile", allowedRegistries: [MIRROR], buildArgs: {} }),
      [],
    );
  });

  it("DistrolessImage plans the skeleton as the base and the runtime's image as the source", () => {
    const plan = planDockerfile({
      name: "app",
      runtime: "go",
      registryMirror: MIRROR,
      base: "minimal",
      minimal: { caCertificates: true },
      buildArgs: { VERSION: "1" },
    });
    assert.equal(plan.baseImage, SKELETON);
    assert.match(plan.text, new RegExp(`\\nFROM ${MIRROR}/static-debian13:nonroot AS runtime\\n`));
  });

  const refusals: [string, Parameters<typeof planDockerfile>[0], string][] = [
    [
      "without a mirror",
      { name: "a", runtime: "go", base: "minimal", buildArgs: {} },
      'base: "minimal" needs registryMirror: its skeleton image (minimal-debian13:nonroot) is published by no provider; fill a mirror with `npm run bases -- --push <registry>/<path>` and set it',
    ],
    [
      "for python",
      {
        name: "a",
        runtime: "python",
        context: "apps/python-service",
        registryMirror: MIRROR,
        base: "minimal",
        buildArgs: {},
      },
      'base: "minimal" is not available for runtime "python"; allowed for "nodejs", "go" (use base "distroless")',
    ],
    [
      "minimal settings on a distroless base",
      { name: "a", runtime: "go", minimal: { timeZones: true }, buildArgs: {} },
      'minimal: {"timeZones":true} only applies with base "minimal"; remove it or set base "minimal"',
    ],
    [
      "an unknown base",
      { name: "a", runtime: "go", base: "tiny", buildArgs: {} },
      'base: "tiny" is not supported; allowed: "distroless", "minimal"',
    ],
  ];
  for (const [what, inputs, message] of refusals) {
    it(`refuses a minimal plan ${what}`, () => {
      assert.throws(() => planDockerfile(inputs), { message });
    });
  }

  describe("the closure script", () => {
    let root: string;
    let out: string;
    const triplet = process.arch === "arm64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
    const loader = process.arch === "arm64" ? "ld-linux-aarch64.so.1" : "ld-linux-x86-64.so.2";
    const interp = process.arch === "arm64" ? `/lib/${loader}` : `/lib64/${loader}`;

    before(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), "closure-root-"));
      out = fs.mkdtempSync(path.join(os.tmpdir(), "closure-out-"));
      const lib = path.join(root, "usr", "lib", triplet);
      fs.mkdirSync(lib, { recursive: true });
      fs.mkdirSync(path.join(root, "usr", "bin"), { recursive: true });
      fs.mkdirSync(path.join(root, "usr", "lib64"), { recursive: true });
      // Debian 13's merged /usr: the interpreter's directory is a link, and the loader in /usr/lib64 an absolute one.
      fs.symlinkSync("usr/lib", path.join(root, "lib"));
      fs.symlinkSync("usr/lib64", path.join(root, "lib64"));
      fs.copyFileSync(fs.realpathSync("/usr/bin/true"), path.join(root, "usr", "bin", "true"));
      fs.copyFileSync(fs.realpathSync(`/lib/${triplet}/libc.so.6`), path.join(lib, "libc.so.6"));
      fs.copyFileSync(fs.realpathSync(interp), path.join(lib, loader));
      fs.symlinkSync(`/usr/lib/${triplet}/${loader}`, path.join(root, "usr", "lib64", loader));
      fs.writeFileSync(path.join(root, "usr", "bin", "unrelated"), "not taken");
      const status = path.join(root, "var", "lib", "dpkg", "status.d");
      fs.mkdirSync(status, { recursive: true });
      fs.writeFileSync(path.join(status, "libc6"), "Package: libc6\nVersion: 2.41-12\n");
      fs.writeFileSync(
        path.join(status, "libc6.md5sums"),
        `${"0".repeat(32)}  usr/lib/${triplet}/libc.so.6\n`,
      );
      fs.writeFileSync(path.join(status, "coreutils"), "Package: coreutils\n");
    });
    after(() => {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(out, { recursive: true, force: true });
    });

    it("takes the binary, its interpreter and libraries (links kept, resolved inside the root) and their package", () => {
      const run = spawnSync(process.execPath, ["components/minimal-closure.js", root, out, "/usr/bin/true"], {
        cwd: path.join(__dirname, ".."),
        encoding: "utf8",
      });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout.trim(), "closure: 5 files and links of libc6");
      const files = spawnSync("find", [".", "-mindepth", "1", "-not", "-type", "d"], {
        cwd: out,
        encoding: "utf8",
      })
        .stdout.trim()
        .split("\n")
        .sort();
      const expected = [
        "./usr/bin/true",
        `./usr/lib/${triplet}/libc.so.6`,
        `./usr/lib/${triplet}/${loader}`,
        "./var/lib/dpkg/status.d/libc6",
      ];
      if (process.arch !== "arm64") expected.push(`./usr/lib64/${loader}`);
      assert.deepEqual(files, expected.sort());
      if (process.arch !== "arm64") {
        assert.equal(
          fs.readlinkSync(path.join(out, "usr", "lib64", loader)),
          `/usr/lib/${triplet}/${loader}`,
        );
      }
      assert.equal(
        fs.statSync(path.join(out, "usr", "bin", "true")).size,
        fs.statSync(fs.realpathSync("/usr/bin/true")).size,
      );
    });

    it("names the library the runtime image lacks", () => {
      fs.rmSync(path.join(root, "usr", "lib", triplet, "libc.so.6"));
      const run = spawnSync(
        process.execPath,
        ["components/minimal-closure.js", root, `${out}-2`, "/usr/bin/true"],
        {
          cwd: path.join(__dirname, ".."),
          encoding: "utf8",
        },
      );
      fs.rmSync(`${out}-2`, { recursive: true, force: true });
      assert.notEqual(run.status, 0);
      assert.match(run.stderr, /\/usr\/bin\/true needs libc\.so\.6, which the runtime image does not have/);
    });
  });
});
