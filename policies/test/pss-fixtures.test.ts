// Kubernetes' own Pod Security conformance data (../shared/fixtures/pss): every case must get the verdict
// of its whole profile at its policy version.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { Level } from "../lib/types";
import { evaluateObject, forbiddenOutcomes, PSS_CHECKS_BY_ID } from "../pss/registry";

interface FixtureCase {
  file: string;
  level: Level;
  version: string;
  check: string;
  expected: "pass" | "fail";
}

/** `shared/` sits beside the project root; tests run from the root (npm test) or from policies/. */
function fixturesDir(): string {
  const candidates = [
    path.resolve(__dirname, "../../../shared/fixtures/pss"),
    path.resolve(process.cwd(), "../shared/fixtures/pss"),
    path.resolve(process.cwd(), "../../shared/fixtures/pss"),
  ];
  const found = candidates.find((d) => fs.existsSync(path.join(d, "index.json")));
  if (!found) throw new Error(`PSS fixtures not found; looked in ${candidates.join(", ")}`);
  return found;
}

const dir = fixturesDir();
const index = JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8")) as { cases: FixtureCase[] };
const agreed: string[] = [];

describe("PSS conformance fixtures (kubernetes/pod-security-admission testdata)", () => {
  it("has the 148 upstream cases, each naming a known check or a minimal valid pod", () => {
    assert.equal(index.cases.length, 148);
    for (const c of index.cases) {
      assert.ok(
        PSS_CHECKS_BY_ID.has(c.check) || c.check.startsWith("_minimal_valid_pod"),
        `${c.file}: unknown check ${c.check}`,
      );
    }
  });

  for (const c of index.cases) {
    it(`${c.file}: ${c.level} ${c.version} → ${c.expected}`, () => {
      const doc: unknown = parse(fs.readFileSync(path.join(dir, c.file), "utf8"));
      const kind = (doc as { kind?: unknown }).kind;
      assert.equal(kind, "Pod");
      const outcomes = evaluateObject("Pod", doc, c.level, c.version);
      assert.ok(outcomes, "a Pod must carry a pod spec");
      const forbidden = forbiddenOutcomes(outcomes);
      const verdict = forbidden.length === 0 ? "pass" : "fail";
      assert.equal(
        verdict,
        c.expected,
        `forbidden by: ${forbidden.map((o) => `${o.checkId}: ${o.result.forbiddenDetail ?? ""}`).join(" | ")}`,
      );
      // A failing case breaks the check it is filed under (or, at restricted, the check overriding it).
      if (c.expected === "fail") {
        const ids = forbidden.map((o) => o.checkId);
        const acceptable = [c.check, ...overridersOf(c.check, c.level)];
        assert.ok(
          ids.some((id) => acceptable.includes(id)),
          `expected ${acceptable.join(" or ")} among ${ids.join(", ")}`,
        );
      }
      agreed.push(c.file);
    });
  }

  after(() => {
    console.log(`    PSS fixture agreement: ${agreed.length}/${index.cases.length}`);
  });
});

/** Restricted checks that replace a baseline check at the restricted level. */
function overridersOf(checkId: string, level: Level): string[] {
  if (level !== "restricted") return [];
  const out: string[] = [];
  for (const check of PSS_CHECKS_BY_ID.values()) {
    if (check.versions.some((v) => (v.overrideCheckIDs ?? []).includes(checkId))) out.push(check.id);
  }
  return out;
}
