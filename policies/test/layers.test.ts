// The pack's layers point only downwards: lib (contracts and shared models) at the bottom; the PSS checks, the
// rules and the image rules above it; the checker CLI and the CrossGuard adapter on top; the entry files last.
// And the checker, documented as working without Pulumi, loads no Pulumi package, however deep.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const LAYER: Readonly<Record<string, number>> = {
  lib: 0,
  pss: 1,
  rules: 1,
  images: 1,
  cli: 2,
  crossguard: 2,
  ".": 3,
};

/** Module specifiers a file imports (static `import … from` and `export … from`). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  return [...text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)";/gms)].map((m) => m[1]);
}

/** A relative specifier resolved to a project file (`x.ts` or `x/index.ts`). */
function resolve(from: string, spec: string): string {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [`${base}.ts`, path.join(base, "index.ts")]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${path.relative(ROOT, from)} imports ${spec}, which is no file of the pack`);
}

const folderOf = (file: string): string => {
  const rel = path.relative(ROOT, file);
  return rel.includes(path.sep) ? rel.split(path.sep)[0] : ".";
};

const sources = (): string[] => [
  ...Object.keys(LAYER)
    .filter((d) => d !== ".")
    .flatMap((d) =>
      fs
        .readdirSync(path.join(ROOT, d))
        .filter((f) => f.endsWith(".ts"))
        .map((f) => path.join(ROOT, d, f)),
    ),
  path.join(ROOT, "index.ts"),
  path.join(ROOT, "cli.ts"),
  path.join(ROOT, "model.ts"),
];

describe("the pack's layers", () => {
  it("import only from their own folder or a lower layer", () => {
    const upward: string[] = [];
    for (const file of sources()) {
      for (const spec of importsOf(file).filter((s) => s.startsWith("."))) {
        const target = resolve(file, spec);
        const [from, to] = [folderOf(file), folderOf(target)];
        if (from !== to && LAYER[to] >= LAYER[from]) {
          upward.push(`${path.relative(ROOT, file)} → ${path.relative(ROOT, target)}`);
        }
      }
    }
    assert.deepEqual(upward, []);
  });

  it("leave the checker free of Pulumi packages, through every module it loads", () => {
    const seen = new Set<string>();
    const pulumi: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of importsOf(file)) {
        if (spec.startsWith(".")) visit(resolve(file, spec));
        else if (spec.startsWith("@pulumi/")) pulumi.push(`${path.relative(ROOT, file)} → ${spec}`);
      }
    };
    visit(path.join(ROOT, "cli.ts"));
    assert.ok(seen.size > 20, `only ${seen.size} modules reached`);
    assert.deepEqual(pulumi, []);
  });
});
