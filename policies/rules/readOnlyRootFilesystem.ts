// A distroless container needs no writable root: writable paths are emptyDir mounts with a sizeLimit.
import type { PodRule } from "../lib/rule";
import { containersOf, mapContainers, patchSecurityContext } from "./common";

export const readOnlyRootFilesystem: PodRule = {
  name: "readOnlyRootFilesystem",
  description: "Every container must set securityContext.readOnlyRootFilesystem=true.",
  section: "hardened",
  defaultEnforcement: "mandatory",
  check: ({ spec }) =>
    containersOf(spec)
      .filter(({ container }) => container.securityContext?.readOnlyRootFilesystem !== true)
      .map(({ label }) => `${label} must set securityContext.readOnlyRootFilesystem=true`),
  remediate: (spec) => mapContainers(spec, (c) => patchSecurityContext(c, { readOnlyRootFilesystem: true })),
};
