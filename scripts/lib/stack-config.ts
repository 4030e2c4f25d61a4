// The stack's settings as the program sees them, read outside the engine (by the release driver and the debug
// command): Pulumi.<stack>.yaml's project keys, with a target's `config` overrides laid over them as the engine
// run would, validated by the program's own loadConfig.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { loadConfig, PROJECT, type PlatformConfig } from "../../config";
import { PROJECT_ROOT } from "./paths";

export class StackConfigError extends Error {}

/** Where a target's settings file is. */
export function stackFilePath(stack: string, projectRoot: string = PROJECT_ROOT): string {
  return path.join(path.resolve(projectRoot), `Pulumi.${stack}.yaml`);
}

/** The stack file's project config with `overrides` (top-level keys) laid over it; secrets stand in as text. */
export function stackConfig(file: string, overrides: Record<string, unknown> = {}): PlatformConfig {
  if (!fs.existsSync(file)) {
    const stack = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(file))?.[1] ?? path.basename(file);
    throw new StackConfigError(
      `--stack: ${JSON.stringify(stack)} has no settings file ${path.basename(file)} in ${path.dirname(file)}`,
    );
  }
  const doc = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc?.config ?? {})) {
    if (!key.startsWith(`${PROJECT}:`)) continue;
    const secure = value !== null && typeof value === "object" && "secure" in value;
    raw[key.slice(PROJECT.length + 1)] = secure ? "secret" : value;
  }
  return loadConfig({ ...raw, ...overrides }).config;
}
