// Reads Kubernetes objects from multi-document YAML as `kubectl apply` and Helm output present them:
// empty documents and bare `---` are skipped, `List` kinds are expanded into their items, and documents
// that are not Kubernetes objects (no apiVersion/kind, e.g. a values file) are ignored.
import { Composer, type Document, isMap, isScalar, isSeq, LineCounter, Parser, type Node } from "yaml";
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
  /** Line and column (1-based) of a field of the object, by path from its root; undefined when absent. */
  locate?: (path: readonly (string | number)[]) => { line: number; column: number } | undefined;
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

/** Where a field is: its key in a map, its item in a list (the place an editor should jump to). */
function locator(
  doc: Document,
  lineCounter: LineCounter,
  prefix: readonly (string | number)[],
): NonNullable<ManifestObject["locate"]> {
  return (path) => {
    if (path.length === 0) return undefined;
    const parent = doc.getIn([...prefix, ...path.slice(0, -1)], true);
    const last = path[path.length - 1];
    let range: readonly number[] | null | undefined;
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
      range = pair !== undefined && isScalar(pair.key) ? pair.key.range : undefined;
    } else if (isSeq(parent) && typeof last === "number") {
      range = (parent.items[last] as Node | undefined)?.range;
    }
    if (!range) return undefined;
    const pos = lineCounter.linePos(range[0]);
    return { line: pos.line, column: pos.col };
  };
}

/** The first line of a yaml error message (the rest is a source excerpt we replace with file:line). */
function firstLine(message: string): string {
  const line = message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  // The parser quotes bits of the input: control characters are shown escaped and a long quote is cut, so an
  // error about a binary or hostile file never writes its bytes to the terminal.
  const visible = [...line]
    .map((ch) => {
      const code = ch.codePointAt(0) ?? 0;
      return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}` : ch;
    })
    .join("");
  return visible.length > 200 ? `${visible.slice(0, 200)}…` : visible;
}

/**
 * The objects of a YAML file, one document at a time: each is composed, turned into objects and let go before the
 * next, so memory holds the text and one document, whatever the number of documents. Malformed documents become
 * errors naming file, line and column.
 */
export function* manifestsOf(
  file: string,
  text: string,
  onError: (e: InputError) => void,
): Generator<ManifestObject> {
  const lineCounter = new LineCounter();
  const parser = new Parser(lineCounter.addNewLine);
  const composer = new Composer();
  const lineOf = (node: Node | null | undefined, fallback: number): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : fallback;
  for (const doc of composer.compose(parser.parse(text))) {
    const docLine = lineCounter.linePos(doc.range[0]).line;
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = lineCounter.linePos(e.pos[0]);
        onError({
          file,
          line: pos.line,
          column: pos.col,
          message: `malformed YAML: ${firstLine(e.message)}`,
        });
      }
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (e) {
      onError({ file, line: docLine, message: `malformed YAML: ${firstLine((e as Error).message)}` });
      continue;
    }
    const contents = doc.contents;
    const line = lineOf(contents, docLine);
    const obj = asObj(value);
    if (obj && typeof obj.kind === "string" && obj.kind.endsWith("List") && Array.isArray(obj.items)) {
      const itemsNode = isMap(contents) ? contents.get("items", true) : undefined;
      for (let i = 0; i < obj.items.length; i++) {
        const node = isSeq(itemsNode) ? (itemsNode.items[i] as Node | undefined) : undefined;
        const m = toManifest(obj.items[i], lineOf(node, line));
        if (m) yield { ...m, locate: locator(doc, lineCounter, ["items", i]) };
      }
      continue;
    }
    const m = toManifest(value, line);
    if (m) yield { ...m, locate: locator(doc, lineCounter, []) };
  }
}

/** The objects of a YAML file, and its malformed documents as errors naming file, line and column. */
export function parseManifests(
  file: string,
  text: string,
): { objects: ManifestObject[]; errors: InputError[] } {
  const errors: InputError[] = [];
  const objects = [...manifestsOf(file, text, (e) => errors.push(e))];
  return { objects, errors };
}
