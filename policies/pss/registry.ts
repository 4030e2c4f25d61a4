// The Pod Security Standards registry, as pod-security-admission's policy/registry.go: every check with its
// versioned behaviours, resolved for a level and a policy version. Pure: no Pulumi imports.
import type { ObjectMeta, PodSpec } from "../lib/k8s";
import { extractPod } from "../lib/pods";
import type { Check, CheckPod, CheckResult, Level } from "../lib/types";
import { checkAllowPrivilegeEscalation } from "./allowPrivilegeEscalation";
import { checkAppArmorProfile } from "./appArmorProfile";
import { checkCapabilitiesBaseline } from "./capabilities_baseline";
import { checkCapabilitiesRestricted } from "./capabilities_restricted";
import { checkHostNamespaces } from "./hostNamespaces";
import { checkHostPathVolumes } from "./hostPathVolumes";
import { checkHostPorts } from "./hostPorts";
import { checkHostProbesAndHostLifecycle } from "./hostProbesAndHostLifecycle";
import { checkPrivileged } from "./privileged";
import { checkProcMount } from "./procMount";
import { checkProcMountRestricted } from "./procMount_restricted";
import { checkRestrictedVolumes } from "./restrictedVolumes";
import { checkRunAsNonRoot } from "./runAsNonRoot";
import { checkRunAsUser } from "./runAsUser";
import { checkSeccompProfileBaseline } from "./seccompProfile_baseline";
import { checkSeccompProfileRestricted } from "./seccompProfile_restricted";
import { checkSeLinuxOptions } from "./seLinuxOptions";
import { checkSysctls } from "./sysctls";
import { checkWindowsHostProcess } from "./windowsHostProcess";
import { LATEST_PSS_MINOR, LATEST_PSS_VERSION, pinnedPssMinor } from "../lib/pss-version";

/** Every upstream check: 12 baseline, 7 restricted (procMount_restricted is new in v1.35). */
export const PSS_CHECKS: Check[] = [
  checkHostNamespaces,
  checkPrivileged,
  checkCapabilitiesBaseline,
  checkHostPathVolumes,
  checkHostPorts,
  checkAppArmorProfile,
  checkSeLinuxOptions,
  checkProcMount,
  checkSeccompProfileBaseline,
  checkSysctls,
  checkWindowsHostProcess,
  checkHostProbesAndHostLifecycle,
  checkRestrictedVolumes,
  checkAllowPrivilegeEscalation,
  checkRunAsNonRoot,
  checkRunAsUser,
  checkSeccompProfileRestricted,
  checkCapabilitiesRestricted,
  checkProcMountRestricted,
];

/**
 * What is wrong with a list of checks, as upstream's registry refuses it (policy/registry.go, validateChecks):
 * an empty or repeated ID, an unknown level, a check without versions, versions not strictly increasing, and an
 * override naming a check that is not in the list. Empty for a sound registry.
 */
export function validateChecks(checks: readonly Check[]): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const c of checks) {
    if (c.id === "") problems.push("a check has an empty ID");
    else if (ids.has(c.id)) problems.push(`check ID ${JSON.stringify(c.id)} is used twice`);
    ids.add(c.id);
  }
  for (const c of checks) {
    if (c.level !== "baseline" && c.level !== "restricted") {
      problems.push(`check ${c.id}: level ${JSON.stringify(c.level)} is neither baseline nor restricted`);
    }
    if (c.versions.length === 0) problems.push(`check ${c.id}: no versions`);
    let previous = -1;
    for (const v of c.versions) {
      const minor = pinnedPssMinor(v.minimumVersion);
      if (minor === undefined) {
        problems.push(`check ${c.id}: version ${JSON.stringify(v.minimumVersion)} is not of the form v1.N`);
        continue;
      }
      if (minor <= previous) {
        problems.push(`check ${c.id}: version ${v.minimumVersion} does not come after v1.${previous}`);
      }
      previous = minor;
      for (const o of v.overrideCheckIDs ?? []) {
        if (!ids.has(o))
          problems.push(`check ${c.id} ${v.minimumVersion}: overrides unknown check ${JSON.stringify(o)}`);
      }
    }
  }
  return problems;
}

// The registry checks itself when loaded, as upstream's evaluator refuses to start on a broken one.
const REGISTRY_PROBLEMS = validateChecks(PSS_CHECKS);
if (REGISTRY_PROBLEMS.length > 0) throw new Error(`PSS registry: ${REGISTRY_PROBLEMS.join("; ")}`);

/** The check IDs, in upstream's evaluation order: baseline IDs sorted, then restricted IDs sorted. */
export const PSS_CHECK_IDS: readonly string[] = orderedIds(PSS_CHECKS);

/** Every check by ID. */
export const PSS_CHECKS_BY_ID: ReadonlyMap<string, Check> = new Map(PSS_CHECKS.map((c) => [c.id, c]));

function parseMinor(version: string, what: string): number {
  const minor = pinnedPssMinor(version);
  if (minor === undefined) throw new Error(`${what} "${version}" is not of the form v1.N`);
  return minor;
}

/** The newest minimumVersion of any check: what `latest` means, and where newer versions are clamped. */
export const MAX_PSS_MINOR: number = Math.max(
  ...PSS_CHECKS.flatMap((c) => c.versions.map((v) => parseMinor(v.minimumVersion, `check ${c.id} version`))),
);

// The registry checks itself: the newest version its checks define is the project's newest (lib/pss-version).
if (MAX_PSS_MINOR !== LATEST_PSS_MINOR) {
  throw new Error(
    `PSS registry: the checks' newest version is v1.${MAX_PSS_MINOR} but lib/pss-version.ts says ${LATEST_PSS_VERSION}; update LATEST_PSS_MINOR`,
  );
}

export { LATEST_PSS_VERSION };

/** A parsed policy version: `latest`, or `v1.<minor>`. */
export interface PssVersion {
  latest: boolean;
  /** Minor version; for `latest` the newest policy version the checks define. */
  minor: number;
}

/**
 * Parses a policy version as the `pod-security.kubernetes.io/<mode>-version` label accepts it: `latest`
 * or `v1.N`. Throws a clear error naming the value and the allowed forms otherwise.
 */
export function parsePssVersion(version: string): PssVersion {
  if (version === "latest") return { latest: true, minor: MAX_PSS_MINOR };
  const minor = pinnedPssMinor(version);
  if (minor === undefined) {
    throw new Error(
      `invalid Pod Security Standards version ${JSON.stringify(version)}: allowed values are "latest" or "v1.N" (e.g. "${LATEST_PSS_VERSION}")`,
    );
  }
  return { latest: false, minor };
}

function orderedIds(checks: readonly Check[]): string[] {
  const byte = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const baseline = checks.filter((c) => c.level === "baseline").map((c) => c.id);
  const restricted = checks.filter((c) => c.level === "restricted").map((c) => c.id);
  return [...baseline.sort(byte), ...restricted.sort(byte)];
}

interface ResolvedCheck {
  check: Check;
  checkPod: CheckPod;
  overrideCheckIDs: readonly string[];
}

/** The check's behaviour at a minor version: the newest entry whose minimumVersion is at or below it. */
function resolveCheck(check: Check, minor: number): ResolvedCheck | undefined {
  let found: ResolvedCheck | undefined;
  for (const v of check.versions) {
    if (parseMinor(v.minimumVersion, `check ${check.id} version`) <= minor) {
      found = { check, checkPod: v.checkPod, overrideCheckIDs: v.overrideCheckIDs ?? [] };
    }
  }
  return found;
}

/**
 * One check's pod function at a policy version (`v1.N` or `latest`, clamped like the registry), or undefined
 * when the check does not exist yet at that version (e.g. hostProbesAndHostLifecycle before v1.34).
 */
export function checkPodAt(check: Check, version: string): CheckPod | undefined {
  return resolveCheck(check, Math.min(parsePssVersion(version).minor, MAX_PSS_MINOR))?.checkPod;
}

/** One check's verdict on one pod. */
export interface PssCheckOutcome {
  checkId: string;
  level: Level;
  result: CheckResult;
}

/**
 * The checks that apply at a level and version, in upstream's order. Baseline: every baseline check.
 * Restricted: every restricted check plus the baseline checks no restricted check overrides at that version.
 * Versions newer than the newest defined one are clamped to it, as upstream does.
 */
export function checksFor(level: Level, version: string): readonly { check: Check; checkPod: CheckPod }[] {
  // A pure function of two strings, asked once per pod: computed once per pair.
  const key = `${level} ${version}`;
  let checks = CHECKS_CACHE.get(key);
  if (checks === undefined) {
    checks = resolveChecksFor(level, version);
    CHECKS_CACHE.set(key, checks);
  }
  return checks;
}

const CHECKS_CACHE = new Map<string, readonly { check: Check; checkPod: CheckPod }[]>();

function resolveChecksFor(level: Level, version: string): { check: Check; checkPod: CheckPod }[] {
  const minor = Math.min(parsePssVersion(version).minor, MAX_PSS_MINOR);
  const resolved = PSS_CHECK_IDS.map((id) => PSS_CHECKS_BY_ID.get(id))
    .filter((c): c is Check => c !== undefined)
    .map((c) => resolveCheck(c, minor))
    .filter((r): r is ResolvedCheck => r !== undefined);
  const baseline = resolved.filter((r) => r.check.level === "baseline");
  if (level === "baseline") return baseline.map(({ check, checkPod }) => ({ check, checkPod }));
  const restricted = resolved.filter((r) => r.check.level === "restricted");
  const overridden = new Set(restricted.flatMap((r) => r.overrideCheckIDs));
  return [...baseline.filter((r) => !overridden.has(r.check.id)), ...restricted].map(
    ({ check, checkPod }) => ({
      check,
      checkPod,
    }),
  );
}

/** Evaluates every check of the profile `level` at `version` (`v1.N` or `latest`) on a pod. */
export function evaluatePod(
  level: Level,
  version: string,
  metadata: ObjectMeta | undefined,
  spec: PodSpec,
): PssCheckOutcome[] {
  const meta = metadata ?? {};
  return checksFor(level, version).map(({ check, checkPod }) => ({
    checkId: check.id,
    level: check.level,
    result: checkPod(meta, spec),
  }));
}

/**
 * Evaluates the pod carried by an object of a pod-carrying kind (Pod, PodTemplate, Deployment, CronJob, ...).
 * Returns undefined when the kind carries no pod or the object has no pod spec.
 */
export function evaluateObject(
  kind: string,
  obj: unknown,
  level: Level,
  version: string,
): PssCheckOutcome[] | undefined {
  const pod = extractPod(kind, obj);
  if (!pod) return undefined;
  return evaluatePod(level, version, pod.metadata, pod.spec);
}

/** Only the checks that forbid the pod. */
export function forbiddenOutcomes(outcomes: readonly PssCheckOutcome[]): PssCheckOutcome[] {
  return outcomes.filter((o) => !o.result.allowed);
}

/**
 * Upstream's aggregate message, e.g. `host ports (8080), privileged (container "a" must not set ...)`:
 * every forbidden reason, with its detail in parentheses when there is one.
 */
export function aggregateForbiddenDetail(outcomes: readonly PssCheckOutcome[]): string {
  return forbiddenOutcomes(outcomes)
    .map(({ result }) => pssMessage(result.forbiddenReason, result.forbiddenDetail))
    .join(", ");
}

/** The pack's name for a PSS check's policy. */
export function pssPolicyName(checkId: string): string {
  return `pss-${checkId}`;
}

/** Message of a failed PSS check, formatted as pod-security-admission words it: `reason (detail)`. */
export function pssMessage(reason: string | undefined, detail: string | undefined): string {
  const r = reason || "unknown forbidden reason";
  return detail ? `${r} (${detail})` : r;
}
