// The vulnerability gate's model, shared by the program (components/vulnscan.ts runs the scanner) and the pack
// (imageVulnerabilities judges what was recorded): severities in order, one finding, and which findings block.
// Pure: no scanner, no registry, no Pulumi.

/** Severities from least to most severe, as Grype names them (lower case). */
export const SEVERITIES = ["negligible", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A gate threshold: fail on a finding of this severity or above. */
export const FAIL_ON_CHOICES = SEVERITIES;

/** The gate's default threshold: no High or Critical finding (with a fix, by default). */
export const DEFAULT_FAIL_ON: Severity = "high";

/** The `kind` input that marks a dynamic resource as distroless-platform's VulnerabilityScan. */
export const VULNERABILITY_SCAN_KIND = "distroless:image:VulnerabilityScan";

/** One vulnerability the scanner matched against one package of one platform's image. */
export interface VulnerabilityMatch {
  /** Advisory id, e.g. `CVE-2025-1234` or `GHSA-…`. */
  id: string;
  /** Lower-case severity; `unknown` when the database gives none. */
  severity: Severity | "unknown";
  /** Package name and installed version as the SBOM lists them. */
  package: string;
  version: string;
  /** Package type: `deb`, `npm`, `go-module`, `python`, `java-archive`, … */
  type: string;
  /** Versions that fix it; empty when no fix is available. */
  fixedIn: string[];
  /** `linux/amd64`, `linux/arm64`. */
  platform: string;
}

/** What a scan records: the database it used and every match, per platform. */
export interface VulnerabilityFindings {
  /** When the database was built (RFC 3339), as the scanner reports it. */
  databaseBuilt: string;
  /** Platforms scanned (one SBOM each). */
  platforms: string[];
  /** Every match, sorted by platform, severity (most severe first), id and package. */
  matches: VulnerabilityMatch[];
}

/** How severe a finding is on the SEVERITIES scale; `unknown` ranks below negligible. */
export function severityRank(severity: string): number {
  return (SEVERITIES as readonly string[]).indexOf(severity);
}

/** Lower-case, one of SEVERITIES or `unknown`. */
export function normalSeverity(raw: string): Severity | "unknown" {
  const s = raw.toLowerCase();
  return severityRank(s) >= 0 ? (s as Severity) : "unknown";
}

/** The findings that fail a gate at `failOn` (and above), counting only fixable ones when `onlyFixed`. */
export function blockingMatches(
  matches: readonly VulnerabilityMatch[],
  failOn: Severity,
  onlyFixed: boolean,
): VulnerabilityMatch[] {
  const floor = severityRank(failOn);
  return matches.filter((m) => severityRank(m.severity) >= floor && (!onlyFixed || m.fixedIn.length > 0));
}

/** Counts per severity (most severe first), for summaries: `critical 0, high 2 (1 fixable), …`. */
export function severityCounts(
  matches: readonly VulnerabilityMatch[],
): { severity: Severity | "unknown"; total: number; fixable: number }[] {
  const order: (Severity | "unknown")[] = [...SEVERITIES].reverse();
  return [...order, "unknown" as const].map((severity) => {
    const of = matches.filter((m) => m.severity === severity);
    return { severity, total: of.length, fixable: of.filter((m) => m.fixedIn.length > 0).length };
  });
}

/** One line per finding: `CVE-… high libssl3t64 3.5.1-1 (fixed in 3.5.1-2) on linux/amd64`. */
export function describeMatch(m: VulnerabilityMatch): string {
  const fix = m.fixedIn.length > 0 ? `fixed in ${m.fixedIn.join(", ")}` : "no fix yet";
  return `${m.id} ${m.severity} in ${m.type} package ${m.package} ${m.version} (${fix}) on ${m.platform}`;
}

/** The gate's verdict as a message, or undefined when nothing blocks. Lists at most `limit` findings. */
export function gateFailure(
  image: string,
  blocking: readonly VulnerabilityMatch[],
  failOn: Severity,
  onlyFixed: boolean,
  limit = 10,
): string | undefined {
  if (blocking.length === 0) return undefined;
  const shown = blocking.slice(0, limit).map((m) => `  - ${describeMatch(m)}`);
  const more = blocking.length > limit ? [`  - … and ${blocking.length - limit} more`] : [];
  return (
    `${image}: ${blocking.length} ${onlyFixed ? "fixable " : ""}finding${blocking.length === 1 ? "" : "s"} ` +
    `at severity ${failOn} or above:\n${[...shown, ...more].join("\n")}\n` +
    "Rebuild on a base with the fixed packages (npm run bases, or a newer images.baseDigests entry), upgrade the " +
    "app's dependency, or raise images.vulnerabilities.failOn for this environment."
  );
}
