// Judging a canary step from what was measured: the canary pods' Kubernetes signals and the probe traffic that
// reached each track. Pure: the driver measures, this decides, so verdicts are tested on recorded series.

import type { PrometheusSettings, TrackMetrics } from "./prometheus";

/** `canary.analysis` of the stack config (config.ts validates it and gives its defaults). */
export interface AnalysisSettings {
  intervalSeconds: number;
  durationSeconds: number;
  requestsPerInterval: number;
  maxErrorRatePercent: number;
  maxLatencyP99Ms: number;
  threshold: number;
  prometheus?: PrometheusSettings;
}

/** Probe responses of one track in one interval. */
export interface TrackSample {
  requests: number;
  /** 5xx answers and requests that got no answer. */
  errors: number;
  latenciesMs: number[];
}

/** The canary pods as Kubernetes reports them. */
export interface PodSignals {
  /** Canary pods wanted by the step, and how many are Ready. */
  wanted: number;
  ready: number;
  /** Container restarts since the step began. */
  restarts: number;
  /** Waiting or termination reasons that mean the version is broken (CrashLoopBackOff, OOMKilled, ...). */
  problems: string[];
}

export interface IntervalSample {
  canary: TrackSample;
  stable: TrackSample;
  pods: PodSignals;
  /** The judged track as Prometheus measured it, when a Prometheus is configured; `error` when it could not. */
  metrics?: TrackMetrics | { error: string };
}

/** Reasons a container reports when the version itself is broken, not merely starting. */
export const BROKEN_REASONS: ReadonlySet<string> = new Set([
  "CrashLoopBackOff",
  "OOMKilled",
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
  "Error",
]);

/** The p-th percentile (nearest rank) of values; undefined for none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

const pct = (n: number) => `${(Math.round(n * 10) / 10).toString()} %`;

/** What failed in one interval; empty when the canary passed it. */
export function judgeInterval(sample: IntervalSample, settings: AnalysisSettings): string[] {
  const failed: string[] = [];
  const { pods, canary } = sample;
  if (pods.problems.length > 0) failed.push(`canary pods report ${[...new Set(pods.problems)].join(", ")}`);
  if (pods.restarts > 0) failed.push(`canary containers restarted ${pods.restarts} time(s)`);
  if (pods.ready < pods.wanted) failed.push(`${pods.ready} of ${pods.wanted} canary pods Ready`);
  if (canary.requests > 0) {
    const rate = (100 * canary.errors) / canary.requests;
    if (rate > settings.maxErrorRatePercent) {
      failed.push(
        `canary error rate ${pct(rate)} (${canary.errors} of ${canary.requests}) over ${pct(settings.maxErrorRatePercent)}`,
      );
    }
    const p99 = percentile(canary.latenciesMs, 99);
    if (p99 !== undefined && p99 > settings.maxLatencyP99Ms) {
      failed.push(`canary p99 latency ${Math.round(p99)} ms over ${settings.maxLatencyP99Ms} ms`);
    }
  }
  const m = sample.metrics;
  if (m !== undefined && "error" in m) failed.push(`Prometheus: ${m.error}`);
  else if (m !== undefined) {
    if (m.errorRatePercent !== undefined && m.errorRatePercent > settings.maxErrorRatePercent) {
      failed.push(
        `Prometheus: canary error rate ${pct(m.errorRatePercent)} over ${pct(settings.maxErrorRatePercent)}`,
      );
    }
    if (m.p99Ms !== undefined && m.p99Ms > settings.maxLatencyP99Ms) {
      failed.push(
        `Prometheus: canary p99 latency ${Math.round(m.p99Ms)} ms over ${settings.maxLatencyP99Ms} ms`,
      );
    }
  }
  return failed;
}

export interface Verdict {
  /** Failed intervals so far. */
  failedIntervals: number;
  /** What failed in the last interval. */
  failures: string[];
  /** True once failed intervals reach the threshold: the release rolls back. */
  abort: boolean;
}

/** Failed intervals counted over a step; reaching `threshold` aborts (Flagger's failed-checks threshold). */
export class StepAnalysis {
  private failedIntervals = 0;
  readonly samples: IntervalSample[] = [];

  constructor(private readonly settings: AnalysisSettings) {}

  add(sample: IntervalSample): Verdict {
    this.samples.push(sample);
    const failures = judgeInterval(sample, this.settings);
    if (failures.length > 0) this.failedIntervals += 1;
    return {
      failedIntervals: this.failedIntervals,
      failures,
      abort: this.failedIntervals >= this.settings.threshold,
    };
  }

  /** Share of probe answers per track over the step, in percent of answered requests. */
  measuredCanaryShare(): number | undefined {
    let canary = 0;
    let stable = 0;
    for (const s of this.samples) {
      canary += s.canary.requests;
      stable += s.stable.requests;
    }
    return canary + stable === 0 ? undefined : (100 * canary) / (canary + stable);
  }
}
