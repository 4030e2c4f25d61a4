import * as assert from "assert";
import { DOCKERFILE_RULES, expandVariables } from "../policies/lib/dockerfile";
import {
  auditDockerfile,
  DISTROLESS_REGISTRIES,
  finalStageBase,
  normalizeImageRef,
  parseImageRef,
} from "distroless-guardrails/model";

// A compliant multi-stage file; each case below changes one line and must trip exactly one rule.
const GOOD = [
  "# syntax=docker/dockerfile:1",
  "FROM --platform=$BUILDPLATFORM golang:1.26 AS build",
  "RUN go build -o /out/app .",
  "",
  "FROM gcr.io/distroless/static-debian13:nonroot",
  "COPY --from=build /out/app /app",
  "USER 65532:65532",
  'ENTRYPOINT ["/app"]',
  "",
].join("\n");

function withLine(line: number, text: string): string {
  const lines = GOOD.split("\n");
  lines[line - 1] = text;
  return lines.join("\n");
}

function withExtra(text: string): string {
  return GOOD.replace('ENTRYPOINT ["/app"]', `ENTRYPOINT ["/app"]\n${text}`);
}

describe("auditDockerfile", () => {
  it("passes a compliant multi-stage Dockerfile (RUN and a shell in the builder are fine)", () => {
    assert.deepStrictEqual(auditDockerfile(GOOD), []);
  });

  it("exports the stable rule IDs and default registries", () => {
    assert.deepStrictEqual(
      [...DOCKERFILE_RULES],
      [
        "parse",
        "distroless-base",
        "allowed-registry",
        "no-debug-tag",
        "no-latest",
        "eol-base",
        "no-run",
        "no-onbuild",
        "no-healthcheck",
        "exec-form",
        "non-root-user",
      ],
    );
    assert.deepStrictEqual([...DISTROLESS_REGISTRIES], ["gcr.io/distroless", "cgr.dev/chainguard"]);
  });

  const cases: {
    name: string;
    text: string;
    opts?: Parameters<typeof auditDockerfile>[1];
    rule: string;
    line: number;
    message: string;
  }[] = [
    {
      name: "distroless-base: a Debian final stage",
      text: withLine(5, "FROM debian:trixie-slim"),
      rule: "distroless-base",
      line: 5,
      message:
        'Dockerfile:5: final stage base "debian:trixie-slim" is not distroless; build on a gcr.io/distroless/* or cgr.dev/chainguard/* image (no shell, no package manager) and keep build tools in an earlier stage',
    },
    {
      name: "allowed-registry: upstream distroless when only the mirror is allowed",
      text: GOOD,
      opts: { allowedRegistries: ["mirror.internal/distroless"] },
      rule: "allowed-registry",
      line: 5,
      message:
        'Dockerfile:5: final stage base "gcr.io/distroless/static-debian13:nonroot" is not from an allowed registry (mirror.internal/distroless); pull it through one of them, e.g. "mirror.internal/distroless/static-debian13:nonroot"',
    },
    {
      name: "no-debug-tag: :debug-nonroot",
      text: withLine(5, "FROM gcr.io/distroless/static-debian13:debug-nonroot"),
      rule: "no-debug-tag",
      line: 5,
      message:
        'Dockerfile:5: final stage base "gcr.io/distroless/static-debian13:debug-nonroot" is a debug variant (tag "debug-nonroot") that ships a shell; use the "nonroot" tag of the same image',
    },
    {
      name: "no-debug-tag: Chainguard -dev pinned by digest",
      text: withLine(5, `FROM cgr.dev/chainguard/static:latest-dev@sha256:${"a".repeat(64)}`),
      rule: "no-debug-tag",
      line: 5,
      message: `Dockerfile:5: final stage base "cgr.dev/chainguard/static:latest-dev@sha256:${"a".repeat(64)}" is a debug variant (tag "latest-dev") that ships a shell; use the "nonroot" tag of the same image`,
    },
    {
      name: "no-latest: explicit :latest",
      text: withLine(5, "FROM cgr.dev/chainguard/static:latest"),
      rule: "no-latest",
      line: 5,
      message:
        'Dockerfile:5: final stage base "cgr.dev/chainguard/static:latest" uses the moving tag "latest"; use a fixed tag such as ":nonroot" or pin a digest (@sha256:...)',
    },
    {
      name: "no-latest: untagged",
      text: withLine(5, "FROM cgr.dev/chainguard/static"),
      rule: "no-latest",
      line: 5,
      message:
        'Dockerfile:5: final stage base "cgr.dev/chainguard/static" has no tag (implicitly :latest); use a fixed tag such as ":nonroot" or pin a digest (@sha256:...)',
    },
    {
      name: "eol-base: Google distroless on Debian 12",
      text: withLine(5, "FROM gcr.io/distroless/static-debian12:nonroot"),
      rule: "eol-base",
      line: 5,
      message:
        'Dockerfile:5: final stage base "gcr.io/distroless/static-debian12:nonroot" is a Debian 12 image; Debian 12 distroless images reached end of life in 2026-09 — use the -debian13 variant, e.g. "gcr.io/distroless/static-debian13:nonroot"',
    },
    {
      name: "eol-base: Debian 11, pinned by digest (the suggestion drops the old digest)",
      text: withLine(5, `FROM gcr.io/distroless/base-debian11:nonroot@sha256:${"e".repeat(64)}`),
      rule: "eol-base",
      line: 5,
      message: `Dockerfile:5: final stage base "gcr.io/distroless/base-debian11:nonroot@sha256:${"e".repeat(64)}" is a Debian 11 image; Debian 11 distroless images reached end of life — use the -debian13 variant, e.g. "gcr.io/distroless/base-debian13:nonroot"`,
    },
    {
      name: "eol-base: Debian 10",
      text: withLine(5, "FROM gcr.io/distroless/cc-debian10:nonroot"),
      rule: "eol-base",
      line: 5,
      message:
        'Dockerfile:5: final stage base "gcr.io/distroless/cc-debian10:nonroot" is a Debian 10 image; Debian 10 distroless images reached end of life — use the -debian13 variant, e.g. "gcr.io/distroless/cc-debian13:nonroot"',
    },
    {
      name: "eol-base: a runtime image (its version may not exist on Debian 13)",
      text: withLine(5, "FROM gcr.io/distroless/nodejs20-debian12:nonroot"),
      rule: "eol-base",
      line: 5,
      message:
        'Dockerfile:5: final stage base "gcr.io/distroless/nodejs20-debian12:nonroot" is a Debian 12 image; Debian 12 distroless images reached end of life in 2026-09 — use the -debian13 variant, e.g. "gcr.io/distroless/nodejs20-debian13:nonroot", if Google publishes that runtime version for Debian 13',
    },
    {
      name: "eol-base: a mirrored Debian 12 image from the allowed mirror",
      text: withLine(5, "FROM mirror.internal/distroless/static-debian12:nonroot"),
      opts: { allowedRegistries: ["mirror.internal/distroless"] },
      rule: "eol-base",
      line: 5,
      message:
        'Dockerfile:5: final stage base "mirror.internal/distroless/static-debian12:nonroot" is a Debian 12 image; Debian 12 distroless images reached end of life in 2026-09 — use the -debian13 variant, e.g. "mirror.internal/distroless/static-debian13:nonroot"',
    },
    {
      name: "distroless-base: a non-distroless -debian12 name gets no eol-base noise",
      text: withLine(5, "FROM example.com/app-debian12:1"),
      rule: "distroless-base",
      line: 5,
      message:
        'Dockerfile:5: final stage base "example.com/app-debian12:1" is not distroless; build on a gcr.io/distroless/* or cgr.dev/chainguard/* image (no shell, no package manager) and keep build tools in an earlier stage',
    },
    {
      name: "no-onbuild: ONBUILD RUN (a child build has no shell to run it)",
      text: withExtra("ONBUILD RUN apk add curl"),
      rule: "no-onbuild",
      line: 9,
      message:
        'Dockerfile:9: final stage declares "ONBUILD RUN apk add curl"; ONBUILD defers the instruction to every image built FROM this one, where a RUN trigger fails for lack of a shell and any other trigger acts unseen — remove it and write the step in the Dockerfile that needs it',
    },
    {
      name: "no-onbuild: any ONBUILD, e.g. COPY",
      text: withExtra("ONBUILD COPY . /app"),
      rule: "no-onbuild",
      line: 9,
      message:
        'Dockerfile:9: final stage declares "ONBUILD COPY . /app"; ONBUILD defers the instruction to every image built FROM this one, where a RUN trigger fails for lack of a shell and any other trigger acts unseen — remove it and write the step in the Dockerfile that needs it',
    },
    {
      name: "no-run",
      text: withExtra("RUN apk add curl"),
      rule: "no-run",
      line: 9,
      message:
        'Dockerfile:9: final stage runs "RUN apk add curl"; distroless images have no shell — move RUN into a builder stage and COPY the result',
    },
    {
      name: "no-run: exec-form RUN too",
      text: withExtra('RUN ["/app", "migrate"]'),
      rule: "no-run",
      line: 9,
      message:
        'Dockerfile:9: final stage runs "RUN ["/app", "migrate"]"; distroless images have no shell — move RUN into a builder stage and COPY the result',
    },
    {
      name: "no-healthcheck",
      text: withExtra('HEALTHCHECK --interval=10s CMD ["/app", "health"]'),
      rule: "no-healthcheck",
      line: 9,
      message:
        'Dockerfile:9: final stage declares "HEALTHCHECK --interval=10s CMD ["/app", "health"]"; Kubernetes ignores HEALTHCHECK and a distroless image has no shell or curl to run it — remove it and use HTTP, gRPC or TCP probes',
    },
    {
      name: "exec-form: shell-form ENTRYPOINT",
      text: withLine(8, "ENTRYPOINT /app --serve"),
      rule: "exec-form",
      line: 8,
      message:
        'Dockerfile:8: ENTRYPOINT uses shell form "ENTRYPOINT /app --serve"; distroless images have no /bin/sh — use the exec form (JSON array), e.g. ENTRYPOINT ["/app","--serve"]',
    },
    {
      name: "exec-form: single-quoted array is shell form",
      text: withExtra("CMD ['--serve']"),
      rule: "exec-form",
      line: 9,
      message:
        'Dockerfile:9: CMD uses shell form "CMD [\'--serve\']"; distroless images have no /bin/sh — use the exec form (JSON array), e.g. CMD ["--serve"]',
    },
    {
      name: "exec-form: single-quoted array of several items keeps the items",
      text: withLine(8, "ENTRYPOINT [ '/app',  '--port=8080' ]"),
      rule: "exec-form",
      line: 8,
      message:
        'Dockerfile:8: ENTRYPOINT uses shell form "ENTRYPOINT [ \'/app\', \'--port=8080\' ]"; distroless images have no /bin/sh — use the exec form (JSON array), e.g. ENTRYPOINT ["/app","--port=8080"]',
    },
    {
      name: "exec-form: plain shell-form CMD",
      text: withExtra("CMD /app --serve"),
      rule: "exec-form",
      line: 9,
      message:
        'Dockerfile:9: CMD uses shell form "CMD /app --serve"; distroless images have no /bin/sh — use the exec form (JSON array), e.g. CMD ["/app","--serve"]',
    },
    {
      name: "non-root-user: USER root",
      text: withLine(7, "USER root"),
      rule: "non-root-user",
      line: 7,
      message:
        'Dockerfile:7: USER "root" runs the container as root; use a numeric non-root user, e.g. USER 65532:65532',
    },
    {
      name: "non-root-user: USER 0",
      text: withLine(7, "USER 0"),
      rule: "non-root-user",
      line: 7,
      message:
        'Dockerfile:7: USER "0" runs the container as root; use a numeric non-root user, e.g. USER 65532:65532',
    },
    {
      name: "non-root-user: USER nonroot on a base that is not a nonroot variant",
      text: withLine(7, "USER nonroot").replace(":nonroot", `@sha256:${"b".repeat(64)}`),
      rule: "non-root-user",
      line: 7,
      message:
        'Dockerfile:7: USER "nonroot" is not numeric, so Kubernetes runAsNonRoot cannot verify it; use a numeric non-root user, e.g. USER 65532:65532 (the name "nonroot" is accepted only on a nonroot base)',
    },
    {
      name: "non-root-user: another user name on a nonroot base",
      text: withLine(7, "USER app"),
      rule: "non-root-user",
      line: 7,
      message:
        'Dockerfile:7: USER "app" is not numeric, so Kubernetes runAsNonRoot cannot verify it; use a numeric non-root user, e.g. USER 65532:65532',
    },
    {
      name: "non-root-user: a named group other than nonroot on a nonroot base",
      text: withLine(7, "USER nonroot:staff"),
      rule: "non-root-user",
      line: 7,
      message:
        'Dockerfile:7: USER "nonroot:staff" is not numeric, so Kubernetes runAsNonRoot cannot verify it; use a numeric non-root user, e.g. USER 65532:65532',
    },
    {
      name: "distroless-base: FROM scratch is one finding (no tag or registry noise)",
      text: withLine(5, "FROM scratch"),
      rule: "distroless-base",
      line: 5,
      message:
        'Dockerfile:5: final stage base "scratch" is an empty image, not a distroless image from an allowed registry; build on a gcr.io/distroless/* or cgr.dev/chainguard/* image instead (a "static" one for a static binary: still no shell, plus CA certificates, tzdata and a nonroot user)',
    },
    {
      name: "non-root-user: root group",
      text: withLine(7, "USER 65532:0"),
      rule: "non-root-user",
      line: 7,
      message:
        'Dockerfile:7: USER "65532:0" runs with the root group (gid 0); use a numeric non-root user, e.g. USER 65532:65532',
    },
    {
      name: "non-root-user: no USER on a root base",
      text: withLine(7, "").replace(":nonroot", `@sha256:${"b".repeat(64)}`),
      rule: "non-root-user",
      line: 5,
      message: `Dockerfile:5: final stage sets no USER and base "gcr.io/distroless/static-debian13@sha256:${"b".repeat(64)}" is not a nonroot variant, so it runs as root; add USER 65532:65532 or use the ":nonroot" tag`,
    },
    {
      name: "parse: no FROM",
      text: 'COPY app /app\nENTRYPOINT ["/app"]\n',
      rule: "parse",
      line: 1,
      message: "Dockerfile:1: COPY before the first FROM; only ARG may precede FROM",
    },
    {
      name: "parse: empty file",
      text: "",
      rule: "parse",
      line: 1,
      message: "Dockerfile:1: no FROM instruction; a Dockerfile needs a final stage FROM <distroless image>",
    },
    {
      name: "parse: misspelt instruction",
      text: withLine(6, "COPPY --from=build /out/app /app"),
      rule: "parse",
      line: 6,
      message:
        'Dockerfile:6: unknown instruction "COPPY"; a Dockerfile line must start with an instruction such as FROM, COPY, USER or CMD',
    },
    {
      name: "parse: FROM without image",
      text: withLine(5, "FROM"),
      rule: "parse",
      line: 5,
      message: "Dockerfile:5: FROM names no image; write FROM <image> [AS <name>]",
    },
    {
      name: "distroless-base: unresolvable ARG in the final FROM",
      text: withLine(5, "FROM ${RUNTIME_IMAGE}"),
      rule: "distroless-base",
      line: 5,
      message:
        'Dockerfile:5: final stage base "${RUNTIME_IMAGE}" uses ${RUNTIME_IMAGE} with no ARG default and no build arg; give the ARG a default before the first FROM or pass it in buildArgs',
    },
  ];

  for (const c of cases) {
    it(`fails alone: ${c.name}`, () => {
      assert.deepStrictEqual(auditDockerfile(c.text, c.opts), [
        { rule: c.rule, line: c.line, message: c.message },
      ]);
    });
  }

  it("names the file given in options", () => {
    const [finding] = auditDockerfile(withExtra("RUN ls"), { file: "apps/api/Dockerfile" });
    assert.strictEqual(
      finding.message,
      'apps/api/Dockerfile:9: final stage runs "RUN ls"; distroless images have no shell — move RUN into a builder stage and COPY the result',
    );
  });

  it("reports every finding of a bad file, base first then in line order", () => {
    const text = [
      "FROM node:22-alpine",
      "RUN apk add curl",
      "HEALTHCHECK CMD curl -f http://localhost/",
      "USER node",
      "CMD node server.js",
      "ONBUILD RUN npm ci",
    ].join("\n");
    assert.deepStrictEqual(
      auditDockerfile(text).map((f) => [f.rule, f.line]),
      [
        ["distroless-base", 1],
        ["no-run", 2],
        ["no-healthcheck", 3],
        ["non-root-user", 4],
        ["exec-form", 5],
        ["no-onbuild", 6],
      ],
    );
  });

  it("judges the effective USER: root then 65532 runs as 65532, 65532 then root runs as root", () => {
    const rootFirst = GOOD.replace("USER 65532:65532", "USER 0\nUSER 65532:65532");
    assert.deepStrictEqual(auditDockerfile(rootFirst), []);
    const rootLast = GOOD.replace("USER 65532:65532", "USER 65532:65532\nUSER 0");
    assert.deepStrictEqual(
      auditDockerfile(rootLast).map((f) => f.message),
      [
        'Dockerfile:8: USER "0" runs the container as root; use a numeric non-root user, e.g. USER 65532:65532',
      ],
    );
  });

  it("allows HEALTHCHECK NONE, which only disables an inherited check", () => {
    assert.deepStrictEqual(auditDockerfile(withExtra("HEALTHCHECK NONE")), []);
  });

  it("accepts a nonroot base without USER, and Chainguard pinned by digest without USER", () => {
    assert.deepStrictEqual(auditDockerfile(withLine(7, "")), []);
    const chainguard = withLine(5, `FROM cgr.dev/chainguard/static:latest@sha256:${"c".repeat(64)}`);
    assert.deepStrictEqual(
      auditDockerfile(withLine(7, "").replace(GOOD.split("\n")[4], chainguard.split("\n")[4])),
      [],
    );
  });

  it('accepts USER nonroot and nonroot:nonroot on a nonroot base (Google ":nonroot" tag or Chainguard)', () => {
    for (const user of ["USER nonroot", "USER nonroot:nonroot", "USER nonroot:65532", "USER 65532:nonroot"]) {
      assert.deepStrictEqual(auditDockerfile(withLine(7, user)), [], user);
      const chainguard = withLine(7, user).replace(
        "gcr.io/distroless/static-debian13:nonroot",
        `cgr.dev/chainguard/static:latest@sha256:${"c".repeat(64)}`,
      );
      assert.deepStrictEqual(auditDockerfile(chainguard), [], `${user} on Chainguard`);
    }
  });

  it("FROM scratch without USER: the base finding and the root finding, nothing about tags", () => {
    assert.deepStrictEqual(
      auditDockerfile(
        withLine(7, "").replace("FROM gcr.io/distroless/static-debian13:nonroot", "FROM scratch"),
      ),
      [
        {
          rule: "distroless-base",
          line: 5,
          message:
            'Dockerfile:5: final stage base "scratch" is an empty image, not a distroless image from an allowed registry; build on a gcr.io/distroless/* or cgr.dev/chainguard/* image instead (a "static" one for a static binary: still no shell, plus CA certificates, tzdata and a nonroot user)',
        },
        {
          rule: "non-root-user",
          line: 5,
          message:
            'Dockerfile:5: final stage sets no USER and base "scratch" is not a nonroot variant, so it runs as root; add USER 65532:65532 or use the ":nonroot" tag',
        },
      ],
    );
  });

  it("accepts the mirror when it is the allowed registry", () => {
    const text = withLine(5, "FROM mirror.internal/distroless/static-debian13:nonroot");
    assert.deepStrictEqual(auditDockerfile(text, { allowedRegistries: ["mirror.internal/distroless"] }), []);
    assert.deepStrictEqual(
      auditDockerfile(text).map((f) => f.rule),
      ["distroless-base"],
    );
  });

  it("checks only the final stage: a builder's USER root, shell-form CMD and ONBUILD are fine", () => {
    const text = GOOD.replace(
      "RUN go build -o /out/app .",
      "USER root\nCMD go version\nONBUILD RUN go mod download\nRUN go build -o /out/app .",
    );
    assert.deepStrictEqual(auditDockerfile(text), []);
  });

  describe("multi-stage aliases", () => {
    const aliased = [
      "FROM golang:1.26 AS build",
      "RUN go build -o /out/app .",
      "FROM gcr.io/distroless/static-debian13:debug AS runtime",
      "USER 0",
      "FROM Runtime AS final",
      "COPY --from=build /out/app /app",
      'ENTRYPOINT ["/app"]',
    ].join("\n");

    it("follows FROM <stage> back to the image and audits the inherited stages (case-insensitive names)", () => {
      assert.deepStrictEqual(auditDockerfile(aliased), [
        {
          rule: "no-debug-tag",
          line: 3,
          message:
            'Dockerfile:3: final stage base "gcr.io/distroless/static-debian13:debug" is a debug variant (tag "debug") that ships a shell; use the "nonroot" tag of the same image',
        },
        {
          rule: "non-root-user",
          line: 4,
          message:
            'Dockerfile:4: USER "0" runs the container as root; use a numeric non-root user, e.g. USER 65532:65532',
        },
      ]);
      assert.strictEqual(finalStageBase(aliased), "gcr.io/distroless/static-debian13:debug");
    });

    it("a final stage built on a Debian builder stage is not distroless", () => {
      const text = 'FROM debian:trixie AS base\nRUN true\nFROM base\nUSER 65532\nENTRYPOINT ["/app"]\n';
      assert.deepStrictEqual(
        auditDockerfile(text).map((f) => [f.rule, f.line]),
        [
          ["distroless-base", 1],
          ["no-run", 2],
        ],
      );
      assert.strictEqual(finalStageBase(text), "debian:trixie");
    });

    it("does not take a later stage's name for an image", () => {
      const text =
        'FROM gcr.io/distroless/static-debian13:nonroot AS app\nENTRYPOINT ["/app"]\nFROM app AS gcr\n';
      assert.strictEqual(finalStageBase(text), "gcr.io/distroless/static-debian13:nonroot");
    });
  });

  describe("ARG-resolved base", () => {
    const text = [
      "ARG REGISTRY=gcr.io/distroless",
      "ARG VARIANT=nonroot",
      "FROM golang:1.26 AS build",
      "FROM ${REGISTRY}/static-debian13:$VARIANT",
      "USER 65532:65532",
      'ENTRYPOINT ["/app"]',
    ].join("\n");

    it("uses ARG defaults", () => {
      assert.strictEqual(finalStageBase(text), "gcr.io/distroless/static-debian13:nonroot");
      assert.deepStrictEqual(auditDockerfile(text), []);
    });

    it("build args override the defaults, and the overridden base is audited", () => {
      assert.strictEqual(
        finalStageBase(text, { VARIANT: "debug" }),
        "gcr.io/distroless/static-debian13:debug",
      );
      assert.deepStrictEqual(
        auditDockerfile(text, { buildArgs: { VARIANT: "debug" } }).map((f) => f.rule),
        ["no-debug-tag"],
      );
    });

    it("resolves ${VAR:-default} and ARG without default given as build arg", () => {
      const t = 'ARG BASE\nFROM ${BASE:-gcr.io/distroless/cc-debian13}:nonroot\nENTRYPOINT ["/app"]\n';
      assert.strictEqual(finalStageBase(t), "gcr.io/distroless/cc-debian13:nonroot");
      assert.strictEqual(
        finalStageBase(t, { BASE: "cgr.dev/chainguard/glibc-dynamic" }),
        "cgr.dev/chainguard/glibc-dynamic:nonroot",
      );
    });

    it("ignores build args for ARGs never declared, as docker does", () => {
      assert.throws(
        () =>
          finalStageBase('FROM ${IMG}\nENTRYPOINT ["/app"]\n', {
            IMG: "gcr.io/distroless/static-debian13:nonroot",
          }),
        {
          message:
            'Dockerfile:1: final stage base "${IMG}" uses ${IMG} with no ARG default and no build arg; give the ARG a default before the first FROM or pass it in buildArgs',
        },
      );
    });

    it("resolves USER from a stage ARG", () => {
      const t =
        'FROM gcr.io/distroless/static-debian13:nonroot\nARG UID=0\nUSER ${UID}\nENTRYPOINT ["/app"]\n';
      assert.deepStrictEqual(
        auditDockerfile(t).map((f) => f.message),
        [
          'Dockerfile:3: USER "0" runs the container as root; use a numeric non-root user, e.g. USER 65532:65532',
        ],
      );
      assert.deepStrictEqual(auditDockerfile(t, { buildArgs: { UID: "65532" } }), []);
    });
  });

  describe("odd input", () => {
    it("reports binary content as a parse finding instead of throwing", () => {
      const findings = auditDockerfile("\u0000\u0001\u0002garbage\nFROM x");
      assert.deepStrictEqual(
        findings.map((f) => [f.rule, f.line]),
        [["parse", 1]],
      );
      assert.ok(
        findings[0].message.startsWith('Dockerfile:1: unknown instruction "\\u0000\\u0001\\u0002garbage"'),
      );
    });

    it("handles lowercase instructions, line continuations, comments and CRLF", () => {
      const text =
        '# comment\r\nfrom gcr.io/distroless/static-debian13:nonroot\r\ncopy app /app\r\nuser 65532\r\nrun echo \\\r\n  hi\r\nentrypoint ["/app"]\r\n';
      assert.deepStrictEqual(auditDockerfile(text), [
        {
          rule: "no-run",
          line: 5,
          message:
            'Dockerfile:5: final stage runs "RUN echo hi"; distroless images have no shell — move RUN into a builder stage and COPY the result',
        },
      ]);
    });

    it("finalStageBase throws a clear error when there is no FROM", () => {
      assert.throws(() => finalStageBase("# nothing\n"), {
        name: "DockerfileError",
        message:
          "Dockerfile:1: no FROM instruction; a Dockerfile needs a final stage FROM <distroless image>",
      });
    });
  });
});

describe("image references and variables", () => {
  it("normalizeImageRef spells out Docker Hub names; parseImageRef splits tag and digest", () => {
    const normalized = (image: string) => normalizeImageRef(parseImageRef(image));
    assert.deepStrictEqual(normalized("node:22"), { repository: "docker.io/library/node", tag: "22" });
    assert.deepStrictEqual(normalized("bitnami/node"), { repository: "docker.io/bitnami/node" });
    assert.deepStrictEqual(normalized("scratch"), { repository: "scratch" });
    assert.deepStrictEqual(parseImageRef("node:22"), { repository: "node", tag: "22" });
    assert.deepStrictEqual(normalized(`localhost:5001/app:1@sha256:${"d".repeat(64)}`), {
      repository: "localhost:5001/app",
      tag: "1",
      digest: `sha256:${"d".repeat(64)}`,
    });
  });

  it("expandVariables implements $V, ${V}, ${V:-w}, ${V:+w} and escaped \\$", () => {
    const vars = new Map<string, string | undefined>([
      ["A", "x"],
      ["E", ""],
    ]);
    assert.deepStrictEqual(expandVariables("$A-${A}-${E:-d}-${E-d}-${A:+p}-${N:+p}-\\$A-$N", vars), {
      value: "x-x-d--p--$A-",
      unresolved: ["N"],
    });
  });
});
