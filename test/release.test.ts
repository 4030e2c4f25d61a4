// The release driver's pure parts: the state machine as a table (state × event → next state and config change),
// resume from the stack file at each phase, the stack-file edits, and the analysis verdicts on recorded series.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import {
  type AnalysisSettings,
  judgeInterval,
  percentile,
  StepAnalysis,
  type IntervalSample,
} from "../scripts/release/analysis";
import { upFailure } from "../scripts/release/driver";
import { probeTargets, splitRequests } from "../scripts/release/measure";
import { promQueries, query, scalarOf } from "../scripts/release/prometheus";
import { readReleaseConfig, StackFileError, writePatch } from "../scripts/release/stackfile";
import {
  applyPatch,
  fromConfig,
  type ReleaseConfig,
  type ReleaseEvent,
  type ReleaseState,
  transition,
  TransitionError,
} from "../scripts/release/state";

const STEPS = [10, 20, 50, 100];
const PIN = `localhost:5000/x/go-service@sha256:${"a".repeat(64)}`;
const ROLL = { canaryWeight: 0 };

type Row = [ReleaseState, ReleaseEvent, ReleaseState, object | undefined];

const TABLE: Row[] = [
  [
    { phase: "idle" },
    { type: "start", to: "1.1.0", stableImage: PIN },
    { phase: "applying", step: 0 },
    { canaryVersion: "1.1.0", stableImage: PIN, canaryWeight: 10 },
  ],
  [
    { phase: "rolledBack", reason: "r" },
    { type: "start", to: "1.1.1", stableImage: PIN },
    { phase: "applying", step: 0 },
    { canaryVersion: "1.1.1", canaryWeight: 10 },
  ],
  [{ phase: "applying", step: 0 }, { type: "applied" }, { phase: "analysing", step: 0 }, undefined],
  [
    { phase: "analysing", step: 0 },
    { type: "analysisPassed" },
    { phase: "applying", step: 1 },
    { canaryWeight: 20 },
  ],
  [
    { phase: "analysing", step: 2 },
    { type: "analysisPassed" },
    { phase: "applying", step: 3 },
    { canaryWeight: 100 },
  ],
  [
    { phase: "analysing", step: 3 },
    { type: "analysisPassed" },
    { phase: "closing" },
    { version: "1.1.0", stableImage: null, canaryVersion: null, canaryWeight: 0 },
  ],
  [
    { phase: "analysing", step: 1 },
    { type: "analysisFailed", message: "5xx" },
    { phase: "rollingBack", reason: "analysis failed at 20 %: 5xx" },
    ROLL,
  ],
  [
    { phase: "applying", step: 0 },
    { type: "upFailed", message: "timeout" },
    { phase: "rollingBack", reason: "up failed at 10 %: timeout" },
    ROLL,
  ],
  [
    { phase: "analysing", step: 2 },
    { type: "interrupted" },
    { phase: "rollingBack", reason: "interrupted at 50 %" },
    ROLL,
  ],
  [
    { phase: "applying", step: 1 },
    { type: "abort" },
    { phase: "rollingBack", reason: "aborted at 20 %" },
    ROLL,
  ],
  [
    { phase: "analysing", step: 1 },
    { type: "promote" },
    { phase: "applying", step: 3 },
    { canaryWeight: 100 },
  ],
  [{ phase: "closing" }, { type: "applied" }, { phase: "done" }, undefined],
  [{ phase: "closing" }, { type: "upFailed", message: "x" }, { phase: "closing" }, undefined],
  [
    { phase: "rollingBack", reason: "r" },
    { type: "applied" },
    { phase: "rolledBack", reason: "r" },
    undefined,
  ],
  [
    { phase: "rollingBack", reason: "r" },
    { type: "upFailed", message: "x" },
    { phase: "rollbackFailed", reason: "r; rollback up failed: x" },
    undefined,
  ],
];

const ALL_EVENTS: ReleaseEvent[] = [
  { type: "start", to: "1.1.0", stableImage: PIN },
  { type: "applied" },
  { type: "upFailed", message: "x" },
  { type: "analysisPassed" },
  { type: "analysisFailed", message: "x" },
  { type: "interrupted" },
  { type: "abort" },
  { type: "promote" },
];

describe("release state machine", () => {
  for (const [from, event, to, patch] of TABLE) {
    it(`${from.phase}${"step" in from ? `(${from.step})` : ""} + ${event.type} → ${to.phase}`, () => {
      const t = transition(from, event, STEPS, "1.1.0");
      assert.deepEqual(t.state, to);
      assert.deepEqual(t.patch, patch);
    });
  }

  it("refuses every event the table does not list, naming the event and the state", () => {
    const states: ReleaseState[] = [
      { phase: "idle" },
      { phase: "applying", step: 0 },
      { phase: "analysing", step: 0 },
      { phase: "closing" },
      { phase: "done" },
      { phase: "rollingBack", reason: "r" },
      { phase: "rolledBack", reason: "r" },
      { phase: "rollbackFailed", reason: "r" },
    ];
    let refused = 0;
    for (const s of states) {
      for (const e of ALL_EVENTS) {
        const listed = TABLE.some(([f, ev]) => f.phase === s.phase && ev.type === e.type);
        // Rows for applying/analysing cover every step; the interrupt rows hold for both phases.
        const generic =
          (s.phase === "applying" || s.phase === "analysing") &&
          ["upFailed", "interrupted", "abort", "promote"].includes(e.type);
        const self = (s.phase === "closing" || s.phase === "rollingBack") && e.type === "interrupted";
        if (listed || generic || self) {
          assert.doesNotThrow(() => transition(s, e, STEPS, "1.1.0"));
          continue;
        }
        assert.throws(
          () => transition(s, e, STEPS, "1.1.0"),
          (err: Error) => {
            assert.ok(err instanceof TransitionError);
            assert.match(
              err.message,
              new RegExp(`^${e.type} does not apply to a release that is ${s.phase}`),
            );
            return true;
          },
        );
        refused += 1;
      }
    }
    assert.ok(refused > 30, `only ${refused} refusals`);
  });

  it("a whole healthy release patches the config from stable 1.0.0 to stable 1.1.0 and nothing else", () => {
    let config: ReleaseConfig = { version: "1.0.0", canaryWeight: 0 };
    let state: ReleaseState = fromConfig(config, STEPS);
    const weights: number[] = [];
    const events: ReleaseEvent[] = [
      { type: "start", to: "1.1.0", stableImage: PIN },
      ...STEPS.flatMap((): ReleaseEvent[] => [{ type: "applied" }, { type: "analysisPassed" }]),
      { type: "applied" },
    ];
    for (const e of events) {
      const t = transition(state, e, STEPS, "1.1.0");
      config = applyPatch(config, t.patch);
      state = t.state;
      if (t.patch?.canaryWeight !== undefined) weights.push(config.canaryWeight);
    }
    assert.deepEqual(state, { phase: "done" });
    assert.deepEqual(config, { version: "1.1.0", canaryWeight: 0 });
    assert.deepEqual(weights, [10, 20, 50, 100, 0]);
  });

  it("resumes from the stack file at each phase: the step in config is applied again, never skipped", () => {
    assert.deepEqual(fromConfig({ version: "1", canaryWeight: 0 }, STEPS), { phase: "idle" });
    for (const [i, w] of STEPS.entries()) {
      assert.deepEqual(
        fromConfig({ version: "1", canaryVersion: "2", canaryWeight: w, stableImage: PIN }, STEPS),
        {
          phase: "applying",
          step: i,
        },
      );
    }
    assert.deepEqual(
      fromConfig({ version: "1", canaryVersion: "2", canaryWeight: 0, stableImage: PIN }, STEPS),
      {
        phase: "rolledBack",
        reason: "canary.weight is 0",
      },
    );
    assert.throws(
      () => fromConfig({ version: "1", canaryVersion: "2", canaryWeight: 30 }, STEPS),
      /^Error: canary\.weight: 30 is not one of canary\.steps \(10, 20, 50, 100\); set it to a step or 0$/,
    );
  });
});

describe("release stack file", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-stackfile-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "Pulumi.local.yaml");
  const TEXT = `# the team's notes stay
config:
  distroless-platform:environment: local
  distroless-platform:services:
    - name: node-service # first
      app: apps/node-service
      runtime: nodejs
      version: 1.0.0
    - name: go-service
      app: apps/go-service
      runtime: go
      version: 1.0.0
      replicas: 2 # two for the split
`;

  it("writes each step into the service's entry, keeps comments, and closes back to a plain entry", () => {
    fs.writeFileSync(file, TEXT);
    writePatch(file, "go-service", { canaryVersion: "1.1.0", stableImage: PIN, canaryWeight: 10 });
    assert.deepEqual(readReleaseConfig(file, "go-service"), {
      version: "1.0.0",
      stableImage: PIN,
      canaryVersion: "1.1.0",
      canaryWeight: 10,
    });
    assert.deepEqual(readReleaseConfig(file, "node-service"), { version: "1.0.0", canaryWeight: 0 });
    const mid = fs.readFileSync(file, "utf8");
    assert.match(mid, /^# the team's notes stay$/m);
    assert.match(mid, /replicas: 2 # two for the split/);
    writePatch(file, "go-service", {
      version: "1.1.0",
      stableImage: null,
      canaryVersion: null,
      canaryWeight: 0,
    });
    assert.equal(fs.readFileSync(file, "utf8"), TEXT.replace(/(go\n {6}version: )1\.0\.0/, "$11.1.0"));
  });

  it("names the service and the ones there are when the service is unknown", () => {
    fs.writeFileSync(file, TEXT);
    assert.throws(
      () => readReleaseConfig(file, "nope"),
      (e: Error) =>
        e instanceof StackFileError &&
        e.message ===
          `--service: "nope" is not a service of ${file}; services there: node-service, go-service`,
    );
  });
});

const SETTINGS: AnalysisSettings = {
  intervalSeconds: 5,
  durationSeconds: 30,
  requestsPerInterval: 20,
  maxErrorRatePercent: 1,
  maxLatencyP99Ms: 1000,
  threshold: 2,
};

function sample(
  canary: [number, number, number[]],
  pods: Partial<IntervalSample["pods"]> = {},
): IntervalSample {
  return {
    canary: { requests: canary[0], errors: canary[1], latenciesMs: canary[2] },
    stable: { requests: 10, errors: 0, latenciesMs: [5] },
    pods: { wanted: 1, ready: 1, restarts: 0, problems: [], ...pods },
  };
}

describe("release analysis", () => {
  it("percentile is the nearest rank", () => {
    assert.equal(percentile([], 99), undefined);
    assert.equal(percentile([3, 1, 2], 50), 2);
    assert.equal(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        99,
      ),
      99,
    );
    assert.equal(percentile([7], 99), 7);
  });

  it("judges each signal of an interval with its measured value and threshold", () => {
    assert.deepEqual(judgeInterval(sample([20, 0, [5, 6]]), SETTINGS), []);
    assert.deepEqual(judgeInterval(sample([20, 1, [5]]), SETTINGS), [
      "canary error rate 5 % (1 of 20) over 1 %",
    ]);
    assert.deepEqual(judgeInterval(sample([10, 0, [5, 1500]]), SETTINGS), [
      "canary p99 latency 1500 ms over 1000 ms",
    ]);
    assert.deepEqual(
      judgeInterval(
        sample([0, 0, []], { ready: 0, problems: ["CrashLoopBackOff", "CrashLoopBackOff"] }),
        SETTINGS,
      ),
      ["canary pods report CrashLoopBackOff", "0 of 1 canary pods Ready"],
    );
    assert.deepEqual(judgeInterval(sample([5, 0, [1]], { restarts: 2 }), SETTINGS), [
      "canary containers restarted 2 time(s)",
    ]);
  });

  it("aborts when failed intervals reach the threshold, not before; a passing interval does not reset the count", () => {
    const a = new StepAnalysis(SETTINGS);
    assert.equal(a.add(sample([20, 5, [5]])).abort, false);
    assert.equal(a.add(sample([20, 0, [5]])).abort, false);
    const v = a.add(sample([20, 20, [5]]));
    assert.deepEqual(v, {
      failedIntervals: 2,
      failures: ["canary error rate 100 % (20 of 20) over 1 %"],
      abort: true,
    });
  });

  it("measures the canary's share of answered probes over the step", () => {
    const a = new StepAnalysis(SETTINGS);
    assert.equal(a.measuredCanaryShare(), undefined);
    a.add(sample([10, 0, [1]]));
    a.add(sample([30, 0, [1]]));
    assert.equal(a.measuredCanaryShare(), 200 / 3);
  });
});

describe("npm run release: usage", function () {
  this.timeout(60_000);
  const cli = (args: string[]) => {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", path.join(__dirname, "..", "scripts", "release.ts"), ...args],
      {
        encoding: "utf8",
      },
    );
    return { status: r.status, stderr: r.stderr.split("\n")[0] };
  };

  it("exits 2 naming what is missing or clashing, before touching any stack", () => {
    assert.deepEqual(cli(["--to", "1.1.0"]), { status: 2, stderr: "error: --service is required" });
    assert.deepEqual(cli(["--service", "go-service"]), {
      status: 2,
      stderr: "error: give exactly one of --to, --status, --resume, --abort, --promote",
    });
    assert.deepEqual(cli(["--service", "go-service", "--to", "1.1.0", "--abort"]), {
      status: 2,
      stderr: "error: give exactly one of --to, --status, --resume, --abort, --promote",
    });
    assert.equal(cli(["--service", "go-service", "--status", "--bogus"]).status, 2);
  });

  it("exits 2 naming a stack that has no settings file, and shows a stack's status without changing it", () => {
    const r = cli(["--stack", "nope", "--service", "go-service", "--status"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^error: --stack: "nope" has no settings file Pulumi\.nope\.yaml in /);
    const before = fs.readFileSync(path.join(__dirname, "..", "Pulumi.local.yaml"), "utf8");
    const status = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(__dirname, "..", "scripts", "release.ts"),
        "--stack",
        "local",
        "--service",
        "go-service",
        "--status",
      ],
      { encoding: "utf8" },
    );
    assert.equal(status.status, 0, status.stderr);
    assert.match(status.stdout, /^state: idle$/m);
    assert.equal(fs.readFileSync(path.join(__dirname, "..", "Pulumi.local.yaml"), "utf8"), before);
  });
});

describe("release: why an up failed", () => {
  it("shows the engine's diagnosis, not the Automation API's exit code", () => {
    const message = [
      "code: -2",
      " stdout: Updating (local):",
      "    kubernetes:apps/v1:Deployment go-service-canary updating (90s) error: 1 error occurred:",
      '     * the Kubernetes API server reported that "ns/go-service-canary" failed to fully initialize or become live: Minimum number of live Pods was not attained',
      "error: update failed",
      " stderr: ",
    ].join("\n");
    assert.equal(
      upFailure(message),
      'the Kubernetes API server reported that "ns/go-service-canary" failed to fully initialize or become live: Minimum number of live Pods was not attained',
    );
    assert.equal(
      upFailure("code: 255\n stdout: x\nerror: preview failed: mandatory policy violation"),
      "error: preview failed: mandatory policy violation",
    );
    assert.equal(upFailure("code: -2\n stdout: \n stderr: "), "up failed");
  });
});

describe("release: Prometheus metric source", () => {
  const recorded = (value: string) => ({
    status: "success",
    data: { resultType: "vector", result: [{ metric: {}, value: [1764620000.123, value] }] },
  });

  it("asks for the track's error rate and p99 by the labels the apps put on their own series", () => {
    assert.deepEqual(promQueries("go-service", "canary", { window: "1m", labels: { namespace: "apps" } }), {
      errorRate:
        '100 * sum(rate(http_requests_total{namespace="apps",service="go-service",track="canary",code=~"5.."}[1m])) / ' +
        'sum(rate(http_requests_total{namespace="apps",service="go-service",track="canary"}[1m]))',
      p99:
        "1000 * histogram_quantile(0.99, sum by (le) " +
        '(rate(http_request_duration_seconds_bucket{namespace="apps",service="go-service",track="canary"}[1m])))',
    });
  });

  it("reads recorded answers: a number, no requests (empty or NaN), and errors named", () => {
    assert.equal(scalarOf(recorded("12.5")), 12.5);
    assert.equal(scalarOf(recorded("NaN")), undefined);
    assert.equal(scalarOf({ status: "success", data: { resultType: "vector", result: [] } }), undefined);
    assert.equal(scalarOf({ status: "success", data: { resultType: "scalar", result: [1, "3"] } }), 3);
    assert.throws(() => scalarOf({ status: "error", error: "parse error at char 5" }), {
      message: "Prometheus answered parse error at char 5",
    });
    assert.throws(
      () =>
        scalarOf({
          status: "success",
          data: { resultType: "vector", result: [{ value: [1, "1"] }, { value: [1, "2"] }] },
        }),
      { message: "the query gave 2 series, expected one" },
    );
    assert.throws(() => scalarOf({ status: "success", data: { resultType: "matrix", result: [] } }), {
      message: 'unexpected answer type "matrix"',
    });
  });

  it("queries /api/v1/query over HTTP and names an unreachable Prometheus", async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.url ?? "");
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(recorded("0.25")));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      assert.equal(await query(`http://127.0.0.1:${port}/prom/`, 'up{job="x"}'), 0.25);
      assert.deepEqual(seen, [
        `/prom/api/v1/query?query=${encodeURIComponent('up{job="x"}').replace(/%20/g, "+")}`,
      ]);
    } finally {
      await new Promise((r) => server.close(r));
    }
    await assert.rejects(query(`http://127.0.0.1:${port}`, "up"), {
      message: `Prometheus at http://127.0.0.1:${port}: cannot connect`,
    });
  });

  it("judges Prometheus' numbers with the same thresholds, and a failed query as a failed look", () => {
    const base = sample([20, 0, [5]]);
    assert.deepEqual(judgeInterval({ ...base, metrics: { errorRatePercent: 0.5, p99Ms: 20 } }, SETTINGS), []);
    assert.deepEqual(judgeInterval({ ...base, metrics: { errorRatePercent: 7.25, p99Ms: 2500 } }, SETTINGS), [
      "Prometheus: canary error rate 7.3 % over 1 %",
      "Prometheus: canary p99 latency 2500 ms over 1000 ms",
    ]);
    assert.deepEqual(judgeInterval({ ...base, metrics: {} }, SETTINGS), []);
    assert.deepEqual(
      judgeInterval({ ...base, metrics: { error: "Prometheus at http://p:9090: cannot connect" } }, SETTINGS),
      ["Prometheus: Prometheus at http://p:9090: cannot connect"],
    );
  });
});

describe("release: why an up failed (engine progress lines)", () => {
  it("drops the step marker of an engine line", () => {
    assert.equal(
      upFailure(
        'code: -2\n stdout: \n+  kubernetes:apps/v1:Deployment go-service-canary creating (30s) warning: [ProgressDeadlineExceeded] ReplicaSet "x" has timed out progressing.\nerror: update failed',
      ),
      'kubernetes:apps/v1:Deployment go-service-canary creating (30s) warning: [ProgressDeadlineExceeded] ReplicaSet "x" has timed out progressing.',
    );
  });
});

describe("release: where probes go", () => {
  it("sends every probe through the shared Service, or half to each track's Service with a gateway", () => {
    assert.deepEqual(probeTargets({ serviceName: "web" }, "svc"), [{ service: "web", share: 1 }]);
    assert.deepEqual(probeTargets({}, "svc"), [{ service: "svc", share: 1 }]);
    assert.deepEqual(probeTargets({ serviceName: "web-stable", canaryServiceName: "web-canary" }, "svc"), [
      { service: "web-stable", share: 0.5 },
      { service: "web-canary", share: 0.5 },
    ]);
    assert.deepEqual(
      splitRequests(20, probeTargets({ serviceName: "a", canaryServiceName: "b" }, "s")),
      [10, 10],
    );
    assert.deepEqual(
      splitRequests(1, probeTargets({ serviceName: "a", canaryServiceName: "b" }, "s")),
      [1, 1],
    );
    assert.deepEqual(splitRequests(7, probeTargets({ serviceName: "a" }, "s")), [7]);
  });
});
