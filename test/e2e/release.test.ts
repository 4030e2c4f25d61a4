// `npm run release` on the real engine and cluster: a healthy version walks every step and closes, leaving a stack
// file that a plain `up` agrees with; a version that answers 500 is rolled back at its first step, with stable
// serving every request afterwards. The release works on a copy of the project in a temp folder (its stack file
// is the release's record) with a namespace and RuntimeClass of its own.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as k8s from "@kubernetes/client-node";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { parseDocument } from "yaml";
import { formatReport, release, ReleaseError, type ReleaseReport } from "../../scripts/release/driver";
import { ClusterProbe } from "../../scripts/release/measure";
import { readReleaseConfig } from "../../scripts/release/stackfile";
import { destroy, preview, up } from "../../scripts/stack";
import { localKubeconfig } from "../../scripts/lib/paths";
import { createSandbox, SANDBOX_BAD_VERSION, SANDBOX_SERVICE } from "../../scripts/release/sandbox";
import { clusterRunning, EngineSession } from "./cluster";

const SERVICE = SANDBOX_SERVICE;
const BAD = SANDBOX_BAD_VERSION;

describe("e2e: npm run release on the local cluster", function () {
  this.timeout(40 * 60_000);
  const session = new EngineSession();
  // Short looks keep the suite quick; 3 looks of 30 probes a step measure the split.
  const sandbox = createSandbox({
    name: "distroless-release",
    analysis: { intervalSeconds: 2, durationSeconds: 6, requestsPerInterval: 30, threshold: 2 },
  });
  const { file } = sandbox;
  const NAMESPACE = sandbox.namespace;
  const lines: string[] = [];
  const target = () => {
    const t = sandbox.target(session.backend);
    return session.target("local", {
      projectRoot: t.projectRoot,
      program: t.program,
      policyConfig: t.policyConfig,
    });
  };
  const log = (line: string) => {
    lines.push(line);
    if (process.env.E2E_VERBOSE === "1") process.stdout.write(`${line}\n`);
  };
  let healthy: ReleaseReport;
  /** Engine events of each `up` the driver ran, labelled by its progress line. */
  let ups: { label: string; events: EngineEvent[] }[] = [];
  const releaseTarget = () => ({
    ...target(),
    onEvent: (e: EngineEvent) => ups[ups.length - 1]?.events.push(e),
  });
  const tracked = (line: string) => {
    const m = /: up \((.+)\)$/.exec(line);
    if (m) ups.push({ label: m[1], events: [] });
    log(line);
  };
  /** Resources an `up` created, updated or deleted (provider records left out, as EngineSession.changes does). */
  const changed = (events: EngineEvent[]) =>
    events
      .map((e) => e.resourcePreEvent?.metadata)
      .filter((m) => m !== undefined && m.op !== "same" && !m.type.startsWith("pulumi:providers:"))
      .map((m) => `${m?.op} ${m?.urn.split("::").pop()}`);
  /** A release of the bad version, which must end in a ReleaseError with a report (printed). */
  const failingRelease = async (): Promise<ReleaseError & { report: ReleaseReport }> => {
    try {
      await release({ target: target(), service: SERVICE, command: "start", to: BAD, log });
    } catch (e) {
      if (!(e instanceof ReleaseError) || e.report === undefined) throw e;
      process.stdout.write(`${formatReport(e.report)}\n`);
      return e as ReleaseError & { report: ReleaseReport };
    }
    throw new Error(`the release of ${BAD} did not fail`);
  };
  /** Sets keys of the service's entry in the temp project's stack file, as a user would. */
  const setService = (values: Record<string, unknown>) => {
    const doc = parseDocument(fs.readFileSync(file, "utf8"));
    for (const [k, v] of Object.entries(values)) {
      doc.setIn(["config", "distroless-platform:services", 0, ...k.split(".")], v);
    }
    fs.writeFileSync(file, doc.toString());
  };

  before(async function () {
    assert.ok(clusterRunning(), "the local environment is not running: npm run local:up");
    const r = await up(target());
    assert.equal(r.summary.result, "succeeded", session.output);
  });

  after(async function () {
    try {
      await destroy(target());
    } finally {
      session.dispose();
      sandbox.dispose();
    }
  });

  it("walks a healthy version through 10, 20, 50 and 100 %, measuring the split, and closes the release", async () => {
    healthy = await release({ target: target(), service: SERVICE, command: "start", to: "1.1.0", log });
    process.stdout.write(`${formatReport(healthy)}\n`);
    assert.deepEqual(healthy.state, { phase: "done" });
    assert.deepEqual(
      healthy.steps.map((s) => [s.weight, s.verdict]),
      [
        [10, "passed"],
        [20, "passed"],
        [50, "passed"],
        [100, "passed"],
      ],
    );
    for (const s of healthy.steps.slice(0, 3)) {
      assert.ok(s.effectiveWeight !== undefined && s.measuredShare !== undefined, JSON.stringify(s));
      // 90 probes a step: 20 points is over four standard deviations of a fair split.
      assert.ok(
        Math.abs(s.measuredShare - s.effectiveWeight) <= 20,
        `step ${s.weight}: measured ${s.measuredShare} % vs effective ${s.effectiveWeight} %`,
      );
      assert.equal(s.errors.canary + s.errors.stable + s.errors.unknown, 0, JSON.stringify(s));
    }
    // At 100 % the new version answers on the stable track.
    assert.equal(healthy.steps[3].requests.canary, 0);
    assert.ok(healthy.steps[3].requests.stable > 0);
    // The stack file now says what runs: stable 1.1.0, no canary keys.
    assert.deepEqual(readReleaseConfig(file, SERVICE), { version: "1.1.0", canaryWeight: 0 });
  });

  it("leaves nothing for a plain preview to change", async () => {
    const p = await preview(target());
    const changed = Object.entries(p.changeSummary).filter(([op, n]) => op !== "same" && (n ?? 0) > 0);
    assert.deepEqual(changed, [], session.output);
  });

  it("rolls back a version that answers 500 at its first step, and stable then serves every request", async () => {
    const started = Date.now();
    const failed = await failingRelease();
    const report = failed.report;
    assert.equal(report.state.phase, "rolledBack");
    assert.equal(report.steps.length, 1);
    assert.equal(report.steps[0].weight, 10);
    assert.equal(report.steps[0].verdict, "failed");
    assert.match(report.steps[0].failures.join("; "), /^canary error rate 100 % \(\d+ of \d+\) over 1 %/);
    assert.match(
      failed.message,
      /^release of 1\.2\.0-bad rolled back: analysis failed at 10 %: canary error rate/,
    );
    assert.ok(report.detectionToRollbackMs !== undefined && report.detectionToRollbackMs > 0);
    process.stdout.write(
      `release of a failing version: ${((Date.now() - started) / 1000).toFixed(1)} s in all, first bad answer to all traffic on stable ${(report.detectionToRollbackMs / 1000).toFixed(1)} s\n`,
    );
    // The record: weight 0, the canary version kept for --status, stable pinned where it was.
    const config = readReleaseConfig(file, SERVICE);
    assert.equal(config.canaryWeight, 0);
    assert.equal(config.canaryVersion, BAD);
    assert.equal(config.version, "1.1.0");
    // Every probe now answers from stable 1.1.0.
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(localKubeconfig());
    const probe = new ClusterProbe(k8s, kc, NAMESPACE, SERVICE, SERVICE);
    const after = await probe.probe(60);
    assert.deepEqual(
      [after.stable.requests, after.stable.errors, after.canary.requests, after.unknown.requests],
      [60, 0, 0, 0],
    );
  });

  it("resumes a release whose driver died mid-step from the stack file, without applying the step twice", async () => {
    ups = [];
    const crash = (line: string) => {
      tracked(line);
      if (/analysing 20 %/.test(line)) throw new Error("simulated driver crash");
    };
    await assert.rejects(
      release({ target: releaseTarget(), service: SERVICE, command: "start", to: "1.3.0", log: crash }),
      /simulated driver crash/,
    );
    // Dead at 20 %: the file says so.
    assert.deepEqual(
      [readReleaseConfig(file, SERVICE).canaryVersion, readReleaseConfig(file, SERVICE).canaryWeight],
      ["1.3.0", 20],
    );
    ups = [];
    const resumed = await release({
      target: releaseTarget(),
      service: SERVICE,
      command: "resume",
      log: tracked,
    });
    process.stdout.write(`${formatReport(resumed)}\n`);
    assert.deepEqual(resumed.state, { phase: "done" });
    assert.deepEqual(
      resumed.steps.map((s) => [s.weight, s.verdict]),
      [
        [20, "passed"],
        [50, "passed"],
        [100, "passed"],
      ],
    );
    // The step the dead driver had applied is not applied again: its `up` changes nothing.
    assert.equal(ups[0].label, "canary at 20 %");
    assert.deepEqual(changed(ups[0].events), []);
    assert.ok(changed(ups[1].events).length > 0, "the next step changed nothing");
    assert.deepEqual(readReleaseConfig(file, SERVICE), { version: "1.3.0", canaryWeight: 0 });
  });

  it("rolls back a version that never becomes Ready once up gives up at the progress deadline", async () => {
    setService({ progressDeadlineSeconds: 30, "env.FAIL_MODE": "unready" });
    const settled = await up(target());
    assert.equal(settled.summary.result, "succeeded", session.output);
    const started = Date.now();
    const failed = await failingRelease();
    assert.equal(failed.report.state.phase, "rolledBack");
    assert.deepEqual(failed.report.steps, []);
    assert.match(failed.message, /^release of 1\.2\.0-bad rolled back: up failed at 10 %: /);
    process.stdout.write(
      `never-Ready version rolled back after ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    assert.equal(readReleaseConfig(file, SERVICE).canaryWeight, 0);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(localKubeconfig());
    const after = await new ClusterProbe(k8s, kc, NAMESPACE, SERVICE, SERVICE).probe(30);
    assert.deepEqual([after.stable.requests, after.stable.errors], [30, 0]);
  });
});
