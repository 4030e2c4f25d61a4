// `npm run policy:check -- [options] <files or folders>`: the pack's rules on plain Kubernetes YAML and
// Dockerfiles. Logic lives in cli/ so tests run it in-process; this file only wires argv and exit codes.
import { checkPaths, exitCode } from "./cli/check";
import { readStdin, type StdinSource } from "./cli/read";
import { errorToJson, formatError, formatViolation, JsonWriter, summaryLine, toJson } from "./cli/format";
import { parseArgs, USAGE } from "./cli/options";
import { BlockWriter } from "./cli/output";
import { MAX_PSS_MINOR, parsePssVersion } from "./pss/registry";

/** `latest`, or a version the pack's checks know (a later one would be checked as if it were the newest). */
function isPssVersion(v: string): boolean {
  if (v === "latest") return true;
  try {
    return parsePssVersion(v).minor <= MAX_PSS_MINOR;
  } catch {
    return false;
  }
}

/** Runs the checker and returns the exit code; output goes to the given writers, `-` reads `stdin`. */
export function main(
  argv: readonly string[],
  out?: (s: string) => void,
  err?: (s: string) => void,
  stdin: StdinSource = readStdin,
): number {
  const stdout = out === undefined ? new BlockWriter(1) : undefined;
  const stderr = err === undefined ? new BlockWriter(2) : undefined;
  try {
    return run(argv, out ?? ((s) => stdout?.line(s)), err ?? ((s) => stderr?.line(s)), stdin);
  } finally {
    stdout?.flush();
    stderr?.flush();
  }
}

function run(
  argv: readonly string[],
  out: (s: string) => void,
  err: (s: string) => void,
  stdin: StdinSource,
): number {
  const parsed = parseArgs(argv, isPssVersion);
  if (!parsed.ok) {
    err(`error: ${parsed.error}`);
    err(USAGE);
    return 2;
  }
  const options = parsed.options;
  for (const note of options.notes ?? []) err(`note: ${note}`);
  if (options.help) {
    out(USAGE);
    return 0;
  }
  // Findings are printed as they are found, so none is held: memory does not grow with the number of findings.
  const json = options.format === "json" ? new JsonWriter(out) : undefined;
  const summary = checkPaths(options.paths, options, stdin, (v) =>
    json !== undefined ? json.add(toJson(v)) : out(formatViolation(v)),
  );
  for (const e of summary.errors) err(formatError(e));
  if (json !== undefined) {
    for (const e of summary.errors) json.add(errorToJson(e));
    json.end();
  } else {
    out(summaryLine(summary, options));
  }
  return exitCode(summary);
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
