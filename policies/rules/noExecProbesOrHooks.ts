// A distroless image has no shell or tools, so an exec probe or hook fails (or, worse, was made to
// work by adding a shell). Probes use httpGet, grpc or tcpSocket; hooks use httpGet or sleep.
import type { PodRule } from "../lib/rule";
import { containersOf } from "./common";

const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"] as const;
const HOOKS = ["postStart", "preStop"] as const;

export const noExecProbesOrHooks: PodRule = {
  name: "noExecProbesOrHooks",
  description: "No probe or lifecycle hook may use exec (distroless images have no shell).",
  section: "hardened",
  defaultEnforcement: "mandatory",
  check: ({ spec }) => {
    const out: string[] = [];
    for (const { container, label } of containersOf(spec)) {
      for (const probe of PROBES) {
        if (container[probe]?.exec != null) {
          out.push(
            `${label} ${probe} uses exec; a distroless image has no shell: use httpGet, grpc or tcpSocket`,
          );
        }
      }
      for (const hook of HOOKS) {
        if (container.lifecycle?.[hook]?.exec != null) {
          out.push(
            `${label} lifecycle.${hook} uses exec; a distroless image has no shell: use httpGet or sleep`,
          );
        }
      }
    }
    return out;
  },
};
