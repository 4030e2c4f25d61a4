// Helpers shared by the rule modules: container iteration and copy-on-write updates of a pod spec.
import type { Container, PodSpec, SecurityContext } from "../lib/k8s";

/** The three container lists of a pod, named as in messages (`container`, `initContainer`, ...). */
export type ContainerList = "containers" | "initContainers" | "ephemeralContainers";

const SINGULAR: Record<ContainerList, string> = {
  containers: "container",
  initContainers: "initContainer",
  ephemeralContainers: "ephemeralContainer",
};

export interface ContainerRef {
  list: ContainerList;
  index: number;
  container: Container;
  /** How messages name the container, e.g. `container "web"` or `initContainer #0` when unnamed. */
  label: string;
}

export const ALL_LISTS: readonly ContainerList[] = ["containers", "initContainers", "ephemeralContainers"];

/** Containers of the given lists, in pod order (regular, init, ephemeral). */
export function containersOf(spec: PodSpec, lists: readonly ContainerList[] = ALL_LISTS): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const list of lists) {
    const cs = spec[list];
    if (!Array.isArray(cs)) continue;
    cs.forEach((container, index) => {
      const c: Container = container ?? {};
      const label =
        typeof c.name === "string" && c.name !== ""
          ? `${SINGULAR[list]} ${JSON.stringify(c.name)}`
          : `${SINGULAR[list]} #${index}`;
      out.push({ list, index, container: c, label });
    });
  }
  return out;
}

/**
 * A copy of `spec` where every container of `lists` is replaced by `fix(container)`. Untouched
 * subtrees are shared, not copied, so values the policy runtime wraps (secrets) keep their wrapping.
 */
export function mapContainers(
  spec: PodSpec,
  fix: (c: Container) => Container,
  lists: readonly ContainerList[] = ALL_LISTS,
): PodSpec {
  const out: PodSpec = { ...spec };
  for (const list of lists) {
    const cs = spec[list];
    if (Array.isArray(cs)) out[list] = cs.map((c) => fix(c ?? {}));
  }
  return out;
}

/** A copy of the container with `patch` merged into its securityContext. */
export function patchSecurityContext(c: Container, patch: Partial<SecurityContext>): Container {
  return { ...c, securityContext: { ...(c.securityContext ?? {}), ...patch } };
}

/** `Deployment "web"`: how messages name an object. */
export function objectLabel(kind: string, name: string): string {
  return `${kind} ${JSON.stringify(name)}`;
}
