// Where the toolchain and the local environment live, and the pinned versions: the TypeScript side of
// scripts/lib/common.sh, reading the same versions.env so both agree.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The repository root. */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** Cache folder of built tools (`$DISTROLESS_CACHE`, default ~/.cache/distroless-platform). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.DISTROLESS_CACHE ??
    path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "distroless-platform")
  );
}

/** Built binaries: pulumi, its plugins, the cluster's and BuildKit's. */
export function binDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), "bin");
}

/** State of the local environment (`$DISTROLESS_STATE`). */
export function localStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DISTROLESS_STATE ?? path.join(cacheDir(env), "local");
}

/** The local cluster's kubeconfig for this machine (API server through the loopback forward). */
export function localKubeconfig(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(localStateDir(env), "kubeconfig");
}

/** `KEY=value` lines of scripts/toolchain/versions.env. */
export function pinnedVersions(): Record<string, string> {
  const text = fs.readFileSync(path.join(PROJECT_ROOT, "scripts", "toolchain", "versions.env"), "utf8");
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return out;
}

/** Seconds since `t0`, for progress lines. */
export function progress(t0: number, message: string): void {
  const s = Math.round((Date.now() - t0) / 1000);
  process.stderr.write(`[${String(s).padStart(4)}s] ${message}\n`);
}
