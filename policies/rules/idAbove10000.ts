// Shared by runAsUserAbove10000 and runAsGroupAbove10000: the container's effective ID (its own
// securityContext, else the pod's) must be set explicitly and be > 10000.
import type { PodRule } from "../lib/rule";
import { containersOf } from "./common";

export function idAbove10000(field: "runAsUser" | "runAsGroup", name: string): PodRule {
  return {
    name,
    description: `Every container must run with ${field} > 10000 (set on the container or the pod).`,
    section: "hardened",
    defaultEnforcement: "mandatory",
    check: ({ spec }) => {
      const podValue = spec.securityContext?.[field];
      const out: string[] = [];
      for (const { container, label } of containersOf(spec)) {
        const own = container.securityContext?.[field];
        const value = own ?? podValue;
        const where = own !== undefined ? "container securityContext" : "pod securityContext";
        if (value === undefined) {
          out.push(`${label} must set ${field} > 10000 (in the container or pod securityContext)`);
        } else if (typeof value !== "number" || !Number.isInteger(value) || value <= 10000) {
          out.push(`${label} has ${field}=${JSON.stringify(value)} (from ${where}); it must be > 10000`);
        }
      }
      return out;
    },
  };
}
