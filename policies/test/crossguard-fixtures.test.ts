// Kubernetes' own Pod Security conformance data through the CrossGuard policies, run by the harness as the
// policy runtime would: each case is a Pod resource, every pss-* policy configured with the case's level and
// version. The pack's verdict (any violation = fail) must be the fixture's, on all 148 cases.
import * as assert from "node:assert/strict";
import { pssCheckPolicies } from "../crossguard/policies";
import { checksFor } from "../pss/registry";
import { type FixtureCase, FIXTURE_CASES, fixtureDoc, overridersOf } from "./fixtures";
import { PolicyHarness } from "./harness";

const POD_TYPE = "kubernetes:core/v1:Pod";

/** Every PSS policy configured for the case's profile and version. */
function harnessFor(c: FixtureCase): PolicyHarness {
  const config = Object.fromEntries(
    pssCheckPolicies.map((p) => [p.name, { pssLevel: c.level, pssVersion: c.version }]),
  );
  return new PolicyHarness(pssCheckPolicies, { config });
}

/** A fixture manifest as a Pulumi Pod resource: apiVersion and kind live in the type token. */
function podResource(c: FixtureCase) {
  const { apiVersion: _apiVersion, kind, ...props } = fixtureDoc(c);
  assert.equal(kind, "Pod");
  const md = props.metadata as { name?: unknown } | undefined;
  return { type: POD_TYPE, name: typeof md?.name === "string" ? md.name : c.file, props };
}

const agreed: string[] = [];

describe("PSS conformance fixtures through CrossGuard (pss-* policies in the runtime harness)", () => {
  it("covers the 148 upstream cases", () => {
    assert.equal(FIXTURE_CASES.length, 148);
  });

  for (const c of FIXTURE_CASES) {
    it(`${c.file}: ${c.level} ${c.version} → ${c.expected}`, async () => {
      const r = await harnessFor(c).analyze(podResource(c));
      assert.deepEqual(r.previewSkips, []);
      // Every violation is mandatory (pss-* policies default to mandatory).
      assert.deepEqual(
        r.violations.filter((v) => v.enforcementLevel !== "mandatory"),
        [],
      );
      const verdict = r.violations.length === 0 ? "pass" : "fail";
      assert.equal(
        verdict,
        c.expected,
        r.violations.map((v) => `${v.policyName}: ${v.violation}`).join(" | "),
      );
      if (c.expected === "fail") {
        // The case's own check (or, at restricted, the check overriding it) is among the violations.
        const acceptable = [c.check, ...overridersOf(c.check, c.level)].map((id) => `pss-${id}`);
        assert.ok(
          r.violations.some((v) => acceptable.includes(v.policyName)),
          `expected ${acceptable.join(" or ")} among ${r.violations.map((v) => v.policyName).join(", ")}`,
        );
      }
      // The policies that ran (were not "not applicable") are the registry's set for the profile and
      // version: the set pod-security-admission evaluates.
      const notApplicable = new Set(r.notApplicable.map((x) => x.policyName));
      assert.deepEqual(
        pssCheckPolicies
          .map((p) => p.name)
          .filter((n) => !notApplicable.has(n))
          .sort(),
        checksFor(c.level, c.version)
          .map(({ check }) => `pss-${check.id}`)
          .sort(),
      );
      agreed.push(c.file);
    });
  }

  after(() => {
    console.log(`    CrossGuard PSS fixture agreement: ${agreed.length}/${FIXTURE_CASES.length}`);
  });
});
