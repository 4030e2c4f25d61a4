// Access to the container runtime socket is root on the node. Mounting a parent directory (/run,
// /var/run, ...) exposes the socket just the same, so ancestors are caught too.
import type { PodRule } from "../lib/rule";

/** Runtime sockets of docker, containerd (also k3s), CRI-O and cri-dockerd. */
export const RUNTIME_SOCKETS: readonly string[] = [
  "/var/run/docker.sock",
  "/run/docker.sock",
  "/var/run/containerd/containerd.sock",
  "/run/containerd/containerd.sock",
  "/run/k3s/containerd/containerd.sock",
  "/var/run/crio/crio.sock",
  "/run/crio/crio.sock",
  "/var/run/cri-dockerd.sock",
  "/run/cri-dockerd.sock",
  "/var/run/dockershim.sock",
];

/** `/var//run/./docker.sock/` → `/var/run/docker.sock`. */
function normalize(path: string): string {
  const parts: string[] = [];
  for (const p of path.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") parts.pop();
    else parts.push(p);
  }
  return "/" + parts.join("/");
}

/** The runtime socket a host path exposes (itself or one below it), if any. */
export function exposedSocket(hostPath: string): string | undefined {
  const p = normalize(hostPath);
  return RUNTIME_SOCKETS.find((s) => s === p || s.startsWith(p === "/" ? "/" : `${p}/`));
}

export const noContainerRuntimeSocket: PodRule = {
  name: "noContainerRuntimeSocket",
  description: "No hostPath volume may expose a container runtime socket (docker, containerd, CRI-O).",
  section: "hardened",
  defaultEnforcement: "mandatory",
  check: ({ spec }) => {
    const out: string[] = [];
    (spec.volumes ?? []).forEach((v, i) => {
      const hostPath = v?.hostPath as { path?: unknown } | undefined;
      if (hostPath == null || typeof hostPath.path !== "string") return;
      const socket = exposedSocket(hostPath.path);
      if (socket === undefined) return;
      const label =
        typeof v.name === "string" && v.name !== "" ? `volume ${JSON.stringify(v.name)}` : `volume #${i}`;
      out.push(
        `${label} hostPath ${JSON.stringify(hostPath.path)} exposes the container runtime socket ${socket}`,
      );
    });
    return out;
  },
};
