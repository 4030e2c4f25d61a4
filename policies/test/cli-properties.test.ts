// The checker on input nobody planned for: random bytes, random YAML documents and deep random structures never
// crash it, never make it throw, and always end in exit code 0, 1 or 2 with their documented meaning.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { checkPaths, exitCode, type CheckSummary } from "../cli/check";
import type { Profile } from "../cli/options";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-check-props-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function checkBytes(name: string, bytes: Uint8Array | string, profile: Profile = "hardened"): CheckSummary {
  const file = path.join(dir, `${n++}-${name}`);
  fs.writeFileSync(file, bytes);
  try {
    return checkPaths([file], { profile, pssVersion: "latest" });
  } finally {
    fs.rmSync(file);
  }
}

/** The documented meaning of each exit code holds for the summary. */
function assertMeaning(summary: CheckSummary): void {
  const code = exitCode(summary);
  assert.ok(code === 0 || code === 1 || code === 2);
  if (code === 2) assert.ok(summary.errors.length > 0);
  if (code === 1) assert.ok(summary.violations.some((v) => v.enforcement === "mandatory"));
  if (code === 0) {
    assert.equal(summary.errors.length, 0);
    assert.ok(!summary.violations.some((v) => v.enforcement === "mandatory"));
  }
  for (const e of summary.errors) {
    // Input errors describe; they never carry control characters from the input.
    const control = [...e.message].some((ch) => ch.charCodeAt(0) < 0x20 && ch !== "\n" && ch !== "\t");
    assert.ok(!control, JSON.stringify(e.message));
  }
}

const POD_CARRYING = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet"];

describe("policy:check — property tests on untrusted input", () => {
  it("random bytes, as YAML or as a Dockerfile", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.boolean(), (bytes, dockerfile) => {
        assertMeaning(checkBytes(dockerfile ? "Dockerfile" : "in.yaml", bytes));
      }),
      { numRuns: 300 },
    );
  });

  it("random YAML documents of any shape", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue({ maxDepth: 6 }), { minLength: 1, maxLength: 4 }), (docs) => {
        assertMeaning(checkBytes("docs.yaml", docs.map((d) => stringify(d)).join("---\n")));
      }),
      { numRuns: 300 },
    );
  });

  it("pod-carrying objects with random structure where the spec should be", () => {
    const spec = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ containers: fc.jsonValue({ maxDepth: 3 }) }),
      fc.record({ template: fc.record({ spec: fc.jsonValue({ maxDepth: 4 }) }) }),
      fc.record({
        containers: fc.array(fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })), {
          maxLength: 3,
        }),
      }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...POD_CARRYING),
        spec,
        fc.constantFrom<Profile>("baseline", "restricted", "hardened"),
        (kind, s, profile) => {
          const obj = {
            apiVersion: kind === "Pod" ? "v1" : "apps/v1",
            kind,
            metadata: { name: "x" },
            spec: s,
          };
          assertMeaning(checkBytes("obj.yaml", stringify(obj), profile));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("deeply nested structures", () => {
    fc.assert(
      fc.property(fc.integer({ min: 50, max: 400 }), (depth) => {
        const text = `${Array.from({ length: depth }, (_, i) => `${"  ".repeat(i)}k${i}:`).join("\n")} 1\n`;
        assertMeaning(checkBytes("deep.yaml", text));
      }),
      { numRuns: 20 },
    );
  });
});
