// Image references, `[registry[:port]/]path[:tag][@digest]`: the one parser and digest check that the program,
// the pack and the checker share, so "is this pinned" has one answer everywhere.

/** An image reference split into its parts, as written (see normalizeImageRef for Docker Hub short names). */
export interface ImageRef {
  /** Everything before the tag and digest, e.g. `gcr.io/distroless/static`. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** A digest as registries produce it: `sha256:` and 64 lowercase hex digits. */
export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

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
