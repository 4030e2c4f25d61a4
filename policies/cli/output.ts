// Output to a file descriptor, written synchronously in blocks. process.stdout on a pipe queues every write in
// memory while the reader is slower than the checker (a run with two million findings piped into `tail` grew to
// 3.8 GB and died with ENOBUFS); writing in blocks and waiting for the pipe keeps memory at one block.
import * as fs from "node:fs";

/** Bytes gathered before a write: few system calls, little memory. */
const BLOCK = 64 * 1024;

/** Sleeps the thread without spinning (a full pipe, an empty one): the other end needs the CPU. */
export function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class BlockWriter {
  private parts: string[] = [];
  private size = 0;
  /** Set when the reader went away (`| head`): the rest is dropped, as `grep` or `cat` do. */
  private closed = false;

  constructor(private readonly fd: number) {}

  /** Adds one line. */
  line(text: string): void {
    if (this.closed) return;
    this.parts.push(text, "\n");
    this.size += text.length + 1;
    if (this.size >= BLOCK) this.flush();
  }

  /** Writes what is gathered, waiting while the pipe is full. */
  flush(): void {
    if (this.parts.length === 0 || this.closed) return;
    const buf = Buffer.from(this.parts.join(""), "utf8");
    this.parts = [];
    this.size = 0;
    let off = 0;
    while (off < buf.length) {
      try {
        off += fs.writeSync(this.fd, buf, off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") {
          pause(1);
          continue;
        }
        if (code === "EPIPE") {
          this.closed = true;
          return;
        }
        throw e;
      }
    }
  }
}
