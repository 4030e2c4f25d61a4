// runtimeClassName only names a class; the class's handler decides what runs the pod. A class
// called "gvisor" with handler runc would sandbox nothing.
import { extractPod, isPodCarryingKind, POD_CARRYING_KINDS } from "../lib/pods";
import type { StackRule, StackViolation } from "../lib/rule";
import { objectLabel } from "./common";
import { GVISOR_HANDLER } from "../lib/hardened";

export const runtimeClassHandlerRunsc: StackRule = {
  name: "runtimeClassHandlerRunsc",
  description:
    "The RuntimeClass a workload selects must be in the stack with handler runsc, or be a configured external one.",
  section: "hardened",
  defaultEnforcement: "mandatory",
  kinds: ["RuntimeClass", ...POD_CARRYING_KINDS],
  configKeys: ["externalRuntimeClasses"],
  check: (objects, config) => {
    const handlers = new Map<string, unknown>();
    for (const o of objects) {
      if (o.kind !== "RuntimeClass") continue;
      const n = (o.obj.metadata as { name?: unknown } | undefined)?.name;
      handlers.set(typeof n === "string" ? n : o.name, o.obj.handler);
    }
    const out: StackViolation[] = [];
    for (const object of objects) {
      if (!isPodCarryingKind(object.kind)) continue;
      const rc = extractPod(object.kind, object.obj)?.spec.runtimeClassName;
      // A missing runtimeClassName is runtimeClassGvisor's violation, not this rule's.
      if (typeof rc !== "string" || rc === "") continue;
      const label = objectLabel(object.kind, object.name);
      if (handlers.has(rc)) {
        const handler = handlers.get(rc);
        if (handler !== GVISOR_HANDLER) {
          out.push({
            object,
            message: `${label} uses RuntimeClass ${JSON.stringify(rc)}, whose handler is ${JSON.stringify(handler ?? null)}; it must be "runsc"`,
          });
        }
      } else if (!config.externalRuntimeClasses.includes(rc)) {
        out.push({
          object,
          message: `${label} uses RuntimeClass ${JSON.stringify(rc)}, which is neither a RuntimeClass of the stack nor listed in externalRuntimeClasses`,
        });
      }
    }
    return out;
  },
};
