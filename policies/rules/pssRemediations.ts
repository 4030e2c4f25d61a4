// Safe fixes for Pod Security Standards checks, keyed by upstream check ID. Only fields whose fix
// cannot change what the workload does beyond dropping privilege: no UID changes, no capability adds
// removed (those need a human), no volume edits.
import type { PodSpec } from "../lib/k8s";
import { mapContainers, patchSecurityContext } from "./common";

/** Pod-level seccomp RuntimeDefault when unset or Unconfined; Unconfined containers become RuntimeDefault. */
function seccompRuntimeDefault(spec: PodSpec): PodSpec {
  const podType = spec.securityContext?.seccompProfile?.type;
  const out = mapContainers(spec, (c) =>
    c.securityContext?.seccompProfile?.type === "Unconfined"
      ? patchSecurityContext(c, { seccompProfile: { type: "RuntimeDefault" } })
      : c,
  );
  if (podType === undefined || podType === "Unconfined") {
    out.securityContext = { ...(spec.securityContext ?? {}), seccompProfile: { type: "RuntimeDefault" } };
  }
  return out;
}

export const PSS_REMEDIATIONS: Readonly<Record<string, (spec: PodSpec) => PodSpec>> = {
  allowPrivilegeEscalation: (spec) =>
    mapContainers(spec, (c) => patchSecurityContext(c, { allowPrivilegeEscalation: false })),
  runAsNonRoot: (spec) => {
    const out = mapContainers(spec, (c) =>
      c.securityContext?.runAsNonRoot === false ? patchSecurityContext(c, { runAsNonRoot: true }) : c,
    );
    out.securityContext = { ...(spec.securityContext ?? {}), runAsNonRoot: true };
    return out;
  },
  capabilities_restricted: (spec) =>
    mapContainers(spec, (c) => {
      const drop = c.securityContext?.capabilities?.drop ?? [];
      if (drop.includes("ALL")) return c;
      return patchSecurityContext(c, {
        capabilities: { ...(c.securityContext?.capabilities ?? {}), drop: [...drop, "ALL"] },
      });
    }),
  seccompProfile_baseline: seccompRuntimeDefault,
  seccompProfile_restricted: seccompRuntimeDefault,
};
