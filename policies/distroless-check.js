#!/usr/bin/env node
// `npx distroless-check`: the checker compiled to JavaScript (policies/dist, built by `npm ci` through the
// `prepare` script), so it starts at node's own speed instead of compiling TypeScript on every run.
"use strict";
const path = require("node:path");
let cli;
try {
  cli = require(path.join(__dirname, "dist", "cli.js"));
} catch (e) {
  if (e && e.code === "MODULE_NOT_FOUND") {
    process.stderr.write("error: the checker is not built; run: npm run build -w policies\n");
    process.exit(2);
  }
  throw e;
}
process.exitCode = cli.main(process.argv.slice(2));
