// A digest is the only reference that cannot move under a deployment. How strictly this applies
// depends on the environment (config `requireDigest`), e.g. mandatory in prod, advisory in staging.
import type { EnvironmentEnforcement, PodRule, RuleConfig } from "../lib/rule";
import { containersOf } from "./common";
import { DIGEST_RE, parseImageRef } from "../lib/image-ref";

/** The digest requirement in the configured environment. */
export function digestEnforcement(config: RuleConfig): EnvironmentEnforcement {
  return config.requireDigest[config.environment] ?? config.requireDigestDefault;
}

export const imageDigestPinned: PodRule = {
  name: "imageDigestPinned",
  description:
    "Every container image must be pinned by digest (name@sha256:...), as required per environment.",
  section: "hardened",
  defaultEnforcement: "mandatory",
  enforcementFor: digestEnforcement,
  configKeys: ["requireDigest", "requireDigestDefault"],
  check: ({ spec, config }) => {
    if (digestEnforcement(config) === "disabled") return [];
    const out: string[] = [];
    for (const { container, label } of containersOf(spec)) {
      const image = container.image;
      if (typeof image !== "string" || image.trim() === "") {
        out.push(`${label} must set an image pinned by digest`);
        continue;
      }
      const digest = parseImageRef(image).digest;
      if (digest === undefined) {
        out.push(`${label} image ${JSON.stringify(image)} is not pinned by digest (name@sha256:...)`);
      } else if (!DIGEST_RE.test(digest)) {
        out.push(
          `${label} image ${JSON.stringify(image)} has a malformed digest; expected sha256: and 64 hex digits`,
        );
      }
    }
    return out;
  },
};
