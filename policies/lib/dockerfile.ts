// Dockerfile audit shared by the program (DistrolessImage, before anything is built) and the policy pack
// (docker-build/docker Image resources, the plain-file checker). Instructions are read with dockerfile-ast;
// only variable references and image references, which the parser leaves as text, are scanned here.
import {
  Arg,
  DockerfileParser,
  Env,
  From,
  Healthcheck,
  JSONInstruction,
  ModifiableInstruction,
  Onbuild,
  type Instruction,
} from "dockerfile-ast";
import { NONROOT_GID, NONROOT_UID } from "./hardened";
import {
  DISTROLESS_REGISTRIES,
  DISTROLESS_REGISTRY,
  normalizeImageRef,
  parseImageRef,
  repositoryUnder,
  type ImageRef,
} from "./image-ref";

/** The numeric user the messages suggest: distroless images' nonroot. */
const NONROOT_USER = `${NONROOT_UID}:${NONROOT_GID}`;

/** Stable rule IDs, in the order findings are reported for one stage. */
export const DOCKERFILE_RULES = [
  "parse",
  "distroless-base",
  "allowed-registry",
  "no-debug-tag",
  "no-latest",
  "eol-base",
  "no-run",
  "no-onbuild",
  "no-healthcheck",
  "exec-form",
  "non-root-user",
] as const;

export type DockerfileRule = (typeof DOCKERFILE_RULES)[number];

export interface DockerfileFinding {
  /** Stable rule ID, one of DOCKERFILE_RULES. */
  rule: DockerfileRule;
  /** 1-based line of the offending instruction. */
  line: number;
  /** `<file>:<line>: <what is wrong>; <fix>`. */
  message: string;
}

export interface AuditOptions {
  /** Name used in messages; defaults to `Dockerfile`. */
  file?: string;
  /**
   * Registry prefixes the final base may come from (e.g. an internal mirror `mirror.internal/distroless`);
   * defaults to DISTROLESS_REGISTRIES. Images under these prefixes also count as distroless (mirrors of them).
   */
  allowedRegistries?: readonly string[];
  /** `--build-arg` values; they override ARG defaults, as docker does for declared ARGs. */
  buildArgs?: Readonly<Record<string, string>>;
}

const KNOWN_INSTRUCTIONS = new Set([
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
]);

/** Thrown by finalStageBase (and carried as a `parse`/`distroless-base` finding by the audit). */
export class DockerfileError extends Error {
  constructor(
    readonly rule: DockerfileRule,
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = "DockerfileError";
  }
}

interface Stage {
  from: From;
  /** Lower-cased `AS` name; docker compares stage names case-insensitively. */
  name?: string;
  instructions: Instruction[];
}

interface Parsed {
  globals: Map<string, string | undefined>;
  stages: Stage[];
}

interface Expanded {
  value: string;
  unresolved: string[];
}

const lineOf = (ins: Instruction): number => ins.getRange().start.line + 1;

function isNameChar(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c === "_";
}

/**
 * Expands `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR-word}`, `${VAR:+word}`, `${VAR+word}` as the Dockerfile
 * frontend does; `\$` stays a literal `$`. Names without a value are reported in `unresolved`.
 */
export function expandVariables(text: string, vars: ReadonlyMap<string, string | undefined>): Expanded {
  const unresolved: string[] = [];
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\" && text[i + 1] === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (c !== "$") {
      out += c;
      i += 1;
      continue;
    }
    if (text[i + 1] === "{") {
      const close = text.indexOf("}", i + 2);
      if (close < 0) {
        out += text.slice(i);
        break;
      }
      const body = text.slice(i + 2, close);
      let n = 0;
      while (n < body.length && isNameChar(body[n])) n += 1;
      const name = body.slice(0, n);
      const rest = body.slice(n);
      const set = vars.has(name) && vars.get(name) !== undefined;
      const value = vars.get(name) ?? "";
      if (rest.startsWith(":-") || rest.startsWith("-")) {
        const word = rest.slice(rest.startsWith(":-") ? 2 : 1);
        const useWord = rest.startsWith(":-") ? !set || value === "" : !set;
        out += useWord ? expandVariables(word, vars).value : value;
      } else if (rest.startsWith(":+") || rest.startsWith("+")) {
        const word = rest.slice(rest.startsWith(":+") ? 2 : 1);
        const useWord = rest.startsWith(":+") ? set && value !== "" : set;
        out += useWord ? expandVariables(word, vars).value : "";
      } else {
        if (!set) unresolved.push(name);
        out += value;
      }
      i = close + 1;
      continue;
    }
    let n = i + 1;
    while (n < text.length && isNameChar(text[n])) n += 1;
    if (n === i + 1) {
      out += "$";
      i += 1;
      continue;
    }
    const name = text.slice(i + 1, n);
    if (vars.get(name) === undefined) unresolved.push(name);
    out += vars.get(name) ?? "";
    i = n;
  }
  return { value: out, unresolved };
}

function parse(text: string, file: string): Parsed {
  const dockerfile = DockerfileParser.parse(text);
  const globals = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  for (const ins of dockerfile.getInstructions()) {
    const keyword = ins.getKeyword();
    if (!KNOWN_INSTRUCTIONS.has(keyword)) {
      const shown = JSON.stringify(ins.getInstruction());
      throw new DockerfileError(
        "parse",
        lineOf(ins),
        `${file}:${lineOf(ins)}: unknown instruction ${shown}; a Dockerfile line must start with an instruction such as FROM, COPY, USER or CMD`,
      );
    }
    if (ins instanceof From) {
      if (ins.getImage() === null) {
        throw new DockerfileError(
          "parse",
          lineOf(ins),
          `${file}:${lineOf(ins)}: FROM names no image; write FROM <image> [AS <name>]`,
        );
      }
      const name = ins.getBuildStage();
      stages.push({ from: ins, ...(name ? { name: name.toLowerCase() } : {}), instructions: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (stage) {
      stage.instructions.push(ins);
    } else if (ins instanceof Arg) {
      declareArgs(ins, globals, globals);
    } else {
      throw new DockerfileError(
        "parse",
        lineOf(ins),
        `${file}:${lineOf(ins)}: ${keyword} before the first FROM; only ARG may precede FROM`,
      );
    }
  }
  if (stages.length === 0) {
    throw new DockerfileError(
      "parse",
      1,
      `${file}:1: no FROM instruction; a Dockerfile needs a final stage FROM <distroless image>`,
    );
  }
  return { globals, stages };
}

/**
 * Records the names an ARG declares with their defaults (expanded against `scope`). dockerfile-ast reads
 * `ARG A B` like `ENV A B` (name A, value B), so a property without `=` declares both words as names.
 */
function declareArgs(
  ins: Arg,
  target: Map<string, string | undefined>,
  scope: ReadonlyMap<string, string | undefined>,
  inherited?: ReadonlyMap<string, string | undefined>,
): void {
  for (const p of ins.getProperties()) {
    if (p.getAssignmentOperator() === "=") {
      target.set(p.getName(), expandVariables(p.getValue() ?? "", scope).value);
    } else {
      for (const name of [p.getName(), p.getValue()]) {
        if (name) target.set(name, inherited?.get(name));
      }
    }
  }
}

/** Global ARG values with build args applied to the declared names. */
function globalScope(
  parsed: Parsed,
  buildArgs: Readonly<Record<string, string>> | undefined,
): Map<string, string | undefined> {
  const scope = new Map(parsed.globals);
  for (const name of scope.keys()) {
    const override = buildArgs?.[name];
    if (override !== undefined) scope.set(name, override);
  }
  return scope;
}

interface Chain {
  /** Stages from the one FROM-ing an external image to the final one. */
  stages: Stage[];
  /** The external image's reference after variable expansion. */
  image: string;
  /** The FROM that names the external image. */
  root: From;
}

/** Follows `FROM <stage>` aliases from the final stage back to the image it is built on. */
function finalChain(parsed: Parsed, scope: ReadonlyMap<string, string | undefined>, file: string): Chain {
  const chain: Stage[] = [];
  let index = parsed.stages.length - 1;
  for (;;) {
    const stage = parsed.stages[index];
    chain.unshift(stage);
    const raw = stage.from.getImage() ?? "";
    const { value, unresolved } = expandVariables(raw, scope);
    const line = lineOf(stage.from);
    if (unresolved.length > 0) {
      const names = unresolved.map((n) => `\${${n}}`).join(", ");
      throw new DockerfileError(
        "distroless-base",
        line,
        `${file}:${line}: final stage base "${raw}" uses ${names} with no ARG default and no build arg; give the ARG a default before the first FROM or pass it in buildArgs`,
      );
    }
    const alias = value.toLowerCase();
    const previous = parsed.stages.slice(0, index).map((s) => s.name);
    const target = previous.lastIndexOf(alias);
    if (target < 0) return { stages: chain, image: value, root: stage.from };
    index = target;
  }
}

/** The image the final stage is built on, after ARG/build-arg expansion and following stage aliases. */
export function finalStageBase(text: string, buildArgs?: Readonly<Record<string, string>>): string {
  const parsed = parse(text, "Dockerfile");
  return finalChain(parsed, globalScope(parsed, buildArgs), "Dockerfile").image;
}

/** The instruction as written (flags included, continuations joined), shortened for messages. */
function shown(ins: Instruction): string {
  const flags = ins instanceof ModifiableInstruction ? ins.getFlags().map((f) => f.toString()) : [];
  const text = [ins.getKeyword(), ...flags, ins.getArgumentsContent() ?? ""]
    .join(" ")
    .trim()
    .replace(/\s+/g, " ");
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isExecForm(ins: JSONInstruction): boolean {
  return ins.getOpeningBracket() !== null && ins.getClosingBracket() !== null;
}

/**
 * The items of a JSON-like array written with single quotes (`['/app', '--serve']`), which docker does not
 * accept as exec form; undefined when the text is not such an array.
 */
function singleQuotedArray(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith("[") || !t.endsWith("]")) return undefined;
  const items: string[] = [];
  let i = 1;
  const skipSpace = (): void => {
    while (i < t.length - 1 && /\s/.test(t[i])) i += 1;
  };
  skipSpace();
  if (i === t.length - 1) return undefined;
  for (;;) {
    const quote = t[i];
    if (quote !== "'" && quote !== '"') return undefined;
    let item = "";
    i += 1;
    while (i < t.length - 1 && t[i] !== quote) {
      if (t[i] === "\\" && i + 1 < t.length - 1) i += 1;
      item += t[i];
      i += 1;
    }
    if (t[i] !== quote) return undefined;
    items.push(item);
    i += 1;
    skipSpace();
    if (i === t.length - 1) return items;
    if (t[i] !== ",") return undefined;
    i += 1;
    skipSpace();
  }
}

const isNumeric = (s: string): boolean => s.length > 0 && [...s].every((c) => c >= "0" && c <= "9");

/** The user (and group) name a nonroot base defines as 65532 in its /etc/passwd and /etc/group. */
const NONROOT_NAME = "nonroot";

function checkUser(value: string, file: string, line: number, nonrootBase: boolean): string | undefined {
  const fix = `use a numeric non-root user, e.g. USER ${NONROOT_USER}`;
  const [user, group] = value.split(":");
  if (user === "root" || (isNumeric(user) && Number(user) === 0)) {
    return `${file}:${line}: USER "${value}" runs the container as root; ${fix}`;
  }
  // On a nonroot base the name `nonroot` is that base's own 65532, which is what a nonroot base promises.
  const known = (s: string): boolean => isNumeric(s) || (nonrootBase && s === NONROOT_NAME);
  if (!known(user) || (group !== undefined && !known(group))) {
    const names = nonrootBase ? "" : ` (the name "${NONROOT_NAME}" is accepted only on a nonroot base)`;
    return `${file}:${line}: USER "${value}" is not numeric, so Kubernetes runAsNonRoot cannot verify it; ${fix}${names}`;
  }
  if (group !== undefined && Number(group) === 0) {
    return `${file}:${line}: USER "${value}" runs with the root group (gid 0); ${fix}`;
  }
  return undefined;
}

/**
 * Whether the image runs as a non-root user without a USER instruction: Google's `nonroot` tags, and
 * Chainguard images, which run as 65532 unless they are `-dev` variants (caught by no-debug-tag anyway). A
 * mirrored Chainguard image cannot be told apart from any other, so it needs an explicit USER.
 */
function isNonrootVariant(ref: ImageRef): boolean {
  return (
    (ref.tag ?? "").split("-").includes("nonroot") ||
    repositoryUnder(ref.repository, DISTROLESS_REGISTRY.chainguard)
  );
}

/** Oldest Debian release with supported distroless images (Debian 12 ones reached end of life in 2026-09). */
const SUPPORTED_DEBIAN = 13;

/**
 * The Debian release in a Google-style distroless name (`static-debian12`, `nodejs22-debian12`), from the
 * last path segment of the repository; undefined for names without one (Chainguard, unversioned Google names).
 */
function debianRelease(repository: string): number | undefined {
  const name = repository.slice(repository.lastIndexOf("/") + 1);
  const match = /-debian(\d+)$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

function eolBaseMessage(image: string, ref: ImageRef, release: number, file: string, line: number): string {
  const when = release === 12 ? " in 2026-09" : "";
  const newer = `${ref.repository.replace(/-debian\d+$/, `-debian${SUPPORTED_DEBIAN}`)}${ref.tag !== undefined ? `:${ref.tag}` : ""}`;
  // A runtime image's version (nodejs20, java17) may not be published for the newer release.
  const name = ref.repository.slice(ref.repository.lastIndexOf("/") + 1);
  const runtime = /^(nodejs|python|java)\d/.test(name)
    ? `, if Google publishes that runtime version for Debian ${SUPPORTED_DEBIAN}`
    : "";
  return `${file}:${line}: final stage base "${image}" is a Debian ${release} image; Debian ${release} distroless images reached end of life${when} — use the -debian${SUPPORTED_DEBIAN} variant, e.g. "${newer}"${runtime}`;
}

function checkBase(chain: Chain, allowed: readonly string[], file: string): DockerfileFinding[] {
  const findings: DockerfileFinding[] = [];
  const line = lineOf(chain.root);
  const image = chain.image;
  const ref = normalizeImageRef(parseImageRef(image));
  const distroless = [...DISTROLESS_REGISTRIES, ...allowed].some((p) => repositoryUnder(ref.repository, p));
  if (ref.repository === "scratch") {
    // scratch is not pulled from anywhere, so tag, digest and registry findings would only be noise.
    return [
      {
        rule: "distroless-base",
        line,
        message: `${file}:${line}: final stage base "scratch" is an empty image, not a distroless image from an allowed registry; build on a ${allowed.map((a) => `${a}/*`).join(" or ")} image instead (a "static" one for a static binary: still no shell, plus CA certificates, tzdata and a nonroot user)`,
      },
    ];
  }
  if (!distroless) {
    findings.push({
      rule: "distroless-base",
      line,
      message: `${file}:${line}: final stage base "${image}" is not distroless; build on a ${allowed.map((a) => `${a}/*`).join(" or ")} image (no shell, no package manager) and keep build tools in an earlier stage`,
    });
  } else if (!allowed.some((p) => repositoryUnder(ref.repository, p))) {
    const upstream = DISTROLESS_REGISTRIES.find((p) => repositoryUnder(ref.repository, p));
    const example =
      upstream && allowed.length > 0 ? `, e.g. "${allowed[0]}${image.slice(upstream.length)}"` : "";
    findings.push({
      rule: "allowed-registry",
      line,
      message: `${file}:${line}: final stage base "${image}" is not from an allowed registry (${allowed.join(", ")}); pull it through one of them${example}`,
    });
  }
  const tagParts = (ref.tag ?? "").split("-");
  if (tagParts.includes("debug") || tagParts.includes("dev")) {
    findings.push({
      rule: "no-debug-tag",
      line,
      message: `${file}:${line}: final stage base "${image}" is a debug variant (tag "${ref.tag}") that ships a shell; use the "nonroot" tag of the same image`,
    });
  }
  if (ref.digest === undefined && (ref.tag === undefined || ref.tag === "latest")) {
    const what = ref.tag === undefined ? "has no tag (implicitly :latest)" : 'uses the moving tag "latest"';
    findings.push({
      rule: "no-latest",
      line,
      message: `${file}:${line}: final stage base "${image}" ${what}; use a fixed tag such as ":nonroot" or pin a digest (@sha256:...)`,
    });
  }
  const release = distroless ? debianRelease(ref.repository) : undefined;
  if (release !== undefined && release < SUPPORTED_DEBIAN) {
    findings.push({ rule: "eol-base", line, message: eolBaseMessage(image, ref, release, file, line) });
  }
  return findings;
}

/** Audits the final stage (and the stages it is built FROM) of a Dockerfile for a distroless runtime. */
export function auditDockerfile(text: string, opts: AuditOptions = {}): DockerfileFinding[] {
  const file = opts.file ?? "Dockerfile";
  const allowed = opts.allowedRegistries ?? DISTROLESS_REGISTRIES;
  let parsed: Parsed;
  let chain: Chain;
  try {
    parsed = parse(text, file);
    chain = finalChain(parsed, globalScope(parsed, opts.buildArgs), file);
  } catch (e) {
    if (e instanceof DockerfileError) return [{ rule: e.rule, line: e.line, message: e.message }];
    throw e;
  }
  const findings = checkBase(chain, allowed, file);
  const baseFindings = findings.length;
  const nonrootBase = isNonrootVariant(normalizeImageRef(parseImageRef(chain.image)));
  const scope = new Map<string, string | undefined>();
  let hasUser = false;
  let effectiveUser: DockerfileFinding | undefined;
  for (const stage of chain.stages) {
    for (const ins of stage.instructions) {
      const line = lineOf(ins);
      const keyword = ins.getKeyword();
      if (ins instanceof Arg) {
        const declared = new Map<string, string | undefined>();
        declareArgs(ins, declared, scope, globalScope(parsed, opts.buildArgs));
        for (const [name, value] of declared) scope.set(name, opts.buildArgs?.[name] ?? value);
      } else if (ins instanceof Env) {
        for (const p of ins.getProperties())
          scope.set(p.getName(), expandVariables(p.getValue() ?? "", scope).value);
      } else if (keyword === "RUN") {
        findings.push({
          rule: "no-run",
          line,
          message: `${file}:${line}: final stage runs "${shown(ins)}"; distroless images have no shell — move RUN into a builder stage and COPY the result`,
        });
      } else if (ins instanceof Onbuild) {
        findings.push({
          rule: "no-onbuild",
          line,
          message: `${file}:${line}: final stage declares "${shown(ins)}"; ONBUILD defers the instruction to every image built FROM this one, where a RUN trigger fails for lack of a shell and any other trigger acts unseen — remove it and write the step in the Dockerfile that needs it`,
        });
      } else if (ins instanceof Healthcheck) {
        // HEALTHCHECK NONE only switches off a check inherited from the base, which is harmless.
        if (ins.getSubcommand()?.getValue().toUpperCase() !== "NONE") {
          findings.push({
            rule: "no-healthcheck",
            line,
            message: `${file}:${line}: final stage declares "${shown(ins)}"; Kubernetes ignores HEALTHCHECK and a distroless image has no shell or curl to run it — remove it and use HTTP, gRPC or TCP probes`,
          });
        }
      } else if ((keyword === "CMD" || keyword === "ENTRYPOINT") && ins instanceof JSONInstruction) {
        if (!isExecForm(ins)) {
          const words = JSON.stringify(
            singleQuotedArray(ins.getArgumentsContent() ?? "") ?? ins.getArguments().map((a) => a.getValue()),
          );
          findings.push({
            rule: "exec-form",
            line,
            message: `${file}:${line}: ${keyword} uses shell form "${shown(ins)}"; distroless images have no /bin/sh — use the exec form (JSON array), e.g. ${keyword} ${words}`,
          });
        }
      } else if (keyword === "USER") {
        const raw = ins.getArgumentsContent() ?? "";
        const { value, unresolved } = expandVariables(raw.trim(), scope);
        hasUser = true;
        const problem =
          unresolved.length > 0
            ? `${file}:${line}: USER "${raw}" uses ${unresolved.map((n) => `\${${n}}`).join(", ")}, which has no value; use a numeric non-root user, e.g. USER ${NONROOT_USER}`
            : checkUser(value, file, line, nonrootBase);
        // Only the last USER is the one the container runs as (a RUN between two is reported on its own).
        effectiveUser = problem !== undefined ? { rule: "non-root-user", line, message: problem } : undefined;
      }
    }
  }
  if (effectiveUser !== undefined) {
    // Base findings first, then in line order.
    const rest = [...findings.splice(baseFindings), effectiveUser].sort((a, b) => a.line - b.line);
    findings.push(...rest);
  }
  if (!hasUser && !nonrootBase) {
    const line = lineOf(chain.root);
    findings.push({
      rule: "non-root-user",
      line,
      message: `${file}:${line}: final stage sets no USER and base "${chain.image}" is not a nonroot variant, so it runs as root; add USER ${NONROOT_USER} or use the ":nonroot" tag`,
    });
  }
  return findings;
}
