// Runs the two sample services for real (node server.js, and the Go binary built with CGO_ENABLED=0) and checks
// the contract the hardened workload relies on: probes, JSON logs, version reporting, /tmp-only writes and a
// clean SIGTERM drain that exits 0.
import { strict as assert } from "node:assert";
import { ChildProcess, execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";

const ROOT = path.resolve(__dirname, "..");
const NODE_APP = path.join(ROOT, "apps", "node-service");
const GO_APP = path.join(ROOT, "apps", "go-service");
const PYTHON_APP = path.join(ROOT, "apps", "python-service");
const GO_LDFLAGS_VERSION = "7.7.7-ldflags";
const CANARY_ENV = { APP_VERSION: "2.0.0-canary.1", TRACK: "canary" };
// Long enough that the 503 is observed over a kept-alive socket before the listener closes.
const DRAIN_DELAY_MS = 1000;
const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

interface LogLine {
  readonly ts: string;
  readonly level: string;
  readonly msg: string;
  readonly [key: string]: unknown;
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly reusedSocket: boolean;
}

function isLogLine(value: unknown): value is LogLine {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const rec = value as Record<string, unknown>;
  return typeof rec.ts === "string" && typeof rec.level === "string" && typeof rec.msg === "string";
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** A running service: its stdout parsed line by line, stderr kept for failure messages. */
class Running {
  readonly logs: LogLine[] = [];
  readonly notJson: string[] = [];
  stderr = "";
  readonly exited: Promise<Exit>;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly child: ChildProcess) {
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      if (isLogLine(parsed)) this.logs.push(parsed);
      else this.notJson.push(line);
      this.waiters.splice(0).forEach((wake) => wake());
    });
    child.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise<Exit>((resolve) => {
      child.on("exit", (code, signal) => {
        resolve({ code, signal });
        this.waiters.splice(0).forEach((wake) => wake());
      });
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first log line matching pred, failing if the process exits or time runs out. */
  waitForLog(pred: (line: LogLine) => boolean, what: string, ms = 10000): Promise<LogLine> {
    const search = new Promise<LogLine>((resolve, reject) => {
      const check = (): void => {
        const hit = this.logs.find(pred);
        if (hit) resolve(hit);
        else if (!this.alive)
          reject(new Error(`process exited before logging ${what}; stderr: ${this.stderr}`));
        else this.waiters.push(check);
      };
      check();
    });
    return withTimeout(search, ms, `log line ${what}; stdout so far: ${JSON.stringify(this.logs)}`);
  }

  async port(): Promise<number> {
    const line = await this.waitForLog((l) => l.msg === "listening", '"listening"');
    assert.equal(typeof line.port, "number");
    return line.port as number;
  }
}

function start(command: string, args: string[], env: Record<string, string>, cwd: string): Running {
  // A minimal environment, so nothing from the developer's shell (APP_VERSION, PORT...) leaks in.
  const child = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? os.tmpdir(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Running(child);
}

function get(port: number, urlPath: string, options: { method?: string; agent?: http.Agent } = {}) {
  return withTimeout(
    new Promise<Reply>((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port,
          path: urlPath,
          method: options.method ?? "GET",
          agent: options.agent ?? false,
        },
        (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (body += chunk));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body,
              reusedSocket: req.reusedSocket,
            }),
          );
        },
      );
      req.on("error", reject);
      req.end();
    }),
    5000,
    `${options.method ?? "GET"} ${urlPath}`,
  );
}

function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(" ")} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

function findGo(): string {
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter((d) => d !== "");
  // scripts/setup.sh guarantees a Go >= 1.22 at /usr/local/go; a PATH go (e.g. Debian 12's 1.19) may be older.
  for (const candidate of ["/usr/local/go/bin/go", ...dirs.map((d) => path.join(d, "go"))]) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here; try the next location.
    }
  }
  throw new Error(
    "Go toolchain not found at /usr/local/go/bin/go or on PATH: run `npm run setup` to install it",
  );
}

function goEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // GOTOOLCHAIN=local: never download a toolchain during tests; go.mod asks for an older one anyway.
  return { ...process.env, CGO_ENABLED: "0", GOTOOLCHAIN: "local", GOFLAGS: "", ...extra };
}

/** ELF machine and program-header types, enough to tell a static binary (no PT_INTERP, no PT_DYNAMIC). */
function elfInfo(file: string): { machine: number; programHeaderTypes: number[] } {
  const buf = fs.readFileSync(file);
  assert.deepEqual([...buf.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], `${file} is not an ELF file`);
  assert.equal(buf[4], 2, "expected a 64-bit ELF");
  assert.equal(buf[5], 1, "expected a little-endian ELF");
  const phoff = Number(buf.readBigUInt64LE(0x20));
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  const programHeaderTypes = Array.from({ length: phnum }, (_, i) => buf.readUInt32LE(phoff + i * phentsize));
  return { machine: buf.readUInt16LE(0x12), programHeaderTypes };
}

const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;

interface ServiceSpec {
  readonly service: string;
  /** Version reported when APP_VERSION is unset. */
  readonly defaultVersion: () => string;
  readonly launch: (env: Record<string, string>) => Running;
  readonly prepare: () => Promise<void>;
}

const tempDirs: string[] = [];
const children: Running[] = [];

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

after(() => {
  for (const c of children) if (c.alive) c.child.kill("SIGKILL");
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

function describeService(spec: ServiceSpec): void {
  describe(`${spec.service}: running process`, function () {
    this.timeout(20000);
    let svc: Running;
    let port: number;
    let tmp: string;

    const launch = (env: Record<string, string>): Running => {
      const r = spec.launch(env);
      children.push(r);
      return r;
    };

    before(async function () {
      this.timeout(240000);
      await spec.prepare();
      tmp = tempDir(`${spec.service}-tmp-`);
      svc = launch({
        PORT: "0",
        TMPDIR: tmp,
        DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
        SHUTDOWN_TIMEOUT_MS: "5000",
        ...CANARY_ENV,
      });
      port = await svc.port();
    });

    it("logs a JSON listening line bound to 0.0.0.0 with its version and track", async () => {
      const line = await svc.waitForLog((l) => l.msg === "listening", '"listening"');
      assert.match(line.ts, ISO_MS);
      assert.equal(line.level, "info");
      assert.equal(line.service, spec.service);
      assert.equal(line.host, "0.0.0.0");
      assert.ok(port > 0 && port < 65536, `port ${port}`);
      assert.equal(line.version, CANARY_ENV.APP_VERSION);
      assert.equal(line.track, CANARY_ENV.TRACK);
    });

    it("answers /healthz and /readyz with 200 JSON", async () => {
      const health = await get(port, "/healthz");
      assert.equal(health.status, 200);
      assert.equal(health.headers["content-type"], "application/json; charset=utf-8");
      assert.deepEqual(JSON.parse(health.body), { status: "ok" });
      const ready = await get(port, "/readyz");
      assert.equal(ready.status, 200);
      assert.deepEqual(JSON.parse(ready.body), { status: "ready" });
    });

    it("reports service, version, track and hostname on / and /version", async () => {
      const root = await get(port, "/");
      assert.equal(root.status, 200);
      assert.equal(root.headers["content-type"], "application/json; charset=utf-8");
      assert.deepEqual(JSON.parse(root.body), {
        service: spec.service,
        version: CANARY_ENV.APP_VERSION,
        track: CANARY_ENV.TRACK,
        hostname: os.hostname(),
      });
      const version = await get(port, "/version");
      assert.equal(version.status, 200);
      assert.deepEqual(JSON.parse(version.body), {
        service: spec.service,
        version: CANARY_ENV.APP_VERSION,
        track: CANARY_ENV.TRACK,
      });
    });

    it("answers unknown paths with 404 and other methods with 405", async () => {
      const missing = await get(port, "/nope?x=1");
      assert.equal(missing.status, 404);
      assert.deepEqual(JSON.parse(missing.body), { error: "not found", path: "/nope" });
      const post = await get(port, "/healthz", { method: "POST" });
      assert.equal(post.status, 405);
      assert.equal(post.headers.allow, "GET, HEAD");
      assert.deepEqual(JSON.parse(post.body), { error: "method not allowed", method: "POST" });
    });

    it("logs one JSON line per request", async () => {
      const isVersionHit = (l: LogLine): boolean => l.msg === "request" && l.path === "/version";
      const count = svc.logs.filter(isVersionHit).length;
      await get(port, "/version?probe=log");
      await svc.waitForLog(() => svc.logs.filter(isVersionHit).length > count, "request for /version");
      const hits = svc.logs.filter(isVersionHit);
      assert.equal(hits.length, count + 1);
      const line = hits[hits.length - 1];
      assert.match(line.ts, ISO_MS);
      assert.equal(line.level, "info");
      assert.equal(line.service, spec.service);
      assert.equal(line.method, "GET");
      assert.equal(line.status, 200);
      assert.equal(line.version, CANARY_ENV.APP_VERSION);
      assert.equal(line.track, CANARY_ENV.TRACK);
      assert.equal(typeof line.durationMs, "number");
    });

    it("writes only its start marker, under TMPDIR", () => {
      assert.deepEqual(fs.readdirSync(tmp), ["started"]);
      const marker: unknown = JSON.parse(fs.readFileSync(path.join(tmp, "started"), "utf8"));
      assert.deepEqual(marker, { pid: svc.child.pid, version: CANARY_ENV.APP_VERSION });
    });

    it("on SIGTERM turns /readyz 503, closes kept-alive sockets, then exits 0", async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const first = await get(port, "/readyz", { agent });
        assert.equal(first.status, 200);

        const sentAt = Date.now();
        assert.ok(svc.child.kill("SIGTERM"));
        await svc.waitForLog((l) => l.msg === "draining", '"draining"', 3000);
        const draining = await get(port, "/readyz", { agent });
        assert.equal(draining.status, 503);
        assert.deepEqual(JSON.parse(draining.body), { status: "draining" });
        assert.equal(draining.headers.connection, "close");
        assert.equal(draining.reusedSocket, true, "the drain answer should come over the kept-alive socket");
        // Liveness does not follow readiness: the kubelet must not restart a draining pod.
        const alive = await get(port, "/healthz");
        assert.equal(alive.status, 200);

        const exit = await withTimeout(svc.exited, 5000, "exit after SIGTERM");
        assert.deepEqual(exit, { code: 0, signal: null }, `stderr: ${svc.stderr}`);
        const took = Date.now() - sentAt;
        assert.ok(took >= DRAIN_DELAY_MS - 50 && took < 5000, `exited ${took} ms after SIGTERM`);
        await svc.waitForLog((l) => l.msg === "shutdown complete", '"shutdown complete"', 1000);
        await assert.rejects(get(port, "/healthz"), /ECONNREFUSED/);
      } finally {
        agent.destroy();
      }
    });

    it("wrote only JSON log lines with ts, level and msg to stdout, and nothing to stderr", async () => {
      await withTimeout(svc.exited, 5000, "exit");
      assert.deepEqual(svc.notJson, []);
      assert.equal(svc.stderr, "");
      assert.ok(svc.logs.length >= 4, `only ${svc.logs.length} log lines`);
      for (const line of svc.logs) assert.match(line.ts, ISO_MS);
    });

    it("defaults to its built-in version and the stable track", async () => {
      const plain = launch({ PORT: "0", TMPDIR: tempDir(`${spec.service}-tmp-`) });
      const p = await plain.port();
      const reply = await get(p, "/version");
      assert.deepEqual(JSON.parse(reply.body), {
        service: spec.service,
        version: spec.defaultVersion(),
        track: "stable",
      });
      plain.child.kill("SIGTERM");
      assert.deepEqual(await withTimeout(plain.exited, 5000, "exit"), { code: 0, signal: null });
    });

    it("exposes request counts and a latency histogram on /metrics, by service, version and track, probes left out", async () => {
      const m = launch({
        PORT: "0",
        TMPDIR: tempDir(`${spec.service}-tmp-`),
        APP_VERSION: "3.0.0",
        TRACK: "canary",
      });
      const p = await m.port();
      for (const x of ["/", "/version", "/nope", "/healthz", "/readyz", "/metrics"]) await get(p, x);
      const reply = await get(p, "/metrics");
      m.child.kill("SIGTERM");
      await withTimeout(m.exited, 5000, "exit");
      assert.equal(reply.status, 200);
      assert.equal(reply.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
      const labels = `service="${spec.service}",version="3.0.0",track="canary"`;
      const samples = reply.body
        .split("\n")
        .filter((l) => l !== "" && !l.startsWith("#"))
        .map((l) => l.replace(/ [0-9.e+-]+$/, (v) => (l.includes("_sum{") ? " <sum>" : v)));
      // Buckets are cumulative: non-decreasing, all three requests under 10 s.
      const buckets = samples.filter((l) => l.includes("_bucket{")).map((l) => Number(l.split(" ").pop()));
      assert.deepEqual(
        buckets,
        [...buckets].sort((a, b) => a - b),
      );
      const les = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"];
      assert.deepEqual(samples, [
        `http_requests_total{${labels},code="200"} 2`,
        `http_requests_total{${labels},code="404"} 1`,
        ...les.map(
          (le, i) =>
            `http_request_duration_seconds_bucket{${labels},le="${le}"} ${i === les.length - 1 ? 3 : buckets[i]}`,
        ),
        `http_request_duration_seconds_bucket{${labels},le="+Inf"} 3`,
        `http_request_duration_seconds_sum{${labels}} <sum>`,
        `http_request_duration_seconds_count{${labels}} 3`,
      ]);
    });

    it("fails on purpose when FAIL_VERSION names its version: 500s (errors) or never Ready (unready)", async () => {
      const as = async (env: Record<string, string>) => {
        const r = launch({
          PORT: "0",
          TMPDIR: tempDir(`${spec.service}-tmp-`),
          APP_VERSION: "2.0.0-bad",
          ...env,
        });
        const p = await r.port();
        const replies = await Promise.all(["/", "/version", "/healthz", "/readyz"].map((x) => get(p, x)));
        r.child.kill("SIGTERM");
        await withTimeout(r.exited, 5000, "exit");
        if (replies[1].status === 500) {
          // A failure still names its track, so a prober can tell which track failed.
          assert.deepEqual(JSON.parse(replies[1].body), {
            error: "failing on purpose (FAIL_VERSION)",
            service: spec.service,
            version: "2.0.0-bad",
            track: "stable",
          });
        }
        return replies.map((x) => x.status);
      };
      assert.deepEqual(await as({ FAIL_VERSION: "2.0.0-bad" }), [500, 500, 200, 200]);
      assert.deepEqual(await as({ FAIL_VERSION: "2.0.0-bad", FAIL_MODE: "unready" }), [200, 200, 200, 503]);
      // Another version (the stable track of the same release) is unaffected.
      assert.deepEqual(await as({ FAIL_VERSION: "1.0.0" }), [200, 200, 200, 200]);
      const bad = launch({ PORT: "0", TMPDIR: tempDir(`${spec.service}-tmp-`), FAIL_MODE: "sometimes" });
      assert.deepEqual(await withTimeout(bad.exited, 5000, "exit on bad config"), { code: 1, signal: null });
      assert.equal(
        bad.logs.find((l) => l.msg === "invalid configuration")?.error,
        'invalid FAIL_MODE="sometimes": must be errors or unready',
      );
    });

    it("refuses a bad PORT with a JSON error naming the key and exits 1", async () => {
      const bad = launch({ PORT: "http", TMPDIR: tempDir(`${spec.service}-tmp-`) });
      const exit = await withTimeout(bad.exited, 5000, "exit on bad config");
      assert.deepEqual(exit, { code: 1, signal: null });
      const line = bad.logs.find((l) => l.msg === "invalid configuration");
      assert.ok(line, `no "invalid configuration" line in ${JSON.stringify(bad.logs)}`);
      assert.equal(line.level, "error");
      assert.equal(line.error, 'invalid PORT="http": must be an integer between 0 and 65535');
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Node.js service
// ---------------------------------------------------------------------------------------------------------

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly main: string;
  readonly scripts: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, "utf8"));

describe("node-service: package", () => {
  const pkg = readJson(path.join(NODE_APP, "package.json")) as PackageJson;

  it("declares server.js as main and start script, with no dependencies", () => {
    assert.equal(pkg.name, "node-service");
    assert.equal(pkg.main, "server.js");
    assert.deepEqual(pkg.scripts, { start: "node server.js" });
    assert.equal(pkg.dependencies, undefined);
    assert.equal(pkg.devDependencies, undefined);
  });

  it("has a lockfile v3 with no packages, so the image build's npm ci --omit=dev succeeds", async function () {
    this.timeout(60000);
    assert.deepEqual(readJson(path.join(NODE_APP, "package-lock.json")), {
      name: pkg.name,
      version: pkg.version,
      lockfileVersion: 3,
      requires: true,
      packages: { "": { name: pkg.name, version: pkg.version, engines: { node: ">=20" } } },
    });
    const dir = tempDir("node-service-ci-");
    for (const f of ["package.json", "package-lock.json"])
      fs.copyFileSync(path.join(NODE_APP, f), path.join(dir, f));
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    await run(
      npm,
      ["ci", "--omit=dev", "--ignore-scripts", "--offline", "--no-audit", "--no-fund"],
      dir,
      process.env,
      60000,
    );
    assert.deepEqual(fs.readdirSync(dir).sort(), ["package-lock.json", "package.json"]);
  });
});

describeService({
  service: "node-service",
  defaultVersion: () => (readJson(path.join(NODE_APP, "package.json")) as PackageJson).version,
  prepare: async () => undefined,
  launch: (env) => start(process.execPath, [path.join(NODE_APP, "server.js")], env, NODE_APP),
});

// ---------------------------------------------------------------------------------------------------------
// Go service
// ---------------------------------------------------------------------------------------------------------

let goBinary: string | undefined;

async function buildGo(): Promise<string> {
  if (goBinary) return goBinary;
  const out = path.join(tempDir("go-service-bin-"), "go-service");
  await run(
    findGo(),
    ["build", "-trimpath", "-ldflags", `-s -w -X main.version=${GO_LDFLAGS_VERSION}`, "-o", out, "."],
    GO_APP,
    goEnv(),
    240000,
  );
  goBinary = out;
  return out;
}

describe("go-service: toolchain checks", function () {
  this.timeout(240000);

  it("passes go vet", async () => {
    await run(findGo(), ["vet", "./..."], GO_APP, goEnv(), 240000);
  });

  it("passes its Go unit tests", async () => {
    const { stdout } = await run(findGo(), ["test", "-count=1", "./..."], GO_APP, goEnv(), 240000);
    assert.match(stdout, /^ok\s+example\.com\/go-service\s/m);
  });

  it("is gofmt-clean", async () => {
    const gofmt = path.join(path.dirname(findGo()), "gofmt");
    const { stdout } = await run(gofmt, ["-l", "."], GO_APP, goEnv(), 60000);
    assert.equal(stdout, "");
  });

  for (const [arch, machine] of [
    ["amd64", EM_X86_64],
    ["arm64", EM_AARCH64],
  ] as const) {
    it(`cross-compiles a static linux/${arch} binary with CGO_ENABLED=0`, async () => {
      const out = path.join(tempDir(`go-service-${arch}-`), "go-service");
      await run(
        findGo(),
        ["build", "-trimpath", "-o", out, "."],
        GO_APP,
        goEnv({ GOOS: "linux", GOARCH: arch }),
        240000,
      );
      const elf = elfInfo(out);
      assert.equal(elf.machine, machine);
      assert.ok(!elf.programHeaderTypes.includes(PT_INTERP), "binary asks for a dynamic loader");
      assert.ok(!elf.programHeaderTypes.includes(PT_DYNAMIC), "binary has a dynamic section");
    });
  }
});

describeService({
  service: "go-service",
  defaultVersion: () => GO_LDFLAGS_VERSION,
  prepare: async () => {
    await buildGo();
  },
  launch: (env) => start(goBinary!, [], env, GO_APP),
});

// ---------------------------------------------------------------------------------------------------------
// Python service
// ---------------------------------------------------------------------------------------------------------

const pythonVersionOfApp = (): string => {
  const init = fs.readFileSync(path.join(PYTHON_APP, "service", "__init__.py"), "utf8");
  const m = /^__version__ = "([^"]+)"$/m.exec(init);
  assert.ok(m, "service/__init__.py declares no __version__");
  return m[1];
};

describe("python-service: package", () => {
  it("declares no requirement, so the image build's pip step needs no index", () => {
    const lines = fs
      .readFileSync(path.join(PYTHON_APP, "requirements.txt"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    assert.deepEqual(lines, []);
  });

  it("compiles with the standard library's compileall, as the image build does", async function () {
    this.timeout(60000);
    const out = tempDir("python-service-pyc-");
    await run(
      "python3",
      ["-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", PYTHON_APP],
      PYTHON_APP,
      // Bytecode goes to the temporary folder, not next to the sources.
      { PATH: process.env.PATH ?? "", PYTHONPYCACHEPREFIX: out },
      60000,
    );
    const compiled = fs.readdirSync(out, { recursive: true }).map(String);
    for (const module of ["main", "__init__", "app", "metrics"]) {
      assert.ok(
        compiled.some((f) => path.basename(f).startsWith(`${module}.`) && f.endsWith(".pyc")),
        `no bytecode for ${module} in ${compiled.join(", ")}`,
      );
    }
  });
});

describeService({
  service: "python-service",
  defaultVersion: pythonVersionOfApp,
  prepare: async () => undefined,
  // As in the image, no bytecode is written next to the sources.
  launch: (env) => start("python3", ["main.py"], { PYTHONDONTWRITEBYTECODE: "1", ...env }, PYTHON_APP),
});
