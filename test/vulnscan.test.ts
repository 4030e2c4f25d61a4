// The vulnerability gate's pure parts (which findings block, the message, the counts), Grype's report as the
// scan reads it, and the provider's check where it needs no registry: refusing a database path, and recording the
// database's digest while the image is still unknown. The scan itself runs against real images in the e2e suite.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { countsOf, findingsSummary } from "../components/image";
import {
  matchesFromGrype,
  vulnerabilityScanProvider,
  type VulnerabilityScanInputs,
} from "../components/vulnscan";
import {
  blockingMatches,
  gateFailure,
  VULNERABILITY_SCAN_KIND,
  type VulnerabilityMatch,
} from "distroless-guardrails/model";

const match = (over: Partial<VulnerabilityMatch>): VulnerabilityMatch => ({
  id: "CVE-2099-0001",
  severity: "high",
  package: "libc6",
  version: "2.41-12",
  type: "deb",
  fixedIn: ["2.41-13"],
  platform: "linux/amd64",
  ...over,
});

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("vulnerability gate", () => {
  describe("blockingMatches", () => {
    const findings = [
      match({ id: "A", severity: "critical" }),
      match({ id: "B", severity: "high", fixedIn: [] }),
      match({ id: "C", severity: "medium" }),
      match({ id: "D", severity: "unknown" }),
    ];

    it("blocks at the threshold and above, fixable only when onlyFixed", () => {
      assert.deepEqual(
        blockingMatches(findings, "high", true).map((m) => m.id),
        ["A"],
      );
      assert.deepEqual(
        blockingMatches(findings, "high", false).map((m) => m.id),
        ["A", "B"],
      );
      assert.deepEqual(
        blockingMatches(findings, "medium", false).map((m) => m.id),
        ["A", "B", "C"],
      );
      assert.deepEqual(
        blockingMatches(findings, "negligible", false).map((m) => m.id),
        ["A", "B", "C"],
        "a finding of unknown severity never blocks",
      );
    });

    it("counts per severity, most severe first, leaving empty ones out", () => {
      assert.deepEqual(countsOf(findings), {
        critical: { total: 1, fixable: 1 },
        high: { total: 1, fixable: 0 },
        medium: { total: 1, fixable: 1 },
        unknown: { total: 1, fixable: 1 },
      });
      assert.deepEqual(Object.keys(countsOf(findings)), ["critical", "high", "medium", "unknown"]);
    });
  });

  describe("findingsSummary", () => {
    it("says how many findings of which severity, how many fixable, with which database and threshold", () => {
      const findings = {
        databaseBuilt: "2026-12-02T01:40:00Z",
        platforms: ["linux/amd64", "linux/arm64"],
        matches: [
          match({ severity: "low", fixedIn: [] }),
          match({ severity: "low", platform: "linux/arm64" }),
        ],
      };
      assert.equal(
        findingsSummary("app-1.0.0", findings, "high", true),
        "app-1.0.0: 2 findings (low 2; 1 fixable) on linux/amd64, linux/arm64 with the database built " +
          "2026-12-02T01:40:00Z; the gate fails on high and above with a fix",
      );
      assert.equal(
        findingsSummary("app", { ...findings, matches: [] }, "critical", false),
        "app: 0 findings on linux/amd64, linux/arm64 with the database built 2026-12-02T01:40:00Z; the gate fails " +
          "on critical and above",
      );
    });
  });

  describe("gateFailure", () => {
    it("passes with nothing blocking", () => {
      assert.equal(gateFailure("r/app@sha256:1", [], "high", true), undefined);
    });

    it("names each finding with its package, version, fix and platform, and what to do", () => {
      const message = gateFailure(
        "r/app@sha256:1",
        [match({}), match({ platform: "linux/arm64" })],
        "high",
        true,
      );
      assert.equal(
        message,
        "r/app@sha256:1: 2 fixable findings at severity high or above:\n" +
          "  - CVE-2099-0001 high in deb package libc6 2.41-12 (fixed in 2.41-13) on linux/amd64\n" +
          "  - CVE-2099-0001 high in deb package libc6 2.41-12 (fixed in 2.41-13) on linux/arm64\n" +
          "Rebuild on a base with the fixed packages (npm run bases, or a newer images.baseDigests entry), upgrade the " +
          "app's dependency, or raise images.vulnerabilities.failOn for this environment.",
      );
    });

    it("lists at most ten findings and says how many more", () => {
      const many = Array.from({ length: 12 }, (_, i) => match({ id: `CVE-2099-${1000 + i}` }));
      const lines = (gateFailure("img", many, "critical", false) ?? "").split("\n");
      assert.equal(lines[0], "img: 12 findings at severity critical or above:");
      assert.equal(lines.length, 1 + 10 + 1 + 1);
      assert.equal(lines[11], "  - … and 2 more");
    });
  });

  describe("matchesFromGrype", () => {
    it("reads Grype 0.121's JSON report: id, severity, package, fix", () => {
      const report = JSON.parse(
        fs.readFileSync(path.join(__dirname, "fixtures", "grype-report.json"), "utf8"),
      );
      assert.deepEqual(matchesFromGrype(report, "linux/arm64"), [
        {
          id: "CVE-2099-0001",
          severity: "high",
          package: "libssl3t64",
          version: "3.5.1-1",
          type: "deb",
          fixedIn: ["3.5.1-2"],
          platform: "linux/arm64",
        },
      ]);
    });

    it("counts a fix only when Grype says fixed, and one match per advisory and package", () => {
      const vuln = (state: string) => ({
        vulnerability: { id: "X", severity: "Medium", fix: { versions: ["2"], state } },
        artifact: { name: "p", version: "1", type: "npm" },
      });
      const out = matchesFromGrype({ matches: [vuln("wont-fix"), vuln("wont-fix")] }, "linux/amd64");
      assert.equal(out.length, 1);
      assert.deepEqual(out[0].fixedIn, []);
      assert.equal(out[0].severity, "medium");
    });
  });

  describe("the provider's check", () => {
    let root: string;
    let cache: string;
    let saved: string | undefined;
    let savedCache: string | undefined;
    const inputs = (over: Partial<VulnerabilityScanInputs>): VulnerabilityScanInputs => ({
      kind: VULNERABILITY_SCAN_KIND,
      image: UNKNOWN,
      repository: "localhost:5000/p/app",
      sbomDigests: { "linux/amd64": UNKNOWN } as unknown as Record<string, string>,
      database: ".grype/vulnerability.db",
      failOn: "high",
      onlyFixed: true,
      ...over,
    });
    const check = (news: VulnerabilityScanInputs) => vulnerabilityScanProvider.check!({}, news);

    beforeEach(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), "vulnscan-"));
      cache = fs.mkdtempSync(path.join(os.tmpdir(), "vulnscan-cache-"));
      saved = process.env.DISTROLESS_PROJECT_ROOT;
      savedCache = process.env.DISTROLESS_CACHE;
      process.env.DISTROLESS_PROJECT_ROOT = root;
      process.env.DISTROLESS_CACHE = cache;
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.DISTROLESS_PROJECT_ROOT;
      else process.env.DISTROLESS_PROJECT_ROOT = saved;
      if (savedCache === undefined) delete process.env.DISTROLESS_CACHE;
      else process.env.DISTROLESS_CACHE = savedCache;
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(cache, { recursive: true, force: true });
    });

    it("refuses a database that does not exist, naming the key and what to do", async () => {
      const result = await check(inputs({}));
      assert.deepEqual(result.failures, [
        {
          property: "database",
          reason:
            'images.vulnerabilities.database: ".grype/vulnerability.db" is not allowed; expected a file inside the ' +
            'project; nothing exists there (a Grype database: see the README\'s "Vulnerability gate" for fetching or ' +
            "building one)",
        },
      ]);
    });

    it("does not follow a symbolic link out of the project", async () => {
      const outside = fs.mkdtempSync(path.join(os.tmpdir(), "outside-"));
      fs.writeFileSync(path.join(outside, "v.db"), "x");
      fs.symlinkSync(path.join(outside, "v.db"), path.join(root, "v.db"));
      try {
        const result = await check(inputs({ database: "v.db" }));
        assert.match(
          result.failures?.[0].reason ?? "",
          /it leads outside the project through a symbolic link/,
        );
      } finally {
        fs.rmSync(outside, { recursive: true, force: true });
      }
    });

    it("refuses a threshold Grype does not know", async () => {
      const result = await check(inputs({ failOn: "severe" as never }));
      assert.equal(
        result.failures?.[0].reason.startsWith(
          'images.vulnerabilities.failOn: "severe" is not allowed; expected one of negligible, low, medium, high, critical',
        ),
        true,
      );
    });

    it("records the database's digest and leaves the scan for later while the image is unknown", async () => {
      fs.mkdirSync(path.join(root, ".grype"));
      fs.writeFileSync(path.join(root, ".grype", "vulnerability.db"), "database bytes");
      const result = await check(inputs({}));
      assert.deepEqual(result.failures ?? [], []);
      const sha = crypto.createHash("sha256").update("database bytes").digest("hex");
      assert.equal((result.inputs as VulnerabilityScanInputs).databaseDigest, `sha256:${sha}`);
      assert.equal((result.inputs as VulnerabilityScanInputs).findings, undefined);
    });

    it("hashes the database once per size and modification time", async () => {
      const file = path.join(root, "v.db");
      const digestOf = async () =>
        ((await check(inputs({ database: "v.db" }))).inputs as VulnerabilityScanInputs).databaseDigest;
      const sha = (text: string) => `sha256:${crypto.createHash("sha256").update(text).digest("hex")}`;
      fs.writeFileSync(file, "first");
      const when = new Date("2026-12-01T00:00:00Z");
      fs.utimesSync(file, when, when);
      assert.equal(await digestOf(), sha("first"));
      // Same size and time: the remembered digest, not a new read.
      fs.writeFileSync(file, "other");
      fs.utimesSync(file, when, when);
      assert.equal(await digestOf(), sha("first"));
      // A new time (a new download, a copy) is read again.
      fs.utimesSync(file, new Date("2026-12-02T00:00:00Z"), new Date("2026-12-02T00:00:00Z"));
      assert.equal(await digestOf(), sha("other"));
      assert.equal(
        Object.keys(JSON.parse(fs.readFileSync(path.join(cache, "grype-db", "digests.json"), "utf8"))).length,
        1,
      );
    });

    it("reuses the recorded findings when neither the image nor the database changed, and gates on them", async () => {
      fs.writeFileSync(path.join(root, "v.db"), "db");
      const digest = `sha256:${crypto.createHash("sha256").update("db").digest("hex")}`;
      const known = inputs({ database: "v.db", image: "localhost:5000/p/app@sha256:1", sbomDigests: {} });
      const findings = {
        databaseBuilt: "2026-12-01T00:00:00Z",
        platforms: ["linux/amd64"],
        matches: [match({})],
      };
      // No registry or Grype is reached: the recorded findings are the input.
      const result = await vulnerabilityScanProvider.check!(
        { ...known, databaseDigest: digest, findings },
        known,
      );
      assert.deepEqual((result.inputs as VulnerabilityScanInputs).findings, findings);
      assert.equal(result.failures?.[0].property, "findings");
      assert.match(
        result.failures?.[0].reason ?? "",
        /^localhost:5000\/p\/app@sha256:1: 1 fixable finding at severity high/,
      );
    });
  });
});
