// The air-gapped base mirror (`npm run bases -- --push <registry>/<path>`) on the local environment's BuildKit and
// registry: every base the generated Dockerfiles and `npm run debug` use, for both architectures, under the names
// `registry.mirror` resolves to, and the same digests when assembled again from the packages.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { baseImageFor, minimalBaseFor } from "../../components/baseimage";
import { PROJECT_ROOT } from "../../scripts/lib/paths";
import { clusterRunning, manifest } from "./cluster";

const PUSHED = /^localhost:5000\/(e2e-mirror-\d)\/([a-z0-9]+-debian13):([a-z-]+)@(sha256:[0-9a-f]{64})$/;

interface Pushed {
  readonly name: string;
  readonly tag: string;
  readonly digest: string;
}

/** Fills `localhost:5000/<prefix>` and returns what it printed, one line per image. */
function fillMirror(prefix: string): Pushed[] {
  const r = spawnSync(
    "bash",
    [path.join(PROJECT_ROOT, "scripts/local/images.sh"), "mirror", "--push", `localhost:5000/${prefix}`],
    {
      encoding: "utf8",
    },
  );
  assert.equal(r.status, 0, r.stderr);
  // Progress goes to stderr, one line per image and a last line naming what to set.
  assert.match(r.stderr, /images: mirror localhost:5000\/e2e-mirror-\d filled; set registry\.mirror/);
  return r.stdout
    .trim()
    .split("\n")
    .map((line) => {
      const m = PUSHED.exec(line);
      assert.ok(m, `not a pushed reference: ${line}`);
      assert.equal(m[1], prefix);
      return { name: m[2], tag: m[3], digest: m[4] };
    });
}

describe("e2e: npm run bases fills a registry mirror reproducibly", function () {
  this.timeout(20 * 60_000);
  let first: Pushed[];

  before(function () {
    assert.ok(
      clusterRunning(),
      "the local environment is not running: npm run local:up (scripts/e2e.sh starts it)",
    );
  });

  it("pushes every base under the names registry.mirror resolves to, for both architectures", async () => {
    first = fillMirror("e2e-mirror-1");
    const mirror = "localhost:5000/e2e-mirror-1";
    const expected = [
      baseImageFor({ family: "static", mirror }),
      baseImageFor({ family: "base", mirror }),
      baseImageFor({ family: "cc", mirror }),
      baseImageFor({ family: "nodejs", mirror }),
      baseImageFor({ family: "python", mirror }),
      // images.base: minimal's skeleton.
      minimalBaseFor(mirror),
      // npm run debug's default image on a mirror.
      `${mirror}/base-debian13:debug-nonroot`,
    ];
    assert.deepEqual(
      first.map((p) => `${mirror}/${p.name}:${p.tag}`),
      expected,
    );
    for (const p of first) {
      const index = (await manifest(`e2e-mirror-1/${p.name}`, p.digest)) as {
        manifests: { platform?: { os: string; architecture: string } }[];
      };
      assert.deepEqual(
        index.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`).sort(),
        ["linux/amd64", "linux/arm64"],
        p.name,
      );
    }
  });

  it("says so, before assembling anything, when no BuildKit answers at --buildkit", () => {
    const r = spawnSync(
      "bash",
      [
        path.join(PROJECT_ROOT, "scripts/local/images.sh"),
        "mirror",
        "--push",
        "localhost:5000/x",
        "--buildkit",
        "tcp://127.0.0.1:9",
      ],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr,
      "error: BuildKit is not running at tcp://127.0.0.1:9\n  next: npm run local:up, or give --buildkit <address> of your own buildkitd\n",
    );
  });

  it("gives the same digests when assembled again from the packages", () => {
    const second = fillMirror("e2e-mirror-2");
    assert.deepEqual(second, first);
  });
});
