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
  DEFAULT_FAIL_ON,
  FAIL_ON_CHOICES,
  IMAGE_RULES,
  imageFacts,
  imageVulnerabilities,
  scanFacts,
  type Severity,
  IMAGE_RESOURCE_TYPES,
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
  /** imageVulnerabilities: the organisation's threshold. */
  failOn?: string;
  onlyFixed?: boolean;
  maxDatabaseAgeDays?: number;
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

/** imageVulnerabilities' config: the pack's `environment` and `exemptions`, and the organisation's threshold. */
export const VULNERABILITY_CONFIG_SCHEMA: PolicyConfigSchema = {
  properties: {
    ...configSchema().properties,
    failOn: {
      type: "string",
      enum: [...FAIL_ON_CHOICES],
      description: "Fail on a finding of this severity or above.",
      default: DEFAULT_FAIL_ON,
    },
    onlyFixed: {
      type: "boolean",
      description: "Count only findings a fixed package version exists for.",
      default: true,
    },
    maxDatabaseAgeDays: {
      type: "integer",
      minimum: 0,
      description: "The oldest vulnerability database accepted, in days; 0 accepts any age.",
      default: 0,
    },
  },
};

/** imageVulnerabilities as CrossGuard runs it: on a VulnerabilityScan's recorded findings. */
export function validateScan(
  args: ResourceValidationArgs,
  reportViolation: ReportViolation,
  now: Date = new Date(),
): void {
  if (args.type !== IMAGE_RESOURCE_TYPES.dynamic) {
    args.notApplicable(`applies to ${imageVulnerabilities.resourceTypes.join(", ")} only`);
  }
  const scan = scanFacts(args.type, args.props);
  if (!scan) return;
  const user = args.getConfig<ImagePolicyConfig>();
  const shared = resolveRuleConfig(user, args.stackTags);
  const { exempt, invalid } = decideExemption(shared.exemptions, undefined, [args.name]);
  for (const e of invalid) reportViolation(missingReasonMessage(e));
  if (exempt) return;
  const config = {
    ...shared,
    failOn: (FAIL_ON_CHOICES as readonly string[]).includes(user.failOn ?? "")
      ? (user.failOn as Severity)
      : DEFAULT_FAIL_ON,
    onlyFixed: user.onlyFixed ?? true,
    maxDatabaseAgeDays: user.maxDatabaseAgeDays ?? 0,
  };
  for (const message of imageVulnerabilities.check({ name: args.name, scan, config, now })) {
    reportViolation(message);
  }
}

/** The image policies of the pack: the image rules, then the vulnerability scans. */
export const imagePolicies: ResourceValidationPolicy[] = [
  ...IMAGE_RULES.map(imagePolicy),
  {
    name: imageVulnerabilities.name,
    description: imageVulnerabilities.description,
    enforcementLevel: imageVulnerabilities.defaultEnforcement,
    configSchema: VULNERABILITY_CONFIG_SCHEMA,
    validateResource: (args, reportViolation) => validateScan(args, reportViolation),
  },
];
