// Requests make scheduling honest (gVisor adds overhead); limits bound a runaway container.
// Ephemeral containers may not set resources, so only regular and init containers are checked.
import type { PodRule } from "../lib/rule";
import { containersOf } from "./common";

const FIELDS = [
  ["requests", "cpu"],
  ["requests", "memory"],
  ["limits", "cpu"],
  ["limits", "memory"],
] as const;

function isSet(v: unknown): boolean {
  return (typeof v === "string" && v.trim() !== "") || (typeof v === "number" && Number.isFinite(v));
}

export const resourcesRequestsLimits: PodRule = {
  name: "resourcesRequestsLimits",
  description: "Every container and init container must set CPU and memory requests and limits.",
  section: "hardened",
  defaultEnforcement: "mandatory",
  check: ({ spec }) => {
    const out: string[] = [];
    for (const { container, label } of containersOf(spec, ["containers", "initContainers"])) {
      const missing = FIELDS.filter(([kind, res]) => !isSet(container.resources?.[kind]?.[res])).map(
        ([kind, res]) => `resources.${kind}.${res}`,
      );
      if (missing.length > 0) out.push(`${label} must set ${missing.join(", ")}`);
    }
    return out;
  },
};
