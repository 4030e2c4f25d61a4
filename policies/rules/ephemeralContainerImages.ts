// Ephemeral containers are how a distroless pod is debugged (`npm run debug`, `kubectl debug --target`): no shell
// in the app's image, a debug image beside it. That image runs in the app's process namespace, so it must come
// from the registries the pack trusts. Its digest is imageDigestPinned's business, per environment, as for any
// container.
import type { PodRule } from "../lib/rule";
import { underRegistry } from "../lib/image-ref";
import { containersOf } from "./common";

export const ephemeralContainerImages: PodRule = {
  name: "ephemeralContainerImages",
  description:
    "Ephemeral (debug) containers must use an image from allowedRegistries (imageDigestPinned covers their digest).",
  section: "hardened",
  defaultEnforcement: "mandatory",
  configKeys: ["allowedRegistries"],
  check: ({ spec, config }) => {
    const out: string[] = [];
    for (const { container, label } of containersOf(spec, ["ephemeralContainers"])) {
      const image = container.image;
      if (typeof image !== "string" || image.trim() === "") {
        out.push(`${label} must set a debug image from allowedRegistries`);
        continue;
      }
      if (!config.allowedRegistries.some((prefix) => underRegistry(image, prefix))) {
        out.push(
          `${label} image ${JSON.stringify(image)} is not from an allowed registry (${config.allowedRegistries.join(", ")}); ` +
            "debug with an image from allowedRegistries, e.g. a distroless :debug-nonroot variant",
        );
      }
    }
    return out;
  },
};
