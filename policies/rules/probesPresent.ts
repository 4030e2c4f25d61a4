// Without probes a broken or still-starting container receives traffic and is never restarted.
// Jobs and CronJobs run to completion, so probes are not expected there (as Polaris does).
import type { PodRule } from "../lib/rule";
import { containersOf } from "./common";

const RUN_TO_COMPLETION = new Set(["Job", "CronJob"]);

export const probesPresent: PodRule = {
  name: "probesPresent",
  description:
    "Every regular container must define a livenessProbe and a readinessProbe (not for Jobs/CronJobs).",
  section: "hardened",
  defaultEnforcement: "advisory",
  check: ({ kind, spec }) => {
    if (RUN_TO_COMPLETION.has(kind)) return [];
    const out: string[] = [];
    for (const { container, label } of containersOf(spec, ["containers"])) {
      if (container.livenessProbe == null) out.push(`${label} must define a livenessProbe`);
      if (container.readinessProbe == null) out.push(`${label} must define a readinessProbe`);
    }
    return out;
  },
};
