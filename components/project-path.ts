// Paths the user names (an app directory, a Dockerfile) must stay inside the project once symbolic links are
// followed, and be of the right kind: a build context that escapes the project would send other files to the
// builder, and a Dockerfile outside it would be read and echoed. Used by config validation and DistrolessImage.
import * as fs from "node:fs";
import * as path from "node:path";

export type PathKind = "directory" | "file";

/**
 * Why `rel` (relative to `root`) is not an existing `kind` inside the project, or undefined when it is. The
 * reason is phrased as what is expected, for `<key>: <value> is not allowed; <reason>`; it never carries an
 * errno text or file contents.
 */
export function projectPathProblem(root: string, rel: string, kind: PathKind): string | undefined {
  const expected = `expected ${kind === "directory" ? "a directory" : "a file"} inside the project`;
  if (path.isAbsolute(rel)) return `${expected}, given relative to the project root`;
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(root);
  } catch {
    return `${expected}; the project root cannot be read`;
  }
  const joined = path.resolve(root, rel);
  let real: string;
  try {
    real = fs.realpathSync(joined);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ELOOP") return `${expected}; it is a loop of symbolic links`;
    if (code === "EACCES") return `${expected}; it cannot be read`;
    return `${expected}; nothing exists there`;
  }
  const inside = path.relative(realRoot, real);
  if (inside.startsWith("..") || path.isAbsolute(inside)) {
    return `${expected}; it leads outside the project${real !== joined ? " through a symbolic link" : ""}`;
  }
  if (kind === "directory" && inside === "") {
    return `${expected}, below the project root (the root itself would send the whole project to the builder)`;
  }
  const stat = fs.statSync(real);
  if (kind === "directory" && !stat.isDirectory()) return `${expected}; it is a file`;
  if (kind === "file" && !stat.isFile())
    return `${expected}; it is ${stat.isDirectory() ? "a directory" : "not a regular file"}`;
  return undefined;
}
