// Where the PSS fixtures are read from: $PSS_FIXTURES_DIR first (CI), else shared/ beside the project root.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FIXTURES_DIR, fixturesDir } from "./fixtures";

describe("PSS fixtures location", () => {
  let empty: string;
  before(() => {
    empty = fs.mkdtempSync(path.join(os.tmpdir(), "pss-fixtures-"));
  });
  after(() => {
    fs.rmSync(empty, { recursive: true, force: true });
  });

  it("reads shared/fixtures/pss beside the project root when PSS_FIXTURES_DIR is unset or empty", () => {
    const sibling = path.resolve(__dirname, "../../../shared/fixtures/pss");
    // Where CI points PSS_FIXTURES_DIR elsewhere, the sibling copy may be absent: then the error is checked.
    if (fs.existsSync(path.join(sibling, "index.json"))) {
      assert.equal(fixturesDir({}), sibling);
      assert.equal(fixturesDir({ PSS_FIXTURES_DIR: "" }), sibling);
    } else {
      assert.throws(
        () => fixturesDir({}),
        /^Error: PSS fixtures not found: PSS_FIXTURES_DIR is unset and none of /,
      );
    }
  });

  it("reads the folder PSS_FIXTURES_DIR names", () => {
    const relative = path.relative(process.cwd(), FIXTURES_DIR);
    assert.equal(fixturesDir({ PSS_FIXTURES_DIR: relative }), FIXTURES_DIR);
  });

  it("fails naming the variable and the folder when PSS_FIXTURES_DIR holds no index.json", () => {
    assert.throws(() => fixturesDir({ PSS_FIXTURES_DIR: empty }), {
      message:
        `PSS fixtures not found: PSS_FIXTURES_DIR is ${JSON.stringify(empty)}, but ${empty} holds no ` +
        "index.json; set PSS_FIXTURES_DIR to the folder holding index.json and " +
        "<level>/<check>/{pass,fail}-*.yaml",
    });
  });
});
