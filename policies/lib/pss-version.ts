// The newest Pod Security Standards version this project knows: one home for the program (namespace labels,
// config validation), the pack's default and the checker's `latest`. The PSS registry checks at load time that
// its checks' newest version is this one, so adding a check version without moving this fails loudly.

/** Minor of the newest Pod Security Standards version (v1.<minor>) the checks and fixtures define. */
export const LATEST_PSS_MINOR = 37;

/** The newest version as Pod Security admission labels write it, e.g. `v1.37`. */
export const LATEST_PSS_VERSION = `v1.${LATEST_PSS_MINOR}`;
