// An image's vulnerability scan, judged with the organisation's threshold rather than the stack's: a team that
// raises its own images.vulnerabilities.failOn still meets this rule. It reads what distroless-platform's
// VulnerabilityScan recorded (the findings its check filled in from Grype), so it needs no scanner of its own.
import type { RuleBase, RuleConfig } from "../lib/rule";
import { IMAGE_RESOURCE_TYPES } from "./image";
import {
  blockingMatches,
  DEFAULT_FAIL_ON,
  gateFailure,
  type Severity,
  VULNERABILITY_SCAN_KIND,
  type VulnerabilityFindings,
} from "./vulnerabilities";

/** What the rule reads from a VulnerabilityScan. */
export interface ScanFacts {
  /** The image scanned, `<repository>@sha256:…`. */
  image: string;
  /** The findings; undefined while the image is not built yet (preview of a rebuild): nothing to judge. */
  findings?: VulnerabilityFindings;
}

/** Settings beyond the shared RuleConfig. */
export interface VulnerabilityRuleConfig extends RuleConfig {
  /** Fail on a finding of this severity or above. */
  failOn: Severity;
  /** Count only findings a fix exists for. */
  onlyFixed: boolean;
  /** The oldest database accepted, in days; 0 accepts any. */
  maxDatabaseAgeDays: number;
}

export interface VulnerabilityRuleContext {
  /** Pulumi resource name. */
  name: string;
  scan: ScanFacts;
  config: VulnerabilityRuleConfig;
  /** The time to judge the database's age against; injected so the rule stays pure. */
  now: Date;
}

/** The scan recorded on a VulnerabilityScan's inputs, or undefined for any other resource. */
export function scanFacts(type: string, props: unknown): ScanFacts | undefined {
  if (type !== IMAGE_RESOURCE_TYPES.dynamic || props === null || typeof props !== "object") return undefined;
  const p = props as Record<string, unknown>;
  if (p.kind !== VULNERABILITY_SCAN_KIND) return undefined;
  const findings = p.findings as VulnerabilityFindings | undefined;
  return {
    // Read only when there are findings: at preview of a rebuild the image is unknown, and reading an unknown
    // value makes the policy runtime skip the rule.
    get image() {
      return typeof p.image === "string" ? p.image : "(image not known yet)";
    },
    ...(findings !== undefined && Array.isArray(findings.matches) ? { findings } : {}),
  };
}

const DAY_MS = 86_400_000;

export const imageVulnerabilities: RuleBase & {
  section: "image";
  defaultEnforcement: "mandatory";
  resourceTypes: readonly string[];
  check(ctx: VulnerabilityRuleContext): string[];
} = {
  name: "imageVulnerabilities",
  description:
    `An image's vulnerability scan has no finding at failOn (default ${DEFAULT_FAIL_ON}) or above that has a fix ` +
    "(onlyFixed), from a database no older than maxDatabaseAgeDays (0: any age).",
  section: "image",
  defaultEnforcement: "mandatory",
  resourceTypes: [IMAGE_RESOURCE_TYPES.dynamic],
  check({ scan, config, now }) {
    if (scan.findings === undefined) return [];
    const messages: string[] = [];
    const blocking = blockingMatches(scan.findings.matches, config.failOn, config.onlyFixed);
    const failure = gateFailure(scan.image, blocking, config.failOn, config.onlyFixed);
    if (failure !== undefined) messages.push(failure);
    const built = Date.parse(scan.findings.databaseBuilt);
    if (config.maxDatabaseAgeDays > 0) {
      const age = Number.isNaN(built) ? Infinity : Math.floor((now.getTime() - built) / DAY_MS);
      if (age > config.maxDatabaseAgeDays) {
        messages.push(
          `${scan.image}: scanned with a vulnerability database built ${JSON.stringify(scan.findings.databaseBuilt)}` +
            `${Number.isFinite(age) ? `, ${age} days ago` : ""}; at most ${config.maxDatabaseAgeDays} days are ` +
            'accepted: refresh images.vulnerabilities.database (README "Vulnerability gate")',
        );
      }
    }
    return messages;
  },
};
