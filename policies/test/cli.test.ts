// The plain-manifest checker: verdicts on Kubernetes' own PSS fixtures, multi-document YAML, malformed
// input, Dockerfiles, the JSON shape and the real CLI's exit codes.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkPaths, exitCode, type Violation } from "../cli/check";
import { collectFiles, isDockerfileName } from "../cli/files";
import { formatError, type JsonEntry, summaryLine } from "../cli/format";
import { parseManifests } from "../cli/manifests";
import { parseArgs, type Profile, USAGE } from "../cli/options";
import { main } from "../cli";
import { readOnlyRootFilesystem } from "../rules/readOnlyRootFilesystem";
import { ruleConfig } from "../lib/rule";
import { extractPod } from "../lib/pods";
import { FIXTURE_CASES, FIXTURES_DIR } from "./fixtures";

const ROOT = path.resolve(__dirname, "../..");

const FIXTURES = FIXTURES_DIR;
const CASES = FIXTURE_CASES;

/** Runs the real CLI as CI would. */
function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "policies/cli.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Folders made by tempDir, removed once every test of the file has run. */
const TEMP_DIRS: string[] = [];
after(() => {
  for (const dir of TEMP_DIRS.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-check-"));
  TEMP_DIRS.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const RESTRICTED = { profile: "restricted" as Profile, pssVersion: "v1.37" };

/** A restricted-compliant pod template spec (the upstream minimal valid pod). */
const GOOD_POD_SPEC = `      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: app
          image: registry.k8s.io/pause
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop: [ALL]`;

describe("policy:check — agreement with the PSS fixtures", () => {
  it("covers the 148 upstream cases", () => {
    assert.equal(CASES.length, 148);
  });

  const agreed: string[] = [];
  for (const c of CASES) {
    it(`${c.file} is ${c.expected} at ${c.level} ${c.version}`, () => {
      const summary = checkPaths([path.join(FIXTURES, c.file)], { profile: c.level, pssVersion: c.version });
      assert.deepEqual(summary.errors, []);
      assert.equal(summary.objects, 1);
      const verdict = summary.violations.length === 0 ? "pass" : "fail";
      assert.equal(verdict, c.expected, JSON.stringify(summary.violations));
      assert.equal(exitCode(summary), c.expected === "pass" ? 0 : 1);
      for (const v of summary.violations) {
        assert.equal(v.policy, `pss-${v.pssCheck}`);
        assert.equal(v.kind, "Pod");
      }
      agreed.push(c.file);
    });
  }

  it("agrees on every case (148/148)", () => {
    assert.equal(agreed.length, CASES.length);
  });

  it("spawned over the whole baseline folder: exactly the expected-fail files are reported, exit 1", () => {
    const r = runCli([
      "--profile",
      "baseline",
      "--pss-version",
      "v1.37",
      "--format",
      "json",
      path.join(FIXTURES, "baseline"),
    ]);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, "");
    const reported = new Set(
      (JSON.parse(r.stdout) as Violation[]).map((v) => path.relative(FIXTURES, v.file)),
    );
    const expected = new Set(
      CASES.filter((c) => c.level === "baseline" && c.expected === "fail").map((c) => c.file),
    );
    assert.deepEqual([...reported].sort(), [...expected].sort());
  });

  it("spawned over a passing folder at restricted: exit 0 and the summary line", () => {
    const r = runCli(["--pss-version", "v1.37", path.join(FIXTURES, "restricted/_minimal_valid_pod")]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      "1 file, 1 object, profile restricted (PSS v1.37): 0 violations (0 mandatory), 0 errors\n",
    );
  });
});

describe("policy:check — YAML input", () => {
  it("reads multi-document Helm output: skips empty documents and non-Kubernetes documents, expands Lists", () => {
    const text = `# Source: chart/templates/ns.yaml
---
---
# only a comment
---
replicaCount: 3
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
  - apiVersion: v1
    kind: Pod
    metadata:
      name: listed
      namespace: apps
    spec:
      containers:
        - name: app
          image: registry.k8s.io/pause
          securityContext:
            privileged: true
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          hostNetwork: true
${GOOD_POD_SPEC.replace(/^ {6}/gm, "          ")}
`;
    const { objects, errors } = parseManifests("helm.yaml", text);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      objects.map((o) => [o.kind, o.name, o.namespace, o.line]),
      [
        ["ConfigMap", "settings", undefined, 11],
        ["Pod", "listed", "apps", 15],
        ["CronJob", "nightly", undefined, 27],
      ],
    );
    const dir = tempDir({ "helm.yaml": text });
    const summary = checkPaths([dir], { profile: "baseline", pssVersion: "latest" });
    assert.deepEqual(summary.errors, []);
    assert.equal(summary.objects, 3);
    assert.deepEqual(
      // Each finding points at its field: the list item's privileged flag, the CronJob's hostNetwork.
      summary.violations.map((v) => [v.kind, v.name, v.line, v.column, v.pssCheck, v.message]),
      [
        [
          "Pod",
          "listed",
          25,
          13,
          "privileged",
          'privileged (container "app" must not set securityContext.privileged=true)',
        ],
        ["CronJob", "nightly", 37, 11, "hostNamespaces", "host namespaces (hostNetwork=true)"],
      ],
    );
  });

  it("a malformed file is an error naming file, line and column; the other files are still checked; exit 2", () => {
    const dir = tempDir({
      "a-bad.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [broken\nspec: {}\n",
      "b-good.yaml": `apiVersion: v1\nkind: Pod\nmetadata:\n  name: hostnet\nspec:\n  hostNetwork: true\n${GOOD_POD_SPEC.replace(/^ {4}/gm, "")}\n`,
    });
    const bad = path.join(dir, "a-bad.yaml");
    const summary = checkPaths([dir], RESTRICTED);
    assert.equal(summary.errors.length, 1);
    const [error] = summary.errors;
    assert.equal(error.file, bad);
    assert.equal(error.line, 5);
    assert.equal(error.column, 1);
    assert.match(error.message, /^malformed YAML: /);
    assert.deepEqual(
      summary.violations.map((v) => [path.basename(v.file), v.name, v.pssCheck]),
      [["b-good.yaml", "hostnet", "hostNamespaces"]],
    );
    assert.equal(exitCode(summary), 2);
    assert.equal(formatError(error), `${bad}:5:1: error: ${error.message}`);

    const r = runCli(["--format", "json", dir]);
    assert.equal(r.status, 2);
    assert.ok(r.stderr.startsWith(`${bad}:5:1: error: malformed YAML: `), r.stderr);
    const json = JSON.parse(r.stdout) as JsonEntry[];
    assert.deepEqual(
      json.map((v) => [path.basename(v.file), v.policy, v.pssCheck]),
      [
        ["b-good.yaml", "pss-hostNamespaces", "hostNamespaces"],
        ["a-bad.yaml", "input-error", null],
      ],
    );
    // The error entry has every key a violation has, so consumers can filter on policy or enforcement.
    assert.deepEqual(json[1], {
      file: bad,
      line: 5,
      column: 1,
      kind: "InputError",
      name: "",
      namespace: null,
      policy: "input-error",
      pssCheck: null,
      check: null,
      message: error.message,
      enforcement: "error",
    });
  });

  it("- reads YAML from standard input, named <stdin> in output (helm template ... | policy:check -)", () => {
    const text = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: hostnet\nspec:\n  hostNetwork: true\n${GOOD_POD_SPEC.replace(/^ {4}/gm, "")}\n`;
    const summary = checkPaths(["-"], RESTRICTED, () => text);
    assert.deepEqual(summary.errors, []);
    assert.deepEqual(summary.files, ["<stdin>"]);
    assert.deepEqual(
      summary.violations.map((v) => [v.file, v.line, v.kind, v.name, v.pssCheck]),
      [["<stdin>", 6, "Pod", "hostnet", "hostNamespaces"]],
    );
    // given twice, standard input is read once
    let reads = 0;
    checkPaths(["-", "-"], RESTRICTED, () => {
      reads += 1;
      return text;
    });
    assert.equal(reads, 1);

    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "policies/cli.ts"), "--pss-version", "v1.37", "-"],
      { cwd: ROOT, encoding: "utf8", input: text },
    );
    assert.equal(r.status, 1, r.stderr);
    assert.equal(
      r.stdout,
      "<stdin>:6:3: mandatory: Pod/hostnet [PSS hostNamespaces] host namespaces (hostNetwork=true)\n" +
        "1 file, 1 object, profile restricted (PSS v1.37): 1 violation (1 mandatory), 0 errors\n",
    );
    const broken = checkPaths(["-"], RESTRICTED, () => "kind: [\n");
    assert.equal(exitCode(broken), 2);
    assert.deepEqual(
      broken.errors.map((e) => [e.file, e.line]),
      [["<stdin>", 2]],
    );
  });

  it("nothing to check (an empty file, only non-Kubernetes YAML, empty stdin) exits 2 naming the inputs", () => {
    const dir = tempDir({ "empty.yaml": "", "values.yaml": "replicaCount: 3\n" });
    const empty = path.join(dir, "empty.yaml");
    const summary = checkPaths([empty], RESTRICTED);
    assert.deepEqual(summary.errors, [{ file: empty, message: "file is empty: nothing to check" }]);
    assert.equal(exitCode(summary), 2);
    assert.equal(formatError(summary.errors[0]), `${empty}: error: file is empty: nothing to check`);
    // An empty file next to others is named, not skipped; the others are still read.
    const both = checkPaths([dir, "-"], RESTRICTED, () => "");
    assert.deepEqual(both.errors, [
      { file: empty, message: "file is empty: nothing to check" },
      { file: "<stdin>", message: "standard input is empty: nothing to check" },
    ]);
    assert.deepEqual(both.files, [path.join(dir, "values.yaml")]);
    const valuesOnly = path.join(dir, "values.yaml");
    assert.deepEqual(checkPaths([valuesOnly], RESTRICTED).errors, [
      { file: "", message: `no Kubernetes objects or Dockerfiles found in ${valuesOnly}` },
    ]);
    const out: string[] = [];
    const errs: string[] = [];
    assert.equal(
      main(
        ["--format", "json", "-"],
        (s) => out.push(s),
        (s) => errs.push(s),
        () => "---\n# nothing rendered\n",
      ),
      2,
    );
    assert.deepEqual(errs, ["error: no Kubernetes objects or Dockerfiles found in <stdin>"]);
    assert.deepEqual(JSON.parse(out.join("\n")), [
      {
        file: "",
        line: null,
        column: null,
        kind: "InputError",
        name: "",
        namespace: null,
        policy: "input-error",
        pssCheck: null,
        check: null,
        message: "no Kubernetes objects or Dockerfiles found in <stdin>",
        enforcement: "error",
      },
    ]);
    // one object of any kind is something checked: a ConfigMap alone is clean, exit 0
    const cm = tempDir({ "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n" });
    assert.equal(exitCode(checkPaths([cm], RESTRICTED)), 0);
  });

  it("JSON output has file, line, kind, name, namespace, policy, pssCheck, check, message, enforcement", () => {
    const dir = tempDir({
      "pod.yaml": `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  containers:\n    - name: app\n      image: registry.k8s.io/pause\n`,
    });
    const out: string[] = [];
    const code = main(
      ["--profile=baseline", "--format=json", dir],
      (s) => out.push(s),
      () => undefined,
    );
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out.join("\n")), []);

    const r = runCli(["--format", "json", "--pss-version", "latest", dir]);
    assert.equal(r.status, 1);
    const entries = JSON.parse(r.stdout) as Record<string, unknown>[];
    // No securityContext in the container: the finding points at the container (line 8, column 7).
    assert.deepEqual(entries[0], {
      file: path.join(dir, "pod.yaml"),
      line: 8,
      column: 7,
      kind: "Pod",
      name: "web",
      namespace: "apps",
      policy: "pss-allowPrivilegeEscalation",
      pssCheck: "allowPrivilegeEscalation",
      check: "allowPrivilegeEscalation",
      message:
        'allowPrivilegeEscalation != false (container "app" must set securityContext.allowPrivilegeEscalation=false)',
      enforcement: "mandatory",
    });
    assert.deepEqual(
      entries.map((e) => e.pssCheck),
      ["allowPrivilegeEscalation", "capabilities_restricted", "runAsNonRoot", "seccompProfile_restricted"],
    );
  });
});

describe("policy:check — hardened profile", () => {
  const stack = (readOnly: boolean): string => `apiVersion: v1
kind: Namespace
metadata:
  name: apps
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: v1.37
    pod-security.kubernetes.io/audit: restricted
    pod-security.kubernetes.io/audit-version: v1.37
    pod-security.kubernetes.io/warn: restricted
    pod-security.kubernetes.io/warn-version: v1.37
---
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: gvisor
handler: runsc
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      automountServiceAccountToken: false
      runtimeClassName: gvisor
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: web
          image: registry.example.com/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {cpu: 500m, memory: 128Mi}
          livenessProbe: {httpGet: {path: /healthz, port: 8080}}
          readinessProbe: {httpGet: {path: /readyz, port: 8080}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: ${readOnly}
            capabilities: {drop: [ALL]}
          volumeMounts: [{name: tmp, mountPath: /tmp}]
      volumes:
        - name: tmp
          emptyDir: {sizeLimit: 64Mi}
`;

  it("a hardened stack (restricted namespace, gvisor RuntimeClass, hardened Deployment) is clean", () => {
    const dir = tempDir({ "stack.yaml": stack(true) });
    const summary = checkPaths([dir], { profile: "hardened", pssVersion: "v1.37" });
    assert.deepEqual(summary.errors, []);
    assert.deepEqual(summary.violations, []);
    assert.equal(summary.objects, 3);
  });

  it("reports exactly what the rule module reports, at the field it is about", () => {
    const dir = tempDir({ "stack.yaml": stack(false) });
    const summary = checkPaths([dir], { profile: "hardened", pssVersion: "v1.37" });
    const deployment = parseManifests("x", stack(false)).objects[2];
    const pod = extractPod("Deployment", deployment.obj);
    assert.ok(pod);
    const expected = readOnlyRootFilesystem.check({
      kind: "Deployment",
      name: "web",
      namespace: "apps",
      ...pod,
      config: ruleConfig(),
    });
    assert.equal(expected.length, 1);
    // The Deployment starts on line 19; the finding points at its `readOnlyRootFilesystem: false` (line 49).
    assert.deepEqual(summary.violations, [
      {
        file: path.join(dir, "stack.yaml"),
        line: 49,
        column: 13,
        kind: "Deployment",
        name: "web",
        namespace: "apps",
        policy: "readOnlyRootFilesystem",
        message: expected[0],
        enforcement: "mandatory",
      },
    ]);
    // restricted does not include the pack's own rules
    assert.deepEqual(checkPaths([dir], RESTRICTED).violations, []);
  });

  it("--external-restricted-namespaces and --external-runtime-classes stand for objects not in the files", () => {
    const dir = tempDir({ "deploy.yaml": stack(true).split("---\n")[2] });
    const bare = checkPaths([dir], { profile: "hardened", pssVersion: "v1.37" });
    assert.deepEqual(
      bare.violations.map((v) => [v.kind, v.name, v.policy]),
      [
        ["Deployment", "web", "workloadsInRestrictedNamespace"],
        ["Deployment", "web", "runtimeClassHandlerRunsc"],
      ],
    );
    const parsed = parseArgs(
      [
        "--profile",
        "hardened",
        "--external-restricted-namespaces",
        "apps",
        "--external-runtime-classes=gvisor",
        dir,
      ],
      () => true,
    );
    assert.ok(parsed.ok);
    assert.deepEqual(checkPaths(parsed.options.paths, parsed.options).violations, []);
  });

  it("audits Dockerfiles found in folders at hardened, with file, line and the audit's message", () => {
    const dir = tempDir({
      Dockerfile:
        "FROM golang:1.23 AS build\nRUN go build -o /app .\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=build /app /app\nHEALTHCHECK CMD /app health\nCMD /app serve\n",
      "svc/api.Dockerfile": 'FROM gcr.io/distroless/static:nonroot\nCOPY app /app\nCMD ["/app"]\n',
    });
    const hardened = checkPaths([dir], { profile: "hardened", pssVersion: "latest" });
    assert.deepEqual(hardened.errors, []);
    assert.equal(hardened.dockerfiles, 2);
    const file = path.join(dir, "Dockerfile");
    assert.deepEqual(hardened.violations, [
      {
        file,
        line: 5,
        kind: "Dockerfile",
        name: "Dockerfile",
        policy: "dockerfileDistroless",
        check: "no-healthcheck",
        message:
          'final stage declares "HEALTHCHECK CMD /app health"; Kubernetes ignores HEALTHCHECK and a distroless image has no shell or curl to run it — remove it and use HTTP, gRPC or TCP probes',
        enforcement: "mandatory",
      },
      {
        file,
        line: 6,
        kind: "Dockerfile",
        name: "Dockerfile",
        policy: "dockerfileDistroless",
        check: "exec-form",
        message:
          'CMD uses shell form "CMD /app serve"; distroless images have no /bin/sh — use the exec form (JSON array), e.g. CMD ["/app","serve"]',
        enforcement: "mandatory",
      },
    ]);
    const restricted = checkPaths([dir], RESTRICTED);
    assert.deepEqual(restricted.violations, []);
    assert.deepEqual(restricted.errors, []);
    assert.equal(restricted.skippedDockerfiles, 2);
    assert.equal(
      summaryLine(restricted, RESTRICTED),
      "2 files, 0 objects, profile restricted (PSS v1.37): 0 violations (0 mandatory), 0 errors (2 Dockerfiles found in folders not audited: use --profile hardened or name them)",
    );
  });

  it("audits a Dockerfile named on the command line at every profile (never silently skipped)", () => {
    const dir = tempDir({
      Dockerfile: "FROM gcr.io/distroless/static:nonroot\nCMD /app serve\n",
      "sub/api.Dockerfile": 'FROM node:22\nUSER 65532\nCMD ["node"]\n',
    });
    const named = path.join(dir, "Dockerfile");
    for (const profile of ["baseline", "restricted", "hardened"] as const) {
      const options = { profile, pssVersion: "v1.37" };
      const summary = checkPaths([named], options);
      assert.deepEqual(summary.errors, [], profile);
      assert.equal(summary.dockerfiles, 1, profile);
      assert.equal(summary.skippedDockerfiles, 0, profile);
      assert.deepEqual(summary.violations, [
        {
          file: named,
          line: 2,
          kind: "Dockerfile",
          name: "Dockerfile",
          policy: "dockerfileDistroless",
          check: "exec-form",
          message:
            'CMD uses shell form "CMD /app serve"; distroless images have no /bin/sh — use the exec form (JSON array), e.g. CMD ["/app","serve"]',
          enforcement: "mandatory",
        },
      ]);
      assert.equal(exitCode(summary), 1, profile);
      assert.equal(
        summaryLine(summary, options),
        `1 file, 0 objects, 1 Dockerfile, profile ${profile} (PSS v1.37): 1 violation (1 mandatory), 0 errors`,
      );
    }
    // named and found in a folder at once: the named one is audited, the found one waits for hardened
    const mixed = checkPaths([named, path.join(dir, "sub")], RESTRICTED);
    assert.equal(mixed.dockerfiles, 1);
    assert.equal(mixed.skippedDockerfiles, 1);
    assert.deepEqual(
      mixed.violations.map((v) => v.file),
      [named],
    );
    const r = runCli([named]);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(
      r.stdout,
      `${named}:2: mandatory: Dockerfile [dockerfileDistroless exec-form] CMD uses shell form "CMD /app serve"; distroless images have no /bin/sh — use the exec form (JSON array), e.g. CMD ["/app","serve"]\n` +
        "1 file, 0 objects, 1 Dockerfile, profile restricted (PSS v1.37): 1 violation (1 mandatory), 0 errors\n",
    );
  });

  it("--allowed-registries changes where base images may come from", () => {
    const dir = tempDir({ Dockerfile: 'FROM gcr.io/distroless/static:nonroot\nCMD ["/app"]\n' });
    const summary = checkPaths([dir], {
      profile: "hardened",
      pssVersion: "latest",
      allowedRegistries: ["mirror.internal/distroless"],
    });
    assert.deepEqual(
      summary.violations.map((v) => [v.line, v.message]),
      [
        [
          1,
          'final stage base "gcr.io/distroless/static:nonroot" is not from an allowed registry (mirror.internal/distroless); pull it through one of them, e.g. "mirror.internal/distroless/static:nonroot"',
        ],
      ],
    );
  });
});

describe("policy:check — files and options", () => {
  it("recognises Dockerfile names and walks folders, skipping node_modules and hidden folders", () => {
    assert.deepEqual(
      ["Dockerfile", "api.Dockerfile", "Dockerfile.prod", "dockerfile", "Dockerfile.yaml", "notes.txt"].map(
        isDockerfileName,
      ),
      [true, true, true, true, false, false],
    );
    const dir = tempDir({
      "a.yaml": "",
      "b.yml": "",
      "c.json": "",
      "node_modules/x/d.yaml": "",
      ".github/workflows/e.yml": "",
      "sub/Dockerfile": "",
    });
    const { files, errors } = collectFiles([dir, path.join(dir, "a.yaml")]);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      files.map((f) => [path.relative(dir, f.path), f.kind]),
      [
        ["a.yaml", "yaml"],
        ["b.yml", "yaml"],
        [path.join("sub", "Dockerfile"), "dockerfile"],
      ],
    );
  });

  it("rejects bad options with the option, the value and what is allowed", () => {
    const isVersion = (v: string): boolean => v === "latest" || /^v1\.\d+$/.test(v);
    assert.deepEqual(parseArgs(["--profile", "strict", "x"], isVersion), {
      ok: false,
      error: 'invalid value "strict" for --profile: allowed are baseline, restricted, hardened',
    });
    assert.deepEqual(parseArgs(["--format=yaml", "x"], isVersion), {
      ok: false,
      error: 'invalid value "yaml" for --format: allowed are text, json',
    });
    assert.deepEqual(parseArgs(["--pss-version", "1.30", "x"], isVersion), {
      ok: false,
      error:
        'invalid value "1.30" for --pss-version: allowed are the versions the pack knows, v1.0 to v1.37, or latest',
    });
    assert.deepEqual(parseArgs(["--level", "x"], isVersion), {
      ok: false,
      error:
        "unknown option --level: allowed are --profile, --pss-version, --format, --environment, --allowed-registries, --allowed-runtime-classes, --external-restricted-namespaces, --external-runtime-classes, --ignore, --help",
    });
    assert.deepEqual(parseArgs(["x", "--format"], isVersion), {
      ok: false,
      error: "option --format needs a value",
    });
    assert.deepEqual(parseArgs([], isVersion), { ok: false, error: "no files or folders given" });
    const ok = parseArgs(
      ["--profile", "hardened", "--allowed-registries", "a.io/x, b.io", "f.yaml", "--", "-odd"],
      isVersion,
    );
    assert.deepEqual(ok, {
      ok: true,
      options: {
        profile: "hardened",
        pssVersion: "latest",
        format: "text",
        paths: ["f.yaml", "-odd"],
        help: false,
        allowedRegistries: ["a.io/x", "b.io"],
      },
    });
  });

  it("--help prints the usage and exits 0", () => {
    const out: string[] = [];
    assert.equal(
      main(
        ["--help"],
        (line) => out.push(line),
        () => undefined,
      ),
      0,
    );
    assert.deepEqual(out, [USAGE]);
  });

  it("exits 2 on a bad option, a missing path and a folder with nothing to check", () => {
    const bad = runCli(["--profile", "strict", "x.yaml"]);
    assert.equal(bad.status, 2);
    assert.ok(
      bad.stderr.startsWith(
        'error: invalid value "strict" for --profile: allowed are baseline, restricted, hardened\n',
      ),
    );
    const future = runCli(["--pss-version", "v1.99", "x.yaml"]);
    assert.equal(future.status, 2);
    assert.ok(
      future.stderr.startsWith(
        'error: invalid value "v1.99" for --pss-version: allowed are the versions the pack knows, v1.0 to v1.37, or latest',
      ),
    );
    const version = runCli(["--pss-version", "v2.0", "x.yaml"]);
    assert.equal(version.status, 2);
    assert.ok(version.stderr.startsWith('error: invalid value "v2.0" for --pss-version'));

    const empty = tempDir({ "notes.txt": "hello" });
    const missing = path.join(empty, "nope.yaml");
    const errs: string[] = [];
    assert.equal(
      main(
        [missing, empty],
        () => undefined,
        (s) => errs.push(s),
      ),
      2,
    );
    assert.deepEqual(errs, [
      `${missing}: error: no such file or folder`,
      `${empty}: error: no YAML files (*.yaml, *.yml) or Dockerfiles (Dockerfile, *.Dockerfile, Dockerfile.*) found`,
    ]);
  });

  it("exit code: 2 wins over 1, advisory violations alone give 0", () => {
    const v: Violation = {
      file: "f",
      kind: "Pod",
      name: "p",
      policy: "x",
      message: "m",
      enforcement: "mandatory",
    };
    assert.equal(exitCode({ violations: [v], errors: [{ file: "g", message: "bad" }] }), 2);
    assert.equal(exitCode({ violations: [v], errors: [] }), 1);
    assert.equal(exitCode({ violations: [{ ...v, enforcement: "advisory" }], errors: [] }), 0);
    assert.equal(exitCode({ violations: [], errors: [] }), 0);
  });
});

describe("policy:check — untrusted input", () => {
  const BAD_POD =
    "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers:\n  - {name: app, image: x}\n";

  it("follows symbolic links inside folders, once per real folder, and names broken ones", () => {
    const dir = tempDir({ "real/pod.yaml": BAD_POD });
    fs.symlinkSync(path.join(dir, "real", "pod.yaml"), path.join(dir, "linked.yaml"));
    fs.symlinkSync(dir, path.join(dir, "real", "up")); // a loop back to the top
    fs.symlinkSync(path.join(dir, "missing.yaml"), path.join(dir, "dangling.yaml"));
    const summary = checkPaths([dir], RESTRICTED);
    assert.deepEqual(summary.files, [path.join(dir, "linked.yaml"), path.join(dir, "real", "pod.yaml")]);
    assert.deepEqual(summary.errors, [
      { file: path.join(dir, "dangling.yaml"), message: "no such file or folder" },
    ]);
    assert.ok(summary.violations.some((v) => v.file === path.join(dir, "linked.yaml")));
  });

  it("names a symbolic-link loop given on the command line as one", () => {
    const dir = tempDir({});
    const loop = path.join(dir, "loop.yaml");
    fs.symlinkSync(loop, loop);
    assert.deepEqual(checkPaths([loop], RESTRICTED).errors, [
      { file: loop, message: "is a loop of symbolic links" },
    ]);
  });

  it("refuses binary and non-UTF-8 input without echoing it, and still checks the other files", () => {
    const dir = tempDir({ "good.yaml": BAD_POD });
    fs.writeFileSync(path.join(dir, "garbage.yaml"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01, 0xff]));
    fs.writeFileSync(path.join(dir, "Dockerfile.bin"), Buffer.from([0x00, 0x00, 0x10, 0x80]));
    fs.writeFileSync(path.join(dir, "latin1.yaml"), Buffer.from("name: caf\xe9\n", "latin1"));
    const summary = checkPaths([dir], { ...RESTRICTED, profile: "hardened" as Profile });
    assert.deepEqual(summary.errors, [
      { file: path.join(dir, "Dockerfile.bin"), message: "file is binary, not a Dockerfile text" },
      { file: path.join(dir, "garbage.yaml"), message: "file is binary, not YAML text" },
      { file: path.join(dir, "latin1.yaml"), message: "file is not UTF-8 text, so it cannot be YAML" },
    ]);
    assert.deepEqual(summary.files, [path.join(dir, "good.yaml")]);
    assert.ok(summary.violations.length > 0);
    assert.equal(exitCode(summary), 2);
  });

  it("reports every finding of a large input (no argument-count limit)", function () {
    this.timeout(120_000);
    // More findings than one call can take as spread arguments (about 125,000 on Node 20's default stack).
    const pods = 35_000;
    const dir = tempDir({ "many.yaml": Array.from({ length: pods }, () => BAD_POD).join("---\n") });
    const summary = checkPaths([path.join(dir, "many.yaml")], RESTRICTED);
    assert.equal(summary.objects, pods);
    // The first document's findings: those on its lines.
    const firstDocLines = BAD_POD.split("\n").length - 1;
    const perPod = summary.violations.filter((v) => (v.line ?? 0) <= firstDocLines).length;
    assert.ok(perPod > 0);
    assert.equal(summary.violations.length, pods * perPod);
    assert.ok(summary.violations.length > 130_000, `${summary.violations.length} findings`);
  });

  it("words pack settings as the checker's flags", () => {
    const dir = tempDir({
      "deploy.yaml": [
        "apiVersion: v1",
        "kind: Pod",
        "metadata: {name: p, namespace: apps}",
        `spec:\n  runtimeClassName: gvisor\n${GOOD_POD_SPEC.replace(/^ {4}/gm, "")}`,
      ].join("\n"),
    });
    const messages = checkPaths([dir], { ...RESTRICTED, profile: "hardened" as Profile }).violations.map(
      (v) => v.message,
    );
    assert.ok(
      messages.some((m) => m.includes("listed in --external-runtime-classes")),
      messages.join("\n"),
    );
    assert.ok(!messages.some((m) => m.includes("externalRuntimeClasses")));
  });
});

describe("policy:check — malformed pod-carrying objects", () => {
  const cases: [string, string, string[]][] = [
    [
      "containers as a map",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: {app: {image: x}}\n",
      ["spec.containers is a map, expected a list of containers"],
    ],
    [
      'spec: "oops"',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: "oops"\n',
      ["spec is a string, expected a map"],
    ],
    [
      "a Pod without spec",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
      ["spec is missing; a Pod needs a pod spec there"],
    ],
    [
      "a container without image",
      "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: app}]\n",
      ["spec.jobTemplate.spec.template.spec.containers[0].image is missing or not a string"],
    ],
  ];
  for (const [what, yaml, expected] of cases) {
    it(`reports ${what} as a mandatory violation at the bad field`, () => {
      const dir = tempDir({ "bad.yaml": yaml });
      const summary = checkPaths([dir], RESTRICTED);
      const structural = summary.violations.filter((v) => v.policy === "manifestStructure");
      assert.deepEqual(
        structural.map((v) => v.message),
        expected,
      );
      assert.ok(structural.every((v) => v.enforcement === "mandatory"));
      assert.equal(exitCode(summary), 1);
    });
  }
});

describe("policy:check — --ignore", () => {
  it("leaves out findings by policy name, PSS check ID or Dockerfile rule ID, and keeps the rest", () => {
    const dir = tempDir({
      Dockerfile:
        "FROM gcr.io/distroless/static-debian13:nonroot\nHEALTHCHECK CMD /app health\nCMD /app serve\n",
      "pod.yaml":
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: app, image: x}\n",
    });
    const options = { ...RESTRICTED, profile: "hardened" as Profile };
    const all = checkPaths([dir], options).violations;
    const checks = (vs: Violation[]) => [...new Set(vs.map((v) => v.check ?? v.policy))].sort();
    assert.ok(checks(all).includes("exec-form") && checks(all).includes("no-healthcheck"));
    assert.ok(
      checks(all).includes("allowPrivilegeEscalation") && checks(all).includes("readOnlyRootFilesystem"),
    );
    const kept = checkPaths([dir], {
      ...options,
      ignore: ["exec-form", "allowPrivilegeEscalation", "readOnlyRootFilesystem"],
    }).violations;
    assert.deepEqual(
      checks(kept),
      checks(all).filter(
        (c) => !["exec-form", "allowPrivilegeEscalation", "readOnlyRootFilesystem"].includes(c),
      ),
    );
    assert.ok(checks(kept).includes("no-healthcheck"));
    const parsed = parseArgs(["--ignore", "exec-form,privileged", "x"], () => true);
    assert.ok(parsed.ok && parsed.options.ignore?.join() === "exec-form,privileged");
  });
});

describe("policy:check — --ignore with a renamed policy's old name", () => {
  it("still leaves out the policy's findings and notes the new name on standard error", () => {
    const dir = tempDir({
      "sa.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: apps}\n",
    });
    const run = (...extra: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = main(
        ["--profile", "hardened", "--format", "json", ...extra, dir],
        (s) => out.push(s),
        (s) => err.push(s),
      );
      const policies = (JSON.parse(out.join("\n")) as JsonEntry[]).map((e) => e.policy);
      return { code, policies, err };
    };
    const plain = run();
    assert.ok(plain.policies.includes("serviceAccountNoTokenByDefault"), plain.policies.join());
    assert.deepEqual(plain.err, []);
    const old = run("--ignore", "serviceAccountAutomountToken");
    assert.deepEqual(
      old.policies,
      plain.policies.filter((p) => p !== "serviceAccountNoTokenByDefault"),
    );
    assert.deepEqual(old.err, [
      "note: --ignore serviceAccountAutomountToken: the policy is now named serviceAccountNoTokenByDefault; use that name",
    ]);
    assert.deepEqual(run("--ignore", "serviceAccountNoTokenByDefault").policies, old.policies);
  });
});

describe("policy:check — the compiled checker", () => {
  it("`distroless-check` (compiled by npm ci) prints exactly what the checker prints in-process", () => {
    const args = ["--format", "json", "--pss-version", "v1.37", path.join(FIXTURES_DIR, "restricted")];
    const bin = path.join(ROOT, "node_modules", ".bin", "distroless-check");
    const compiled = spawnSync(bin, args, { encoding: "utf8" });
    const out: string[] = [];
    const code = main(
      args,
      (s) => out.push(s),
      () => undefined,
    );
    assert.equal(compiled.status, code, compiled.stderr);
    assert.equal(compiled.stdout, `${out.join("\n")}\n`);
  });
});
