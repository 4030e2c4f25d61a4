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
  offset: number,
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
    return { line: pos.line + offset, column: pos.col };
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

/** Whole YAML documents of a file and the line they start on. */
export interface Piece {
  text: string;
  line: number;
}

/** Characters that may follow `---` on a document start line. */
const AFTER_MARKER = new Set([" ", "\t", "\r", "\n"]);

/** A document end marker line, `...` at column 0. */
const DOCUMENT_END = /^\.\.\.(?:[ \t\r]|$)/;

/**
 * Where the last document start in `s` is (a `---` line at column 0), as the index of its first character; -1
 * when there is none. A `---` at the very end is undecided until more text arrives unless `final`. YAML forbids
 * a `---` line at column 0 inside any content, so these are exactly the places a parser starts a new document.
 * Directives (`%YAML 1.2`) are allowed only after a `...` line, and belong to the document they precede: then
 * the cut is just after the `...`.
 */
function lastDocumentStart(s: string, final: boolean): number {
  let found = -1;
  for (let i = s.indexOf("\n---"); i >= 0; i = s.indexOf("\n---", i + 4)) {
    const next = s[i + 4];
    if (next === undefined ? final : AFTER_MARKER.has(next)) found = i + 1;
  }
  // Walk back over directive, comment and blank lines to the line before them.
  let start = found;
  while (start > 0) {
    const lineStart = s.lastIndexOf("\n", start - 2) + 1;
    const line = s.slice(lineStart, start - 1);
    if (DOCUMENT_END.test(line)) return start;
    if (lineStart === 0 || !/^(?:%|#|\r?$)/.test(line)) break;
    start = lineStart;
  }
  return found;
}

function newlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * Cuts text arriving in blocks into pieces of whole documents, so each is parsed alone and memory holds one
 * block, not the file. When the text ends in an input error (the iterator returns false) the unfinished last
 * document is dropped rather than reported as malformed.
 */
export function* piecesOf(blocks: Iterator<string, boolean>): Generator<Piece> {
  let pending = "";
  let line = 1;
  for (;;) {
    const r = blocks.next();
    if (r.done) {
      if (r.value && pending !== "") yield { text: pending, line };
      return;
    }
    pending += r.value;
    const cut = lastDocumentStart(pending, false);
    if (cut <= 0) continue;
    const text = pending.slice(0, cut);
    pending = pending.slice(cut);
    yield { text, line };
    line += newlines(text);
  }
}

/**
 * The objects of a YAML file, one document at a time: each is composed, turned into objects and let go before the
 * next, so memory holds one piece of text and one document, whatever the size of the file. Malformed documents
 * become errors naming file, line and column.
 */
export function* manifestsOf(
  file: string,
  pieces: Iterable<Piece>,
  onError: (e: InputError) => void,
): Generator<ManifestObject> {
  for (const piece of pieces) yield* pieceManifests(file, piece, onError);
}

function* pieceManifests(
  file: string,
  piece: Piece,
  onError: (e: InputError) => void,
): Generator<ManifestObject> {
  const lineCounter = new LineCounter();
  const parser = new Parser(lineCounter.addNewLine);
  const composer = new Composer();
  const offset = piece.line - 1;
  const lineOf = (node: Node | null | undefined, fallback: number): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line + offset : fallback;
  for (const doc of composer.compose(parser.parse(piece.text))) {
    const docLine = lineCounter.linePos(doc.range[0]).line + offset;
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = lineCounter.linePos(e.pos[0]);
        onError({
          file,
          line: pos.line + offset,
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
        if (m) yield { ...m, locate: locator(doc, lineCounter, offset, ["items", i]) };
      }
      continue;
    }
    const m = toManifest(value, line);
    if (m) yield { ...m, locate: locator(doc, lineCounter, offset, []) };
  }
}

/** The objects of a YAML text, and its malformed documents as errors naming file, line and column. */
export function parseManifests(
  file: string,
  text: string,
): { objects: ManifestObject[]; errors: InputError[] } {
  const errors: InputError[] = [];
  const blocks = (function* (): Generator<string, boolean> {
    yield text;
    return true;
  })();
  const objects = [...manifestsOf(file, piecesOf(blocks), (e) => errors.push(e))];
  return { objects, errors };
}
