// The image rules (section 4) as pure functions; crossguard/images.ts makes them CrossGuard policies. Tests and
// the checker import the rules directly.
import { DEFAULT_RULE_CONFIG } from "../lib/rule";
import { dockerfileDistroless } from "./dockerfileDistroless";
import type { ImageRule, ImageRuleConfig } from "./image";
import { imagePlatforms } from "./imagePlatforms";
import { imagePushRegistry } from "./imagePushRegistry";

export * from "./image";
export { dockerfileDistroless, truncateToTarget } from "./dockerfileDistroless";
export { imagePlatforms, REQUIRED_PLATFORMS } from "./imagePlatforms";
export { imagePushRegistry, pushRefViolation } from "./imagePushRegistry";
export * from "./vulnerabilities";
export {
  imageVulnerabilities,
  scanFacts,
  type ScanFacts,
  type VulnerabilityRuleConfig,
  type VulnerabilityRuleContext,
} from "./imageVulnerabilities";

/** Every image rule, in the order the README lists them. */
export const IMAGE_RULES: readonly ImageRule[] = [dockerfileDistroless, imagePlatforms, imagePushRegistry];

/** The image config defaults: the pack's shared defaults, no push registry list, project dir from PWD. */
export const DEFAULT_IMAGE_RULE_CONFIG: ImageRuleConfig = {
  ...DEFAULT_RULE_CONFIG,
  allowedPushRegistries: [],
};
