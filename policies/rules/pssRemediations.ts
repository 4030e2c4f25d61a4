// Safe fixes for Pod Security Standards checks, keyed by upstream check ID.
//
// Criterion: a remediation only takes privilege away, and cannot stop a correctly hardened image (the
// platform's contract: distroless, numeric non-root USER, no need for privilege) from starting, and always
// yields an object the API server accepts. So: privileged false, allowPrivilegeEscalation false, drop ALL,
// seccomp RuntimeDefault, procMount Default, runAsNonRoot true. runAsNonRoot qualifies because a hardened
// image runs as a numeric non-root user (dockerfileDistroless requires it); for an image that runs as root
// the kubelet refuses to start the container, which is the check's purpose, surfaced at rollout instead of
// the workload running as root. Not remediated: anything that needs a choice or changes behaviour beyond
// privilege — UIDs, removing added capabilities, volumes, host namespaces, ports, sysctls, AppArmor/SELinux.
import type { Container, PodSpec } from "../lib/k8s";
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

/** Containers whose procMount is set to anything but Default get Default (the masked /proc). */
function procMountDefault(spec: PodSpec): PodSpec {
  return mapContainers(spec, (c) => {
    const pm = c.securityContext?.procMount;
    return pm === undefined || pm === null || pm === "Default"
      ? c
      : patchSecurityContext(c, { procMount: "Default" });
  });
}

/**
 * Whether the API server would reject allowPrivilegeEscalation=false on the container: it must not be
 * combined with privileged=true or with adding CAP_SYS_ADMIN (pod validation). Such a container keeps its
 * setting and stays reported; pss-privileged's remediation, which runs first, lifts the first case.
 */
function escalationCannotBeDisabled(c: Container): boolean {
  const sc = c.securityContext;
  const add = sc?.capabilities?.add;
  return (
    sc?.privileged === true ||
    (Array.isArray(add) && add.some((cap) => cap === "CAP_SYS_ADMIN" || cap === "SYS_ADMIN"))
  );
}

export const PSS_REMEDIATIONS: Readonly<Record<string, (spec: PodSpec) => PodSpec>> = {
  privileged: (spec) =>
    mapContainers(spec, (c) =>
      c.securityContext?.privileged === true ? patchSecurityContext(c, { privileged: false }) : c,
    ),
  procMount: procMountDefault,
  procMount_restricted: procMountDefault,
  allowPrivilegeEscalation: (spec) =>
    mapContainers(spec, (c) =>
      escalationCannotBeDisabled(c) ? c : patchSecurityContext(c, { allowPrivilegeEscalation: false }),
    ),
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
