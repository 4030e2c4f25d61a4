// Reads Kubernetes objects from multi-document YAML as `kubectl apply` and Helm output present them:
// empty documents and bare `---` are skipped, `List` kinds are expanded into their items, and documents
// that are not Kubernetes objects (no apiVersion/kind, e.g. a values file) are ignored.
import { isMap, isSeq, LineCounter, parseAllDocuments, type Node } from "yaml";
import type { InputError } from "./files";

/** One Kubernetes object of a file. */
export interface ManifestObject {
  kind: string;
  apiVersion: string;
  /** metadata.name (or generateName), "" when neither is set. */
  name: string;
  namespace?: string;
  /** The object as written. */
  obj: Record<string, unknown>;
  /** 1-based line the object starts on. */
  line: number;
}

type Obj = Record<string, unknown>;

function asObj(v: unknown): Obj | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
}

function toManifest(value: unknown, line: number): ManifestObject | undefined {
  const obj = asObj(value);
  if (!obj || typeof obj.kind !== "string" || typeof obj.apiVersion !== "string") return undefined;
  const metadata = asObj(obj.metadata) ?? {};
  const name =
    typeof metadata.name === "string"
      ? metadata.name
      : typeof metadata.generateName === "string"
        ? metadata.generateName
        : "";
  return {
    kind: obj.kind,
    apiVersion: obj.apiVersion,
    name,
    ...(typeof metadata.namespace === "string" ? { namespace: metadata.namespace } : {}),
    obj,
    line,
  };
}

/** The first line of a yaml error message (the rest is a source excerpt we replace with file:line). */
function firstLine(message: string): string {
  return message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
}

/** The objects of a YAML file, and its malformed documents as errors naming file, line and column. */
export function parseManifests(
  file: string,
  text: string,
): { objects: ManifestObject[]; errors: InputError[] } {
  const lineCounter = new LineCounter();
  const objects: ManifestObject[] = [];
  const errors: InputError[] = [];
  const lineOf = (node: Node | null | undefined, fallback: number): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : fallback;
  for (const doc of parseAllDocuments(text, { lineCounter, prettyErrors: true })) {
    const docLine = lineCounter.linePos(doc.range[0]).line;
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = e.linePos?.[0];
        errors.push({
          file,
          line: pos?.line ?? docLine,
          ...(pos ? { column: pos.col } : {}),
          message: `malformed YAML: ${firstLine(e.message)}`,
        });
      }
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (e) {
      errors.push({ file, line: docLine, message: `malformed YAML: ${(e as Error).message}` });
      continue;
    }
    const contents = doc.contents;
    const line = lineOf(contents, docLine);
    const obj = asObj(value);
    if (obj && typeof obj.kind === "string" && obj.kind.endsWith("List") && Array.isArray(obj.items)) {
      const itemsNode = isMap(contents) ? contents.get("items", true) : undefined;
      obj.items.forEach((item, i) => {
        const node = isSeq(itemsNode) ? (itemsNode.items[i] as Node | undefined) : undefined;
        const m = toManifest(item, lineOf(node, line));
        if (m) objects.push(m);
      });
      continue;
    }
    const m = toManifest(value, line);
    if (m) objects.push(m);
  }
  return { objects, errors };
}
