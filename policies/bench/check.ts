// Benchmark of the plain-manifest checker: objects per second and memory at each profile.
// Prints figures only; targets are read off these numbers, never asserted in tests.
//   npm run bench -- [objects=2000] [rounds=3]
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { checkPaths } from "../cli/check";
import { PROFILES } from "../cli/options";
import { evaluatePod } from "../pss/registry";
import { deployment } from "./corpus";
import { LATEST_PSS_VERSION, podSecurityLabels } from "../lib/pss-version";
import { GVISOR_RUNTIME_CLASS } from "../lib/hardened";

const objects = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 3);
const PER_FILE = 50;
function writeCorpus(dir: string): void {
  const namespace = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: "apps",
      labels: podSecurityLabels("restricted", LATEST_PSS_VERSION),
    },
  };
  const docs: string[] = [stringify(namespace)];
  for (let i = 0; i < objects; i++) docs.push(stringify(deployment(i)));
  for (let f = 0; f * PER_FILE < docs.length; f++) {
    const chunk = docs.slice(f * PER_FILE, (f + 1) * PER_FILE).join("---\n");
    fs.writeFileSync(path.join(dir, `chunk-${String(f).padStart(4, "0")}.yaml`), chunk);
  }
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-bench-"));
  try {
    process.stderr.write(`bench: writing ${objects} Deployments to ${dir}\n`);
    writeCorpus(dir);
    const bytes = fs.readdirSync(dir).reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
    console.log(`corpus: ${objects} Deployments + 1 Namespace, ${mib(bytes)} MiB YAML, ${rounds} rounds`);
    for (const profile of PROFILES) {
      const times: number[] = [];
      let violations = 0;
      for (let r = 0; r < rounds; r++) {
        process.stderr.write(`bench: ${profile} round ${r + 1}/${rounds}\n`);
        const start = process.hrtime.bigint();
        const summary = checkPaths([dir], {
          profile,
          pssVersion: "latest",
          externalRuntimeClasses: [GVISOR_RUNTIME_CLASS],
        });
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
        violations = summary.violations.length;
      }
      const best = Math.min(...times);
      const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
      console.log(
        `checkPaths ${profile.padEnd(10)} median ${median.toFixed(0)} ms, best ${best.toFixed(0)} ms, ` +
          `${((objects / best) * 1000).toFixed(0)} objects/s, ${violations} violations`,
      );
    }
    // The pure PSS evaluation alone, without YAML parsing or file walking.
    const spec = (deployment(1).spec as { template: { spec: Record<string, unknown> } }).template.spec;
    const n = 100_000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) evaluatePod("restricted", "latest", {}, spec);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(
      `evaluatePod restricted: ${((n / ms) * 1000).toFixed(0)} pods/s (${((ms * 1000) / n).toFixed(1)} µs/pod)`,
    );
    const mem = process.memoryUsage();
    console.log(
      `memory: rss ${mib(mem.rss)} MiB, heapUsed ${mib(mem.heapUsed)} MiB, peak rss ${mib(process.resourceUsage().maxRSS * 1024)} MiB`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
