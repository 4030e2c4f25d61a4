// How fast a failing canary is taken out of traffic: for each round, the time from the first bad answer the
// release driver's probes get to the end of the rollback's `up` (all traffic on stable), beside its peer in the
// same run: a bare `up` that sets the weight back to 0 by hand, the floor for any rollback without a controller.
// Prints figures and ratios only; nothing is asserted. Needs the local environment (npm run local:up).
//   npm run bench:rollback -- [rounds=3]
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { progress, PROJECT_ROOT } from "../lib/paths";
import { release, ReleaseError } from "../release/driver";
import { createSandbox, SANDBOX_BAD_VERSION, SANDBOX_SERVICE } from "../release/sandbox";
import { writePatch } from "../release/stackfile";
import { destroy, up } from "../stack";

const rounds = Number(process.argv[2] ?? 3);
const t0 = Date.now();
const log = (line: string) => progress(t0, line);

async function timedUp(target: ReturnType<ReturnType<typeof createSandbox>["target"]>): Promise<number> {
  const started = Date.now();
  const r = await up(target);
  if (r.summary.result !== "succeeded") throw new Error(`up ${r.summary.result}`);
  return Date.now() - started;
}

async function main(): Promise<number> {
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) {
    process.stderr.write(
      `error: rounds: ${JSON.stringify(process.argv[2])} is not allowed; use an integer in 1..20\n`,
    );
    return 2;
  }
  const status = spawnSync("bash", [path.join(PROJECT_ROOT, "scripts", "local", "cluster.sh"), "status"]);
  if (status.status !== 0) {
    process.stderr.write("error: the local environment is not running; start it with: npm run local:up\n");
    return 2;
  }
  // One failed look is enough to roll back: the figure is the driver's reaction, not a threshold's patience.
  const sandbox = createSandbox({
    name: "distroless-bench",
    analysis: { intervalSeconds: 1, durationSeconds: 10, requestsPerInterval: 20, threshold: 1 },
  });
  const backend = fs.mkdtempSync(path.join(os.tmpdir(), "distroless-bench-state-"));
  const quiet = { onOutput: () => undefined };
  const target = sandbox.target(backend, quiet);
  const rows: [number, number][] = [];
  try {
    log("deploying the sandbox stack (go-service 1.0.0, two pods)");
    await timedUp(target);
    for (let round = 1; round <= rounds; round++) {
      log(`round ${round}: releasing ${SANDBOX_BAD_VERSION}, which answers 500`);
      let detection: number | undefined;
      try {
        await release({
          target,
          service: SANDBOX_SERVICE,
          command: "start",
          to: SANDBOX_BAD_VERSION,
          log: () => undefined,
        });
      } catch (e) {
        if (!(e instanceof ReleaseError)) throw e;
        detection = e.report?.detectionToRollbackMs;
      }
      if (detection === undefined) throw new Error("the failing release was not rolled back");
      log(`round ${round}: peer: canary at 10 % by hand, then a bare up to weight 0`);
      writePatch(sandbox.file, SANDBOX_SERVICE, { canaryWeight: 10 });
      await timedUp(target);
      writePatch(sandbox.file, SANDBOX_SERVICE, { canaryWeight: 0 });
      rows.push([detection, await timedUp(target)]);
    }
  } finally {
    log("destroying the sandbox stack");
    await destroy(target).catch(() => undefined);
    sandbox.dispose();
    fs.rmSync(backend, { recursive: true, force: true });
  }
  process.stdout.write(
    "round | first bad answer → all traffic on stable | peer: bare up to weight 0 | ratio\n",
  );
  rows.forEach(([d, p], i) =>
    process.stdout.write(
      `${i + 1} | ${(d / 1000).toFixed(1)} s | ${(p / 1000).toFixed(1)} s | ${(d / p).toFixed(2)}x\n`,
    ),
  );
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const d = median(rows.map((r) => r[0]));
  const p = median(rows.map((r) => r[1]));
  process.stdout.write(
    `median | ${(d / 1000).toFixed(1)} s | ${(p / 1000).toFixed(1)} s | ${(d / p).toFixed(2)}x\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
