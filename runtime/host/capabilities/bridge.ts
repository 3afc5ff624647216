// Synchronous calls from a guest's thread to its capability I/O thread. Guest
// imports are synchronous (jco sync mode), so the caller blocks on Atomics.wait
// while the I/O thread does the async work and posts the reply on a
// MessagePort that the caller drains with receiveMessageOnPort.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { RuntimeError } from '../../errors.js';
import type { Failure, IoCall, IoReply, IoThreadData } from './protocol.js';

/** The I/O thread could not be started or stopped answering. */
export class CapabilityBridgeError extends RuntimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CAPABILITY_BRIDGE', message, options);
  }
}

const IO_THREAD = new URL('./io-thread.js', import.meta.url);
const CLOSE_WAIT_MS = 2_000;
const IO_YOUNG_MB = 2;

export type CallOutcome = { ok: true; value: unknown } | { ok: false; failure: Failure };

/** Owns one I/O thread, started at the first call; `close()` stops it. */
export class IoBridge {
  /** Work the owner may hand over for the time a call waits (see CapabilityContext.whileWaiting). */
  readonly #takeIdleWork: () => (() => void) | undefined;
  #worker: Worker | undefined;
  #port: MessagePort | undefined;
  #signal: Int32Array | undefined;
  #nextId = 1;
  #closed = false;

  constructor(takeIdleWork: () => (() => void) | undefined = () => undefined) {
    this.#takeIdleWork = takeIdleWork;
  }

  #start(): { port: MessagePort; signal: Int32Array } {
    if (this.#port && this.#signal) return { port: this.#port, signal: this.#signal };
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const data: IoThreadData = { port: port2, signal };
    try {
      // A small young generation, as for connector threads: this thread's own objects are few and short-lived.
      this.#worker = new Worker(IO_THREAD, { workerData: data, transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: IO_YOUNG_MB } });
    } catch (cause) {
      throw new CapabilityBridgeError(`cannot start the capability I/O thread: ${(cause as Error).message}`, { cause });
    }
    // The guest's thread owns the I/O thread through close(); it must not keep the process alive by itself.
    this.#worker.unref();
    port1.unref();
    this.#port = port1;
    this.#signal = signal;
    return { port: port1, signal };
  }

  /**
   * Blocks until the I/O thread answers or `waitMs` passes (then a timeout failure). `transfer`:
   * buffers of `request` that move to the I/O thread instead of being copied (the caller must not use them again).
   */
  call(request: IoCall, waitMs: number, transfer: ArrayBuffer[] = []): CallOutcome {
    if (this.#closed) throw new CapabilityBridgeError('capability used after the instance was closed');
    const { port, signal } = this.#start();
    const id = this.#nextId++;
    port.postMessage({ id, request }, transfer);
    // The request is on its way: this thread would only wait, so it does the work it was given first.
    const work = this.#takeIdleWork();
    if (work) {
      try {
        work();
      } catch {
        // The owner's work must not fail the guest's call; it does that work again when it needs it.
      }
    }
    const deadline = Date.now() + waitMs;
    for (;;) {
      // Read the counter before draining: a reply posted after the drain bumps it, so the wait returns at once.
      const seen = Atomics.load(signal, 0);
      let received = receiveMessageOnPort(port);
      while (received) {
        const reply = received.message as IoReply;
        if (reply.id === id) return reply.ok ? { ok: true, value: reply.value } : { ok: false, failure: reply.failure };
        // A late answer to a call that already timed out.
        received = receiveMessageOnPort(port);
      }
      const left = deadline - Date.now();
      if (left <= 0) return { ok: false, failure: { tag: 'timeout', val: `no answer within ${waitMs} ms` } };
      Atomics.wait(signal, 0, seen, left);
    }
  }

  /** Asks the I/O thread to close its connections, then stops it. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#worker) return;
    try {
      this.#closed = false;
      this.call({ op: 'close' }, CLOSE_WAIT_MS);
    } finally {
      this.#closed = true;
      this.#port?.close();
      void this.#worker.terminate();
      this.#worker = undefined;
      this.#port = undefined;
    }
  }
}
