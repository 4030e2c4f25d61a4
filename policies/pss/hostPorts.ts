// Port of pod-security-admission policy/check_hostPorts.go.
// HostPorts should be disallowed: containers[*].ports[*].hostPort must be undefined or 0.
import type { Check, CheckPod } from "../lib/types";
import { namedContainers, nameOf, objects, pluralize, sortedSet, visitContainers } from "./helpers";

export const hostPortsV1_0: CheckPod = (_metadata, spec) => {
  const badContainers: string[] = [];
  const forbiddenHostPorts: string[] = [];
  visitContainers(spec, (c) => {
    let valid = true;
    for (const port of objects(c.ports)) {
      const hostPort: unknown = port.hostPort;
      if (hostPort !== undefined && hostPort !== null && hostPort !== 0) {
        valid = false;
        forbiddenHostPorts.push(String(hostPort));
      }
    }
    if (!valid) badContainers.push(nameOf(c));
  });
  if (badContainers.length > 0) {
    const ports = sortedSet(forbiddenHostPorts);
    return {
      allowed: false,
      forbiddenReason: "hostPort",
      forbiddenDetail: `${namedContainers(badContainers)} ${pluralize("uses", "use", badContainers.length)} ${pluralize("hostPort", "hostPorts", ports.length)} ${ports.join(", ")}`,
    };
  }
  return { allowed: true };
};

export const checkHostPorts: Check = {
  id: "hostPorts",
  level: "baseline",
  versions: [{ minimumVersion: "v1.0", checkPod: hostPortsV1_0 }],
};
