// Command-line options of the checker: one table names, documents and validates each option; node:util's
// parseArgs reads argv. Every bad value is reported with the option, the value and what is allowed (exit 2).
import { parseArgs as nodeParseArgs } from "node:util";
import { MAX_PSS_MINOR } from "../pss/registry";
import { currentPolicyName } from "../lib/rule";

/** `hardened` = `restricted` + the pack's own rules (sections 2–4); the PSS profiles are upstream's. */
export const PROFILES = ["baseline", "restricted", "hardened"] as const;
export type Profile = (typeof PROFILES)[number];

export const FORMATS = ["text", "json"] as const;
export type Format = (typeof FORMATS)[number];

/** What a check run needs besides the paths. */
export interface CheckOptions {
  /** Default `restricted`: what Kubernetes itself enforces in a `restricted` namespace. */
  profile: Profile;
  /** `v1.N` or `latest`; default `latest`. */
  pssVersion: string;
  /** Environment the manifests are for (digest pinning depends on it); default `prod`. */
  environment?: string;
  /** Registry prefixes base images may come from; default the pack's own list. */
  allowedRegistries?: string[];
  /** RuntimeClass names pods may select; default the pack's own list. */
  allowedRuntimeClasses?: string[];
  /** Namespaces not among the files that are known to be labelled `restricted` (e.g. Helm's target). */
  externalRestrictedNamespaces?: string[];
  /** RuntimeClasses not among the files that are known to use handler `runsc`. */
  externalRuntimeClasses?: string[];
  /**
   * Findings to leave out, by policy name (`readOnlyRootFilesystem`, `pss-privileged`), PSS check ID
   * (`privileged`) or Dockerfile rule ID (`exec-form`), as hadolint's `--ignore DL3008` does.
   */
  ignore?: string[];
}

export interface CliOptions extends CheckOptions {
  format: Format;
  paths: string[];
  help: boolean;
  /** Notes for the user about the options given (a renamed policy's old name), printed on standard error. */
  notes?: string[];
}

/** One option of the checker: its flag, the value it takes, its help text and how its value is applied. */
interface OptionSpec {
  /** Shown in the usage, e.g. `baseline|restricted|hardened`. */
  readonly value: string;
  /** Help lines (the first is on the option's own line). */
  readonly help: readonly string[];
  /** Applies a value to the options; returns an error text for a value that is not allowed. */
  readonly apply: (
    options: CliOptions,
    value: string,
    isPssVersion: (v: string) => boolean,
  ) => string | undefined;
}

function list(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): string | undefined {
  return (allowed as readonly string[]).includes(value)
    ? undefined
    : `invalid value "${value}" for ${option}: allowed are ${allowed.join(", ")}`;
}

/** The options, in usage order: the one place each is named, documented and validated. */
const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  profile: {
    value: "baseline|restricted|hardened",
    help: [
      "rules to apply (default restricted); hardened = restricted +",
      "the pack's hardening, namespace and Dockerfile rules",
    ],
    apply: (o, v) => oneOf("--profile", v, PROFILES) ?? void (o.profile = v as Profile),
  },
  "pss-version": {
    value: "v1.N|latest",
    help: ["Pod Security Standards version (default latest)"],
    apply: (o, v, isPssVersion) =>
      isPssVersion(v)
        ? void (o.pssVersion = v)
        : `invalid value "${v}" for --pss-version: allowed are the versions the pack knows, v1.0 to v1.${MAX_PSS_MINOR}, or latest`,
  },
  format: {
    value: "text|json",
    help: [
      "output format (default text); json: one array with an entry",
      'per violation and per input error (policy "input-error")',
    ],
    apply: (o, v) => oneOf("--format", v, FORMATS) ?? void (o.format = v as Format),
  },
  environment: {
    value: "NAME",
    help: ["environment for per-environment rules (default prod)"],
    apply: (o, v) =>
      v.trim() === "" ? `invalid value "" for --environment: a name is required` : void (o.environment = v),
  },
  "allowed-registries": {
    value: "A,B",
    help: ["registry prefixes base images may come from"],
    apply: (o, v) => void (o.allowedRegistries = list(v)),
  },
  "allowed-runtime-classes": {
    value: "A,B",
    help: ["RuntimeClass names pods may select"],
    apply: (o, v) => void (o.allowedRuntimeClasses = list(v)),
  },
  "external-restricted-namespaces": {
    value: "A,B",
    help: ["namespaces not in the files that are labelled restricted"],
    apply: (o, v) => void (o.externalRestrictedNamespaces = list(v)),
  },
  "external-runtime-classes": {
    value: "A,B",
    help: ["RuntimeClasses not in the files whose handler is runsc"],
    apply: (o, v) => void (o.externalRuntimeClasses = list(v)),
  },
  ignore: {
    value: "ID,ID",
    help: [
      "leave out findings of these policies, PSS checks or Dockerfile",
      "rules (e.g. readOnlyRootFilesystem, privileged, exec-form)",
    ],
    apply: (o, v) => {
      o.ignore = list(v).map((id) => {
        const current = currentPolicyName(id);
        if (current !== id)
          (o.notes ??= []).push(`--ignore ${id}: the policy is now named ${current}; use that name`);
        return current;
      });
      return undefined;
    },
  },
};

const HELP_COLUMN = 42;

function optionLines(): string[] {
  const lines: string[] = [];
  const row = (flag: string, help: readonly string[]) => {
    lines.push(`  ${flag.padEnd(HELP_COLUMN - 2)}${help[0]}`);
    for (const more of help.slice(1)) lines.push(`${" ".repeat(HELP_COLUMN)}${more}`);
  };
  for (const [name, spec] of Object.entries(OPTIONS)) row(`--${name} ${spec.value}`, spec.help);
  row("-h, --help", ["show this help"]);
  return lines;
}

export const USAGE = [
  "usage: npm run policy:check -- [options] <files or folders, or - for stdin>",
  "",
  "Checks Kubernetes YAML (multi-document, List kinds, Helm output) and Dockerfiles with the rules of the",
  "distroless-guardrails policy pack. Folders are searched for *.yaml, *.yml, Dockerfile, *.Dockerfile and",
  "Dockerfile.* (skipping node_modules and hidden folders); - reads YAML from standard input, e.g.",
  "helm template my-release chart/ | npm run policy:check -- -",
  "Dockerfiles found in folders are audited at --profile hardened; Dockerfiles named as arguments always.",
  "",
  "options:",
  ...optionLines(),
  "",
  "exit codes: 0 no mandatory violation, 1 a mandatory violation, 2 unusable input (bad option, missing",
  "path, no files found, no Kubernetes object or Dockerfile in any input, malformed file) - 2 wins over 1;",
  "the other files are still checked.",
].join("\n");

export type ParseResult = { ok: true; options: CliOptions } | { ok: false; error: string };

/**
 * Parses argv (without `node` and the script) with node:util's parseArgs over the option table; `--opt value`
 * and `--opt=value` are both accepted, `-` is standard input and `--` ends the options.
 */
export function parseArgs(argv: readonly string[], isPssVersion: (v: string) => boolean): ParseResult {
  const options: CliOptions = {
    profile: "restricted",
    pssVersion: "latest",
    format: "text",
    paths: [],
    help: false,
  };
  const known = [...Object.keys(OPTIONS).map((n) => `--${n}`), "--help"];
  // strict: false keeps going past an unknown option, so the error can name it with the allowed ones.
  const { tokens } = nodeParseArgs({
    args: [...argv],
    options: {
      ...Object.fromEntries(Object.keys(OPTIONS).map((n) => [n, { type: "string" as const }])),
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind === "positional") {
      options.paths.push(token.value);
      continue;
    }
    if (token.kind !== "option") continue;
    if (token.name === "help") {
      options.help = true;
      continue;
    }
    const spec = OPTIONS[token.name];
    if (spec === undefined) {
      return { ok: false, error: `unknown option ${token.rawName}: allowed are ${known.join(", ")}` };
    }
    if (token.value === undefined) return { ok: false, error: `option ${token.rawName} needs a value` };
    const problem = spec.apply(options, token.value, isPssVersion);
    if (problem !== undefined) return { ok: false, error: problem };
  }
  if (!options.help && options.paths.length === 0) {
    return { ok: false, error: "no files or folders given" };
  }
  return { ok: true, options };
}
