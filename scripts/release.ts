// `npm run release -- --stack <s> --service <name> --to <version>` walks a canary through canary.steps, judging
// each step, and rolls back by itself; --status, --resume, --abort and --promote act on a release in progress.
import { parseArgs } from "node:util";
import { ConfigError } from "../config";
import { formatReport, release, ReleaseError, type ReleaseCommand } from "./release/driver";
import { StackConfigError } from "./lib/stack-config";
import { StackFileError } from "./release/stackfile";
import { TransitionError } from "./release/state";
import { DriverError } from "./stack";

const USAGE = `usage: npm run release -- --stack <stack> --service <name> (--to <version> | --status | --resume | --abort | --promote)
  --to <version>  start a release of the working tree's app as <version> (stable stays pinned at the digest it runs)
  --status        show where the service's release stands (from Pulumi.<stack>.yaml)
  --resume        carry on a release whose driver stopped, from the step in Pulumi.<stack>.yaml
  --abort         send all traffic back to stable (weight 0) and stop
  --promote       skip the remaining steps: go to 100 % (still analysed), then close
  --no-policy     run without the policy pack
Each step writes canary.* into Pulumi.<stack>.yaml, runs up, then watches the step for canary.analysis.durationSeconds.
Exit codes: 0 released (or status shown), 1 rolled back or failed, 2 bad usage.`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        stack: { type: "string", default: "local" },
        service: { type: "string" },
        to: { type: "string" },
        status: { type: "boolean", default: false },
        resume: { type: "boolean", default: false },
        abort: { type: "boolean", default: false },
        promote: { type: "boolean", default: false },
        "no-policy": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const modes = (["status", "resume", "abort", "promote"] as const).filter((m) => values[m]);
  const commands: ReleaseCommand[] = [...modes, ...(values.to !== undefined ? (["start"] as const) : [])];
  if (values.service === undefined || commands.length !== 1) {
    process.stderr.write(
      `error: ${values.service === undefined ? "--service is required" : "give exactly one of --to, --status, --resume, --abort, --promote"}\n${USAGE}\n`,
    );
    return 2;
  }
  const controller = new AbortController();
  let interrupts = 0;
  process.on("SIGINT", () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write("interrupted: rolling back to stable (Ctrl-C again to stop at once)\n");
    controller.abort();
  });
  try {
    const report = await release({
      target: { stack: values.stack, ...(values["no-policy"] ? { policyPack: false as const } : {}) },
      service: values.service,
      command: commands[0],
      ...(values.to !== undefined ? { to: values.to } : {}),
      signal: controller.signal,
    });
    process.stdout.write(`${formatReport(report)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ReleaseError) {
      if (e.report !== undefined) process.stdout.write(`${formatReport(e.report)}\n`);
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    if (
      e instanceof ConfigError ||
      e instanceof StackFileError ||
      e instanceof StackConfigError ||
      e instanceof TransitionError ||
      e instanceof DriverError
    ) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`error: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
