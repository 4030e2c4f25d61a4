// Kubernetes' own Pod Security conformance data ($PSS_FIXTURES_DIR, else ../shared/fixtures/pss; 148 cases,
// see its README), loaded once for every test that checks agreement with it.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { Level } from "../lib/types";
import { PSS_CHECKS_BY_ID } from "../pss/registry";

/** One case of index.json: a Pod manifest and the verdict of its whole profile at its policy version. */
export interface FixtureCase {
  file: string;
  level: Level;
  version: string;
  check: string;
  expected: "pass" | "fail";
}

/** Environment variable naming the fixtures folder (the one holding index.json); when set, the only place looked. */
export const FIXTURES_ENV = "PSS_FIXTURES_DIR";

/**
 * `$PSS_FIXTURES_DIR` when set (CI checks the fixtures out wherever it likes; a wrong value fails rather than
 * falling back to another copy), else `shared/` beside the project root, as tests run from the root (npm test)
 * or from policies/.
 */
export function fixturesDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[FIXTURES_ENV];
  if (fromEnv !== undefined && fromEnv !== "") {
    const dir = path.resolve(fromEnv);
    if (!fs.existsSync(path.join(dir, "index.json"))) {
      throw new Error(
        `PSS fixtures not found: ${FIXTURES_ENV} is ${JSON.stringify(fromEnv)}, but ${dir} holds no index.json; ` +
          `set ${FIXTURES_ENV} to the folder holding index.json and <level>/<check>/{pass,fail}-*.yaml`,
      );
    }
    return dir;
  }
  const candidates = [
    path.resolve(__dirname, "../../../shared/fixtures/pss"),
    path.resolve(process.cwd(), "../shared/fixtures/pss"),
    path.resolve(process.cwd(), "../../shared/fixtures/pss"),
  ];
  const found = candidates.find((d) => fs.existsSync(path.join(d, "index.json")));
  if (!found) {
    throw new Error(
      `PSS fixtures not found: ${FIXTURES_ENV} is unset and none of ${candidates.join(", ")} holds ` +
        `index.json; set ${FIXTURES_ENV} to the folder holding index.json and <level>/<check>/{pass,fail}-*.yaml`,
    );
  }
  return found;
}

export const FIXTURES_DIR: string = fixturesDir();

/** Every case of index.json, in its order. */
export const FIXTURE_CASES: readonly FixtureCase[] = (
  JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, "index.json"), "utf8")) as { cases: FixtureCase[] }
).cases;

/** The parsed manifest of a case. */
export function fixtureDoc(c: FixtureCase): Record<string, unknown> {
  return parse(fs.readFileSync(path.join(FIXTURES_DIR, c.file), "utf8")) as Record<string, unknown>;
}

/** Restricted checks that replace a baseline check at the restricted level (upstream's overrideCheckIDs). */
export function overridersOf(checkId: string, level: Level): string[] {
  if (level !== "restricted") return [];
  const out: string[] = [];
  for (const check of PSS_CHECKS_BY_ID.values()) {
    if (check.versions.some((v) => (v.overrideCheckIDs ?? []).includes(checkId))) out.push(check.id);
  }
  return out;
}
