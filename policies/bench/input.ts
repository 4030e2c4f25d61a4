// Benchmark of the compiled checker as users run it (`distroless-check`, a fresh process each time) against its
// peers in the same run: node starting alone, and a bare parse of the same files with the same YAML library.
// Prints figures and ratios only; nothing is asserted.
//   npm run bench:input -- [documents=5000] [bigMiB=50]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { deployment } from "./corpus";

const documents = Number(process.argv[2] ?? 5000);
const bigMiB = Number(process.argv[3] ?? 50);
const ROOT = path.resolve(__dirname, "..", "..");
const CHECKER = path.join(ROOT, "policies", "distroless-check.js");

/** The shared benchmark Deployment as YAML (every fifth breaks a check, so there are findings to report). */
function deploymentYaml(i: number): string {
  return stringify(deployment(i));
}

function corpus(dir: string, files: number, docs: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const per = Math.ceil(docs / files);
  for (let f = 0; f < files; f++) {
    const parts: string[] = [];
    for (let d = f * per; d < Math.min(docs, (f + 1) * per); d++) parts.push(deploymentYaml(d));
    fs.writeFileSync(path.join(dir, `f${f}.yaml`), parts.join("---\n"));
  }
}

interface Measure {
  wall: number;
  cpu: number;
  rssMiB: number;
  code: number;
}

/** Runs a command under GNU time: wall and CPU seconds, peak RSS. */
function measure(args: string[]): Measure {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %U %S %M", ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const last = r.stderr.trim().split("\n").pop() ?? "";
  const [wall, user, sys, kb] = last.split(" ").map(Number);
  return { wall, cpu: user + sys, rssMiB: kb / 1024, code: r.status ?? -1 };
}

function best(args: string[], rounds = 3): Measure {
  const runs = Array.from({ length: rounds }, () => measure(args));
  return runs.reduce((a, b) => (b.wall < a.wall ? b : a));
}

const BARE_PARSE = `const fs=require("fs"),path=require("path"),{parseAllDocuments}=require(${JSON.stringify(
  require.resolve("yaml"),
)});let n=0;for(const d of process.argv.slice(1)){for(const f of fs.readdirSync(d)){for(const doc of parseAllDocuments(fs.readFileSync(path.join(d,f),"utf8"))){doc.toJS();n++}}}`;

/** Recall on the corpus: every injected violation (every fifth Deployment) found, and nothing else. */
function recall(dir: string, docs: number): string {
  const r = spawnSync("node", [CHECKER, "--format", "json", dir], { encoding: "utf8", maxBuffer: 1 << 30 });
  const entries = JSON.parse(r.stdout) as { name: string; pssCheck: string | null }[];
  const injected = new Set(Array.from({ length: Math.ceil(docs / 5) }, (_, k) => `svc-${k * 5}`));
  const found = entries.filter((e) => e.pssCheck === "allowPrivilegeEscalation" && injected.has(e.name));
  return `recall: ${new Set(found.map((e) => e.name)).size} of ${injected.size} injected violations found, ${entries.length - found.length} other findings`;
}

function main(): void {
  if (!fs.existsSync(path.join(ROOT, "policies", "dist", "cli.js"))) {
    process.stderr.write("error: the checker is not built; run: npm run build -w policies\n");
    process.exit(2);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "checker-bench-"));
  try {
    const small = path.join(tmp, "small");
    corpus(small, 1, 1);
    const many = path.join(tmp, "many");
    corpus(many, documents, documents);
    const few = path.join(tmp, "few");
    corpus(few, 50, documents);
    const big = path.join(tmp, "big");
    fs.mkdirSync(big);
    // Document 0 is a broken one: every document of the big file has a finding.
    const doc = deploymentYaml(0);
    fs.writeFileSync(
      path.join(big, "big.yaml"),
      Array.from({ length: Math.ceil((bigMiB * 1024 * 1024) / (doc.length + 4)) }, () => doc).join("---\n"),
    );

    // A bare Pod breaks four restricted checks: four findings per document, to measure output at volume.
    const noisy = path.join(tmp, "noisy");
    fs.mkdirSync(noisy);
    const pod = stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { containers: [{ name: "app", image: "nginx" }] },
    });
    fs.writeFileSync(
      path.join(noisy, "noisy.yaml"),
      Array.from({ length: Math.ceil((bigMiB * 1024 * 1024) / (pod.length + 4)) }, () => pod).join("---\n"),
    );

    const rows: [string, Measure, Measure][] = [];
    rows.push(["start-up, one small file", best(["node", CHECKER, small]), best(["node", "-e", "0"])]);
    rows.push([
      `${documents} documents in ${documents} files`,
      best(["node", CHECKER, many], 2),
      best(["node", "-e", BARE_PARSE, many], 2),
    ]);
    rows.push([
      `${documents} documents in 50 files`,
      best(["node", CHECKER, few], 2),
      best(["node", "-e", BARE_PARSE, few], 2),
    ]);
    rows.push([
      `one ${bigMiB} MiB file`,
      best(["node", CHECKER, big], 1),
      best(["node", "-e", BARE_PARSE, big], 1),
    ]);

    // Through a pipe, as in CI logs (the checker's output only; the peer prints nothing): the output is larger than a string can be, so a reader drains it.
    const piped = (args: string[]) => [
      "bash",
      "-o",
      "pipefail",
      "-c",
      '"$@" | cat >/dev/null',
      "bash",
      ...args,
    ];
    const noisyText = best(piped(["node", CHECKER, noisy]), 1);
    const noisyJson = best(piped(["node", CHECKER, "--format", "json", noisy]), 1);
    const noisyParse = best(["node", "-e", BARE_PARSE, noisy], 1);
    rows.push([`one ${bigMiB} MiB file of bare Pods (4 findings each), text`, noisyText, noisyParse]);
    rows.push([`one ${bigMiB} MiB file of bare Pods (4 findings each), JSON`, noisyJson, noisyParse]);

    process.stdout.write(
      "case | checker wall s / CPU s / peak MiB | peer wall s / CPU s / peak MiB | wall ratio | CPU ratio\n",
    );
    for (const [name, c, p] of rows) {
      const f = (m: Measure) => `${m.wall.toFixed(2)} / ${m.cpu.toFixed(2)} / ${m.rssMiB.toFixed(0)}`;
      process.stdout.write(
        `${name} | ${f(c)} (exit ${c.code}) | ${f(p)} | ${(c.wall / p.wall).toFixed(2)}x | ${(c.cpu / p.cpu).toFixed(2)}x\n`,
      );
    }
    process.stdout.write(
      "peer: node -e 0 for start-up, else a bare parseAllDocuments + toJS of the same files\n",
    );
    process.stdout.write(`${recall(few, documents)}\n`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main();
