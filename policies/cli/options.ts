// Command-line options of the checker, parsed without a library: the grammar is small and every bad
// value must be reported with the option, the value and what is allowed (exit code 2).
import { MAX_PSS_MINOR } from "../pss/registry";

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
}

export const USAGE = `usage: npm run policy:check -- [options] <files or folders, or - for stdin>

Checks Kubernetes YAML (multi-document, List kinds, Helm output) and Dockerfiles with the rules of the
distroless-guardrails policy pack. Folders are searched for *.yaml, *.yml, Dockerfile, *.Dockerfile and
Dockerfile.* (skipping node_modules and hidden folders); - reads YAML from standard input, e.g.
helm template my-release chart/ | npm run policy:check -- -
Dockerfiles found in folders are audited at --profile hardened; Dockerfiles named as arguments always.

options:
  --profile baseline|restricted|hardened  rules to apply (default restricted); hardened = restricted +
                                          the pack's hardening, namespace and Dockerfile rules
  --pss-version v1.N|latest               Pod Security Standards version (default latest)
  --format text|json                      output format (default text); json: one array with an entry
                                          per violation and per input error (policy "input-error")
  --environment NAME                      environment for per-environment rules (default prod)
  --allowed-registries A,B                registry prefixes base images may come from
  --allowed-runtime-classes A,B           RuntimeClass names pods may select
  --external-restricted-namespaces A,B    namespaces not in the files that are labelled restricted
  --external-runtime-classes A,B          RuntimeClasses not in the files whose handler is runsc
  --ignore ID,ID                          leave out findings of these policies, PSS checks or Dockerfile
                                          rules (e.g. readOnlyRootFilesystem, privileged, exec-form)
  -h, --help                              show this help

exit codes: 0 no mandatory violation, 1 a mandatory violation, 2 unusable input (bad option, missing
path, no files found, no Kubernetes object or Dockerfile in any input, malformed file) - 2 wins over 1;
the other files are still checked.`;

export type ParseResult = { ok: true; options: CliOptions } | { ok: false; error: string };

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T | string {
  return (allowed as readonly string[]).includes(value)
    ? (value as T)
    : `invalid value "${value}" for ${option}: allowed are ${allowed.join(", ")}`;
}

function list(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Parses argv (without `node` and the script); `--opt value` and `--opt=value` are both accepted. */
export function parseArgs(argv: readonly string[], isPssVersion: (v: string) => boolean): ParseResult {
  const options: CliOptions = {
    profile: "restricted",
    pssVersion: "latest",
    format: "text",
    paths: [],
    help: false,
  };
  const valued = [
    "--profile",
    "--pss-version",
    "--format",
    "--environment",
    "--allowed-registries",
    "--allowed-runtime-classes",
    "--external-restricted-namespaces",
    "--external-runtime-classes",
    "--ignore",
  ];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      options.paths.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h" || arg === "--help") {
      options.help = true;
      continue;
    }
    if (!arg.startsWith("-") || arg === "-") {
      options.paths.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (!valued.includes(name)) {
      return { ok: false, error: `unknown option ${name}: allowed are ${[...valued, "--help"].join(", ")}` };
    }
    let value: string;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) return { ok: false, error: `option ${name} needs a value` };
      value = argv[++i];
    }
    switch (name) {
      case "--profile": {
        const p = oneOf(name, value, PROFILES);
        if (!(PROFILES as readonly string[]).includes(p)) return { ok: false, error: p };
        options.profile = p as Profile;
        break;
      }
      case "--format": {
        const f = oneOf(name, value, FORMATS);
        if (!(FORMATS as readonly string[]).includes(f)) return { ok: false, error: f };
        options.format = f as Format;
        break;
      }
      case "--pss-version":
        if (!isPssVersion(value)) {
          return {
            ok: false,
            error: `invalid value "${value}" for --pss-version: allowed are the versions the pack knows, v1.0 to v1.${MAX_PSS_MINOR}, or latest`,
          };
        }
        options.pssVersion = value;
        break;
      case "--environment":
        if (value.trim() === "")
          return { ok: false, error: `invalid value "" for --environment: a name is required` };
        options.environment = value;
        break;
      case "--allowed-registries":
        options.allowedRegistries = list(value);
        break;
      case "--allowed-runtime-classes":
        options.allowedRuntimeClasses = list(value);
        break;
      case "--external-restricted-namespaces":
        options.externalRestrictedNamespaces = list(value);
        break;
      case "--external-runtime-classes":
        options.externalRuntimeClasses = list(value);
        break;
      case "--ignore":
        options.ignore = list(value);
        break;
    }
  }
  if (!options.help && options.paths.length === 0) {
    return { ok: false, error: "no files or folders given" };
  }
  return { ok: true, options };
}
