// The namespace labels are what makes the cluster enforce `restricted`; a workload elsewhere (or in
// the provider's default namespace) escapes that backstop.
import { isPodCarryingKind, POD_CARRYING_KINDS } from "../lib/pods";
import type { StackObject, StackRule, StackViolation } from "../lib/rule";
import { objectLabel } from "./common";
import { labelsOf, podSecurityLabelProblems } from "./namespacePodSecurityLabels";

function metadataName(obj: Record<string, unknown>): string | undefined {
  const n = (obj.metadata as { name?: unknown } | undefined)?.name;
  return typeof n === "string" ? n : undefined;
}

export const workloadsInRestrictedNamespace: StackRule = {
  name: "workloadsInRestrictedNamespace",
  description:
    "Every pod-carrying workload must be in a Namespace of the stack labelled restricted (pinned version), or a configured external restricted namespace.",
  section: "namespace",
  defaultEnforcement: "mandatory",
  kinds: ["Namespace", ...POD_CARRYING_KINDS],
  configKeys: ["externalRestrictedNamespaces"],
  check: (objects, config) => {
    const namespaces = new Map<string, boolean>();
    for (const o of objects) {
      if (o.kind !== "Namespace") continue;
      const name = metadataName(o.obj) ?? o.name;
      namespaces.set(name, podSecurityLabelProblems(labelsOf(o.obj)).length === 0);
    }
    const out: StackViolation[] = [];
    for (const object of objects.filter((o: StackObject) => isPodCarryingKind(o.kind))) {
      const label = objectLabel(object.kind, object.name);
      const ns = object.namespace;
      if (ns === undefined || ns === "") {
        out.push({
          object,
          message: `${label} has no metadata.namespace; set it to a Namespace labelled pod-security.kubernetes.io/enforce=restricted`,
        });
      } else if (namespaces.has(ns)) {
        if (!namespaces.get(ns)) {
          out.push({
            object,
            message: `${label} is in namespace ${JSON.stringify(ns)}, whose Pod Security labels are not restricted with a pinned version`,
          });
        }
      } else if (!config.externalRestrictedNamespaces.includes(ns)) {
        out.push({
          object,
          message: `${label} is in namespace ${JSON.stringify(ns)}, which is neither a Namespace of the stack nor listed in externalRestrictedNamespaces`,
        });
      }
    }
    return out;
  },
};
