// The config loader on values nobody planned for: any JSON value under any key either loads or fails with a
// ConfigError whose every line has the documented `<key>: <value> is not allowed; <what is allowed>` form.
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { CONFIG_KEYS, ConfigError, loadConfig } from "../config";

const LINE = /^[^:]+: .+ is not allowed; .+$/s;

function check(raw: Record<string, unknown>): void {
  try {
    loadConfig(raw);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `not a ConfigError: ${String(e)}`);
    assert.ok(e.problems.length > 0);
    for (const p of e.problems) {
      assert.ok(LINE.test(p) || p.includes(": (unknown key) is not allowed; "), JSON.stringify(p));
    }
  }
}

describe("config loader — property tests", () => {
  it("any JSON value under any known key", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...CONFIG_KEYS), fc.jsonValue({ maxDepth: 5 })), check),
      { numRuns: 400 },
    );
  });

  it("services with random fields", () => {
    const service = fc.record(
      {
        name: fc.oneof(fc.string({ maxLength: 70 }), fc.jsonValue({ maxDepth: 2 })),
        app: fc.oneof(fc.constantFrom("apps/node-service", ".", "../x", "/etc", "a/../../b"), fc.string()),
        runtime: fc.oneof(fc.constantFrom("nodejs", "go"), fc.string()),
        version: fc.oneof(fc.constantFrom("1.0.0"), fc.string({ maxLength: 80 })),
        replicas: fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.double(), fc.string()),
        env: fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 1 })),
        canary: fc.record({ weight: fc.oneof(fc.integer({ min: -10, max: 150 }), fc.string()) }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(service, { maxLength: 3 }), (services) => check({ services })),
      { numRuns: 400 },
    );
  });
});
