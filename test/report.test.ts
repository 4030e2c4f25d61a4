// The report's figures and its outputs, and the layer reader they come from, on images made up here: a tar built
// byte by byte, whiteouts, and an SBOM with Debian and other packages.
import { strict as assert } from "node:assert";
import {
  applyLayer,
  fileBytes,
  tarEntries,
  type ImageContents,
  type ImageFile,
} from "../scripts/lib/image-files";
import { barChart, markdownTable, measure, type Row } from "../scripts/report/measure";

/** A ustar header and body for one entry. */
function entry(name: string, type: "0" | "5" | "2", body = "", target = ""): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, "utf8");
  header.write("0000644\0", 100);
  header.write(body.length.toString(8).padStart(11, "0") + "\0", 124);
  header.write(type, 156);
  header.write(target, 157);
  header.write("ustar\0", 257);
  const padded = Buffer.alloc(Math.ceil(body.length / 512) * 512);
  padded.write(body);
  return Buffer.concat([header, padded]);
}
const tar = (...entries: Buffer[]): Buffer => Buffer.concat([...entries, Buffer.alloc(1024)]);

function contents(files: Record<string, ImageFile>, compressedBytes = 100): ImageContents {
  return { manifest: "sha256:1", compressedBytes, files: new Map(Object.entries(files)) };
}

describe("report", () => {
  describe("layer reader", () => {
    it("reads files, folders and links, and applies a later layer's whiteouts", () => {
      const files = new Map<string, ImageFile>();
      applyLayer(
        files,
        tarEntries(
          tar(
            entry("./bin/", "5"),
            entry("./bin/sh", "0", "#!"),
            entry("./etc/os-release", "0", "ID=debian\n"),
            entry("./lib", "2", "", "usr/lib"),
            entry("./opt/x/a", "0", "aaaa"),
          ),
        ),
      );
      assert.deepEqual(Object.fromEntries(files), {
        bin: { type: "dir", size: 0 },
        "bin/sh": { type: "file", size: 2 },
        "etc/os-release": { type: "file", size: 10 },
        lib: { type: "symlink", size: 0, target: "usr/lib" },
        "opt/x/a": { type: "file", size: 4 },
      });
      applyLayer(files, tarEntries(tar(entry("bin/.wh.sh", "0"), entry("opt/x/.wh..wh..opq", "0"))));
      assert.deepEqual([...files.keys()].sort(), ["bin", "etc/os-release", "lib"]);
    });
  });

  describe("measure", () => {
    const image = contents({
      "nodejs/bin/node": { type: "file", size: 1000 },
      "app/server.js": { type: "file", size: 30 },
      "usr/lib/libc.so.6": { type: "file", size: 20 },
      "usr/bin/sh": { type: "symlink", size: 0, target: "dash" },
      etc: { type: "dir", size: 0 },
    });
    const sbom = {
      packages: [
        {
          name: "libc6",
          externalRefs: [{ referenceType: "purl", referenceLocator: "pkg:deb/debian/libc6@2.41" }],
        },
        { name: "node", externalRefs: [{ referenceType: "purl", referenceLocator: "pkg:generic/node@22" }] },
        { name: "app" },
      ],
    };
    const finding = {
      id: "X",
      package: "libc6",
      version: "2.41",
      type: "deb",
      fixedIn: [],
      platform: "linux/amd64",
    };

    it("relates the image's bytes to the runtime's and the app's, counts packages, shells and findings", () => {
      const f = measure(image, ["nodejs/bin/node"], "app", sbom, [
        { ...finding, severity: "high" },
        { ...finding, severity: "low" },
        { ...finding, severity: "low" },
      ]);
      assert.deepEqual(f, {
        compressedBytes: 100,
        uncompressedBytes: 1050,
        runtimeAndAppBytes: 1030,
        ratio: 1050 / 1030,
        debPackages: 1,
        packages: 3,
        shell: true,
        cves: { critical: 0, high: 1, medium: 0, low: 2, negligible: 0, unknown: 0 },
      });
      assert.equal(fileBytes(image, "app"), 30);
    });

    it("sees no shell where there is none", () => {
      const noShell = contents({ app: { type: "file", size: 5 } });
      assert.equal(measure(noShell, [], "app", {}, []).shell, false);
      assert.equal(measure(noShell, [], "app", {}, []).ratio, 1);
    });
  });

  describe("outputs", () => {
    const figures = measure(
      contents({ app: { type: "file", size: 2_500_000 } }, 1_200_000),
      [],
      "app",
      {},
      [],
    );
    const rows: Row[] = [
      { app: "go-service", base: "minimal", platform: "linux/amd64", figures },
      { app: "go-service", base: "minimal", platform: "linux/arm64", figures },
    ];

    it("writes one Markdown row per app, base and platform", () => {
      assert.equal(
        markdownTable(rows).split("\n")[2],
        "| go-service | minimal | linux/amd64 | 1.2 | 2.5 | 1.000 | 0 | 0 | no | 0/0/0/0/0/0 |",
      );
      assert.equal(markdownTable(rows).trimEnd().split("\n").length, 4);
    });

    it("draws one bar per app and base of the platform, labelled with size and ratio", () => {
      const svg = barChart(rows, "linux/arm64");
      assert.equal((svg.match(/<rect /g) ?? []).length, 1);
      assert.match(svg, />go-service · minimal</);
      assert.match(svg, />2\.5 MB, ×1\.00</);
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    });
  });
});
