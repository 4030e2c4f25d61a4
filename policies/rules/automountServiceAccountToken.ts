// A workload that does not call the Kubernetes API must not carry a token that can; the pod-level
// field wins over the ServiceAccount's, so the pod must say false itself.
import type { PodRule } from "../lib/rule";

export const automountServiceAccountToken: PodRule = {
  name: "automountServiceAccountToken",
  description: "The pod must set automountServiceAccountToken=false.",
  section: "hardened",
  defaultEnforcement: "mandatory",
  check: ({ spec }) =>
    spec.automountServiceAccountToken === false ? [] : ["pod must set automountServiceAccountToken=false"],
  remediate: (spec) => ({ ...spec, automountServiceAccountToken: false }),
};
