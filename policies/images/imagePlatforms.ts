// Images run on mixed amd64/arm64 node pools (and gVisor supports both): a single-platform image
// schedules only on half of them and fails with `exec format error` on the other half.
import { PLATFORMS } from "../lib/platforms";
import { IMAGE_RESOURCE_TYPES, type ImageRule, BUILDING_IMAGE_TYPES } from "./image";

/** Platforms every built image must include (lib/platforms.ts). */
export const REQUIRED_PLATFORMS = PLATFORMS;

/** Whether `platform` provides `required` (a variant such as `linux/arm64/v8` counts as `linux/arm64`). */
function provides(platform: string, required: string): boolean {
  return platform === required || platform.startsWith(`${required}/`);
}

export const imagePlatforms: ImageRule = {
  name: "imagePlatforms",
  description:
    "Images are built for linux/amd64 and linux/arm64 (docker's v4 Image builds one platform: use docker-build).",
  section: "image",
  defaultEnforcement: "mandatory",
  resourceTypes: BUILDING_IMAGE_TYPES,
  check({ name, image }) {
    const wanted = REQUIRED_PLATFORMS.join(" and ");
    // docker's v4 Image has one `build.platform`, so no setting makes it comply: the only fixes are the
    // provider that builds multi-platform images, or a reasoned exemption for single-architecture clusters.
    // Mandatory like any other single-platform build: the image fails the same way on the other nodes.
    if (image.type === IMAGE_RESOURCE_TYPES.docker) {
      const built = image.platforms?.[0] ?? "the builder's platform";
      const platforms = JSON.stringify([...REQUIRED_PLATFORMS]).replace(/,/g, ", ");
      return [
        `${IMAGE_RESOURCE_TYPES.docker} can build only one platform (here ${built}), but images must run on ` +
          `${wanted} nodes; move the build to ${IMAGE_RESOURCE_TYPES.dockerBuild} with platforms ${platforms}, ` +
          `or, if it runs on one architecture only, exempt it in imagePlatforms' exemptions: ` +
          `{"name": ${JSON.stringify(name)}, "reason": "..."}`,
      ];
    }
    if (image.platforms === undefined || image.platforms.length === 0) {
      return [
        `platforms is not set, so only the builder's platform is built; set platforms to include ${wanted}`,
      ];
    }
    const platforms = image.platforms;
    const missing = REQUIRED_PLATFORMS.filter((r) => !platforms.some((p) => provides(p, r)));
    return missing.length === 0
      ? []
      : [`platforms [${platforms.join(", ")}] must include ${missing.join(" and ")}`];
  },
};
