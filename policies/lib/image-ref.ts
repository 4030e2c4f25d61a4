// Image references, `[registry[:port]/]path[:tag][@digest]`: the one parser and digest check that the program,
// the pack and the checker share, so "is this pinned" has one answer everywhere.

/** An image reference split into its parts, as written (see normalizeImageRef for Docker Hub short names). */
export interface ImageRef {
  /** Everything before the tag and digest, e.g. `gcr.io/distroless/static`. */
  repository: string;
  tag?: string;
  digest?: string;
}

// The reference grammar, in parts: a path component, a tag and a digest as registries write them.
const COMPONENT = "[a-z0-9]+([._-][a-z0-9]+)*";
const TAG = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
const DIGEST = "sha256:[0-9a-f]{64}";
const HOST = "[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\\d{1,5})?";
/** A host docker reads as a registry: localhost, a dotted name or one with a port. */
const EXPLICIT_HOST = "(localhost|[a-z0-9-]+(\\.[a-z0-9-]+)+|[a-z0-9-]+(\\.[a-z0-9-]+)*:[0-9]+)(:[0-9]+)?";

/** A digest as registries produce it: `sha256:` and 64 lowercase hex digits. */
export const DIGEST_RE = new RegExp(`^${DIGEST}$`);
/** A registry host with an optional port, without scheme (`ghcr.io`, `localhost:5000`). */
export const REGISTRY_HOST_RE = new RegExp(`^${HOST}$`);
/** A repository path under a registry (`acme/platform`). */
export const REPOSITORY_PATH_RE = new RegExp(`^${COMPONENT}(\\/${COMPONENT})*$`);
/** Any reference BuildKit resolves itself, Docker Hub short names included; also "" (none). */
export const IMAGE_REF_RE = new RegExp(
  `^$|^([a-z0-9.-]+(:\\d+)?\\/)?${COMPONENT}(\\/${COMPONENT})*(:${TAG})?(@${DIGEST})?$`,
);
/** A reference that names its registry host, with an optional tag and digest. */
export const REGISTRY_IMAGE_REF_RE = new RegExp(
  `^${EXPLICIT_HOST}(\\/${COMPONENT})+(:${TAG})?(@${DIGEST})?$`,
);
/** `registry[:port]/repository@sha256:<64 hex>`: the form the program exports its images in. */
export const PINNED_IMAGE_REF_RE = new RegExp(`^${HOST}(\\/${COMPONENT})+@${DIGEST}$`);

/** Where distroless images come from, per provider: no shell, no package manager. A mirror replaces the prefix. */
export const DISTROLESS_REGISTRY = { google: "gcr.io/distroless", chainguard: "cgr.dev/chainguard" } as const;
/** Registries whose images are distroless. */
export const DISTROLESS_REGISTRIES: readonly string[] = Object.values(DISTROLESS_REGISTRY);

/** True for `sha256:` followed by 64 lowercase hex digits. */
export function isSha256Digest(value: string): boolean {
  return DIGEST_RE.test(value);
}

/** Splits a reference at its digest (`@`) and tag; a colon before the last slash is a registry port. */
export function parseImageRef(image: string): ImageRef {
  const at = image.indexOf("@");
  const beforeDigest = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const colon = beforeDigest.lastIndexOf(":");
  const tagged = colon > beforeDigest.lastIndexOf("/");
  return {
    repository: tagged ? beforeDigest.slice(0, colon) : beforeDigest,
    ...(tagged ? { tag: beforeDigest.slice(colon + 1) } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** Whether an image reference is pinned by a well-formed digest (`<repository>@sha256:<64 hex>`). */
export function isPinnedByDigest(image: string): boolean {
  const { repository, digest } = parseImageRef(image);
  return repository !== "" && !/\s/.test(repository) && digest !== undefined && isSha256Digest(digest);
}

/**
 * Whether a reference names its registry host: docker reads the first path component as a host only when it
 * contains `.` or `:` or is `localhost`.
 */
export function hasExplicitRegistry(image: string): boolean {
  const parts = parseImageRef(image).repository.split("/");
  const first = parts[0];
  return parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
}

/** The reference with Docker Hub's implicit registry spelled out (`node` → `docker.io/library/node`). */
export function normalizeImageRef(ref: ImageRef): ImageRef {
  const { repository } = ref;
  if (repository === "scratch" || hasExplicitRegistry(repository)) return ref;
  const full = repository.includes("/") ? `docker.io/${repository}` : `docker.io/library/${repository}`;
  return { ...ref, repository: full };
}

/** Whether a repository is `prefix` itself or lies under it (`ghcr.io/acme` holds `ghcr.io/acme/api`, not `ghcr.io/acmex`). */
export function repositoryUnder(repository: string, prefix: string): boolean {
  const p = prefix.replace(/\/+$/, "");
  return repository === p || repository.startsWith(`${p}/`);
}

/** Whether a reference's repository is under a registry prefix (see repositoryUnder). */
export function underRegistry(image: string, prefix: string): boolean {
  return repositoryUnder(parseImageRef(image).repository, prefix);
}
