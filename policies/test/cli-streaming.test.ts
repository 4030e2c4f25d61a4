// The checker reads and writes in blocks so its memory does not grow with its input or its output. These tests
// hold it to giving exactly what a whole-file parse gives, wherever the blocks are cut, and to writing every line
// to a slow reader and stopping quietly for one that went away.
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { checkPaths } from "../cli/check";
import { manifestsOf, piecesOf } from "../cli/manifests";
import type { InputError } from "../cli/files";

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.join(ROOT, "policies", "distroless-check.js");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-check-stream-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function pod(name: string): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n    - name: app\n      image: nginx\n`;
}

/** Objects (name and line) and errors of text arriving cut at the given offsets. */
function readCut(text: string, cuts: readonly number[]) {
  const offsets = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const blocks = (function* (): Generator<string, boolean> {
    let from = 0;
    for (const at of [...offsets, text.length]) {
      if (at > from) yield text.slice(from, at);
      from = Math.max(from, at);
    }
    return true;
  })();
  const errors: InputError[] = [];
  const objects = [...manifestsOf("f.yaml", piecesOf(blocks), (e) => errors.push(e))].map((o) => [
    o.name,
    o.line,
    o.locate?.(["spec", "containers", 0, "image"]),
  ]);
  return { objects, errors };
}

/** Documents that stress the places a cut could go wrong. */
const DOCS = [
  pod("plain"),
  `--- # a comment after the marker\n${pod("commented")}`,
  `...\n%YAML 1.2\n# why\n---\n${pod("directive")}`,
  `%YAML 1.2\n---\n${pod("misplaced")}`,
  `---\n${pod("ended")}...\n`,
  "--- |\n  a literal block\n  ---not a marker\n",
  "--- >-\n  folded\n",
  "---\n",
  "--- {apiVersion: v1, kind: Pod, metadata: {name: flow}, spec: {containers: [{name: a, image: b}]}}\n",
  "---\nkey: [unclosed\n",
  "---\n\t bad: indentation\n",
  `---\nkind: List\napiVersion: v1\nitems:\n  - ${pod("item").trimEnd().replace(/\n/g, "\n    ")}\n`,
  "---\n# only a comment\n",
  `---\r\n${pod("crlf").replace(/\n/g, "\r\n")}`,
];

describe("checker input in blocks", () => {
  it("gives the objects, lines, field positions and errors of a whole parse wherever the blocks are cut", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...DOCS), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (docs, cuts) => {
          const text = docs.join("");
          assert.deepEqual(readCut(text, cuts), readCut(text, []));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps directives with the document they start and counts lines across blocks", () => {
    const text = `${pod("a")}...\n%YAML 1.2\n---\n${pod("b")}`;
    const whole = readCut(text, []);
    assert.deepEqual(whole.errors, []);
    assert.deepEqual(
      whole.objects.map(([name, line]) => [name, line]),
      [
        ["a", 1],
        ["b", 12],
      ],
    );
    assert.deepEqual(readCut(text, [text.indexOf("%") + 3, text.indexOf("---") + 2]), whole);
  });

  it("checks the text of a file that turns binary and reports it, without a malformed-YAML error for the cut", () => {
    // Far more than one read block of good YAML, then a NUL byte in the middle of a document.
    const good = Array.from({ length: 12000 }, (_, i) => pod(`p${i}`)).join("---\n");
    const file = path.join(dir, "half.yaml");
    fs.writeFileSync(file, `${good}---\napiVersion: v1\nkind: Po\0d\n`);
    assert.ok(good.length > 1024 * 1024);
    const summary = checkPaths([file], { profile: "restricted", pssVersion: "latest" });
    assert.deepEqual(summary.errors, [{ file, message: "file is binary, not YAML text" }]);
    assert.ok(summary.objects > 0 && summary.objects < 12000, String(summary.objects));
    assert.deepEqual(summary.files, []);
  });
});

describe("checker output in blocks", () => {
  const many = path.join(dir, "many.yaml");
  before(() => {
    fs.writeFileSync(many, Array.from({ length: 3000 }, (_, i) => pod(`p${i}`)).join("---\n"));
  });

  it("writes every line to a reader that waits before reading", async () => {
    const expected = spawnSync(process.execPath, [BIN, many], { encoding: "utf8", maxBuffer: 1 << 28 });
    assert.equal(expected.status, 1);
    assert.ok(expected.stdout.length > 1024 * 1024, "more output than a pipe holds");
    const child = spawn(process.execPath, [BIN, many], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pause();
    await new Promise((r) => setTimeout(r, 1500));
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.stdout.resume();
    const code = await new Promise<number | null>((r) => child.on("close", r));
    assert.equal(code, 1);
    assert.equal(Buffer.concat(chunks).toString("utf8"), expected.stdout);
  });

  it("stops quietly when the reader goes away (| head), with the run's exit code", () => {
    const r = spawnSync(
      "bash",
      ["-c", `"${process.execPath}" "${BIN}" "${many}" | head -n 1; echo "\${PIPESTATUS[0]}"`],
      {
        encoding: "utf8",
      },
    );
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines[0], /many\.yaml:\d+:\d+: mandatory: Pod\/p0 /);
    assert.equal(lines[1], "1");
    assert.equal(r.stderr, "");
  });
});
