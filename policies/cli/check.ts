// The checker's engine: every rule module of the pack applied to plain YAML and Dockerfiles, without
// Pulumi. The CLI (../cli.ts) only parses options and prints; tests call checkPaths in-process.
import * as path from "path";
import { auditDockerfile } from "../lib/dockerfile";
import { extractPod, isPodCarryingKind, podSpecPath } from "../lib/pods";
import {
  type Enforcement,
  type EnvironmentEnforcement,
  type RuleBase,
  type RuleConfig,
  ruleConfig,
  type StackObject,
} from "../lib/rule";
import { evaluateObject, LATEST_PSS_VERSION, pssMessage, pssPolicyName } from "../pss/registry";
import { dockerfileDistroless } from "../images/dockerfileDistroless";
import { OBJECT_RULES, POD_RULES, STACK_RULES } from "../rules";
import { collectFiles, type InputError, type InputFile, STDIN_NAME } from "./files";
import { type ManifestObject, manifestsOf, piecesOf } from "./manifests";
import { inputText, readStdin, readWhole, type StdinSource } from "./read";
import type { CheckOptions } from "./options";
import { podStructureProblems, STRUCTURE_POLICY } from "./structure";
import { findingPaths, locateFirst } from "./locate";

export type { InputError } from "./files";
export { MAX_INPUT_BYTES, readStdin } from "./read";

/** One violation, as the JSON output prints it. */
export interface Violation {
  file: string;
  /** 1-based line of the offending field (YAML; the object's when the field is unknown) or instruction (Dockerfile). */
  line?: number;
  /** 1-based column of the offending field, with `line`, when known. */
  column?: number;
  /** Kubernetes kind, or `Dockerfile`. */
  kind: string;
  /** metadata.name, or the Dockerfile's file name. */
  name: string;
  namespace?: string;
  /** Policy name in the pack, e.g. `pss-privileged`, `readOnlyRootFilesystem`, `dockerfileDistroless`. */
  policy: string;
  /** Upstream Pod Security check ID, for PSS rules only. */
  pssCheck?: string;
  /** The stable ID of the finding within its policy: the PSS check ID, or the Dockerfile audit's rule ID. */
  check?: string;
  message: string;
  /** Mandatory violations fail the run (exit 1); advisory ones are only reported. */
  enforcement: Enforcement;
}

export interface CheckSummary {
  /** The violations, in input order; empty when they went to a sink as they were found. */
  violations: Violation[];
  /** Violations found (after --ignore), whether kept or streamed. */
  violationCount: number;
  /** Of those, the mandatory ones. */
  mandatoryCount: number;
  errors: InputError[];
  /** Files read. */
  files: string[];
  /** Kubernetes objects found. */
  objects: number;
  /** Dockerfiles audited: all at `hardened`, only those named on the command line at the PSS profiles. */
  dockerfiles: number;
  /** Dockerfiles found in folders but not audited because the profile is not `hardened`. */
  skippedDockerfiles: number;
  /** The PSS version used (`latest` resolved). */
  pssVersion: string;
}

/** The rule config of a run: the pack's defaults with the CLI's overrides. */
export function checkRuleConfig(options: CheckOptions): RuleConfig {
  const partial: Partial<RuleConfig> = { pssVersion: resolvedVersion(options.pssVersion) };
  if (options.environment !== undefined) partial.environment = options.environment;
  const lists = [
    "allowedRegistries",
    "allowedRuntimeClasses",
    "externalRestrictedNamespaces",
    "externalRuntimeClasses",
  ] as const;
  for (const key of lists) {
    const value = options[key];
    if (value !== undefined) partial[key] = value;
  }
  return ruleConfig(partial);
}

function resolvedVersion(version: string): string {
  return version === "latest" ? LATEST_PSS_VERSION : version;
}

/** Pack config keys as the checker's flags: a CLI user sets `--external-runtime-classes`, not a policy config. */
const CONFIG_KEY_FLAGS: readonly [RegExp, string][] = [
  [/\ballowedRegistries\b/g, "--allowed-registries"],
  [/\ballowedRuntimeClasses\b/g, "--allowed-runtime-classes"],
  [/\bexternalRestrictedNamespaces\b/g, "--external-restricted-namespaces"],
  [/\bexternalRuntimeClasses\b/g, "--external-runtime-classes"],
];

/** A rule's message worded for the command line. */
export function cliMessage(message: string): string {
  return CONFIG_KEY_FLAGS.reduce((m, [key, flag]) => m.replace(key, flag), message);
}

function enforcementOf(rule: RuleBase, config: RuleConfig): EnvironmentEnforcement {
  return rule.enforcementFor?.(config) ?? rule.defaultEnforcement;
}

/** The pack's policy name for a rule at an enforcement: environment-dependent rules have an `Advisory` twin. */
function policyName(rule: RuleBase, enforcement: Enforcement): string {
  return rule.enforcementFor && enforcement === "advisory" ? `${rule.name}Advisory` : rule.name;
}

interface Located extends ManifestObject {
  file: string;
}

function pssViolations(o: Located, options: CheckOptions): Violation[] {
  if (!isPodCarryingKind(o.kind)) return [];
  const level = options.profile === "baseline" ? "baseline" : "restricted";
  const results = evaluateObject(o.kind, o.obj, level, resolvedVersion(options.pssVersion)) ?? [];
  return results
    .filter((r) => !r.result.allowed)
    .map((r) => ({
      ...where(o),
      policy: pssPolicyName(r.checkId),
      pssCheck: r.checkId,
      check: r.checkId,
      message: pssMessage(r.result.forbiddenReason, r.result.forbiddenDetail),
      enforcement: "mandatory" as const,
    }));
}

function where(o: Located): Pick<Violation, "file" | "line" | "kind" | "name" | "namespace"> {
  return {
    file: o.file,
    line: o.line,
    kind: o.kind,
    name: o.name,
    ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
  };
}

/** Sections 2–3 on one object: the pod rules on its pod, the object rules on the object itself. */
function hardenedViolations(o: Located, config: RuleConfig): Violation[] {
  const out: Violation[] = [];
  const base = { kind: o.kind, name: o.name, namespace: o.namespace, config };
  // One rule's findings on this object, at the rule's enforcement in this environment (none when disabled).
  const apply = (rule: RuleBase, check: () => string[]): void => {
    const enforcement = enforcementOf(rule, config);
    if (enforcement === "disabled") return;
    for (const message of check()) {
      out.push({
        ...where(o),
        policy: policyName(rule, enforcement),
        message: cliMessage(message),
        enforcement,
      });
    }
  };
  const pod = extractPod(o.kind, o.obj);
  if (pod) for (const rule of POD_RULES) apply(rule, () => rule.check({ ...base, ...pod }));
  for (const rule of OBJECT_RULES) {
    if (rule.kinds.includes(o.kind)) apply(rule, () => rule.check({ ...base, obj: o.obj }));
  }
  return out;
}

/** Kinds some stack rule looks at; other objects need not be kept for them. */
const STACK_KINDS = new Set(STACK_RULES.flatMap((r) => r.kinds));

/**
 * What the stack rules need of an object once its own checks ran: Namespaces and RuntimeClasses whole (they are
 * small), a workload's metadata and its pod's runtimeClassName only, nothing of other kinds. Keeping no more
 * bounds the memory of a run by its findings, not by its input.
 */
function forStackRules(o: Located): Located | undefined {
  if (!STACK_KINDS.has(o.kind)) return undefined;
  if (!isPodCarryingKind(o.kind)) return o;
  const rc = extractPod(o.kind, o.obj)?.spec.runtimeClassName;
  // The same path to the pod spec, holding only runtimeClassName.
  let slim: Record<string, unknown> = rc !== undefined ? { runtimeClassName: rc } : {};
  for (const key of [...podSpecPath(o.kind)].reverse()) slim = { [key]: slim };
  const { locate: _locate, ...rest } = o;
  void _locate;
  return { ...rest, obj: { ...slim, metadata: o.obj.metadata } };
}

/** Stack rules over every object of the run, as if the files were deployed together. */
function stackViolations(objects: Located[], config: RuleConfig): Violation[] {
  const byStackObject = new Map<StackObject, Located>();
  const stack: StackObject[] = objects.map((o) => {
    const s: StackObject = { kind: o.kind, name: o.name, obj: o.obj };
    if (o.namespace !== undefined) s.namespace = o.namespace;
    byStackObject.set(s, o);
    return s;
  });
  const out: Violation[] = [];
  for (const rule of STACK_RULES) {
    const enforcement = enforcementOf(rule, config);
    if (enforcement === "disabled") continue;
    for (const v of rule.check(stack, config)) {
      const o = v.object ? byStackObject.get(v.object) : undefined;
      const at = o ? where(o) : { file: objects[0]?.file ?? "", kind: "", name: "" };
      out.push({ ...at, policy: policyName(rule, enforcement), message: cliMessage(v.message), enforcement });
    }
  }
  return out;
}

/** The findings of the Dockerfile audit, without the `file:line: ` prefix the JSON has as fields. */
function dockerfileViolations(file: string, text: string, config: RuleConfig): Violation[] {
  return auditDockerfile(text, { file, allowedRegistries: config.allowedRegistries }).map((f) => {
    const prefix = `${file}:${f.line}: `;
    return {
      file,
      line: f.line,
      kind: "Dockerfile",
      name: path.basename(file),
      policy: dockerfileDistroless.name,
      check: f.rule,
      message: f.message.startsWith(prefix) ? f.message.slice(prefix.length) : f.message,
      enforcement: dockerfileDistroless.defaultEnforcement,
    };
  });
}

/**
 * Whether a Dockerfile is audited at this profile. The PSS profiles are about pods, so Dockerfiles met
 * while walking a folder wait for `hardened`; one named on the command line was asked for, so it is
 * audited at any profile rather than silently passed.
 */
function auditsDockerfile(file: InputFile, options: CheckOptions): boolean {
  return options.profile === "hardened" || file.source === "named";
}

/** The message of a run that found nothing to check (every path usable, none holding anything). */
export function nothingFoundMessage(paths: readonly string[]): string {
  const shown = paths.map((p) => (p === "-" ? STDIN_NAME : p));
  return `no Kubernetes objects or Dockerfiles found in ${shown.join(", ")}`;
}

/**
 * Checks the given files and folders (`-` = standard input, read with `stdin`); never throws on bad
 * input, which is returned in `errors`.
 */
export function checkPaths(
  paths: readonly string[],
  options: CheckOptions,
  stdin: StdinSource = readStdin,
  sink?: (v: Violation) => void,
): CheckSummary {
  const config = checkRuleConfig(options);
  const { files, errors } = collectFiles(paths);
  const violations: Violation[] = [];
  const ignored = new Set(options.ignore ?? []);
  let violationCount = 0;
  let mandatoryCount = 0;
  // Every finding passes here: filtered by --ignore, counted, then kept or handed to the sink at once, so a
  // run that streams its output holds no finding longer than it takes to print it.
  const report = (v: Violation): void => {
    if (ignored.has(v.policy) || (v.check !== undefined && ignored.has(v.check))) return;
    violationCount += 1;
    if (v.enforcement === "mandatory") mandatoryCount += 1;
    if (sink !== undefined) sink(v);
    else violations.push(v);
  };
  // Objects are checked as they are read; only what the stack rules need is kept (forStackRules).
  const forStack: Located[] = [];
  let objectCount = 0;
  let dockerfiles = 0;
  let skippedDockerfiles = 0;
  const read: string[] = [];
  const onError = (e: InputError): void => {
    errors.push(e);
  };
  for (const file of files) {
    if (file.kind === "dockerfile") {
      const text = readWhole(file, stdin, onError);
      if (text === undefined) continue;
      read.push(file.path);
      if (!auditsDockerfile(file, options)) {
        skippedDockerfiles += 1;
        continue;
      }
      dockerfiles += 1;
      for (const v of dockerfileViolations(file.path, text, config)) report(v);
      continue;
    }
    // The text is read, split and checked a block at a time; whether it all was usable is known at its end.
    const text = inputText(file, stdin, onError);
    let usable = true;
    const blocks: Iterator<string, boolean> = {
      next: () => {
        const r = text.next();
        if (r.done) usable = r.value;
        return r;
      },
    };
    // Loops, not push(...spread): a large input has more findings than a call can take as arguments.
    for (const m of manifestsOf(file.path, piecesOf(blocks), onError)) {
      const o: Located = { ...m, file: file.path };
      const pod = extractPod(o.kind, o.obj);
      // A finding points at the field it is about (or where that field belongs), not at the object's first line.
      const at = (v: Violation): Violation => {
        if (o.locate === undefined) return v;
        const place = locateFirst(findingPaths(o.kind, pod?.spec, v.check ?? v.policy, v.message), o.locate);
        return place !== undefined ? { ...v, line: place.line, column: place.column } : v;
      };
      objectCount += 1;
      for (const message of podStructureProblems(o.kind, o.obj)) {
        report(at({ ...where(o), policy: STRUCTURE_POLICY, message, enforcement: "mandatory" }));
      }
      for (const v of pssViolations(o, options)) report(at(v));
      if (options.profile === "hardened") {
        for (const v of hardenedViolations(o, config)) report(at(v));
        const kept = forStackRules(o);
        if (kept !== undefined) forStack.push(kept);
      }
    }
    if (usable) read.push(file.path);
  }
  if (options.profile === "hardened") for (const v of stackViolations(forStack, config)) report(v);
  // An empty render (a Helm chart whose templates are all disabled, a wrong folder) must not pass as clean.
  if (errors.length === 0 && objectCount === 0 && dockerfiles === 0 && skippedDockerfiles === 0) {
    errors.push({ file: "", message: nothingFoundMessage(paths) });
  }
  return {
    violations,
    violationCount,
    mandatoryCount,
    errors,
    files: read,
    objects: objectCount,
    dockerfiles,
    skippedDockerfiles,
    pssVersion: resolvedVersion(options.pssVersion),
  };
}

/** Exit code of a run: 2 when any input was unusable (it wins: the verdict is incomplete), 1 on a mandatory violation, else 0. */
export function exitCode(
  summary: Pick<CheckSummary, "violations" | "errors"> & Partial<Pick<CheckSummary, "mandatoryCount">>,
): 0 | 1 | 2 {
  if (summary.errors.length > 0) return 2;
  const mandatory =
    summary.mandatoryCount ?? summary.violations.filter((v) => v.enforcement === "mandatory").length;
  return mandatory > 0 ? 1 : 0;
}
