// What the size and CVE report measures of one image on one platform, from its files and its SBOM and the findings
// of the vulnerability gate: pure functions of those, so the figures can be tested without a registry.
import { fileBytes, type ImageContents } from "../lib/image-files";
import { SEVERITIES, severityCounts, type VulnerabilityMatch } from "distroless-guardrails/model";

/** Where a shell would be. */
const SHELLS = ["bin/sh", "usr/bin/sh", "bin/bash", "usr/bin/bash", "bin/dash", "usr/bin/dash", "busybox/sh"];

export interface Figures {
  compressedBytes: number;
  uncompressedBytes: number;
  /** The runtime binary (node) and the app's files, or the Go binary. */
  runtimeAndAppBytes: number;
  /** uncompressed / (runtime + app). */
  ratio: number;
  /** Debian packages the SBOM lists. */
  debPackages: number;
  /** Every package the SBOM lists (Debian, npm, Go modules, binaries). */
  packages: number;
  shell: boolean;
  /** Findings per severity, most severe first, `unknown` last. */
  cves: Record<string, number>;
}

/** An SPDX document's packages, as syft writes them (purl in externalRefs). */
export interface SpdxDocument {
  packages?: { name: string; externalRefs?: { referenceType: string; referenceLocator: string }[] }[];
}

export function measure(
  contents: ImageContents,
  runtimePaths: readonly string[],
  appPath: string,
  sbom: SpdxDocument,
  findings: readonly VulnerabilityMatch[],
): Figures {
  const uncompressedBytes = fileBytes(contents);
  const runtimeAndAppBytes =
    runtimePaths.reduce((n, p) => n + (contents.files.get(p)?.size ?? 0), 0) + fileBytes(contents, appPath);
  const purls = (sbom.packages ?? []).map(
    (p) => p.externalRefs?.find((r) => r.referenceType === "purl")?.referenceLocator ?? "",
  );
  const cves = Object.fromEntries(severityCounts(findings).map((c) => [c.severity, c.total]));
  return {
    compressedBytes: contents.compressedBytes,
    uncompressedBytes,
    runtimeAndAppBytes,
    ratio: runtimeAndAppBytes > 0 ? uncompressedBytes / runtimeAndAppBytes : Number.NaN,
    debPackages: purls.filter((p) => p.startsWith("pkg:deb/")).length,
    packages: (sbom.packages ?? []).length,
    shell: SHELLS.some((p) => {
      const f = contents.files.get(p);
      return f !== undefined && f.type !== "dir";
    }),
    cves,
  };
}

/** One row of the report. */
export interface Row {
  app: string;
  base: string;
  platform: string;
  figures: Figures;
}

const mb = (bytes: number): string => (bytes / 1_000_000).toFixed(1);

/** The Markdown table: one row per app, base and platform. */
export function markdownTable(rows: readonly Row[]): string {
  const head = [
    "| App | Base | Platform | Compressed MB | Uncompressed MB | Image / (runtime + app) | Debian packages | All packages | Shell | CVEs C/H/M/L/N/U |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
  ];
  const body = rows.map(({ app, base, platform, figures: f }) =>
    [
      "",
      app,
      base,
      platform,
      mb(f.compressedBytes),
      mb(f.uncompressedBytes),
      f.ratio.toFixed(3),
      String(f.debPackages),
      String(f.packages),
      f.shell ? "yes" : "no",
      [...[...SEVERITIES].reverse(), "unknown"].map((s) => f.cves[s] ?? 0).join("/"),
      "",
    ]
      .join(" | ")
      .trim(),
  );
  return [...head, ...body].join("\n") + "\n";
}

const escape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A horizontal bar chart of uncompressed size per app and base for one platform, as SVG. */
export function barChart(rows: readonly Row[], platform: string): string {
  const mine = rows.filter((r) => r.platform === platform);
  const max = Math.max(...mine.map((r) => r.figures.uncompressedBytes), 1);
  const [left, width, bar, gap, top] = [230, 420, 18, 8, 40];
  const height = top + mine.length * (bar + gap) + 20;
  const colours: Record<string, string> = {
    conventional: "#b0b0b0",
    distroless: "#4a7fc1",
    minimal: "#2e9d5b",
  };
  const bars = mine.map((r, i) => {
    const y = top + i * (bar + gap);
    const w = Math.max(1, Math.round((r.figures.uncompressedBytes / max) * width));
    const label = `${mb(r.figures.uncompressedBytes)} MB, ×${r.figures.ratio.toFixed(2)}`;
    return [
      `<text x="${left - 8}" y="${y + 13}" text-anchor="end">${escape(`${r.app} · ${r.base}`)}</text>`,
      `<rect x="${left}" y="${y}" width="${w}" height="${bar}" fill="${colours[r.base] ?? "#888"}"/>`,
      `<text x="${left + w + 6}" y="${y + 13}">${escape(label)}</text>`,
    ].join("");
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 150}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escape(`Uncompressed image size, ${platform} (× = image / (runtime + app))`)}</text>`,
    ...bars,
    "</svg>",
    "",
  ].join("\n");
}
