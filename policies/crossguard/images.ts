// The image rules as CrossGuard policies: their config schemas, the rule config a policy's user config gives, and
// validation of one resource as CrossGuard runs it. crossguard/policies.ts adds `imagePolicies` to the pack.
import type {
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from "@pulumi/policy";
import { decideExemption, missingReasonMessage } from "../lib/rule";
import {
  IMAGE_RULES,
  imageFacts,
  imagePushRegistry,
  type ImageRule,
  type ImageRuleConfig,
  readFileIfExists,
} from "../images";
import { configSchema, CONFIG_PROPERTIES, type PolicyUserConfig, resolveRuleConfig } from "./adapter";

/** Policy config as users write it (`pulumi policy enable --config`, or the policy group's settings). */
export interface ImagePolicyConfig extends PolicyUserConfig {
  /** dockerfileDistroless: base image registries; imagePushRegistry: registries images may be pushed to. */
  allowedRegistries?: string[];
  /** dockerfileDistroless: directory relative Dockerfile paths are resolved from. */
  projectDir?: string;
}

/** Each image policy's configSchema: the pack's `environment` and `exemptions`, plus its own keys. */
export const IMAGE_CONFIG_SCHEMAS: Record<string, PolicyConfigSchema> = {
  dockerfileDistroless: {
    properties: {
      ...configSchema().properties,
      allowedRegistries: {
        ...CONFIG_PROPERTIES.allowedRegistries,
        description:
          "Registry prefixes the final stage's base image may come from (e.g. an internal mirror).",
      },
      projectDir: {
        type: "string",
        description:
          "Directory relative Dockerfile and context paths are resolved from; default the directory pulumi runs in.",
      },
    },
  },
  imagePlatforms: configSchema(),
  imagePushRegistry: {
    properties: {
      ...configSchema().properties,
      allowedRegistries: {
        type: "array",
        items: { type: "string" },
        description:
          "Registry prefixes images may be pushed to; empty = any named registry except Docker Hub.",
        default: [],
      },
    },
  },
};

/** The rule config a policy's user config gives (each policy reads `allowedRegistries` its own way). */
export function imageRuleConfig(
  rule: ImageRule,
  user: ImagePolicyConfig,
  stackTags: ReadonlyMap<string, string> = new Map(),
): ImageRuleConfig {
  const pushRule = rule.name === imagePushRegistry.name;
  const shared = resolveRuleConfig(pushRule ? { ...user, allowedRegistries: undefined } : user, stackTags);
  const config: ImageRuleConfig = { ...shared, allowedPushRegistries: [] };
  if (pushRule && Array.isArray(user.allowedRegistries)) {
    config.allowedPushRegistries = user.allowedRegistries.filter((r): r is string => typeof r === "string");
  }
  if (typeof user.projectDir === "string" && user.projectDir !== "") config.projectDir = user.projectDir;
  return config;
}

/**
 * Runs an image rule on one resource as CrossGuard does: other types are not applicable, an exemption
 * (by Pulumi resource name) with a reason skips the rule, one without is itself a violation. Values
 * unknown at preview are left to the policy runtime, as crossguard/adapter.ts explains: it reports an
 * advisory "can't run" for the rule that read one, and the rule runs again at `pulumi up`.
 */
export function validateImage(
  rule: ImageRule,
  args: ResourceValidationArgs,
  reportViolation: ReportViolation,
  readFile: (file: string) => string | undefined = readFileIfExists,
): void {
  if (!rule.resourceTypes.includes(args.type)) {
    args.notApplicable(`applies to ${rule.resourceTypes.join(", ")} only`);
  }
  const image = imageFacts(args.type, args.props);
  if (!image) return;
  const config = imageRuleConfig(rule, args.getConfig<ImagePolicyConfig>(), args.stackTags);
  const { exempt, invalid } = decideExemption(config.exemptions, undefined, [args.name]);
  for (const e of invalid) reportViolation(missingReasonMessage(e));
  if (exempt) return;
  for (const message of rule.check({ name: args.name, image, config, readFile })) reportViolation(message);
}

/** The CrossGuard policy of an image rule. */
export function imagePolicy(rule: ImageRule): ResourceValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.defaultEnforcement,
    configSchema: IMAGE_CONFIG_SCHEMAS[rule.name],
    validateResource: (args, reportViolation) => validateImage(rule, args, reportViolation),
  };
}

/** The image policies of the pack. */
export const imagePolicies: ResourceValidationPolicy[] = IMAGE_RULES.map(imagePolicy);
