// The Dockerfile's final stage must produce a distroless, non-root image: the runtime the cluster's
// hardening (no exec probes, read-only root, runAsNonRoot) assumes. The audit itself is lib/dockerfile.ts,
// shared with the program's DistrolessImage, so the pack and the program cannot disagree.
import * as path from "path";
import { DockerfileParser, From } from "dockerfile-ast";
import { auditDockerfile } from "../lib/dockerfile";
import { BUILDING_IMAGE_TYPES, type ImageRule, projectDirs, resolveDockerfile } from "./image";

/**
 * The Dockerfile text up to the end of stage `target` (`--target`), so the audited final stage is the one
 * built; lines keep their numbers. Undefined when no stage has that name.
 */
export function truncateToTarget(text: string, target: string): string | undefined {
  const froms = DockerfileParser.parse(text)
    .getInstructions()
    .filter((i): i is From => i instanceof From);
  const index = froms.findIndex((f) => f.getBuildStage()?.toLowerCase() === target.toLowerCase());
  if (index < 0) return undefined;
  const next = froms[index + 1];
  if (!next) return text;
  const lines = text.split("\n");
  return lines.slice(0, next.getRange().start.line).join("\n");
}

/** How a file is named in messages: relative to the project directory when under it. */
function displayName(file: string, dirs: string[]): string {
  if (file === "<inline>") return "inline Dockerfile";
  for (const dir of dirs) {
    const rel = path.relative(dir, file);
    if (!rel.startsWith("..") && !path.isAbsolute(rel)) return rel;
  }
  return file;
}

export const dockerfileDistroless: ImageRule = {
  name: "dockerfileDistroless",
  description:
    "The Dockerfile's final stage is distroless from an allowed registry, not :debug/-dev/:latest or an " +
    "end-of-life -debian12 (or older) base, with exec-form CMD/ENTRYPOINT, no HEALTHCHECK, no RUN or ONBUILD " +
    "and a numeric non-root USER or a nonroot base.",
  section: "image",
  defaultEnforcement: "mandatory",
  resourceTypes: BUILDING_IMAGE_TYPES,
  check({ image, config, readFile }) {
    const resolved = resolveDockerfile(image, config, readFile);
    if (!resolved.ok) return [resolved.message];
    const file = displayName(resolved.file, projectDirs(config));
    let text = resolved.text;
    if (image.target !== undefined) {
      const truncated = truncateToTarget(text, image.target);
      if (truncated === undefined)
        return [`${file}: target stage "${image.target}" is not defined in the Dockerfile`];
      text = truncated;
    }
    return auditDockerfile(text, {
      file,
      allowedRegistries: config.allowedRegistries,
      buildArgs: image.buildArgs,
    }).map((f) => f.message);
  },
};
