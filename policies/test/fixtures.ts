// Kubernetes' own Pod Security conformance data (../shared/fixtures/pss, 148 cases; see its README), loaded
// once for every test that checks agreement with it.
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

/** `shared/` sits beside the project root; tests run from the root (npm test) or from policies/. */
export function fixturesDir(): string {
  const candidates = [
    path.resolve(__dirname, "../../../shared/fixtures/pss"),
    path.resolve(process.cwd(), "../shared/fixtures/pss"),
    path.resolve(process.cwd(), "../../shared/fixtures/pss"),
  ];
  const found = candidates.find((d) => fs.existsSync(path.join(d, "index.json")));
  if (!found) throw new Error(`PSS fixtures not found; looked in ${candidates.join(", ")}`);
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
