// Pod Security admission is the cluster's own backstop: the namespace must enforce `restricted`
// (and audit and warn on it) at a pinned version, so a Kubernetes upgrade cannot silently change
// what is admitted ("latest" moves with the cluster).
import type { ObjectRule } from "../lib/rule";
import { pinnedPssMinor, psaLabel, PSA_MODES } from "../lib/pss-version";
import { objectLabel } from "./common";

/** What is wrong with a Namespace's Pod Security labels; empty when all three modes are pinned to restricted. */
export function podSecurityLabelProblems(labels: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const mode of PSA_MODES) {
    const key = psaLabel(mode);
    const level = labels[key];
    if (level === undefined) out.push(`must set label ${key}=restricted`);
    else if (level !== "restricted")
      out.push(`has label ${key}=${JSON.stringify(level)}; it must be "restricted"`);
    const vkey = `${key}-version`;
    const version = labels[vkey];
    if (version === undefined) out.push(`must pin label ${vkey} to a version v1.N`);
    else if (version === "latest")
      out.push(`has label ${vkey}="latest"; it must be pinned to a version v1.N`);
    else if (pinnedPssMinor(version) === undefined) {
      out.push(`has label ${vkey}=${JSON.stringify(version)}; it must be a version v1.N`);
    }
  }
  return out;
}

/** The Namespace object's labels (empty when absent). */
export function labelsOf(obj: Record<string, unknown>): Record<string, unknown> {
  const md = obj.metadata as { labels?: unknown } | undefined;
  const labels = md?.labels;
  return labels !== null && typeof labels === "object" ? (labels as Record<string, unknown>) : {};
}

export const namespacePodSecurityLabels: ObjectRule = {
  name: "namespacePodSecurityLabels",
  description:
    "Namespaces must label pod-security.kubernetes.io/enforce, audit and warn = restricted, each with a pinned -version (not latest).",
  section: "namespace",
  defaultEnforcement: "mandatory",
  kinds: ["Namespace"],
  resourceTypes: ["kubernetes:core/v1:Namespace"],
  check: ({ kind, name, obj }) =>
    podSecurityLabelProblems(labelsOf(obj)).map((p) => `${objectLabel(kind, name)} ${p}`),
};
