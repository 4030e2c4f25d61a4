// Which distroless image a family/provider pair runs on. Pure, so the component, the stacks' config
// validation and the tests share one table; every result passes the Dockerfile audit's base rules.
import { DISTROLESS_REGISTRY, isSha256Digest } from "distroless-guardrails/model";

/** Image families, named after Google's distroless images. */
export const FAMILIES = ["static", "base", "cc", "nodejs", "python", "java"] as const;
export type Family = (typeof FAMILIES)[number];

export const PROVIDERS = ["google", "chainguard"] as const;
export type Provider = (typeof PROVIDERS)[number];

/** Debian releases with supported distroless images (Debian 12 images reached end of life in 2026-09). */
export const DEBIAN_VERSIONS = [13] as const;
export const DEFAULT_DEBIAN = 13;

/** Runtime versions Google publishes for Debian 13 (Node.js 20 reached end of life in 2026-04). */
export const RUNTIME_VERSIONS: Readonly<Record<"nodejs" | "python" | "java", readonly string[]>> = {
  nodejs: ["22", "24"],
  python: ["3"],
  java: ["21", "25"],
};
export const DEFAULT_RUNTIME_VERSIONS: Readonly<Record<"nodejs" | "python" | "java", string>> = {
  nodejs: "22",
  python: "3",
  java: "21",
};

/**
 * Families whose Google image is named by the builder's own version (`nodejs22`, `java21`); `python3` is not: it
 * holds its Debian release's Python, which the builder must then match.
 */
export const BUILDER_VERSIONED_FAMILIES: readonly Family[] = ["nodejs", "java"];

/** The Python minor of each Debian release's python3 package, which Google's python3 image of that release runs. */
export const DEBIAN_PYTHON: Readonly<Record<(typeof DEBIAN_VERSIONS)[number], string>> = { 13: "3.13" };

/** Upstream registry prefix per provider; a mirror replaces exactly this prefix. */
export const PROVIDER_REGISTRIES: Readonly<Record<Provider, string>> = DISTROLESS_REGISTRY;

/**
 * Chainguard image per family. Chainguard has no Debian-style `base`; `glibc-dynamic` (glibc, libgcc,
 * libstdc++, ca-certificates) serves both `base` and `cc`.
 */
export const CHAINGUARD_IMAGES: Readonly<Record<Family, string>> = {
  static: "static",
  base: "glibc-dynamic",
  cc: "glibc-dynamic",
  nodejs: "node",
  python: "python",
  java: "jre",
};

export interface BaseImageOptions {
  /** Image family: static, base, cc, nodejs, python or java. */
  family: string;
  /** google (default) or chainguard. */
  provider?: string;
  /** Debian release of Google's images; 13 by default. Not used by Chainguard (Wolfi-based). */
  debian?: number;
  /** Runtime version for nodejs/python/java on Google's images (e.g. "22"); defaults per family. */
  runtimeVersion?: string;
  /** Registry prefix replacing the provider's (e.g. `mirror.internal/distroless`) for air-gapped clusters. */
  mirror?: string;
  /**
   * Digest (`sha256:<64 hex>`) pinning the image. Required for Chainguard, whose public images only carry the
   * moving `latest` tag: the reference becomes `cgr.dev/chainguard/<image>:latest@sha256:...`.
   */
  digest?: string;
}

const list = (values: readonly (string | number)[]): string =>
  values.map((v) => JSON.stringify(v)).join(", ");

/** Throws unless `mirror` is a bare registry prefix: `host[:port]/path`, no scheme, tag, digest or trailing slash. */
export function validateMirror(mirror: string, key = "mirror"): void {
  const path = mirror.includes("/") ? mirror.slice(mirror.indexOf("/") + 1) : "";
  const bad =
    mirror.length === 0 ||
    mirror.includes("://") ||
    mirror.includes("@") ||
    mirror.endsWith("/") ||
    mirror.includes(" ") ||
    path.includes(":");
  if (bad) {
    throw new Error(
      `${key}: ${JSON.stringify(mirror)} is not a registry prefix; expected host[:port]/path such as "mirror.internal/distroless" (no scheme, tag, digest or trailing slash)`,
    );
  }
}

/** What `images.base` chooses between: Google-equivalent distroless images, or a base per image (see below). */
export const BASES = ["distroless", "minimal"] as const;
export type Base = (typeof BASES)[number];
export const DEFAULT_BASE: Base = "distroless";

/**
 * The skeleton a `minimal` image is built on: users root, nobody and nonroot (65532), /tmp, /home/nonroot and
 * Debian's os-release, nothing else. Neither Google nor Chainguard publishes one, so it comes from a mirror that
 * `npm run bases` filled (the local environment's included).
 */
export function minimalBaseFor(mirror: string, debian: number = DEFAULT_DEBIAN): string {
  validateMirror(mirror);
  return `${mirror}/minimal-debian${debian}:nonroot`;
}

/** The distroless base image for a family and provider, always a non-root variant. */
export function baseImageFor(opts: BaseImageOptions): string {
  const { family, provider = "google", debian, runtimeVersion, mirror, digest } = opts;
  if (!(FAMILIES as readonly string[]).includes(family)) {
    throw new Error(`family: ${JSON.stringify(family)} is not supported; allowed: ${list(FAMILIES)}`);
  }
  if (!(PROVIDERS as readonly string[]).includes(provider)) {
    throw new Error(`provider: ${JSON.stringify(provider)} is not supported; allowed: ${list(PROVIDERS)}`);
  }
  if (digest !== undefined && !isSha256Digest(digest)) {
    throw new Error(
      `digest: ${JSON.stringify(digest)} is not a digest; expected sha256: followed by 64 hex digits`,
    );
  }
  if (mirror !== undefined) validateMirror(mirror);
  const fam = family as Family;
  const prefix = mirror ?? PROVIDER_REGISTRIES[provider as Provider];

  if (provider === "chainguard") {
    if (debian !== undefined) {
      throw new Error(
        `debian: ${debian} does not apply to provider "chainguard"; Chainguard images are built on Wolfi, not Debian — omit debian`,
      );
    }
    if (runtimeVersion !== undefined) {
      throw new Error(
        `runtimeVersion: ${JSON.stringify(runtimeVersion)} cannot select a Chainguard image; its public images only publish the "latest" tag, so the digest decides the version — omit runtimeVersion`,
      );
    }
    if (digest === undefined) {
      throw new Error(
        `digest: required for provider "chainguard"; its public images only publish the moving "latest" tag, so pin one by digest (sha256:<64 hex>)`,
      );
    }
    return `${prefix}/${CHAINGUARD_IMAGES[fam]}:latest@${digest}`;
  }

  const release = debian ?? DEFAULT_DEBIAN;
  if (release === 12) {
    throw new Error(
      `debian: 12 is not allowed; Debian 12 distroless images reached end of life in 2026-09 — use 13 (allowed: ${list(DEBIAN_VERSIONS)})`,
    );
  }
  if (!(DEBIAN_VERSIONS as readonly number[]).includes(release)) {
    throw new Error(`debian: ${release} is not supported; allowed: ${list(DEBIAN_VERSIONS)}`);
  }
  let name: string;
  if (fam === "nodejs" || fam === "python" || fam === "java") {
    const version = runtimeVersion ?? DEFAULT_RUNTIME_VERSIONS[fam];
    if (!RUNTIME_VERSIONS[fam].includes(version)) {
      throw new Error(
        `runtimeVersion: ${JSON.stringify(version)} is not available for family "${fam}" on Debian ${release}; allowed: ${list(RUNTIME_VERSIONS[fam])}`,
      );
    }
    name = `${fam}${version}`;
  } else {
    if (runtimeVersion !== undefined) {
      throw new Error(
        `runtimeVersion: ${JSON.stringify(runtimeVersion)} does not apply to family "${fam}"; only nodejs, python and java images have a runtime version`,
      );
    }
    name = fam;
  }
  return `${prefix}/${name}-debian${release}:nonroot${digest !== undefined ? `@${digest}` : ""}`;
}
