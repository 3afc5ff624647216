// The shared block between a connector's thread and its file I/O thread. A guest's
// filesystem calls are synchronous, and a system call on a hung network or FUSE mount
// blocks in the kernel where no deadline reaches it; so every one of them runs on the
// file I/O thread while the connector's thread waits with Atomics.wait and a deadline.
// If the deadline passes, the connector's thread is free again and the guest's call
// fails; the file I/O thread stays blocked until the mount answers. One request at a
// time, in one fixed block: what a hung request can hold is this block.
import { Worker } from 'node:worker_threads';
import { RuntimeError } from '../../errors.js';
import { FilesystemHungError } from '../errors.js';
import { fail } from './fail.js';

/** Bytes of file data one request carries either way (a read's result, a write's data). */
export const FILE_PAYLOAD_BYTES = 1 << 20;
/** A request's or a reply's JSON header; guest paths are at most MAX_GUEST_PATH characters, so two fit escaped. */
const HEADER_BYTES = 64 * 1024;
/** Longest path a guest may pass (Linux's PATH_MAX); a longer one answers `name-too-long`. */
export const MAX_GUEST_PATH = 4096;

/** Int32 words at the start of the block. */
const Word = {
  state: 0,
  /** Id of the request in the block. */
  seq: 1,
  headerLength: 2,
  payloadLength: 3,
  /** Id of the request a caller stopped waiting for: while it runs, later callers fail at once. */
  abandoned: 4,
  /** Set by the owner: the thread is to end after the request in hand. */
  exit: 5,
  /** Set by the owner when the thread ended: callers fail at once. */
  dead: 6,
  nextSession: 7,
} as const;
const WORDS = 16;
/** Float64 slot: when the request in the block was posted (epoch ms). */
const POSTED_AT = WORDS * 4;
const HEADER_OFFSET = POSTED_AT + 8 * 2;
const PAYLOAD_OFFSET = HEADER_OFFSET + HEADER_BYTES;
const BLOCK_BYTES = PAYLOAD_OFFSET + FILE_PAYLOAD_BYTES;

export const LinkState = { idle: 0, request: 1, reply: 2 } as const;

/** The views both threads take of one block. */
export class LinkViews {
  readonly words: Int32Array;
  readonly postedAt: Float64Array;
  readonly header: Buffer;
  readonly payload: Buffer;
  constructor(readonly block: SharedArrayBuffer) {
    if (block.byteLength !== BLOCK_BYTES) throw new RangeError(`a file link block is ${BLOCK_BYTES} bytes, got ${block.byteLength}`);
    this.words = new Int32Array(block, 0, WORDS);
    this.postedAt = new Float64Array(block, POSTED_AT, 1);
    this.header = Buffer.from(block, HEADER_OFFSET, HEADER_BYTES);
    this.payload = Buffer.from(block, PAYLOAD_OFFSET, FILE_PAYLOAD_BYTES);
  }
  get state(): number {
    return Atomics.load(this.words, Word.state);
  }
  get seq(): number {
    return Atomics.load(this.words, Word.seq);
  }
  get exitRequested(): boolean {
    return Atomics.load(this.words, Word.exit) !== 0;
  }
  /** The JSON header in the block (the request while one runs, the reply after). */
  readHeader<T>(): T {
    return JSON.parse(this.header.toString('utf8', 0, Atomics.load(this.words, Word.headerLength))) as T;
  }
  /** Writes a JSON header; false when it does not fit. */
  writeHeader(value: unknown): boolean {
    const text = JSON.stringify(value);
    // Buffer.write stops at the end of the area: a header that does not fit is detected by its length.
    if (Buffer.byteLength(text) > HEADER_BYTES) return false;
    Atomics.store(this.words, Word.headerLength, this.header.write(text, 0, 'utf8'));
    return true;
  }
  get payloadLength(): number {
    return Atomics.load(this.words, Word.payloadLength);
  }
  set payloadLength(n: number) {
    Atomics.store(this.words, Word.payloadLength, n);
  }
  /** Posts the reply to request `seq` (file I/O thread side). */
  reply(seq: number): void {
    if (Atomics.load(this.words, Word.seq) !== seq) return;
    Atomics.store(this.words, Word.state, LinkState.reply);
    Atomics.notify(this.words, Word.state);
  }
  /** Blocks the file I/O thread until a request is posted or the owner asks it to end. */
  awaitRequest(): boolean {
    for (;;) {
      if (this.exitRequested) return false;
      const state = Atomics.load(this.words, Word.state);
      if (state === LinkState.request) return true;
      Atomics.wait(this.words, Word.state, state);
    }
  }
}

export const newFileLinkBlock = (): SharedArrayBuffer => new SharedArrayBuffer(BLOCK_BYTES);

export type DescriptorType = 'unknown' | 'block-device' | 'character-device' | 'directory' | 'fifo' | 'symbolic-link' | 'regular-file' | 'socket';
export interface OpenFlags {
  create?: boolean;
  directory?: boolean;
  exclusive?: boolean;
  truncate?: boolean;
}
export interface DescriptorFlags {
  read?: boolean;
  write?: boolean;
  mutateDirectory?: boolean;
}
/** What fstat or lstat found, as plain numbers. */
export interface FileStat {
  type: DescriptorType;
  nlink: number;
  size: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
}

/** What an `open` answers: `local` = a regular file on a local disk or memory file system (file-ops.ts). */
export interface OpenedDescriptor {
  fd: number;
  type: DescriptorType;
  local: boolean;
}

/** One request: the work of one guest call, so a lookup of many components costs one round trip. */
export type FileRequest = { session: number; what: string } & (
  | { op: 'begin'; hostPaths: string[]; closeOthers: boolean }
  | { op: 'end' }
  | { op: 'open'; dir: number; path: string; follow: boolean; open: OpenFlags; flags: DescriptorFlags }
  | { op: 'drop'; fd: number }
  | { op: 'read'; fd: number; length: number; offset: number }
  | { op: 'write'; fd: number; offset: number }
  | { op: 'append'; fd: number }
  | { op: 'sync' | 'datasync' | 'fstat'; fd: number }
  | { op: 'truncate'; fd: number; size: number }
  | { op: 'stat-at'; dir: number; path: string; follow: boolean }
  | { op: 'readdir'; fd: number; skip: number }
  | { op: 'mkdir' | 'rmdir' | 'unlink'; dir: number; path: string }
  | { op: 'rename'; dir: number; path: string; toDir: number; toPath: string }
);

/** `code`: a WASI error-code for the guest; `grant`: a preopen that cannot be opened; `fatal`: a host bug. */
export type FileReply = { ok: true; value: unknown } | { ok: false; code: string } | { ok: false; grant: string } | { ok: false; fatal: string };

/** The file I/O thread ended (it crashed or was stopped) while a connector still used it. */
export class FileThreadError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FILE_THREAD', message, options);
  }
}

/** When the host call in hand must be answered by (epoch ms), from the guest call's limits.call_timeout. */
export interface FileDeadline {
  deadline(): number;
  /** The whole budget, for messages. */
  readonly budgetMs: number;
}

export interface FileAnswer {
  value: unknown;
  /** A view of the block's payload: valid until the next request; copy what is kept. */
  payload: Buffer;
}

/**
 * A guest instance's side of a link: posts one request, waits for its reply until the
 * deadline. After a deadline passed (or the thread ended), `failure` is set and the
 * instance is done for: the runtime discards it, and its later requests fail at once
 * (but the one that closes its files, which waits its turn).
 */
export class FileClient {
  readonly #views: LinkViews;
  readonly #deadline: FileDeadline;
  readonly session: number;
  #failure: FilesystemHungError | FileThreadError | undefined;

  constructor(block: SharedArrayBuffer, deadline: FileDeadline) {
    this.#views = new LinkViews(block);
    this.#deadline = deadline;
    this.session = Atomics.add(this.#views.words, Word.nextSession, 1) + 1;
  }

  /** The failure that ended this instance's file access, if one did. */
  get failure(): FilesystemHungError | FileThreadError | undefined {
    return this.#failure;
  }

  /**
   * Runs one request on the file I/O thread; `fill` writes the data that goes with it
   * into the block (at most FILE_PAYLOAD_BYTES) once the block is this caller's, and
   * returns its length. Throws FilesystemHungError when the thread does not answer in time.
   */
  call(request: FileRequest, fill?: (payload: Buffer) => number): FileAnswer {
    const v = this.#views;
    const words = v.words;
    if (this.#failure && request.op !== 'end') throw this.#failure;
    if (Atomics.load(words, Word.dead) !== 0) throw (this.#failure = new FileThreadError(`the file I/O thread has ended; ${request.what} cannot run`));
    const deadline = this.#deadline.deadline();
    if (v.state === LinkState.request) this.#awaitEarlier(request, deadline);
    const seq = v.seq + 1;
    // The block is this caller's now (no request runs): an old reply in it is overwritten.
    if (!v.writeHeader(request)) throw new RangeError(`file request too large: ${request.what}`);
    v.payloadLength = fill ? fill(v.payload) : 0;
    v.postedAt[0] = Date.now();
    Atomics.store(words, Word.seq, seq);
    Atomics.store(words, Word.state, LinkState.request);
    Atomics.notify(words, Word.state);
    for (;;) {
      const state = Atomics.load(words, Word.state);
      if (state === LinkState.reply && v.seq === seq) break;
      if (Atomics.load(words, Word.dead) !== 0) throw (this.#failure = new FileThreadError(`the file I/O thread ended during ${request.what}`));
      const left = deadline - Date.now();
      if (left <= 0) {
        Atomics.store(words, Word.abandoned, seq);
        throw this.#fail(
          `the file system did not answer ${request.what} within ${Math.round(Date.now() - v.postedAt[0]!)} ms ` +
            `(${this.#deadline.budgetMs} ms of limits.call_timeout are given to a file operation)`,
        );
      }
      Atomics.wait(words, Word.state, state, left);
    }
    const reply = v.readHeader<FileReply>();
    const answer = { value: reply.ok ? reply.value : undefined, payload: v.payload.subarray(0, v.payloadLength) };
    Atomics.store(words, Word.state, LinkState.idle);
    if (reply.ok) return answer;
    if ('code' in reply) fail(reply.code);
    if ('grant' in reply) throw new FileGrantFailure(reply.grant);
    throw new Error(`file I/O failed: ${reply.fatal}`);
  }

  /** An earlier request still runs (this or another instance's): wait for it, or fail at once if its caller gave up on it. */
  #awaitEarlier(request: FileRequest, deadline: number): void {
    const v = this.#views;
    for (;;) {
      const state = v.state;
      if (state !== LinkState.request) return;
      const earlier = v.readHeader<FileRequest>().what;
      const since = Math.round((Date.now() - v.postedAt[0]!) / 1000);
      if (Atomics.load(v.words, Word.abandoned) === v.seq) {
        throw this.#fail(`the file system has not answered ${earlier} for ${since} s, so ${request.what} cannot run`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        Atomics.store(v.words, Word.abandoned, v.seq);
        throw this.#fail(`the file system has not answered ${earlier} for ${since} s, so ${request.what} cannot run`);
      }
      Atomics.wait(v.words, Word.state, state, left);
    }
  }

  #fail(what: string): FilesystemHungError {
    const error = new FilesystemHungError(
      `${what}: a network or FUSE mount inside the connector's preopens has stopped answering. ` +
        "The connector's thread was freed and the instance is discarded; the host's file I/O thread stays blocked until the mount answers (or is unmounted with umount -f)",
    );
    this.#failure = error;
    return error;
  }
}

/** A preopen could not be opened; filesystem.ts turns it into GrantError. */
export class FileGrantFailure extends Error {}

const FILE_THREAD = new URL('./file-thread.js', import.meta.url);

/**
 * Owns one file I/O thread and its block. The runtime keeps one per connector that has
 * preopens, for the connector's lifetime (across restarts), in the main thread: a
 * thread blocked in the kernel cannot be joined, and a connector's worker thread that
 * owned one could then never end.
 */
export class FileThread {
  readonly block = newFileLinkBlock();
  readonly #views = new LinkViews(this.block);
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  #ended = false;

  constructor() {
    this.#worker = new Worker(FILE_THREAD, { workerData: { block: this.block }, name: 'file-io', resourceLimits: { maxOldGenerationSizeMb: 64 } });
    // Owned through close(); an idle thread must not keep the process alive by itself.
    this.#worker.unref();
    this.#exited = new Promise((resolve) => {
      this.#worker.once('exit', () => {
        this.#ended = true;
        Atomics.store(this.#views.words, Word.dead, 1);
        Atomics.notify(this.#views.words, Word.state);
        resolve();
      });
    });
    this.#worker.on('error', () => {});
  }

  /** Whether the thread has ended (then a new one is needed). */
  get ended(): boolean {
    return this.#ended;
  }

  /** What the thread is blocked on, when a request has run longer than `olderThanMs`. */
  outstanding(olderThanMs = 0): string | undefined {
    if (this.#ended || this.#views.state !== LinkState.request) return undefined;
    const ms = Date.now() - this.#views.postedAt[0]!;
    return ms >= olderThanMs ? `${this.#views.readHeader<FileRequest>().what} (waiting ${Math.round(ms)} ms)` : undefined;
  }

  /** Ends the thread after the request in hand; false when it did not end within `graceMs` (blocked in the kernel). */
  async close(graceMs: number): Promise<boolean> {
    if (this.#ended) return true;
    Atomics.store(this.#views.words, Word.exit, 1);
    Atomics.notify(this.#views.words, Word.state);
    // Held while waiting: with nothing else left to do, the process would otherwise end before this returns.
    this.#worker.ref();
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([this.#exited.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))]);
    clearTimeout(timer);
    if (!ended) {
      // Also stops a thread that is slow to see the exit word; one blocked in a system call stays, unheld.
      this.#worker.unref();
      void this.#worker.terminate();
    }
    return ended;
  }
}
