// The shape of a pod-carrying object in a plain file. The API server would refuse a malformed one, but the
// checker reads files nobody has sent yet: a `containers` map or a missing spec would make every container rule
// find nothing, so a broken manifest would pass as compliant. Each problem names the path of the bad field.
import { isPodCarryingKind, podSpecPath } from "../lib/pods";

type Obj = Record<string, unknown>;

/** The policy name structural problems are reported under. */
export const STRUCTURE_POLICY = "manifestStructure";

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a map";
  if (typeof v === "string") return "a string";
  return `a ${typeof v}`;
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function containerList(spec: Obj, at: string, field: string, required: boolean, out: string[]): void {
  const list = spec[field];
  const where = `${at}.${field}`;
  if (list === undefined || list === null) {
    if (required) out.push(`${where} is missing; a pod needs at least one container`);
    return;
  }
  if (!Array.isArray(list)) {
    out.push(`${where} is ${describe(list)}, expected a list of containers`);
    return;
  }
  if (required && list.length === 0) out.push(`${where} is empty; a pod needs at least one container`);
  list.forEach((c, i) => {
    const item = `${where}[${i}]`;
    if (!isObj(c)) {
      out.push(`${item} is ${describe(c)}, expected a container (a map)`);
      return;
    }
    if (typeof c.name !== "string" || c.name === "") out.push(`${item}.name is missing or not a string`);
    if (field !== "ephemeralContainers" && (typeof c.image !== "string" || c.image === "")) {
      out.push(`${item}.image is missing or not a string`);
    }
    if (c.securityContext !== undefined && c.securityContext !== null && !isObj(c.securityContext)) {
      out.push(`${item}.securityContext is ${describe(c.securityContext)}, expected a map`);
    }
  });
}

/** Problems with the shape of a pod-carrying object; empty for any other kind or a well-formed one. */
export function podStructureProblems(kind: string, obj: Obj): string[] {
  if (!isPodCarryingKind(kind)) return [];
  const out: string[] = [];
  let node: unknown = obj;
  const walked: string[] = [];
  for (const key of podSpecPath(kind)) {
    const parent = node as Obj;
    walked.push(key);
    node = parent[key];
    if (node === undefined || node === null) {
      out.push(`${walked.join(".")} is missing; a ${kind} needs a pod spec there`);
      return out;
    }
    if (!isObj(node)) {
      out.push(`${walked.join(".")} is ${describe(node)}, expected a map`);
      return out;
    }
  }
  const spec = node as Obj;
  const at = walked.join(".");
  containerList(spec, at, "containers", true, out);
  containerList(spec, at, "initContainers", false, out);
  containerList(spec, at, "ephemeralContainers", false, out);
  if (spec.securityContext !== undefined && spec.securityContext !== null && !isObj(spec.securityContext)) {
    out.push(`${at}.securityContext is ${describe(spec.securityContext)}, expected a map`);
  }
  return out;
}
