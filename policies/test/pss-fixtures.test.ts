// Kubernetes' own Pod Security conformance data (../shared/fixtures/pss): every case must get the verdict
// of its whole profile at its policy version.
import * as assert from "node:assert/strict";
import { evaluateObject, forbiddenOutcomes, PSS_CHECKS_BY_ID } from "../pss/registry";
import { FIXTURE_CASES, fixtureDoc, overridersOf } from "./fixtures";

const index = { cases: FIXTURE_CASES };
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
      const doc = fixtureDoc(c);
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
