// The ServiceAccount default protects pods that forget the pod-level field; advisory by default
// because automountServiceAccountToken (on the pod) is the binding control.
import type { ObjectRule } from "../lib/rule";
import { objectLabel } from "./common";

export const serviceAccountNoTokenByDefault: ObjectRule = {
  name: "serviceAccountNoTokenByDefault",
  description: "ServiceAccounts must set automountServiceAccountToken=false.",
  section: "hardened",
  defaultEnforcement: "advisory",
  kinds: ["ServiceAccount"],
  resourceTypes: ["kubernetes:core/v1:ServiceAccount"],
  check: ({ kind, name, obj }) =>
    obj.automountServiceAccountToken === false
      ? []
      : [`${objectLabel(kind, name)} must set automountServiceAccountToken=false`],
  remediate: (obj) => ({ ...obj, automountServiceAccountToken: false }),
};
