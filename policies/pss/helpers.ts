// Shared helpers of the PSS checks, ported from pod-security-admission's policy/helpers.go and
// policy/visitor.go so that messages match upstream byte for byte.
import type { Container, PodSpec } from "../lib/k8s";

/** `"a", "b"` — upstream joinQuote (no escaping, as upstream). */
export function joinQuote(items: readonly string[]): string {
  if (items.length === 0) return "";
  return `"${items.join(`", "`)}"`;
}

export function pluralize(singular: string, plural: string, count: number): string {
  return count === 1 ? singular : plural;
}

/**
 * `container "a"` or `containers "a", "b"`: the `fmt.Sprintf("%s %s", pluralize("container", "containers",
 * len(names)), joinQuote(names))` upstream repeats in its checks' messages.
 */
export function namedContainers(names: readonly string[]): string {
  return `${pluralize("container", "containers", names.length)} ${joinQuote(names)}`;
}

/** Go's `%q` for the strings PSS quotes (annotation values); JSON escaping matches it for printable text. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Sorted, de-duplicated list, as `sets.String.List()` (byte order for ASCII). */
export function sortedSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Elements of a list field that are objects; null/absent lists and null entries are skipped (Go would decode nil). */
export function objects<T>(list: readonly T[] | null | undefined): T[] {
  if (!Array.isArray(list)) return [];
  return list.filter((x): x is T => x !== null && typeof x === "object");
}

/** A list field as Go sees it: absent or null is empty. */
export function list<T>(v: readonly T[] | null | undefined): T[] {
  return Array.isArray(v) ? [...v] : [];
}

/** Init containers, then containers, then ephemeral containers — upstream visitContainers' order. */
export function visitContainers(spec: PodSpec, visitor: (c: Container) => void): void {
  for (const c of objects(spec.initContainers)) visitor(c);
  for (const c of objects(spec.containers)) visitor(c);
  for (const c of objects(spec.ephemeralContainers)) visitor(c);
}

/** The container's name as Go sees it (an absent name is ""). */
export function nameOf(c: Container): string {
  return typeof c.name === "string" ? c.name : "";
}

/** A string field as Go sees it: absent or null is "". */
export function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** True when a pointer field is set (not absent, not null). */
export function isSet<T>(v: T | null | undefined): v is T {
  return v !== undefined && v !== null;
}

/** `hostUsers: false` — the pod runs in a user namespace (KEP-127); upstream relaxPolicyForUserNamespacePod. */
export function relaxPolicyForUserNamespacePod(spec: PodSpec): boolean {
  return spec.hostUsers === false;
}

/** `spec.os.name: windows` — restricted checks exempt such pods from policy v1.25 on. */
export function isWindowsPod(spec: PodSpec): boolean {
  return spec.os?.name === "windows";
}

/**
 * Who sets a disallowed `<field>.type` (seccompProfile, appArmorProfile): "pod" and/or the named containers, in
 * upstream's order, with the offending types. Shared by the profile checks, which upstream writes out each time.
 */
export function badProfileSetters(
  spec: PodSpec,
  field: "seccompProfile" | "appArmorProfile",
  allowed: (type: string) => boolean,
): { setters: string[]; values: string[] } {
  const setters: string[] = [];
  const values: string[] = [];
  const podProfile = spec.securityContext?.[field];
  if (isSet(podProfile) && !allowed(str(podProfile.type))) {
    setters.push("pod");
    values.push(str(podProfile.type));
  }
  const containers: string[] = [];
  visitContainers(spec, (c) => {
    const profile = c.securityContext?.[field];
    if (isSet(profile) && !allowed(str(profile.type))) {
      containers.push(nameOf(c));
      values.push(str(profile.type));
    }
  });
  if (containers.length > 0) setters.push(namedContainers(containers));
  return { setters, values };
}
