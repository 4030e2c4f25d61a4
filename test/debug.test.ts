// `npm run debug`'s gate, without a cluster: prod needs --break-glass and a pinned image, the image must pass the
// pack's ephemeralContainerImages rule, and the CLI says so with exit 2 before it touches the cluster.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { loadConfig, type PlatformConfig } from "../config";
import { debugImage, refusal } from "../scripts/debug";

const NODE = {
  name: "node-service",
  app: "apps/node-service",
  runtime: "nodejs",
  version: "1.0.0",
  replicas: 10,
};
const DIGEST = `sha256:${"c".repeat(64)}`;

function platform(raw: Record<string, unknown>): PlatformConfig {
  return loadConfig({
    services: [NODE],
    namespace: {
      quota: { requestsCpu: "16", requestsMemory: "16Gi", limitsCpu: "32", limitsMemory: "32Gi", pods: 100 },
    },
    ...raw,
  }).config;
}

describe("npm run debug: the gate", () => {
  it("defaults to the base's debug-nonroot variant from the mirror, else from gcr.io/distroless", () => {
    assert.equal(debugImage(platform({})), "gcr.io/distroless/base-debian13:debug-nonroot");
    assert.equal(
      debugImage(platform({ registry: { server: "localhost:5000", mirror: "localhost:5000/distroless" } })),
      "localhost:5000/distroless/base-debian13:debug-nonroot",
    );
    assert.equal(
      debugImage(platform({}), "gcr.io/distroless/cc-debian13:debug"),
      "gcr.io/distroless/cc-debian13:debug",
    );
  });

  it("lets staging debug with an allowed image and refuses another registry with the pack's message", () => {
    const staging = platform({ environment: "staging" });
    assert.equal(
      refusal(staging, "gcr.io/distroless/base-debian13:debug-nonroot", undefined, undefined),
      undefined,
    );
    assert.equal(
      refusal(staging, "docker.io/library/busybox:1.37", undefined, undefined),
      'ephemeralContainer "debug" image "docker.io/library/busybox:1.37" is not from an allowed registry (gcr.io/distroless, cgr.dev/chainguard); ' +
        "debug with an image from allowedRegistries, e.g. a distroless :debug-nonroot variant (policy ephemeralContainerImages)",
    );
    assert.equal(
      refusal(staging, "mirror.internal/dl/base:debug", undefined, ["mirror.internal/dl"]),
      undefined,
    );
  });

  it("refuses prod without --break-glass, with an unpinned image, or with a reason that is empty or multi-line", () => {
    const prod = platform({ environment: "prod" });
    const pinned = `gcr.io/distroless/base-debian13@${DIGEST}`;
    assert.equal(
      refusal(prod, pinned, undefined, undefined),
      "debugging is refused in environment prod: a debug container runs in the app's process namespace. " +
        'If you must, rerun with --break-glass "<reason>"; the reason is recorded as an event on the pod',
    );
    assert.equal(
      refusal(prod, "gcr.io/distroless/base-debian13:debug-nonroot", "INC-1234 stuck requests", undefined),
      '--image: "gcr.io/distroless/base-debian13:debug-nonroot" is not allowed in environment prod; set debug.image to a debug image pinned by digest (<repository>@sha256:<64 hex>)',
    );
    assert.equal(refusal(prod, pinned, "INC-1234 stuck requests", undefined), undefined);
    for (const bad of ["", "  ", "two\nlines", "x".repeat(301)]) {
      assert.equal(
        refusal(prod, pinned, bad, undefined),
        "--break-glass: give the reason on one line, at most 300 characters",
      );
    }
  });

  it("the CLI refuses prod with exit 2 before reaching any cluster, and names a missing service", function () {
    this.timeout(60_000);
    const cli = (args: string[]) =>
      spawnSync(
        process.execPath,
        ["--import", "tsx", path.join(__dirname, "..", "scripts", "debug.ts"), ...args],
        {
          encoding: "utf8",
          env: { ...process.env, KUBECONFIG: "/nonexistent" },
        },
      );
    const prod = cli(["--stack", "prod", "--service", "node-service"]);
    assert.equal(prod.status, 2, prod.stderr);
    assert.match(prod.stderr, /^error: debugging is refused in environment prod: /);
    const missing = cli(["--stack", "local", "--service", "nope"]);
    assert.equal(missing.status, 2);
    assert.match(
      missing.stderr,
      /^error: --service: "nope" is not a service of stack local; services: node-service, go-service, python-service\n$/,
    );
    const usage = cli(["--stack", "local"]);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /^error: --service is required\n/);
  });
});
