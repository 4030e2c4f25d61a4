// VulnerabilityScan: the vulnerability gate of one pushed image. Grype matches each platform's SBOM (the SPDX
// attestation BuildKit attached to the index) against a vulnerability database the user supplies as a file, so
// nothing is fetched from the internet. It is a dynamic resource whose check runs the scan whenever the image's
// digest is known: at preview for an image that is not rebuilt, at `up` right after a rebuild. A finding at or
// above `failOn` fails that check, so the image never reaches a Deployment (DistrolessImage hands out the
// scanned reference), and what runs stays as it was. The findings are recorded as an input, where the policy
// pack's imageVulnerabilities rule judges them again with the organisation's own threshold.
import * as pulumi from "@pulumi/pulumi";
import {
  blockingMatches,
  FAIL_ON_CHOICES,
  gateFailure,
  normalSeverity,
  type Severity,
  severityRank,
  type VulnerabilityFindings,
  type VulnerabilityMatch,
} from "distroless-guardrails/model";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { cacheDir } from "../scripts/lib/paths";
import { projectPathProblem } from "./project-path";
import { type RegistryAuth, registryClient } from "./registry-api";

/** The inputs of a scan as the provider sees them; `databaseDigest` and `findings` are filled in by check. */
export interface VulnerabilityScanInputs {
  /** Always the model's `VULNERABILITY_SCAN_KIND`: it marks the dynamic resource as a scan for the pack. */
  kind: string;
  /** The image scanned, `<repository>@sha256:…`. */
  image: string;
  /** Its repository, where the SBOM blobs are read. */
  repository: string;
  /** Per platform, the digest of the SPDX SBOM attestation blob (BuildKitImage.sbomDigests). */
  sbomDigests: Record<string, string>;
  /** Grype database (a `vulnerability.db` file or Grype's archive of one), relative to the project root. */
  database: string;
  /** Fail on a finding of this severity or above. */
  failOn: Severity;
  /** Count only findings a fixed package version exists for. */
  onlyFixed: boolean;
  /** Pull credentials (a secret); the local registry needs none. */
  registryAuth?: RegistryAuth;
  /** sha256 of the database file: a new database rescans. */
  databaseDigest?: string;
  /** What the scan found. */
  findings?: VulnerabilityFindings;
}

/** What DistrolessImage gives a scan; check adds the digest of the database and the findings. */
export type VulnerabilityScanArgs = {
  readonly [K in keyof Omit<VulnerabilityScanInputs, "databaseDigest" | "findings">]: pulumi.Input<
    VulnerabilityScanInputs[K]
  >;
};

/** Grype's JSON report, the part read here. */
interface GrypeReport {
  matches?: {
    vulnerability?: { id?: string; severity?: string; fix?: { versions?: string[]; state?: string } };
    artifact?: { name?: string; version?: string; type?: string };
  }[];
  descriptor?: { db?: { status?: { built?: string } } };
}

/** The matches of one platform's Grype report, one per (advisory, package, version), in a stable order. */
export function matchesFromGrype(report: GrypeReport, platform: string): VulnerabilityMatch[] {
  const seen = new Map<string, VulnerabilityMatch>();
  for (const m of report.matches ?? []) {
    const v = m.vulnerability ?? {};
    const a = m.artifact ?? {};
    const match: VulnerabilityMatch = {
      id: v.id ?? "(no id)",
      severity: normalSeverity(v.severity ?? ""),
      package: a.name ?? "(unnamed)",
      version: a.version ?? "",
      type: a.type ?? "",
      fixedIn: v.fix?.state === "fixed" ? [...(v.fix.versions ?? [])] : [],
      platform,
    };
    seen.set(`${match.id} ${match.package} ${match.version}`, match);
  }
  return sortMatches([...seen.values()]);
}

/** Platform, then most severe first, then id and package. */
export function sortMatches(matches: VulnerabilityMatch[]): VulnerabilityMatch[] {
  const key = (m: VulnerabilityMatch): string => `${m.id}\u0000${m.package}\u0000${m.version}`;
  return matches.sort(
    (a, b) =>
      (a.platform < b.platform ? -1 : a.platform > b.platform ? 1 : 0) ||
      severityRank(b.severity) - severityRank(a.severity) ||
      (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0),
  );
}

// The provider runs in the engine's dynamic-provider host, a separate process: what its methods call is
// serialized with them, so Node's modules are required inside.
/* eslint-disable @typescript-eslint/no-require-imports */

function isKnown(value: unknown): boolean {
  return !JSON.stringify(value ?? null).includes(rpc.unknownValue);
}

/** Where the database is, inside the project, or why it cannot be used (for `images.vulnerabilities.database`). */
function databaseFile(database: string): { file?: string; problem?: string } {
  const npath = require("node:path") as typeof import("node:path");
  const root = process.env.DISTROLESS_PROJECT_ROOT ?? process.cwd();
  const problem = projectPathProblem(root, database, "file");
  return problem !== undefined ? { problem } : { file: npath.resolve(root, database) };
}

/** Where Grype's imports of the databases and the databases' digests are kept. */
function grypeCacheDir(): string {
  const npath = require("node:path") as typeof import("node:path");
  return npath.join(cacheDir(), "grype-db");
}

/**
 * The database's sha256, remembered by path, size and modification time: a real database is about a gigabyte, and
 * every image's check asks for it at every preview.
 */
function databaseDigestOf(file: string): string {
  const nfs = require("node:fs") as typeof import("node:fs");
  const npath = require("node:path") as typeof import("node:path");
  const stat = nfs.statSync(file);
  const key = `${file} ${stat.size} ${stat.mtimeMs}`;
  const memo = npath.join(grypeCacheDir(), "digests.json");
  let known: Record<string, string> = {};
  try {
    known = JSON.parse(nfs.readFileSync(memo, "utf8")) as Record<string, string>;
  } catch {
    // None yet, or unreadable: computed afresh.
  }
  const recorded = known[key];
  if (typeof recorded === "string") return recorded;
  const digest = sha256File(file);
  const kept = Object.fromEntries(Object.entries(known).filter(([k]) => !k.startsWith(`${file} `)));
  nfs.mkdirSync(npath.dirname(memo), { recursive: true });
  const tmp = `${memo}.${process.pid}`;
  nfs.writeFileSync(tmp, JSON.stringify({ ...kept, [key]: digest }));
  nfs.renameSync(tmp, memo);
  return digest;
}

function sha256File(file: string): string {
  const crypto = require("node:crypto") as typeof import("node:crypto");
  const nfs = require("node:fs") as typeof import("node:fs");
  const hash = crypto.createHash("sha256");
  const fd = nfs.openSync(file, "r");
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (let n = nfs.readSync(fd, chunk); n > 0; n = nfs.readSync(fd, chunk))
      hash.update(chunk.subarray(0, n));
  } finally {
    nfs.closeSync(fd);
  }
  return `sha256:${hash.digest("hex")}`;
}

function runTool(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string; error?: NodeJS.ErrnoException }> {
  const cp = require("node:child_process") as typeof import("node:child_process");
  return new Promise((resolve) => {
    const child = cp.spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", (error: NodeJS.ErrnoException) =>
      resolve({ code: null, stdout: "", stderr: "", error }),
    );
    child.on("close", (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
}

/** Grype's environment: the imported database only, no update checks, no network. */
function grypeEnv(cacheDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GRYPE_DB_CACHE_DIR: cacheDir,
    GRYPE_DB_AUTO_UPDATE: "false",
    GRYPE_DB_VALIDATE_AGE: "false",
    GRYPE_DB_REQUIRE_UPDATE_CHECK: "false",
    GRYPE_CHECK_FOR_APP_UPDATE: "false",
  };
}

/** Scans every platform's SBOM of `inputs.image` with the database at `file` (imported once per digest). */
async function scan(
  inputs: VulnerabilityScanInputs,
  file: string,
  digest: string,
): Promise<VulnerabilityFindings> {
  const nfs = require("node:fs") as typeof import("node:fs");
  const npath = require("node:path") as typeof import("node:path");
  const os = require("node:os") as typeof import("node:os");
  const who = `VulnerabilityScan ${inputs.image}`;
  const grype = process.env.DISTROLESS_GRYPE ?? "grype";
  const cache = npath.join(grypeCacheDir(), digest.slice("sha256:".length, "sha256:".length + 16));
  const cannotRun = (e: NodeJS.ErrnoException): Error =>
    new Error(
      `${who}: cannot run ${grype} (${e.code ?? "error"}); install Grype (npm run toolchain -- grype) or set DISTROLESS_GRYPE`,
    );
  if (!nfs.existsSync(npath.join(cache, "6", "vulnerability.db"))) {
    // A real database is about a gigabyte once imported: imports of other databases not used for a day go.
    const imports = npath.dirname(cache);
    for (const other of nfs.existsSync(imports) ? nfs.readdirSync(imports) : []) {
      const dir = npath.join(imports, other);
      if (Date.now() - nfs.statSync(dir).mtimeMs > 86_400_000)
        nfs.rmSync(dir, { recursive: true, force: true });
    }
    const imported = await runTool(grype, ["db", "import", file], grypeEnv(cache));
    if (imported.error !== undefined) throw cannotRun(imported.error);
    if (imported.code !== 0) {
      nfs.rmSync(cache, { recursive: true, force: true });
      throw new Error(
        `${who}: images.vulnerabilities.database: ${JSON.stringify(inputs.database)} is not a Grype database ` +
          "Grype can import (a vulnerability.db of schema v6, or Grype's .tar.zst/.tar.gz archive of one); " +
          'fetch a current one as the README\'s "Vulnerability gate" says',
      );
    }
  }
  // Marks this import as used, so it is kept.
  nfs.utimesSync(cache, new Date(), new Date());
  const registry = registryClient(
    inputs.repository,
    rpc.unwrapRpcSecret(inputs.registryAuth) as RegistryAuth | undefined,
    who,
  );
  const tmp = nfs.mkdtempSync(npath.join(os.tmpdir(), "distroless-scan-"));
  try {
    const platforms = Object.keys(inputs.sbomDigests).sort();
    const matches: VulnerabilityMatch[] = [];
    let built = "";
    for (const platform of platforms) {
      const statement = JSON.parse(await registry.blob(inputs.sbomDigests[platform])) as {
        predicate?: unknown;
      };
      const sbom = npath.join(tmp, `${platform.replace(/\//g, "-")}.spdx.json`);
      nfs.writeFileSync(sbom, JSON.stringify(statement.predicate ?? statement));
      const run = await runTool(grype, [`sbom:${sbom}`, "-o", "json", "-q"], grypeEnv(cache));
      if (run.error !== undefined) throw cannotRun(run.error);
      if (run.code !== 0) {
        const tail = run.stderr.trimEnd().split("\n").slice(-5).join("\n");
        throw new Error(
          `${who}: grype exited with ${run.code} scanning ${platform}'s SBOM; its last lines:\n${tail}`,
        );
      }
      const report = JSON.parse(run.stdout) as GrypeReport;
      built = report.descriptor?.db?.status?.built ?? built;
      matches.push(...matchesFromGrype(report, platform));
    }
    return { databaseBuilt: built, platforms, matches: sortMatches(matches) };
  } finally {
    nfs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Fills in the database digest and the findings when the image is known, reusing the recorded findings when
 * neither the image nor the database changed; fails when the gate does.
 */
async function checkScan(
  olds: Partial<VulnerabilityScanInputs>,
  news: VulnerabilityScanInputs,
): Promise<pulumi.dynamic.CheckResult> {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  if (!(FAIL_ON_CHOICES as readonly string[]).includes(news.failOn)) {
    failures.push({
      property: "failOn",
      reason: `images.vulnerabilities.failOn: ${JSON.stringify(news.failOn)} is not allowed; expected one of ${FAIL_ON_CHOICES.join(", ")}`,
    });
  }
  const { file, problem } = databaseFile(news.database);
  if (problem !== undefined || file === undefined) {
    failures.push({
      property: "database",
      reason:
        `images.vulnerabilities.database: ${JSON.stringify(news.database)} is not allowed; ${problem ?? "unreadable"} ` +
        '(a Grype database: see the README\'s "Vulnerability gate" for fetching or building one)',
    });
  }
  if (failures.length > 0 || file === undefined) return { inputs: news, failures };
  const databaseDigest = databaseDigestOf(file);
  if (!isKnown(news.image) || !isKnown(news.sbomDigests)) return { inputs: { ...news, databaseDigest } };
  const unchanged =
    olds.image === news.image && olds.databaseDigest === databaseDigest && olds.findings !== undefined;
  const findings =
    unchanged && olds.findings !== undefined ? olds.findings : await scan(news, file, databaseDigest);
  const message = gateFailure(
    news.image,
    blockingMatches(findings.matches, news.failOn, news.onlyFixed),
    news.failOn,
    news.onlyFixed,
  );
  return {
    inputs: { ...news, databaseDigest, findings },
    failures: message !== undefined ? [{ property: "findings", reason: message }] : [],
  };
}
/* eslint-enable @typescript-eslint/no-require-imports */

const DIFF_KEYS = ["image", "databaseDigest", "failOn", "onlyFixed", "findings"] as const;

/** The outputs: the inputs without credentials. */
function recorded(inputs: VulnerabilityScanInputs): Omit<VulnerabilityScanInputs, "registryAuth"> {
  const { registryAuth: _auth, ...rest } = inputs;
  void _auth;
  return rest;
}

/** The dynamic provider: the scan runs in check; create and update record what it found. */
export const vulnerabilityScanProvider: pulumi.dynamic.ResourceProvider = {
  check: (olds: Partial<VulnerabilityScanInputs>, news: VulnerabilityScanInputs) => checkScan(olds, news),
  async diff(_id: string, olds: VulnerabilityScanInputs, news: VulnerabilityScanInputs) {
    const changes = DIFF_KEYS.some((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    return { changes, replaces: [], deleteBeforeReplace: false };
  },
  async create(inputs: VulnerabilityScanInputs) {
    return { id: inputs.image, outs: recorded(inputs) };
  },
  async update(_id: string, _olds: VulnerabilityScanInputs, news: VulnerabilityScanInputs) {
    return { outs: recorded(news) };
  },
};

/** The dynamic resource; DistrolessImage creates it when a gate is configured. */
export class VulnerabilityScan extends pulumi.dynamic.Resource {
  /** The scanned image, `<repository>@sha256:…`: known only once its gate passed. */
  declare public readonly image: pulumi.Output<string>;
  declare public readonly findings: pulumi.Output<VulnerabilityFindings | undefined>;
  declare public readonly failOn: pulumi.Output<Severity>;
  declare public readonly onlyFixed: pulumi.Output<boolean>;

  constructor(name: string, inputs: VulnerabilityScanArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      vulnerabilityScanProvider,
      name,
      { ...inputs, databaseDigest: undefined, findings: undefined },
      opts,
    );
  }
}
