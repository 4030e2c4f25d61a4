// The platforms images are built for and the pack requires: one home for the program's default, the config's
// allowed values and the imagePlatforms rule. Both, so one digest runs on amd64 and arm64 node pools (gVisor
// supports both).
export const PLATFORMS = ["linux/amd64", "linux/arm64"] as const;
