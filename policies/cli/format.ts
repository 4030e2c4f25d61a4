// Output of the checker: JSON (one entry per violation, for CI and jq) or text (one line per finding
// and a summary line, for people).
import type { CheckSummary, Violation } from "./check";
import type { InputError } from "./files";
import type { CheckOptions } from "./options";

/**
 * An entry of the JSON output: every key present on every entry (`line`/`namespace`/`pssCheck` null when
 * not applicable). Violations carry their enforcement; input errors are entries too, so a CI job that
 * only reads stdout sees them: `kind` "InputError", `policy` "input-error", `enforcement` "error".
 */
export interface JsonEntry {
  file: string;
  line: number | null;
  /** Column of the offending field, with `line`, when known. */
  column: number | null;
  kind: string;
  name: string;
  namespace: string | null;
  policy: string;
  pssCheck: string | null;
  /** The finding's stable ID within its policy (PSS check or Dockerfile rule), for --ignore. */
  check: string | null;
  message: string;
  enforcement: string;
}

/** `policy` of the JSON entry of an input error. */
export const INPUT_ERROR_POLICY = "input-error";

export function toJson(v: Violation): JsonEntry {
  return {
    file: v.file,
    line: v.line ?? null,
    column: v.line !== undefined ? (v.column ?? null) : null,
    kind: v.kind,
    name: v.name,
    namespace: v.namespace ?? null,
    policy: v.policy,
    pssCheck: v.pssCheck ?? null,
    check: v.check ?? null,
    message: v.message,
    enforcement: v.enforcement,
  };
}

/** An input error as a JSON entry: the same keys as a violation's. */
export function errorToJson(e: InputError): JsonEntry {
  return {
    file: e.file,
    line: e.line ?? null,
    column: e.line !== undefined ? (e.column ?? null) : null,
    kind: "InputError",
    name: "",
    namespace: null,
    policy: INPUT_ERROR_POLICY,
    pssCheck: null,
    check: null,
    message: e.message,
    enforcement: "error",
  };
}

/**
 * Writes the JSON array one entry at a time, so a run with many findings never builds one huge string; what it
 * writes, joined by newlines, is exactly `JSON.stringify(entries, null, 2)`. One entry is held back so the last
 * can close the array without a comma.
 */
export class JsonWriter {
  private pending: string | undefined;
  private first = true;
  constructor(private readonly out: (piece: string) => void) {}

  add(entry: JsonEntry): void {
    if (this.pending !== undefined) this.out(`${this.pending},`);
    const text = JSON.stringify(entry, null, 2).replace(/^/gm, "  ");
    this.pending = this.first ? `[\n${text}` : text;
    this.first = false;
  }

  end(): void {
    this.out(this.pending === undefined ? "[]" : `${this.pending}\n]`);
  }
}

/** `file:line:col: message`, the shape editors and CI annotators recognise. */
export function formatError(e: InputError): string {
  if (e.file === "") return `error: ${e.message}`;
  const at = [e.file, e.line, e.line !== undefined ? e.column : undefined]
    .filter((x) => x !== undefined)
    .join(":");
  return `${at}: error: ${e.message}`;
}

export function formatViolation(v: Violation): string {
  const at = [v.file, v.line, v.line !== undefined ? v.column : undefined]
    .filter((x) => x !== undefined)
    .join(":");
  const object = v.kind === "Dockerfile" ? v.kind : `${v.kind}/${v.name || "(unnamed)"}`;
  const policy =
    v.pssCheck !== undefined
      ? `PSS ${v.pssCheck}`
      : v.check !== undefined
        ? `${v.policy} ${v.check}`
        : v.policy;
  return `${at}: ${v.enforcement}: ${object} [${policy}] ${v.message}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The closing line, e.g. `3 files, 4 objects, profile restricted (PSS v1.37): 2 violations (2 mandatory), 0 errors`. */
export function summaryLine(summary: CheckSummary, options: CheckOptions): string {
  const mandatory = summary.mandatoryCount;
  const parts = [plural(summary.files.length, "file"), plural(summary.objects, "object")];
  if (summary.dockerfiles > 0) parts.push(plural(summary.dockerfiles, "Dockerfile"));
  const skipped =
    summary.skippedDockerfiles > 0
      ? ` (${plural(summary.skippedDockerfiles, "Dockerfile")} found in folders not audited: use --profile hardened or name them)`
      : "";
  return (
    `${parts.join(", ")}, profile ${options.profile} (PSS ${summary.pssVersion}): ` +
    `${plural(summary.violationCount, "violation")} (${mandatory} mandatory), ${plural(summary.errors.length, "error")}${skipped}`
  );
}
