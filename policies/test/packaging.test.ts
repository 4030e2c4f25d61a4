// The published pack: `pulumi policy publish` packs policies/ with `npm pack`, and a stack in a policy group
// installs only what policies/package.json declares, then loads index.ts with ts-node using the pack's own
// tsconfig.json. These tests hold the tarball to that: runtime code only, every import declared, a
// standalone tsconfig, and the shipped files compile and load on their own.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as os from "node:os";
import * as path from "node:path";

const PACK_DIR = path.resolve(__dirname, "..");
const ROOT_NODE_MODULES = path.resolve(PACK_DIR, "..", "node_modules");

interface PackageJson {
  main?: string;
  files?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const pkg = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "package.json"), "utf8")) as PackageJson;

/** The files `npm pack` puts in the tarball, relative to policies/. */
function packedFiles(): string[] {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: PACK_DIR,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const [entry] = JSON.parse(out) as { files: { path: string }[] }[];
  return entry.files.map((f) => f.path).sort();
}

/** Module specifiers of a TypeScript file's imports, exports-from and requires (type-only ones included). */
function importsOf(file: string): string[] {
  const src = fs.readFileSync(file, "utf8");
  const specs: string[] = [];
  for (const re of [/\bfrom\s+"([^"]+)"/g, /\bimport\s+"([^"]+)"/g, /\brequire\("([^"]+)"\)/g]) {
    for (const m of src.matchAll(re)) specs.push(m[1]);
  }
  return specs;
}

/** The file a relative specifier names: `x.ts` or `x/index.ts`. */
function resolveRelative(from: string, spec: string): string {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, "index.ts")]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${path.relative(PACK_DIR, from)}: cannot resolve ${spec}`);
}

/** Every .ts file reachable from the entry point through relative imports, relative to policies/. */
function reachableFrom(entry: string): string[] {
  const seen = new Set<string>();
  const queue = [path.join(PACK_DIR, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of importsOf(file)) {
      if (spec.startsWith(".")) queue.push(resolveRelative(file, spec));
    }
  }
  return [...seen].map((f) => path.relative(PACK_DIR, f)).sort();
}

/** The npm package a bare specifier belongs to (`@pulumi/policy/schema` → `@pulumi/policy`). */
function packageOf(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

const isBuiltin = (spec: string): boolean =>
  spec.startsWith("node:") || builtinModules.includes(spec.split("/")[0]);

describe("published policy pack (npm pack of policies/)", function () {
  // npm pack and a ts-node load of the pack run here.
  this.timeout(120_000);
  let files: string[];

  before(() => {
    files = packedFiles();
  });

  it("ships no tests, benchmarks or other non-runtime code", () => {
    const outside = files.filter((f) => /^(test|bench|node_modules)\//.test(f) || f.endsWith(".test.ts"));
    assert.deepEqual(outside, []);
  });

  it("ships every module reachable from index.ts, the manifest files and tsconfig.json", () => {
    assert.equal(pkg.main, "index.ts");
    const reachable = reachableFrom("index.ts");
    assert.ok(reachable.includes("crossguard/policies.ts") && reachable.length > 40, reachable.join(", "));
    const required = [...reachable, "PulumiPolicy.yaml", "package.json", "tsconfig.json"];
    assert.deepEqual(
      required.filter((f) => !files.includes(f)),
      [],
    );
    // Nothing reachable lives outside policies/.
    assert.deepEqual(
      reachable.filter((f) => f.startsWith("..")),
      [],
    );
  });

  it("declares every package the shipped code imports, and typescript and @types/node, as dependencies", () => {
    const deps = pkg.dependencies ?? {};
    const used = new Map<string, string>();
    for (const f of files.filter((x) => x.endsWith(".ts"))) {
      for (const spec of importsOf(path.join(PACK_DIR, f))) {
        if (spec.startsWith(".")) {
          const target = path.relative(PACK_DIR, resolveRelative(path.join(PACK_DIR, f), spec));
          assert.ok(files.includes(target), `${f} imports ${spec}, which is not in the tarball`);
        } else if (!isBuiltin(spec)) {
          used.set(packageOf(spec), f);
        }
      }
    }
    assert.ok(used.has("@pulumi/policy") && used.has("dockerfile-ast"), [...used.keys()].join(", "));
    const undeclared = [...used.entries()].filter(([p]) => deps[p] === undefined);
    assert.deepEqual(undeclared, []);
    // ts-node compiles with the pack's TypeScript (Pulumi's bundled 3.8 rejects ES2022 and `import { type X }`)
    // and needs the node types tsconfig.json names; @pulumi/policy needs its peer @pulumi/pulumi.
    for (const p of ["typescript", "@types/node", "@pulumi/pulumi"]) assert.ok(deps[p], `dependency ${p}`);
    assert.match(deps.typescript, /^~5\.9\./);
  });

  it("has a standalone tsconfig.json: no extends, only types the pack declares, tests excluded", () => {
    const tsconfig = JSON.parse(fs.readFileSync(path.join(PACK_DIR, "tsconfig.json"), "utf8")) as {
      extends?: string;
      compilerOptions: { types?: string[]; target?: string; module?: string };
      exclude?: string[];
    };
    assert.equal(tsconfig.extends, undefined);
    assert.deepEqual(tsconfig.compilerOptions.types, ["node"]);
    for (const t of tsconfig.compilerOptions.types ?? []) {
      assert.ok(pkg.dependencies?.[`@types/${t}`], `@types/${t} is not a dependency`);
    }
    assert.equal(tsconfig.compilerOptions.module, "commonjs");
    assert.deepEqual(tsconfig.exclude, ["node_modules", "test", "bench"]);
  });

  describe("the shipped files alone", () => {
    let dir: string;

    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "distroless-guardrails-"));
      for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.copyFileSync(path.join(PACK_DIR, f), path.join(dir, f));
      }
      // Stands in for `npm install` of the declared dependencies (the undeclared ones are caught above).
      fs.symlinkSync(ROOT_NODE_MODULES, path.join(dir, "node_modules"), "dir");
    });

    after(() => {
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it("type-check with the pack's own tsconfig.json", () => {
      const tsc = path.join(dir, "node_modules", "typescript", "bin", "tsc");
      const out = execFileSync(process.execPath, [tsc, "--noEmit", "-p", path.join(dir, "tsconfig.json")], {
        cwd: dir,
        encoding: "utf8",
      });
      assert.equal(out, "");
    });

    it("load as @pulumi/pulumi's run-policy-pack loads them (ts-node, typeCheck, the pack's compilerOptions)", () => {
      // The same steps as run-policy-pack/run.js: the TypeScript and ts-node it picks, its default options
      // under tsconfig.json's compilerOptions. crossguard/policies.ts is loaded instead of index.ts, which would
      // start the policy server.
      const loader = `
        const path = require("path");
        const nm = (m) => path.join(process.cwd(), "node_modules", m);
        const tsutils = require(nm("@pulumi/pulumi/tsutils.js"));
        const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
        const compiler = require.resolve(typescriptRequire, { paths: [process.cwd()] });
        require(tsnodeRequire).register({
          typeCheck: true,
          skipProject: false,
          compiler,
          compilerOptions: {
            target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true",
            ...tsutils.loadTypeScriptCompilerOptions("tsconfig.json"),
          },
        });
        const { allPolicies } = require(path.join(process.cwd(), "crossguard", "policies.ts"));
        console.log(JSON.stringify({ typescript: require(compiler).version, policies: allPolicies.map((p) => p.name) }));
      `;
      const out = execFileSync(process.execPath, ["-e", loader], { cwd: dir, encoding: "utf8" });
      const loaded = JSON.parse(out) as { typescript: string; policies: string[] };
      assert.match(loaded.typescript, /^5\.9\./);
      assert.ok(loaded.policies.includes("pss-privileged") && loaded.policies.includes("imageDigestPinned"));
      assert.ok(loaded.policies.length >= 39, `${loaded.policies.length} policies`);
    });
  });
});
