// What the image rules read from an image resource, normalised across the providers that build or push
// images: docker-build's Image (buildx), docker's v4 Image (one platform), docker's RegistryImage (push
// only) and distroless-platform's BuildKitImage (a dynamic resource driving BuildKit directly). Each spells
// the same facts differently; the rules should not have to know.
import * as fs from "fs";
import * as path from "path";
import type { Enforcement, RuleBase, RuleConfig } from "../lib/rule";

/** Pulumi resource types the image rules look at. */
export const IMAGE_RESOURCE_TYPES = {
  dockerBuild: "docker-build:index:Image",
  docker: "docker:index/image:Image",
  registryImage: "docker:index/registryImage:RegistryImage",
  /** Every Pulumi dynamic resource has this type; a BuildKitImage is told apart by its `kind` input. */
  dynamic: "pulumi-nodejs:dynamic:Resource",
} as const;

/** The `kind` input that marks a dynamic resource as distroless-platform's BuildKitImage. */
export const BUILDKIT_IMAGE_KIND = "distroless:image:BuildKitImage";

/** Types that build from a Dockerfile (RegistryImage only pushes an image built elsewhere). */
export const BUILDING_IMAGE_TYPES: readonly string[] = [
  IMAGE_RESOURCE_TYPES.dockerBuild,
  IMAGE_RESOURCE_TYPES.docker,
  IMAGE_RESOURCE_TYPES.dynamic,
];

/** Every type an image rule may see. */
export const ALL_IMAGE_TYPES: readonly string[] = Object.values(IMAGE_RESOURCE_TYPES);

/** The Dockerfile of a build, as the resource names it. */
export interface DockerfileSource {
  /** Inline Dockerfile text (docker-build `dockerfile.inline`). */
  inline?: string;
  /** Path or URL of the Dockerfile (docker-build `dockerfile.location`, docker `build.dockerfile`). */
  location?: string;
}

/** An image resource reduced to what the rules check. */
export interface ImageFacts {
  /** Pulumi resource type, one of {@link IMAGE_RESOURCE_TYPES}. */
  type: string;
  /** Whether this resource builds from a Dockerfile. */
  builds: boolean;
  /** Target platforms; undefined when the build does not set them (the builder's own platform). */
  platforms?: string[];
  dockerfile: DockerfileSource;
  /** Build context path or URL. */
  context?: string;
  /** `ARG` values given to the build. */
  buildArgs: Record<string, string>;
  /** The stage built (`--target`); undefined = the last stage. */
  target?: string;
  /** Image references written to a registry; empty when nothing is pushed. */
  pushed: string[];
}

/** Settings of the image rules beyond the shared {@link RuleConfig}. */
export interface ImageRuleConfig extends RuleConfig {
  /**
   * Registry prefixes images may be pushed to, e.g. `ghcr.io/acme`. Empty = any registry named
   * explicitly, except Docker Hub (internal images do not belong on a public registry).
   */
  allowedPushRegistries: string[];
  /**
   * Directory relative Dockerfile and context paths are resolved from: the Pulumi project's directory.
   * Undefined = the directory `pulumi` was started in (`PWD`), then the policy process's own.
   */
  projectDir?: string;
}

/** What an image rule sees. */
export interface ImageRuleContext {
  /** Pulumi resource name. */
  name: string;
  image: ImageFacts;
  config: ImageRuleConfig;
  /** Reads a file, or returns undefined when it does not exist; injected so rules stay testable. */
  readFile(file: string): string | undefined;
}

/** A rule on image resources (section 4 of the pack). */
export interface ImageRule extends RuleBase {
  section: "image";
  defaultEnforcement: Enforcement;
  /** Resource types the rule applies to. */
  resourceTypes: readonly string[];
  /** Violation messages; empty when the image complies. */
  check(ctx: ImageRuleContext): string[];
}

type Obj = Record<string, unknown>;

function asObj(v: unknown): Obj | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(asObj(v) ?? {})) if (typeof val === "string") out[k] = val;
  return out;
}

/**
 * References a raw `--output` string pushes, e.g. `type=registry,name=ghcr.io/a/b:1` or
 * `type=image,name=...,push=true`; without `name`, the tags.
 */
export function rawExportRefs(raw: string, tags: string[]): string[] {
  const fields = raw.split(",").map((f) => {
    const eq = f.indexOf("=");
    return eq < 0 ? [f.trim(), ""] : [f.slice(0, eq).trim(), f.slice(eq + 1).trim()];
  });
  const get = (key: string): string[] => fields.filter(([k]) => k === key).map(([, v]) => v);
  const type = get("type")[0];
  const push = get("push")[0];
  const pushes = (type === "registry" && push !== "false") || (type === "image" && push === "true");
  if (!pushes) return [];
  const names = get("name").filter((n) => n !== "");
  return names.length > 0 ? names : tags;
}

/** docker-build: references an `exports` entry pushes (registry exports push by default). */
function exportedRefs(exports: unknown, tags: string[]): string[] {
  const refs: string[] = [];
  for (const e of Array.isArray(exports) ? exports : []) {
    const entry = asObj(e);
    if (!entry || entry.disabled === true) continue;
    if (typeof entry.raw === "string") {
      refs.push(...rawExportRefs(entry.raw, tags));
      continue;
    }
    const registry = asObj(entry.registry);
    const image = asObj(entry.image);
    const target = registry && registry.push !== false ? registry : image?.push === true ? image : undefined;
    if (!target) continue;
    const names = strings(target.names);
    refs.push(...(names.length > 0 ? names : tags));
  }
  return refs;
}

/**
 * The facts of an image resource, or undefined when `type` is not an image type. Fields are getters that
 * read the props only when a rule asks: at preview, reading a value that is still unknown (e.g. a tag
 * built from a registry's URL) makes the policy runtime skip the policy, and a rule that does not look
 * at that field must not be skipped for it.
 */
export function imageFacts(type: string, props: unknown): ImageFacts | undefined {
  const p = asObj(props) ?? {};
  switch (type) {
    case IMAGE_RESOURCE_TYPES.dockerBuild:
      return {
        type,
        builds: true,
        get platforms() {
          return Array.isArray(p.platforms) ? strings(p.platforms) : undefined;
        },
        get dockerfile() {
          const d = asObj(p.dockerfile) ?? {};
          return { inline: str(d.inline), location: str(d.location) };
        },
        get context() {
          return str(asObj(p.context)?.location);
        },
        get buildArgs() {
          return stringMap(p.buildArgs);
        },
        get target() {
          return str(p.target);
        },
        get pushed() {
          const tags = strings(p.tags);
          return [...new Set([...(p.push === true ? tags : []), ...exportedRefs(p.exports, tags)])];
        },
      };
    case IMAGE_RESOURCE_TYPES.docker: {
      const build = (): Obj => asObj(p.build) ?? {};
      return {
        type,
        builds: true,
        get platforms() {
          const platform = str(build().platform);
          return platform !== undefined ? [platform] : undefined;
        },
        get dockerfile() {
          return { location: str(build().dockerfile) };
        },
        get context() {
          return str(build().context);
        },
        get buildArgs() {
          return stringMap(build().args);
        },
        get target() {
          return str(build().target);
        },
        get pushed() {
          const imageName = str(p.imageName);
          return imageName !== undefined && p.skipPush !== true ? [imageName] : [];
        },
      };
    }
    case IMAGE_RESOURCE_TYPES.registryImage:
      return {
        type,
        builds: false,
        dockerfile: {},
        buildArgs: {},
        get pushed() {
          const name = str(p.name);
          return name !== undefined ? [name] : [];
        },
      };
    case IMAGE_RESOURCE_TYPES.dynamic:
      // Other dynamic resources are not images.
      if (p.kind !== BUILDKIT_IMAGE_KIND) return undefined;
      return {
        type: BUILDKIT_IMAGE_KIND,
        builds: true,
        get platforms() {
          return Array.isArray(p.platforms) ? strings(p.platforms) : undefined;
        },
        get dockerfile() {
          return { inline: str(p.dockerfile) };
        },
        get context() {
          return str(p.context);
        },
        get buildArgs() {
          return stringMap(p.buildArgs);
        },
        target: undefined,
        get pushed() {
          // A BuildKitImage always pushes its tags.
          return strings(p.tags);
        },
      };
    default:
      return undefined;
  }
}

/** Whether a location is remote (a URL or a Git reference) rather than a local path. */
export function isRemoteLocation(location: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location) || location.startsWith("git@");
}

/** Where a build's Dockerfile text comes from, resolved to text or to the reason it cannot be read. */
export type ResolvedDockerfile = { ok: true; text: string; file: string } | { ok: false; message: string };

/** The base directories relative paths are tried from, in order. */
export function projectDirs(config: Pick<ImageRuleConfig, "projectDir">): string[] {
  const dirs = [config.projectDir, process.env.PWD, process.cwd()].filter((d): d is string => !!d);
  return [...new Set(dirs)];
}

/**
 * Reads the Dockerfile a build uses: the inline text, else `location` (tried relative to the project
 * directory, as docker resolves `-f`, then relative to the context, as docker's v4 Image resolves
 * `build.dockerfile`), else `Dockerfile` in the context.
 */
export function resolveDockerfile(
  image: ImageFacts,
  config: Pick<ImageRuleConfig, "projectDir">,
  readFile: (file: string) => string | undefined,
): ResolvedDockerfile {
  if (image.dockerfile.inline !== undefined)
    return { ok: true, text: image.dockerfile.inline, file: "<inline>" };
  const location = image.dockerfile.location;
  const context = image.context;
  for (const remote of [location, context]) {
    if (remote !== undefined && isRemoteLocation(remote)) {
      return {
        ok: false,
        message: `cannot audit the Dockerfile: "${remote}" is remote; use an inline Dockerfile or a local file`,
      };
    }
  }
  if (location === undefined && context === undefined) {
    return {
      ok: false,
      message: "cannot audit the Dockerfile: neither a Dockerfile nor a build context is set",
    };
  }
  const candidates: string[] = [];
  for (const dir of projectDirs(config)) {
    if (location !== undefined) {
      candidates.push(path.resolve(dir, location));
      if (context !== undefined) candidates.push(path.resolve(dir, context, location));
    } else if (context !== undefined) {
      candidates.push(path.resolve(dir, context, "Dockerfile"));
    }
  }
  const unique = [...new Set(candidates)];
  for (const file of unique) {
    const text = readFile(file);
    if (text !== undefined) return { ok: true, text, file };
  }
  const named = location ?? path.join(context ?? ".", "Dockerfile");
  return {
    ok: false,
    message: `cannot audit the Dockerfile: "${named}" was not found (looked at ${unique.join(", ")}); set the policy's projectDir`,
  };
}

/** Reads a file from disk, or undefined when it is missing or not a regular file. */
export function readFileIfExists(file: string): string | undefined {
  try {
    return fs.statSync(file).isFile() ? fs.readFileSync(file, "utf8") : undefined;
  } catch {
    return undefined;
  }
}
