// `latest` (or no tag, which means latest) makes a deployment unreproducible; a digest alone pins it.
import type { PodRule } from "../lib/rule";
import { containersOf } from "./common";
import { parseImageRef } from "../lib/image-ref";

export const imageTagNotLatest: PodRule = {
  name: "imageTagNotLatest",
  description: "Every container image must carry a tag other than `latest` (or be pinned by digest).",
  section: "hardened",
  defaultEnforcement: "mandatory",
  check: ({ spec }) => {
    const out: string[] = [];
    for (const { container, label } of containersOf(spec)) {
      const image = container.image;
      if (typeof image !== "string" || image.trim() === "") {
        out.push(`${label} must set an image`);
        continue;
      }
      const ref = parseImageRef(image);
      if (ref.tag === "latest") {
        out.push(
          `${label} image ${JSON.stringify(image)} uses the "latest" tag; use a version tag or a digest`,
        );
      } else if (ref.tag === undefined && ref.digest === undefined) {
        out.push(`${label} image ${JSON.stringify(image)} has no tag; use a version tag or a digest`);
      }
    }
    return out;
  },
};
