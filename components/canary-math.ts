// Pure canary arithmetic: step validation and the replica split for a canary without traffic routing.
//
// The split reproduces Argo Rollouts' basic (no traffic router) canary so a team moving between this program and
// Argo sees the same pod counts for the same weight. Source: github.com/argoproj/argo-rollouts,
// utils/replicaset/canary.go at commit 5b40f081f459c0c1265aa3070cc44cca94830db8:
//   - CalculateReplicaCountsForBasicCanary takes its target counts from
//     approximateWeightedCanaryStableReplicaCounts(spec.replicas, setWeight, maxSurge);
//   - CalculateReplicaCountsForTrafficRoutedCanary (router present, dynamicStableScale off) returns
//     canary = trafficWeightToReplicas(spec.replicas, weight) = ceil(replicas*weight/100) and stable = spec.replicas.
// Older Argo releases (e.g. CalculateReplicaCountsForCanary at 007a38d) used ceil for both tracks and surged by one;
// the candidate search below replaced that and is what current releases run.
import { show } from "./validation";

/** The canary steps used when the stack does not configure its own. */
export const DEFAULT_CANARY_STEPS: readonly number[] = Object.freeze([10, 20, 50, 100]);

/** Pods per track for one canary weight. */
export interface ReplicaSplit {
  /** Pods running the canary version. */
  readonly canary: number;
  /** Pods running the stable version. */
  readonly stable: number;
  /** Share of pods (hence of Service traffic) on the canary version, in percent, rounded to 2 decimals. */
  readonly effectiveWeight: number;
}

const STEPS_RULE = "use strictly increasing integers in 1..100 ending with 100, e.g. [10, 20, 50, 100]";

function isInt(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value);
}

function stepsProblem(steps: unknown): string | undefined {
  if (!Array.isArray(steps) || steps.length === 0) return "must be a non-empty list";
  for (const step of steps) {
    if (!isInt(step) || step < 1 || step > 100) return `${show(step)} is not an integer in 1..100`;
  }
  const ints = steps as number[];
  for (let i = 1; i < ints.length; i++) {
    if (ints[i] <= ints[i - 1]) return `${ints[i]} is not greater than ${ints[i - 1]}`;
  }
  if (ints[ints.length - 1] !== 100) return "the last step must be 100";
  return undefined;
}

/** The error message for bad `canary.steps`, or undefined when they are valid. */
export function canaryStepsError(steps: unknown): string | undefined {
  const problem = stepsProblem(steps);
  return problem === undefined
    ? undefined
    : `canary.steps: ${show(steps)} is not allowed (${problem}); ${STEPS_RULE}`;
}

/** Throws when `canary.steps` are not strictly increasing integers in 1..100 ending with 100; returns them. */
export function validateCanarySteps(steps: unknown): readonly number[] {
  const error = canaryStepsError(steps);
  if (error !== undefined) throw new Error(error);
  return steps as number[];
}

/**
 * The error message for a `canary.weight` that is not 0 or one of the steps, or undefined when it is allowed.
 * Invalid steps are reported first, since the allowed weights derive from them.
 */
export function canaryWeightError(
  weight: unknown,
  steps: readonly number[] = DEFAULT_CANARY_STEPS,
): string | undefined {
  const stepsError = canaryStepsError(steps);
  if (stepsError !== undefined) return stepsError;
  const allowed = [0, ...steps];
  if (isInt(weight) && allowed.includes(weight)) return undefined;
  return (
    `canary.weight: ${show(weight)} is not allowed; use one of ${allowed.join(", ")} ` +
    `(0 aborts back to stable, 100 promotes the canary)`
  );
}

/** Throws unless `weight` is 0 or one of `steps` (which are validated too); returns the weight. */
export function validateCanaryWeight(
  weight: unknown,
  steps: readonly number[] = DEFAULT_CANARY_STEPS,
): number {
  const error = canaryWeightError(weight, steps);
  if (error !== undefined) throw new Error(error);
  return weight as number;
}

function checkCounts(totalReplicas: number, weightPercent: number, maxSurge: number): void {
  if (!isInt(totalReplicas) || totalReplicas < 0) {
    throw new RangeError(`replicas: ${show(totalReplicas)} is not allowed; use an integer >= 0`);
  }
  if (!isInt(weightPercent) || weightPercent < 0 || weightPercent > 100) {
    throw new RangeError(`canary.weight: ${show(weightPercent)} is not allowed; use an integer in 0..100`);
  }
  if (!isInt(maxSurge) || maxSurge < 0) {
    throw new RangeError(`maxSurge: ${show(maxSurge)} is not allowed; use an integer >= 0`);
  }
}

/** Canary share of `canary + stable` pods in percent, rounded to 2 decimals (0 when there are no pods). */
export function effectiveWeightOf(canary: number, stable: number): number {
  const total = canary + stable;
  return total === 0 ? 0 : Math.round((canary * 10000) / total) / 100;
}

// Go's math.Modf fractional part of total*(weight/100), computed in float64 exactly as upstream does.
function floorCeilingTied(weight: number, total: number): boolean {
  const x = total * (weight / 100);
  return x - Math.trunc(x) === 0.5;
}

function weightDelta(weight: number, canary: number, total: number): number {
  return Math.abs((canary * 100) / total - weight);
}

/**
 * Pods per track when the Service spreads traffic over pods (no traffic router): a line-by-line port of Argo
 * Rollouts' approximateWeightedCanaryStableReplicaCounts. Candidates are ceil/floor of replicas*weight/100 over
 * `totalReplicas` pods (and over totalReplicas+1 when maxSurge > 0); the closest to the requested weight wins, the
 * first listed on a tie. A zero canary is refused for weights 1..99 unless there is a single replica and no surge,
 * and the ceil candidate is dropped when it would leave no stable pod, so with 2+ replicas both tracks keep a pod.
 *
 * @param totalReplicas spec.replicas (pods budget for both tracks).
 * @param weightPercent requested canary weight, integer 0..100.
 * @param maxSurge extra pods allowed above totalReplicas, as an absolute count. Default 0 keeps the total at
 *   `totalReplicas` (a fixed pod budget that fits a ResourceQuota); Argo's own default of 25 % resolves to >= 1.
 */
export function splitReplicas(totalReplicas: number, weightPercent: number, maxSurge = 0): ReplicaSplit {
  checkCounts(totalReplicas, weightPercent, maxSurge);
  if (totalReplicas === 0) return { canary: 0, stable: 0, effectiveWeight: 0 };

  const options: { canary: number; total: number }[] = [];
  const product = (totalReplicas * weightPercent) / 100;
  const ceil = Math.ceil(product);
  const floor = Math.floor(product);
  const tied = floorCeilingTied(weightPercent, totalReplicas);
  const zeroAllowed = weightPercent === 100 || weightPercent === 0 || (totalReplicas === 1 && maxSurge === 0);

  if (ceil < totalReplicas || zeroAllowed) options.push({ canary: ceil, total: totalReplicas });
  if (!tied && (floor !== 0 || zeroAllowed)) options.push({ canary: floor, total: totalReplicas });
  if (maxSurge > 0) {
    options.push({ canary: ceil, total: totalReplicas + 1 });
    const surgeTied = floorCeilingTied(weightPercent, totalReplicas + 1);
    if (!surgeTied && (floor !== 0 || zeroAllowed)) options.push({ canary: floor, total: totalReplicas + 1 });
  }
  // Upstream marks this unreachable and falls back to all-stable; kept for fidelity.
  if (options.length === 0) return { canary: 0, stable: totalReplicas, effectiveWeight: 0 };

  let best = options[0];
  let bestDelta = weightDelta(weightPercent, best.canary, best.total);
  for (const option of options.slice(1)) {
    const delta = weightDelta(weightPercent, option.canary, option.total);
    if (delta < bestDelta) {
      best = option;
      bestDelta = delta;
    }
  }
  const stable = best.total - best.canary;
  return { canary: best.canary, stable, effectiveWeight: effectiveWeightOf(best.canary, stable) };
}

/**
 * Pods per track when a traffic router (Gateway API HTTPRoute) splits traffic by weight: Argo's
 * CalculateReplicaCountsForTrafficRoutedCanary without dynamicStableScale. The stable track stays fully scaled so
 * an abort can shift all traffic back at once; the canary gets ceil(replicas*weight/100) pods, at least one for any
 * weight above 0. The effective weight is the route weight itself.
 */
export function trafficRoutedReplicas(totalReplicas: number, weightPercent: number): ReplicaSplit {
  checkCounts(totalReplicas, weightPercent, 0);
  const canary = Math.ceil((weightPercent * totalReplicas) / 100);
  return { canary, stable: totalReplicas, effectiveWeight: totalReplicas === 0 ? 0 : weightPercent };
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}

/** Smallest replica count that makes `weightPercent` an exact split: 100 / gcd(weight, 100). */
export function minReplicasForExactWeight(weightPercent: number): number {
  return weightPercent === 0 ? 1 : 100 / greatestCommonDivisor(weightPercent, 100);
}

/**
 * A warning when the replica split cannot hit the requested weight exactly (10 % needs a multiple of 10 pods),
 * stating the effective percentage; undefined when the split is exact.
 */
export function precisionWarning(
  totalReplicas: number,
  weightPercent: number,
  maxSurge = 0,
): string | undefined {
  const split = splitReplicas(totalReplicas, weightPercent, maxSurge);
  const total = split.canary + split.stable;
  if (total === 0 || split.canary * 100 === weightPercent * total) return undefined;
  const exact = minReplicasForExactWeight(weightPercent);
  const advice =
    totalReplicas < exact
      ? `use at least ${exact} replicas for exact ${weightPercent}% steps`
      : `use a multiple of ${exact} replicas for exact ${weightPercent}% steps`;
  const pods = split.canary === 1 ? "pod" : "pods";
  const replicas = totalReplicas === 1 ? "replica" : "replicas";
  return (
    `canary weight ${weightPercent}% with ${totalReplicas} ${replicas} runs ${split.canary} canary ${pods} of ${total} ` +
    `(${split.effectiveWeight}%); ${advice}`
  );
}
