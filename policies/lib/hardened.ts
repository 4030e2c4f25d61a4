// The hardened security contexts every workload runs with: one home for the program's pod templates (the
// components build on it), the pack's compliant baseline and the debug container. Plain data, no Pulumi.

/** The RuntimeClass hardened pods select, and gVisor's CRI handler it must have (runc would sandbox nothing). */
export const GVISOR_RUNTIME_CLASS = "gvisor";
export const GVISOR_HANDLER = "runsc";

/** UID, GID and fsGroup of the `nonroot` user baked into distroless and Chainguard images. */
export const NONROOT_UID = 65532;
export const NONROOT_GID = 65532;

export interface HardenedSeccompProfile {
  type: "RuntimeDefault";
}

export interface HardenedPodSecurityContext {
  runAsNonRoot: true;
  runAsUser: number;
  runAsGroup: number;
  fsGroup: number;
  seccompProfile: HardenedSeccompProfile;
}

export interface HardenedContainerSecurityContext {
  runAsNonRoot: true;
  runAsUser: number;
  runAsGroup: number;
  readOnlyRootFilesystem: true;
  allowPrivilegeEscalation: false;
  privileged: false;
  capabilities: { drop: ["ALL"]; add?: ["NET_BIND_SERVICE"] };
  seccompProfile: HardenedSeccompProfile;
}

/** Pod level: non-root 65532, its group owning mounted volumes, the runtime's default seccomp profile. */
export function hardenedPodSecurityContext(): HardenedPodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: NONROOT_UID,
    runAsGroup: NONROOT_GID,
    fsGroup: NONROOT_GID,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Container level: read-only root, no privilege, every capability dropped (NET_BIND_SERVICE back if asked). */
export function hardenedContainerSecurityContext(netBindService = false): HardenedContainerSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: NONROOT_UID,
    runAsGroup: NONROOT_GID,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: netBindService ? { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } : { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}
