// The newest Pod Security Standards version this project knows: one home for the program (namespace labels,
// config validation), the pack's default and the checker's `latest`. The PSS registry checks at load time that
// its checks' newest version is this one, so adding a check version without moving this fails loudly.

/** Minor of the newest Pod Security Standards version (v1.<minor>) the checks and fixtures define. */
export const LATEST_PSS_MINOR = 37;

/** Minor of the oldest version Pod Security admission labels name (Kubernetes 1.22 introduced `-version`). */
export const OLDEST_PSS_MINOR = 22;

/** The newest version as Pod Security admission labels write it, e.g. `v1.37`. */
export const LATEST_PSS_VERSION = `v1.${LATEST_PSS_MINOR}`;

/** A pinned version as Pod Security admission reads its labels: `v1.<minor>`, without a leading zero. */
export const PINNED_PSS_VERSION = /^v1\.(0|[1-9][0-9]*)$/;

/** The minor of a pinned version (`v1.37` → 37), or undefined for anything else, `latest` included. */
export function pinnedPssMinor(version: unknown): number | undefined {
  const m = typeof version === "string" ? PINNED_PSS_VERSION.exec(version) : null;
  return m === null ? undefined : Number(m[1]);
}

/** Pod Security admission's modes; a hardened namespace sets all three to the same level and version. */
export const PSA_MODES = ["enforce", "audit", "warn"] as const;
export type PsaMode = (typeof PSA_MODES)[number];

/** The namespace label of a mode, e.g. `pod-security.kubernetes.io/enforce`; `-version` follows it for the version. */
export function psaLabel(mode: PsaMode): string {
  return `pod-security.kubernetes.io/${mode}`;
}

/** The labels that make a namespace enforce, audit and warn on `level` at `version`, each mode then its version. */
export function podSecurityLabels(level: string, version: string): Record<string, string> {
  return Object.fromEntries(
    PSA_MODES.flatMap((mode) => [
      [psaLabel(mode), level],
      [`${psaLabel(mode)}-version`, version],
    ]),
  );
}
