// Parses an image reference `[registry/]repository[:tag][@digest]`.

export interface ImageRef {
  /** Everything before the tag and digest, e.g. `gcr.io/distroless/static`. */
  repository: string;
  tag?: string;
  digest?: string;
}

export function parseImageRef(image: string): ImageRef {
  const at = image.indexOf("@");
  const beforeDigest = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const colon = beforeDigest.lastIndexOf(":");
  // A colon before the last slash belongs to a registry port (`localhost:5000/app`), not a tag.
  if (colon > beforeDigest.lastIndexOf("/")) {
    return { repository: beforeDigest.slice(0, colon), tag: beforeDigest.slice(colon + 1), digest };
  }
  return { repository: beforeDigest, digest };
}

/** A digest as registries produce it: `sha256:` and 64 lowercase hex digits. */
export const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

/** Whether an image reference is pinned by a well-formed digest (`…@sha256:<64 hex>`). */
export function isPinnedByDigest(image: string): boolean {
  const digest = parseImageRef(image).digest;
  return digest !== undefined && DIGEST_RE.test(digest);
}
