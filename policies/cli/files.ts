// Finds the inputs of a check run: files given by name are taken as they are, folders are walked for the
// names teams give Kubernetes YAML and Dockerfiles.
import * as fs from "fs";
import * as path from "path";

export type InputKind = "yaml" | "dockerfile";

/** How a file came in: named on the command line, found in a folder, or `-` (standard input). */
export type InputSource = "named" | "folder" | "stdin";

/** The name standard input (`-`) has in output. */
export const STDIN_NAME = "<stdin>";

export interface InputFile {
  /** Path as shown in output: as given, the folder given joined with the path inside it, or `<stdin>`. */
  path: string;
  kind: InputKind;
  source: InputSource;
}

/** An input that cannot be used (missing path, unreadable or malformed file); makes the run exit 2. */
export interface InputError {
  file: string;
  /** 1-based line, when the problem is at a place in the file. */
  line?: number;
  /** 1-based column, with `line`. */
  column?: number;
  message: string;
}

/** Folders never walked: dependencies and VCS/tool state, not things anyone deploys. */
const SKIPPED_DIRS = new Set(["node_modules"]);

export function isYamlName(base: string): boolean {
  return /\.ya?ml$/i.test(base);
}

/** `Dockerfile`, `api.Dockerfile`, `Dockerfile.prod` (any case); YAML extensions win (`Dockerfile.yaml`). */
export function isDockerfileName(base: string): boolean {
  if (isYamlName(base)) return false;
  return /^dockerfile$/i.test(base) || /\.dockerfile$/i.test(base) || /^dockerfile\./i.test(base);
}

function kindOfName(base: string): InputKind | undefined {
  if (isDockerfileName(base)) return "dockerfile";
  if (isYamlName(base)) return "yaml";
  return undefined;
}

/** Why a path cannot be used, in words (never Node's errno text). */
function pathProblem(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case "ELOOP":
      return "is a loop of symbolic links";
    case "EACCES":
    case "EPERM":
      return "cannot be read: permission denied";
    case "ENOTDIR":
    case "ENOENT":
      return "no such file or folder";
    default:
      return "cannot be read";
  }
}

/**
 * Walks a folder. Symbolic links are followed (a linked manifest is checked like any other), each real folder
 * once, so a link back up the tree ends the walk there instead of looping.
 */
function walk(dir: string, out: InputFile[], errors: InputError[], seen: Set<string>): void {
  let entries: fs.Dirent[];
  try {
    const real = fs.realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    errors.push({ file: dir, message: `folder ${pathProblem(e)}` });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const stat = fs.statSync(full);
        isDir = stat.isDirectory();
        isFile = stat.isFile();
      } catch (e) {
        // A dangling or looping link to something named like a manifest is reported, not skipped.
        if (kindOfName(entry.name)) errors.push({ file: full, message: pathProblem(e) });
        continue;
      }
    }
    // Hidden folders (.git, .github, .pulumi) hold tool state and CI config, not deployable manifests.
    if (isDir) {
      if (!entry.name.startsWith(".") && !SKIPPED_DIRS.has(entry.name)) walk(full, out, errors, seen);
      continue;
    }
    if (!isFile) continue;
    const kind = kindOfName(entry.name);
    if (kind) out.push({ path: full, kind, source: "folder" });
  }
}

/**
 * The files to check under `paths`: a file is taken whatever its name (a Dockerfile by name, YAML
 * otherwise), a folder is walked, `-` is standard input (YAML). Missing paths are errors, and so is a
 * folder with no file to check.
 */
export function collectFiles(paths: readonly string[]): { files: InputFile[]; errors: InputError[] } {
  const files: InputFile[] = [];
  const errors: InputError[] = [];
  for (const p of paths) {
    // `-` is standard input, always YAML: `helm template ... | npm run policy:check -- -`.
    if (p === "-") {
      files.push({ path: STDIN_NAME, kind: "yaml", source: "stdin" });
      continue;
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch (e) {
      errors.push({ file: p, message: pathProblem(e) });
      continue;
    }
    if (stat.isDirectory()) {
      const before = files.length;
      walk(p, files, errors, new Set());
      if (files.length === before) {
        errors.push({
          file: p,
          message:
            "no YAML files (*.yaml, *.yml) or Dockerfiles (Dockerfile, *.Dockerfile, Dockerfile.*) found",
        });
      }
    } else {
      files.push({
        path: p,
        kind: isDockerfileName(path.basename(p)) ? "dockerfile" : "yaml",
        source: "named",
      });
    }
  }
  const seen = new Set<string>();
  const unique = files.filter((f) => {
    const key = f.source === "stdin" ? "\0stdin" : path.resolve(f.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { files: unique, errors };
}
