// The release driver: walks a service's canary through the configured steps with the Pulumi engine, judges each
// step from measurements, and rolls back by itself. No controller runs in the cluster; the release's record is
// the stack file (stackfile.ts), its logic the state machine (state.ts), its verdicts analysis.ts.
import { isPinnedByDigest } from "distroless-guardrails/model";
import { progress } from "../lib/paths";
import { stackConfig, stackFilePath } from "../lib/stack-config";
import { kubeClientFor, openStack, up, type StackTarget } from "../stack";
import {
  type AnalysisSettings,
  type IntervalSample,
  percentile,
  StepAnalysis,
  type TrackSample,
} from "./analysis";
import { ClusterProbe, probeTargets } from "./measure";
import { PrometheusError, trackMetrics } from "./prometheus";
import { readReleaseConfig, writePatch } from "./stackfile";
import {
  applyPatch,
  fromConfig,
  type ReleaseConfig,
  type ReleaseEvent,
  type ReleaseState,
  transition,
  TransitionError,
} from "./state";

export type ReleaseCommand = "start" | "resume" | "abort" | "promote" | "status";

export interface ReleaseOptions {
  target: StackTarget;
  service: string;
  command: ReleaseCommand;
  /** The canary's version (start). */
  to?: string;
  /** Progress lines; default stderr with elapsed seconds. */
  log?: (line: string) => void;
  /** Set by Ctrl-C: the driver rolls back at the next safe point. */
  signal?: AbortSignal;
}

/** One step of the report. */
export interface StepReport {
  weight: number;
  /** Share of canary pods (replica split) or the route weight, from the stack outputs. */
  effectiveWeight?: number;
  /** Share of probe answers that came from the canary, in percent. */
  measuredShare?: number;
  requests: { canary: number; stable: number; unknown: number };
  errors: { canary: number; stable: number; unknown: number };
  p99Ms?: number;
  failedIntervals: number;
  verdict: "passed" | "failed" | "interrupted";
  failures: string[];
}

export interface ReleaseReport {
  state: ReleaseState;
  config: ReleaseConfig;
  steps: StepReport[];
  /** Milliseconds from the first bad answer of the failing step (or its first failed look) to the rollback's `up` finishing. */
  detectionToRollbackMs?: number;
}

export class ReleaseError extends Error {
  constructor(
    message: string,
    readonly report?: ReleaseReport,
  ) {
    super(message);
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });

interface ServiceOutputs {
  serviceName?: string;
  /** The canary track's own Service (gateway mode with a canary only). */
  canaryServiceName?: string;
  image?: string;
  stableImage?: string;
  effectiveWeight?: number;
  replicas?: { stable: number; canary: number };
}

export async function release(opts: ReleaseOptions): Promise<ReleaseReport> {
  const t0 = Date.now();
  const log = opts.log ?? ((line: string) => progress(t0, line));
  const file = stackFilePath(opts.target.stack, opts.target.projectRoot);
  const platform = stackConfig(file);
  const steps = platform.canary.steps;
  const settings: AnalysisSettings = platform.canary.analysis;
  let config = readReleaseConfig(file, opts.service);
  let state = fromConfig(config, steps);
  const reports: StepReport[] = [];
  const to = opts.to ?? config.canaryVersion;
  let firstFailureAt: number | undefined;
  let detectionToRollbackMs: number | undefined;

  const report = (): ReleaseReport => ({
    state,
    config,
    steps: reports,
    ...(detectionToRollbackMs !== undefined ? { detectionToRollbackMs } : {}),
  });

  const fire = (event: ReleaseEvent) => {
    const next = transition(state, event, steps, to);
    if (next.patch !== undefined) {
      writePatch(file, opts.service, next.patch);
      config = applyPatch(config, next.patch);
    }
    state = next.state;
  };

  const outputs = async (): Promise<ServiceOutputs | undefined> => {
    const stack = await openStack({ ...opts.target, onOutput: () => undefined });
    const out = await stack.outputs();
    return (out.services?.value as Record<string, ServiceOutputs> | undefined)?.[opts.service];
  };

  const runUp = async (what: string): Promise<ServiceOutputs | undefined> => {
    log(`${opts.service}: up (${what})`);
    // The engine's own output is not printed: the driver's lines are the progress, and a failed up's error
    // carries the engine's output (upFailure picks the diagnosis from it).
    const r = await up({ ...opts.target, onOutput: opts.target.onOutput ?? (() => undefined) });
    if (r.summary.result !== "succeeded") throw new Error(`up ${r.summary.result}`);
    return (r.outputs.services?.value as Record<string, ServiceOutputs> | undefined)?.[opts.service];
  };

  /** Runs `up`; turns a failure into the state machine's event instead of an exception. */
  const tryUp = async (
    what: string,
  ): Promise<{ ok: true; out?: ServiceOutputs } | { ok: false; message: string }> => {
    try {
      return { ok: true, out: await runUp(what) };
    } catch (e) {
      return { ok: false, message: upFailure((e as Error).message) };
    }
  };

  if (opts.command === "status") return report();

  if (opts.command === "abort") {
    if (state.phase !== "applying" && state.phase !== "analysing") {
      throw new ReleaseError(
        `--abort: ${opts.service} has no release in progress (it is ${state.phase})`,
        report(),
      );
    }
    fire({ type: "abort" });
  } else if (opts.command === "promote") {
    fire({ type: "promote" });
  } else if (opts.command === "start") {
    if (opts.to === undefined)
      throw new ReleaseError("--to: the canary's version is required to start a release");
    if (state.phase === "applying") {
      throw new ReleaseError(
        `${opts.service} is already releasing ${config.canaryVersion} at ${config.canaryWeight} %; use --resume, --abort or --promote`,
        report(),
      );
    }
    if (opts.to === config.version) {
      throw new ReleaseError(`--to: ${opts.to} is the version ${opts.service} already runs`, report());
    }
    // Pin the digest stable runs now: only the canary's version is built from the working tree.
    const current = await outputs();
    const stableImage = config.stableImage ?? current?.stableImage ?? current?.image;
    if (stableImage === undefined || !isPinnedByDigest(stableImage)) {
      throw new ReleaseError(
        `${opts.service} has no deployed digest-pinned image in stack ${opts.target.stack}; run npm run deploy -- --stack ${opts.target.stack} first`,
      );
    }
    log(`${opts.service}: release ${config.version} → ${opts.to}, stable pinned at ${stableImage}`);
    fire({ type: "start", to: opts.to, stableImage });
  } else if (state.phase === "idle") {
    throw new ReleaseError(`--resume: ${opts.service} has no release in progress`, report());
  }

  // Probes go where each step's `up` says the Services are (setTargets after every up).
  const { k8s, kc } = await kubeClientFor(opts.target);
  const probe = new ClusterProbe(k8s, kc, platform.namespace.name, opts.service, opts.service);

  while (state.phase !== "done" && state.phase !== "rolledBack" && state.phase !== "rollbackFailed") {
    if (opts.signal?.aborted && (state.phase === "applying" || state.phase === "analysing")) {
      fire({ type: "interrupted" });
      continue;
    }
    switch (state.phase) {
      case "applying": {
        const step = state.step;
        const r = await tryUp(`canary at ${steps[step]} %`);
        if (!r.ok) {
          firstFailureAt ??= Date.now();
          fire({ type: "upFailed", message: r.message });
          break;
        }
        fire({ type: "applied" });
        probe.setTargets(probeTargets(r.out ?? {}, opts.service));
        const analysis = new StepAnalysis(settings);
        const verdict = await analyse(analysis, steps[step], r.out, probe, settings, opts, log);
        reports.push(verdict.report);
        if (verdict.firstFailureAt !== undefined) firstFailureAt ??= verdict.firstFailureAt;
        if (verdict.report.verdict === "interrupted") fire({ type: "interrupted" });
        else if (verdict.report.verdict === "failed") {
          fire({ type: "analysisFailed", message: verdict.report.failures.join("; ") });
        } else fire({ type: "analysisPassed" });
        break;
      }
      case "closing": {
        const r = await tryUp(`close: stable runs ${to}`);
        fire(r.ok ? { type: "applied" } : { type: "upFailed", message: r.message });
        if (!r.ok)
          throw new ReleaseError(
            `closing the release failed (${r.message}); run --resume to retry`,
            report(),
          );
        break;
      }
      case "rollingBack": {
        log(`${opts.service}: rolling back: ${state.reason}`);
        const r = await tryUp("rollback: all traffic to stable");
        fire(r.ok ? { type: "applied" } : { type: "upFailed", message: r.message });
        if (r.ok && firstFailureAt !== undefined) detectionToRollbackMs = Date.now() - firstFailureAt;
        break;
      }
      default:
        throw new TransitionError(`unexpected phase ${state.phase}`);
    }
  }
  log(`${opts.service}: ${state.phase}${"reason" in state ? `: ${state.reason}` : ""}`);
  if (state.phase !== "done") {
    throw new ReleaseError(
      state.phase === "rolledBack"
        ? `release of ${to} rolled back: ${state.reason}`
        : `rollback failed: ${state.reason}; fix the cause, then run --abort again`,
      report(),
    );
  }
  return report();
}

function add(into: TrackSample, from: TrackSample): void {
  into.requests += from.requests;
  into.errors += from.errors;
  into.latenciesMs.push(...from.latenciesMs);
}

/** Watches one step for its duration; returns its report row. */
async function analyse(
  analysis: StepAnalysis,
  weight: number,
  out: ServiceOutputs | undefined,
  probe: ClusterProbe,
  settings: AnalysisSettings,
  opts: ReleaseOptions,
  log: (line: string) => void,
): Promise<{ report: StepReport; firstFailureAt?: number }> {
  const wanted = weight === 100 ? 0 : (out?.replicas?.canary ?? 0);
  const intervals = Math.max(1, Math.ceil(settings.durationSeconds / settings.intervalSeconds));
  const totals = { canary: empty(), stable: empty(), unknown: empty() };
  let failedIntervals = 0;
  let failures: string[] = [];
  let firstFailureAt: number | undefined;
  let verdict: StepReport["verdict"] = "passed";
  probe.resetRestarts();
  log(`${opts.service}: analysing ${weight} % for ${settings.durationSeconds} s (${intervals} looks)`);
  for (let i = 0; i < intervals; i++) {
    const started = Date.now();
    const [traffic, pods] = await Promise.all([
      probe.probe(settings.requestsPerInterval),
      probe.canaryPods(wanted),
    ]);
    // At 100 % the new version runs on the stable track: its answers are the ones judged.
    const judged = weight === 100 ? traffic.stable : traffic.canary;
    const canary: TrackSample = {
      requests: judged.requests + traffic.unknown.requests,
      errors: judged.errors + traffic.unknown.errors,
      latenciesMs: [...judged.latenciesMs, ...traffic.unknown.latenciesMs],
    };
    const sample: IntervalSample = { canary, stable: weight === 100 ? empty() : traffic.stable, pods };
    if (settings.prometheus !== undefined) {
      try {
        sample.metrics = await trackMetrics(
          opts.service,
          weight === 100 ? "stable" : "canary",
          settings.prometheus,
        );
      } catch (e) {
        sample.metrics = { error: e instanceof PrometheusError ? e.message : "the query failed" };
      }
    }
    const v = analysis.add(sample);
    add(totals.canary, traffic.canary);
    add(totals.stable, traffic.stable);
    add(totals.unknown, traffic.unknown);
    failedIntervals = v.failedIntervals;
    if (v.failures.length > 0) {
      // From the first bad answer the look saw (or the look itself, for pod signals and Prometheus).
      firstFailureAt ??= traffic.firstErrorAt ?? started;
      failures = v.failures;
      log(
        `${opts.service}: ${weight} %: look ${i + 1}/${intervals} failed (${v.failedIntervals}/${settings.threshold}): ${v.failures.join("; ")}`,
      );
    } else {
      log(
        `${opts.service}: ${weight} %: look ${i + 1}/${intervals} ok (canary ${traffic.canary.requests}, stable ${traffic.stable.requests} answers)`,
      );
    }
    if (v.abort) {
      verdict = "failed";
      break;
    }
    if (opts.signal?.aborted) {
      verdict = "interrupted";
      break;
    }
    if (i < intervals - 1)
      await sleep(Math.max(0, settings.intervalSeconds * 1000 - (Date.now() - started)), opts.signal);
  }
  const answered = totals.canary.requests + totals.stable.requests;
  const p99 = percentile(weight === 100 ? totals.stable.latenciesMs : totals.canary.latenciesMs, 99);
  return {
    report: {
      weight,
      ...(out?.effectiveWeight !== undefined ? { effectiveWeight: out.effectiveWeight } : {}),
      // With a gateway each track's Service is probed on its own: the answers judge, they do not measure the split.
      ...(answered > 0 && probe.measuresSplit
        ? { measuredShare: (100 * totals.canary.requests) / answered }
        : {}),
      requests: {
        canary: totals.canary.requests,
        stable: totals.stable.requests,
        unknown: totals.unknown.requests,
      },
      errors: { canary: totals.canary.errors, stable: totals.stable.errors, unknown: totals.unknown.errors },
      ...(p99 !== undefined ? { p99Ms: p99 } : {}),
      failedIntervals,
      verdict,
      failures,
    },
    ...(firstFailureAt !== undefined ? { firstFailureAt } : {}),
  };
}

/**
 * The line of a failed `up` worth showing: the engine's diagnosis (a rollout that timed out, a policy violation)
 * rather than the Automation API's `code: -2` or the closing "update failed".
 */
export function upFailure(message: string): string {
  const lines = message
    .split("\n")
    // Engine lines start with a step marker (`+`, `~`, `-`) or a bullet; the diagnosis is what follows.
    .map((l) => l.trim().replace(/^[*+~-]\s+/, ""))
    .filter((l) => l !== "");
  const pick =
    lines.find((l) =>
      /failed to (fully initialize|become live)|Minimum number of live Pods|ProgressDeadlineExceeded|timed out/i.test(
        l,
      ),
    ) ??
    lines.find(
      (l) =>
        /mandatory policy violation|error: /i.test(l) &&
        !/update failed|^error: \d+ errors? occurred/i.test(l),
    ) ??
    lines.find((l) => !/^(code|stdout|stderr):/.test(l)) ??
    "up failed";
  return pick.length > 300 ? `${pick.slice(0, 300)}…` : pick;
}

function empty(): TrackSample {
  return { requests: 0, errors: 0, latenciesMs: [] };
}

/** The final table, one row per step. */
export function formatReport(r: ReleaseReport): string {
  const rows = [
    "step | effective | measured canary share | canary answers (errors) | stable answers (errors) | p99 ms | verdict",
  ];
  for (const s of r.steps) {
    const f = (n: number | undefined) =>
      n === undefined ? "-" : `${(Math.round(n * 10) / 10).toString()} %`;
    rows.push(
      [
        `${s.weight} %`,
        f(s.effectiveWeight),
        f(s.measuredShare),
        `${s.requests.canary} (${s.errors.canary})`,
        `${s.requests.stable} (${s.errors.stable})`,
        s.p99Ms === undefined ? "-" : Math.round(s.p99Ms).toString(),
        s.failures.length > 0 && s.verdict !== "passed"
          ? `${s.verdict}: ${s.failures.join("; ")}`
          : s.verdict,
      ].join(" | "),
    );
  }
  rows.push(`state: ${r.state.phase}${"reason" in r.state ? ` (${r.state.reason})` : ""}`);
  if (r.detectionToRollbackMs !== undefined) {
    rows.push(`first bad answer to all traffic on stable: ${(r.detectionToRollbackMs / 1000).toFixed(1)} s`);
  }
  return rows.join("\n");
}
