// One guest instance and its calls: converts between the host's FlatBatch and the
// WIT values, maps `err(connector-error)` to ConnectorCallError and everything else
// the guest throws to GuestTrapError, after which the instance refuses further calls.
import { checkBatchShape, INDEX_ENTRY_SIZE, toBuffer, type FlatBatch } from '../batch/flat-batch.js';
import { ConnectorCallError, GuestBatchError, GuestTrapError, type ConnectorCall, type ConnectorErrorKind } from './errors.js';
import type { GuestImports } from './wasi/imports.js';
import type { WasmMemory } from './wasm.js';
import { capGuestText } from './guest-text.js';
import type { MessageFailure, SinkResults } from './sink-results.js';

export { MAX_GUEST_TEXT, capGuestText } from './guest-text.js';

export interface TopicMetadata {
  stream: string;
  topic: string;
}
export type Schema = 'json' | 'raw' | 'text' | 'proto' | 'avro' | 'flatbuffer';
export interface BatchMetadata {
  partitionId: number;
  currentOffset: bigint;
  schema: Schema;
  messageCount: number;
}

export interface SinkGuest {
  open(config: string): void;
  /** Returns the messages the guest named as failed (`sink-results`), in entry order; usually none. */
  consume(topic: TopicMetadata, meta: BatchMetadata, batch: FlatBatch): readonly MessageFailure[];
  /**
   * Host work (pure, quick, never calling the guest) to run on this thread once, while the guest
   * waits for a capability (an HTTP request, a SQL statement) in a call; undefined clears it.
   */
  whileWaiting(work: (() => void) | undefined): void;
  close(): void;
  memoryBytes(): number;
}

export interface SourceGuest {
  open(config: string, state?: Uint8Array): void;
  poll(): { batch: FlatBatch; state?: Uint8Array };
  close(): void;
  memoryBytes(): number;
}

interface WitBatch {
  index: Uint8Array;
  data: Uint8Array;
}
/** The WIT record `topic-metadata` as jco names its fields. */
interface WitTopic {
  streamName: string;
  topicName: string;
}
export interface SinkExports {
  open(config: string): void;
  consume(topic: WitTopic, meta: BatchMetadata, batch: WitBatch): void;
  close(): void;
}
export interface SourceExports {
  open(config: string, state: Uint8Array | undefined): void;
  poll(): { messages: WitBatch; state?: Uint8Array | null };
  close(): void;
}

const KINDS: readonly ConnectorErrorKind[] = ['invalid-config', 'transient', 'permanent'];

/** jco throws a ComponentError whose `payload` is the err value; for us `{ tag, val }`. */
function connectorError(err: unknown): { kind: ConnectorErrorKind; message: string } | undefined {
  if (typeof err !== 'object' || err === null || !('payload' in err)) return undefined;
  const payload = (err as { payload: unknown }).payload as { tag?: unknown; val?: unknown } | null;
  if (typeof payload !== 'object' || payload === null || !KINDS.includes(payload.tag as ConnectorErrorKind)) return undefined;
  return { kind: payload.tag as ConnectorErrorKind, message: capGuestText(typeof payload.val === 'string' ? payload.val : String(payload.val)) };
}

/**
 * What a JS guest threw, when it was no connector-error. componentize-js returns a value
 * thrown by an export as the call's `err`; one that is not a `{ tag, val }` of
 * connector-error (a plain Error, a string) fails to convert, and the guest aborts after
 * printing `invalid variant tag value \`undefined\` (received \`<the value>\`) specified
 * for \`ConnectorError\``: the received value is the guest's own message. The end of the
 * line may be cut when the value was long (stderr is kept up to 4 KiB).
 */
const UNCAUGHT_JS = /invalid variant tag value `undefined` \(received `([\s\S]*?)(?:`\) specified for `ConnectorError`|$)/;

/**
 * A JS or Rust guest explains a crash on stderr (an uncaught exception, a panic)
 * before the engine hits `unreachable`; that text is the useful part.
 */
function trapMessage(err: unknown, stderr: string): string {
  const thrown = UNCAUGHT_JS.exec(stderr)?.[1];
  if (thrown !== undefined) {
    return (
      `the guest threw ${capGuestText(thrown.trim())} (uncaught: a thrown value that is no connector-error is a crash, so the instance is discarded; ` +
      "a JS guest reports an error it means with the SDK's invalidConfig, transient or permanent)"
    );
  }
  let engine = capGuestText(err instanceof Error ? err.message : String(err));
  // V8 reports a guest that recursed past the engine's stack as a RangeError; say what it is.
  if (err instanceof RangeError && /call stack size/i.test(err.message)) engine = `stack overflow: the guest recursed too deep (${engine})`;
  // A guest whose stack lives in linear memory (Rust, C, Go) overflows it into an out-of-bounds access.
  else if (/memory access out of bounds|out of bounds memory access/i.test(engine))
    engine = `${engine} (a stack overflow of a guest whose stack is in linear memory, as in Rust or C, shows as this too)`;
  const said = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== 'Stack:' && !l.startsWith('Redirecting call to abort'))
    .slice(0, 4)
    .join(' | ');
  return said ? `${capGuestText(said)} (${engine})` : engine;
}

/** Shared plumbing: the trap latch, the call wrapper, memory accounting and teardown. */
export class GuestCore {
  readonly #memories: WasmMemory[];
  readonly #imports: GuestImports;
  /** What ended the instance: a trap, or a host call that did not answer; `call` = the call it happened in. */
  #trapped: { call: ConnectorCall; error: Error } | undefined;
  #closed = false;

  constructor(memories: WasmMemory[], imports: GuestImports) {
    this.#memories = memories;
    this.#imports = imports;
  }

  call<T>(call: ConnectorCall, fn: () => T): T {
    if (this.#trapped)
      throw new GuestTrapError(call, `instance trapped earlier in ${this.#trapped.call} and cannot be called again; instantiate a new one`, {
        cause: this.#trapped.error,
      });
    if (this.#closed) throw new GuestTrapError(call, 'instance is closed; instantiate a new one');
    this.#imports.takeStderr();
    this.#imports.beginCall();
    let result: T;
    try {
      result = fn();
    } catch (err) {
      const ce = this.#imports.hostFailure() ? undefined : connectorError(err);
      if (ce) throw new ConnectorCallError(ce.kind, call, ce.message);
      // A host call that did not answer ends the instance with its own error, whatever the guest made of it.
      throw this.#end(call, this.#imports.hostFailure() ?? new GuestTrapError(call, trapMessage(err, this.#imports.takeStderr()), { cause: err }));
    } finally {
      this.#imports.endCall();
    }
    // The guest may have caught the host's exception (WebAssembly exception handling) and returned normally.
    const failed = this.#imports.hostFailure();
    if (failed) throw this.#end(call, failed);
    return result;
  }

  #end(call: ConnectorCall, error: Error): Error {
    this.#trapped = { call, error };
    this.#imports.close();
    return error;
  }

  whileWaiting(work: (() => void) | undefined): void {
    this.#imports.whileWaiting(work);
  }

  /** The instance's `sink-results` collector. */
  get sinkResults(): SinkResults {
    return this.#imports.sinkResults;
  }

  /** Called after the guest's own close (whether it succeeded or not). */
  release(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#imports.close();
  }

  memoryBytes(): number {
    let total = 0;
    for (const m of this.#memories) total += m.buffer.byteLength;
    return total;
  }
}

const view = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** What both kinds share: `close` releases the instance whatever it answers; memory in use. */
function closeAndMemory(exports: { close(): void }, core: GuestCore): { close(): void; memoryBytes(): number } {
  return {
    close: () => {
      try {
        core.call('close', () => exports.close());
      } finally {
        core.release();
      }
    },
    memoryBytes: () => core.memoryBytes(),
  };
}

export function sinkGuest(exports: SinkExports, core: GuestCore): SinkGuest {
  return {
    open: (config) => core.call('open', () => exports.open(config)),
    consume: (topic, meta, batch) => {
      const results = core.sinkResults;
      results.begin(batch.count);
      try {
        core.call('consume', () =>
          exports.consume({ streamName: topic.stream, topicName: topic.topic }, meta, { index: view(batch.index), data: view(batch.data) }),
        );
      } catch (err) {
        // An err (or a trap) fails the whole batch: what the call reported about single messages no longer applies.
        results.end();
        throw err;
      }
      return results.end();
    },
    whileWaiting: (work) => core.whileWaiting(work),
    ...closeAndMemory(exports, core),
  };
}

export function sourceGuest(exports: SourceExports, core: GuestCore): SourceGuest {
  return {
    open: (config, state) => core.call('open', () => exports.open(config, state)),
    poll: () => {
      const result = core.call('poll', () => exports.poll());
      const { index, data } = result.messages;
      const problem = checkBatchShape(index, data);
      if (problem) throw new GuestBatchError(problem.entry, problem.reason);
      const batch: FlatBatch = { count: index.length / INDEX_ENTRY_SIZE, index: toBuffer(index), data: toBuffer(data) };
      return result.state == null ? { batch } : { batch, state: result.state };
    },
    ...closeAndMemory(exports, core),
  };
}
