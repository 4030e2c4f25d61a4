// npm run report: builds the sample apps on a conventional Debian base, on their distroless base and on a minimal
// one, for linux/amd64 and linux/arm64, through the local environment's BuildKit and registry, and writes what each
// image weighs and holds: a Markdown table and an SVG bar chart per platform.
//
//   npm run report [-- --database .grype/local.db] [--out docs/report] [--buildkit tcp://127.0.0.1:1234]
//
// CVE counts are Grype's findings with the database given: the local sample database (the default) has no real
// advisories, so give a current Grype database for real counts (README "Vulnerability gate").
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { baseImageFor, minimalBaseFor } from "../components/baseimage";
import {
  buildKitProvider,
  DEFAULT_SBOM_GENERATOR,
  type BuildKitImageInputs,
  type BuildKitImageOutputs,
} from "../components/buildkit";
import { DEFAULT_GO_VERSION, DEFAULT_NODE_VERSION, generateDockerfile } from "../components/dockerfiles";
import { registryClient } from "../components/registry-api";
import { vulnerabilityScanProvider, type VulnerabilityScanInputs } from "../components/vulnscan";
import { imageContents } from "./lib/image-files";
import { PROJECT_ROOT, progress } from "./lib/paths";
import { stackConfig, stackFilePath } from "./lib/stack-config";
import { providerToolsEnv } from "./stack";
import { barChart, markdownTable, measure, type Row, type SpdxDocument } from "./report/measure";
import { BUILDKIT_IMAGE_KIND, PLATFORMS, VULNERABILITY_SCAN_KIND } from "distroless-guardrails/model";

// The local environment's registry, mirror and BuildKit, as the local stack names them.
const LOCAL = stackConfig(stackFilePath("local"));
const REGISTRY = LOCAL.registry.server;
const MIRROR = LOCAL.registry.mirror ?? `${REGISTRY}/distroless`;
const BASES = ["conventional", "distroless", "minimal"] as const;

interface App {
  name: string;
  runtime: "nodejs" | "go";
  context: string;
  /** The runtime binary in each base's layout (none for Go: the binary is the app). */
  runtimePaths: Record<(typeof BASES)[number], string[]>;
  /** The app's files (a directory or the binary). */
  appPath: string;
  family: "nodejs" | "static";
}

const APPS: App[] = [
  {
    name: "node-service",
    runtime: "nodejs",
    context: "apps/node-service",
    runtimePaths: {
      conventional: ["usr/local/bin/node"],
      distroless: ["nodejs/bin/node"],
      minimal: ["nodejs/bin/node"],
    },
    appPath: "app",
    family: "nodejs",
  },
  {
    name: "go-service",
    runtime: "go",
    context: "apps/go-service",
    runtimePaths: { conventional: [], distroless: [], minimal: [] },
    appPath: "app",
    family: "static",
  },
];

/** The conventional Dockerfile: the same build stage, then the app on Debian's slim package set. */
function conventionalDockerfile(app: App): string {
  const generated = generateDockerfile(app.runtime, "CONVENTIONAL");
  const build = generated.slice(0, generated.indexOf("\nFROM CONVENTIONAL"));
  const final =
    app.runtime === "nodejs"
      ? [
          `FROM ${REGISTRY}/report/node:${DEFAULT_NODE_VERSION}-trixie-slim`,
          "ENV NODE_ENV=production",
          "WORKDIR /app",
          "COPY --from=build /app /app",
          'CMD ["node", "server.js"]',
        ]
      : [
          `FROM ${REGISTRY}/report/debian:trixie-slim`,
          "COPY --from=build /out/app /app",
          'ENTRYPOINT ["/app"]',
        ];
  return [build, "", ...final, ""].join("\n");
}

function dockerfileFor(app: App, base: (typeof BASES)[number]): string {
  const runtimeImage = baseImageFor({ family: app.family, mirror: MIRROR });
  const version = app.runtime === "nodejs" ? DEFAULT_NODE_VERSION : DEFAULT_GO_VERSION;
  if (base === "conventional") return conventionalDockerfile(app);
  if (base === "distroless") return generateDockerfile(app.runtime, runtimeImage, version);
  return generateDockerfile(app.runtime, minimalBaseFor(MIRROR), version, "none", {
    runtimeImage,
    caCertificates: false,
    timeZones: false,
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      database: { type: "string", default: ".grype/local.db" },
      out: { type: "string", default: "docs/report" },
      buildkit: { type: "string", default: LOCAL.images.buildkit?.address },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      "usage: npm run report [-- --database <Grype database inside the project>] [--out <folder>] [--buildkit <address>]\n",
    );
    return;
  }
  if (path.isAbsolute(values.out) || values.out.split(/[\\/]/).includes("..")) {
    throw new Error(
      `--out: ${JSON.stringify(values.out)} is not allowed; expected a folder inside the project, relative to its root`,
    );
  }
  const buildkit = values.buildkit;
  if (buildkit === undefined) {
    throw new Error(
      "--buildkit: Pulumi.local.yaml names no BuildKit daemon; give its address, e.g. tcp://127.0.0.1:1234",
    );
  }
  const t0 = Date.now();
  process.chdir(PROJECT_ROOT);
  process.env.DISTROLESS_PROJECT_ROOT = PROJECT_ROOT;
  Object.assign(process.env, providerToolsEnv());
  progress(t0, "report: the conventional bases (scripts/local/images.sh conventional)");
  const images = spawnSync("bash", ["scripts/local/images.sh", "conventional"], { stdio: "inherit" });
  if (images.status !== 0)
    throw new Error(
      "assembling the conventional bases failed; is the local environment up (npm run local:up)?",
    );
  const rows: Row[] = [];
  for (const app of APPS) {
    for (const base of BASES) {
      const repository = `${REGISTRY}/report/${app.name}-${base}`;
      progress(t0, `report: building ${app.name} on ${base} (${PLATFORMS.join(", ")})`);
      const inputs: BuildKitImageInputs = {
        kind: BUILDKIT_IMAGE_KIND,
        address: buildkit,
        context: app.context,
        dockerfile: dockerfileFor(app, base),
        platforms: [...PLATFORMS],
        buildArgs: { VERSION: "report" },
        repository,
        tags: [`${repository}:latest`],
        cacheRef: "",
        sbomGenerator: DEFAULT_SBOM_GENERATOR,
        provenance: false,
        contentHash: "",
      };
      const built = (await buildKitProvider.create!(inputs)).outs as BuildKitImageOutputs;
      progress(t0, `report: scanning ${app.name} on ${base} with ${values.database}`);
      const scan: VulnerabilityScanInputs = {
        kind: VULNERABILITY_SCAN_KIND,
        image: built.ref,
        repository,
        sbomDigests: built.sbomDigests,
        database: values.database,
        failOn: "critical",
        onlyFixed: true,
      };
      const checked = await vulnerabilityScanProvider.check!({}, scan);
      const findings = (checked.inputs as VulnerabilityScanInputs).findings;
      if (findings === undefined) {
        throw new Error(
          `scanning ${repository} failed: ${(checked.failures ?? []).map((f) => f.reason).join("; ")}`,
        );
      }
      const registry = registryClient(repository, undefined, "report");
      for (const platform of PLATFORMS) {
        const contents = await imageContents(repository, built.digest, platform);
        const statement = JSON.parse(await registry.blob(built.sbomDigests[platform])) as {
          predicate: SpdxDocument;
        };
        const figures = measure(
          contents,
          app.runtimePaths[base],
          app.appPath,
          statement.predicate,
          findings.matches.filter((m) => m.platform === platform),
        );
        rows.push({ app: app.name, base, platform, figures });
        progress(
          t0,
          `report: ${app.name} ${base} ${platform}: ${(figures.uncompressedBytes / 1e6).toFixed(1)} MB, image / (runtime + app) ${figures.ratio.toFixed(3)}`,
        );
      }
    }
  }
  const out = path.resolve(PROJECT_ROOT, values.out);
  fs.mkdirSync(out, { recursive: true });
  const table = markdownTable(rows);
  fs.writeFileSync(path.join(out, "table.md"), table);
  for (const platform of PLATFORMS) {
    fs.writeFileSync(path.join(out, `sizes-${platform.replace("/", "-")}.svg`), barChart(rows, platform));
  }
  fs.writeFileSync(path.join(out, "report.json"), JSON.stringify(rows, null, 2) + "\n");
  process.stdout.write(table);
  const missed = rows.filter((r) => r.base === "minimal" && !(r.figures.ratio <= 1.05));
  progress(
    t0,
    missed.length === 0
      ? `report: written to ${values.out}; every minimal image is at most 1.05 × its runtime and app`
      : `report: written to ${values.out}; above 1.05: ${missed.map((r) => `${r.app} ${r.platform} ${r.figures.ratio.toFixed(3)}`).join(", ")}`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(
    `error: ${e instanceof Error ? e.message : String(e)}\n  next: npm run report -- --help\n`,
  );
  process.exit(1);
});
