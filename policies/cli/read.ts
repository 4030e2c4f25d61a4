// Reading the checker's inputs as untrusted bytes: in blocks, decoded and checked as they arrive, so a run holds
// one block and one YAML document whatever the size of the file, and a bad input becomes an input error that
// names the file but never shows its bytes or Node's errno text.
import * as fs from "node:fs";
import type { InputError, InputFile } from "./files";
import { pause } from "./output";

/** Largest input read: far beyond any rendered manifest set, and a bound on the time one run takes. */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** Bytes read at a time. */
const BLOCK = 1024 * 1024;

/** Standard input: its text, or its bytes in blocks (the CLI reads fd 0 as it arrives). */
export type StdinSource = () => string | Iterable<Buffer>;

/** Why an input cannot be read, in words (never Node's errno text). */
function unreadable(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOENT":
      return "it no longer exists";
    case "EISDIR":
      return "it is a folder";
    case "ELOOP":
      return "it is a loop of symbolic links";
    case "ERR_STRING_TOO_LONG":
    case "ERR_FS_FILE_TOO_LARGE":
      return "it is too large";
    default:
      return "the system refused to read it";
  }
}

/**
 * The bytes of an open file descriptor in blocks (a non-blocking pipe is waited for, not spun on). One buffer is
 * reused: each block is decoded before the next is read. `size` (a file's, when known) keeps a small file from
 * costing a whole block.
 */
function* blocksOf(fd: number, size = BLOCK): Generator<Buffer> {
  const buf = Buffer.allocUnsafe(Math.max(1, Math.min(BLOCK, size + 1)));
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") {
        pause(1);
        continue;
      }
      if ((e as NodeJS.ErrnoException).code === "EOF") return;
      throw e;
    }
    if (n === 0) return;
    yield buf.subarray(0, n);
  }
}

/** Standard input (fd 0) in blocks, as `helm template ... | distroless-check -` provides it. */
export function readStdin(): Iterable<Buffer> {
  return blocksOf(0);
}

/** The raw bytes of an input, in blocks: standard input, or a file open on `fd` (closed at the end). */
function* rawBlocks(fd: number | undefined, stdin: StdinSource, size: number): Generator<Buffer> {
  if (fd === undefined) {
    const s = stdin();
    if (typeof s === "string") yield Buffer.from(s, "utf8");
    else yield* s;
    return;
  }
  try {
    yield* blocksOf(fd, size);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The text of an input, decoded as UTF-8 block by block. Unreadable, oversized, empty, binary and non-UTF-8
 * inputs end the text with one input error (returns false); text already given stays given, so a file that turns
 * to garbage half-way has its first half checked and is still reported.
 */
export function* inputText(
  file: InputFile,
  stdin: StdinSource,
  onError: (e: InputError) => void,
): Generator<string, boolean> {
  const what = file.source === "stdin" ? "standard input" : "file";
  const expected = file.kind === "dockerfile" ? "a Dockerfile" : "YAML";
  const fail = (message: string): false => {
    onError({ file: file.path, message });
    return false;
  };
  const tooLarge = (bytes: number) =>
    fail(
      `${what} is ${Math.ceil(bytes / 1024 / 1024)} MiB, over the ${MAX_INPUT_BYTES / 1024 / 1024} MiB limit; split it`,
    );
  let fd: number | undefined;
  let size = BLOCK;
  if (file.source !== "stdin") {
    try {
      fd = fs.openSync(file.path, "r");
      size = fs.fstatSync(fd).size;
    } catch (e) {
      if (fd !== undefined) fs.closeSync(fd);
      return fail(`cannot read ${what}: ${unreadable(e)}`);
    }
    if (size > MAX_INPUT_BYTES) {
      fs.closeSync(fd);
      return tooLarge(size);
    }
  }
  // fatal: a byte sequence that is not UTF-8 is an error, not a replacement character.
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let bytes = 0;
  let seenText = false;
  const blocks = rawBlocks(fd, stdin, size)[Symbol.iterator]();
  // Ended early (an input error), the reader is closed all the same: its finally closes the file.
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = blocks.next();
      } catch (e) {
        return fail(`cannot read ${what}: ${unreadable(e)}`);
      }
      let text: string;
      try {
        if (next.done) {
          text = decoder.decode();
        } else {
          const block = next.value;
          bytes += block.length;
          if (bytes > MAX_INPUT_BYTES) return tooLarge(bytes);
          if (block.includes(0)) return fail(`${what} is binary, not ${expected} text`);
          text = decoder.decode(block, { stream: true });
        }
      } catch {
        return fail(`${what} is not UTF-8 text, so it cannot be ${expected}`);
      }
      if (text.length > 0) {
        seenText ||= /\S/.test(text);
        yield text;
      }
      if (next.done) break;
    }
  } finally {
    blocks.return?.(undefined);
  }
  if (!seenText) return fail(`${what} is empty: nothing to check`);
  return true;
}

/** An input read whole (Dockerfiles are small), or undefined after an input error. */
export function readWhole(
  file: InputFile,
  stdin: StdinSource,
  onError: (e: InputError) => void,
): string | undefined {
  const parts: string[] = [];
  const it = inputText(file, stdin, onError);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value ? parts.join("") : undefined;
    parts.push(r.value);
  }
}
