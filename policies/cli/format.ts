// Output of the checker: JSON (one entry per violation, for CI and jq) or text (one line per finding
// and a summary line, for people).
import type { CheckSummary, Violation } from "./check";
import type { InputError } from "./files";
import type { CheckOptions } from "./options";

/** A violation as JSON prints it: every key present on every entry (`pssCheck`/`line` null when not applicable). */
export interface JsonViolation {
  file: string;
  line: number | null;
  kind: string;
  name: string;
  namespace: string | null;
  policy: string;
  pssCheck: string | null;
  message: string;
  enforcement: string;
}

export function toJson(v: Violation): JsonViolation {
  return {
    file: v.file,
    line: v.line ?? null,
    kind: v.kind,
    name: v.name,
    namespace: v.namespace ?? null,
    policy: v.policy,
    pssCheck: v.pssCheck ?? null,
    message: v.message,
    enforcement: v.enforcement,
  };
}

export function formatJson(summary: CheckSummary): string {
  return JSON.stringify(summary.violations.map(toJson), null, 2);
}

/** `file:line:col: message`, the shape editors and CI annotators recognise. */
export function formatError(e: InputError): string {
  const at = [e.file, e.line, e.line !== undefined ? e.column : undefined]
    .filter((x) => x !== undefined)
    .join(":");
  return `${at}: error: ${e.message}`;
}

function formatViolation(v: Violation): string {
  const at = v.line !== undefined ? `${v.file}:${v.line}` : v.file;
  const object = v.kind === "Dockerfile" ? v.kind : `${v.kind}/${v.name || "(unnamed)"}`;
  const policy = v.pssCheck !== undefined ? `PSS ${v.pssCheck}` : v.policy;
  return `${at}: ${v.enforcement}: ${object} [${policy}] ${v.message}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The closing line, e.g. `3 files, 4 objects, profile restricted (PSS v1.37): 2 violations (2 mandatory), 0 errors`. */
export function summaryLine(summary: CheckSummary, options: CheckOptions): string {
  const mandatory = summary.violations.filter((v) => v.enforcement === "mandatory").length;
  const parts = [plural(summary.files.length, "file"), plural(summary.objects, "object")];
  if (summary.dockerfiles > 0) parts.push(plural(summary.dockerfiles, "Dockerfile"));
  const skipped =
    summary.skippedDockerfiles > 0
      ? ` (${plural(summary.skippedDockerfiles, "Dockerfile")} not audited: use --profile hardened)`
      : "";
  return (
    `${parts.join(", ")}, profile ${options.profile} (PSS ${summary.pssVersion}): ` +
    `${plural(summary.violations.length, "violation")} (${mandatory} mandatory), ${plural(summary.errors.length, "error")}${skipped}`
  );
}

/** Text output: violations on stdout; errors are printed separately (stderr) by the CLI. */
export function formatText(summary: CheckSummary, options: CheckOptions): string {
  return [...summary.violations.map(formatViolation), summaryLine(summary, options)].join("\n");
}
