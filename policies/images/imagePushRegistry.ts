// Workload images must come from a registry the clusters trust (and, air-gapped, can reach); pushing an
// internal image to Docker Hub by omission of a registry host publishes it.
import { hasExplicitRegistry, parseImageRef, underRegistry } from "../lib/image-ref";
import { ALL_IMAGE_TYPES, type ImageRule } from "./image";

/** Docker Hub's names: references without a registry host resolve to it too. */
const DOCKER_HUB_HOSTS = ["docker.io", "index.docker.io", "registry-1.docker.io"];

/** Why `ref` may not be pushed, or undefined when it may. */
export function pushRefViolation(ref: string, allowed: readonly string[]): string | undefined {
  if (allowed.length > 0) {
    return allowed.some((prefix) => underRegistry(ref, prefix))
      ? undefined
      : `pushes "${ref}" to a registry that is not allowed; allowed: ${allowed.join(", ")}`;
  }
  if (!hasExplicitRegistry(ref)) {
    return `pushes "${ref}" without a registry host, which means Docker Hub; name an internal registry, e.g. registry.example.com/team/app`;
  }
  const host = parseImageRef(ref).repository.split("/")[0];
  return DOCKER_HUB_HOSTS.includes(host)
    ? `pushes "${ref}" to Docker Hub; push to an internal registry or list it in allowedRegistries`
    : undefined;
}

export const imagePushRegistry: ImageRule = {
  name: "imagePushRegistry",
  description:
    "Images are pushed only to allowed registries (by default: a named registry that is not Docker Hub).",
  section: "image",
  defaultEnforcement: "mandatory",
  resourceTypes: ALL_IMAGE_TYPES,
  check({ image, config }) {
    return image.pushed
      .map((ref) => pushRefViolation(ref, config.allowedPushRegistries))
      .filter((m): m is string => m !== undefined);
  },
};
