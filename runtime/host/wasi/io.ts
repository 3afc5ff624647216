// wasi:io (error, poll, streams) for a synchronous host: every stream is backed by a
// plain function, so every pollable is ready at once except clock deadlines.
import { fail } from './fail.js';

export class IoError {
  readonly #message: string;
  constructor(message: string) {
    this.#message = message;
  }
  toDebugString(): string {
    return this.#message;
  }
}

/** Ready at `deadlineNs` on the monotonic clock (0n = always ready). */
export class Pollable {
  readonly #deadlineNs: bigint;
  constructor(deadlineNs = 0n) {
    this.#deadlineNs = deadlineNs;
  }
  get deadlineNs(): bigint {
    return this.#deadlineNs;
  }
  ready(): boolean {
    return process.hrtime.bigint() >= this.#deadlineNs;
  }
  block(): void {
    const waitNs = this.#deadlineNs - process.hrtime.bigint();
    // A guest that sleeps blocks the host thread, as any synchronous guest call does;
    // the supervisor's call timeout is what bounds it.
    if (waitNs > 0n) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(waitNs / 1_000_000n) + 1);
  }
}

export function poll(pollables: Pollable[]): Uint32Array {
  // The WASI contract makes an empty list a trap.
  if (pollables.length === 0) throw new Error('wasi:io/poll.poll called with no pollables');
  const ready = () => pollables.flatMap((p, i) => (p.ready() ? [i] : []));
  let indices = ready();
  if (indices.length === 0) {
    pollables.reduce((a, b) => (a.deadlineNs <= b.deadlineNs ? a : b)).block();
    indices = ready();
  }
  return new Uint32Array(indices);
}

/** The most bytes one stream read returns (and allocates), whatever length the guest asks for. */
export const MAX_STREAM_READ = 1n << 20n;

/** Reads return at most `len` bytes; `source` returns undefined at end of stream. */
export type ReadSource = (len: number) => Uint8Array | undefined;

export class InputStream {
  readonly #source: ReadSource;
  constructor(source: ReadSource) {
    this.#source = source;
  }
  read(len: bigint): Uint8Array {
    // The guest names the length: the host never allocates more than MAX_STREAM_READ for one read.
    const bytes = this.#source(Number(len < MAX_STREAM_READ ? len : MAX_STREAM_READ));
    if (bytes === undefined) fail({ tag: 'closed' });
    return bytes;
  }
  blockingRead(len: bigint): Uint8Array {
    return this.read(len);
  }
  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }
  blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }
  subscribe(): Pollable {
    return new Pollable();
  }
}

/** `sink` receives every write; it throws an IoError-carrying failure to report I/O errors. */
export type WriteSink = (bytes: Uint8Array) => void;

const WRITE_BUDGET = 1n << 20n;

export class OutputStream {
  readonly #sink: WriteSink;
  constructor(sink: WriteSink) {
    this.#sink = sink;
  }
  checkWrite(): bigint {
    return WRITE_BUDGET;
  }
  write(contents: Uint8Array): void {
    this.#write(contents);
  }
  blockingWriteAndFlush(contents: Uint8Array): void {
    this.#write(contents);
  }
  flush(): void {}
  blockingFlush(): void {}
  writeZeroes(len: bigint): void {
    // WASI lets a write be no larger than check-write allowed; a bigger ask would make the host allocate it.
    if (len > WRITE_BUDGET) fail({ tag: 'closed' });
    this.#write(new Uint8Array(Number(len)));
  }
  blockingWriteZeroesAndFlush(len: bigint): void {
    this.writeZeroes(len);
  }
  splice(src: InputStream, len: bigint): bigint {
    const bytes = src.read(len);
    this.#write(bytes);
    return BigInt(bytes.length);
  }
  blockingSplice(src: InputStream, len: bigint): bigint {
    return this.splice(src, len);
  }
  subscribe(): Pollable {
    return new Pollable();
  }
  #write(bytes: Uint8Array): void {
    try {
      this.#sink(bytes);
    } catch (err) {
      fail({ tag: 'last-operation-failed', val: new IoError(err instanceof Error ? err.message : String(err)) });
    }
  }
}

export const ioImports = () => ({
  'wasi:io/error': { Error: IoError },
  'wasi:io/poll': { Pollable, poll },
  'wasi:io/streams': { InputStream, OutputStream },
});
