// Which connectors share a worker thread, and the thread a group of them runs in.
// A worker thread costs a V8 isolate with its own copy of the runtime's modules,
// logger and young generation (about 15 MiB before any guest); sharing one among
// several connectors makes a further connector cost its guest and its Iggy
// connection. The price: connectors of a worker share its event loop, so a guest
// that hangs stalls its neighbours until the watchdog terminates the thread, and
// then they restart too (reason `neighbour`), from their committed offsets.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { serializeError, type ConnectorConfig, type SerializedError, type SupervisorCommand, type WorkerEvent, type WorkerInit } from './protocol.js';

const WORKER_URL = new URL('./connector-worker.js', import.meta.url);
/** JS heap of one worker thread (not the guests' memories, which `limits.memory_limit` caps). */
const WORKER_HEAP_MB = 512;
/**
 * Young generation of a worker thread. V8's default grows the semi-spaces to 8 MiB
 * and more per isolate; a pipeline's garbage is mostly the per-batch buffers, which
 * are off-heap, so a small young generation costs little time (docs/benchmarks.md).
 */
const WORKER_YOUNG_MB = 4;
/** With no size set, shared connectors spread over one thread per core, at most this many in each. */
export const AUTO_MAX_CONNECTORS_PER_WORKER = 16;

/**
 * `IGGY_CONNECTORS_PER_WORKER`: how many connectors share a thread. Unset or `1`: a thread each,
 * the default, since a guest that keeps its thread busy (a CPU-bound or log-flooding guest, one
 * that hangs until call_timeout) stalls every connector sharing it; `auto` (returned as
 * undefined): one thread per core, at most AUTO_MAX_CONNECTORS_PER_WORKER each; `n`: threads of n.
 */
export function connectorsPerWorkerFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.IGGY_CONNECTORS_PER_WORKER;
  if (raw === undefined || raw === '') return 1;
  if (raw === 'auto') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`IGGY_CONNECTORS_PER_WORKER must be "auto" or a whole number ≥ 1, got "${raw}"`);
  return n;
}

/**
 * A connector with a network or filesystem grant gets a thread of its own: its host
 * calls block the thread while the I/O runs, and it holds helper threads and files.
 */
export const needsOwnWorker = (c: ConnectorConfig): boolean => c.permissions.allowedHosts.length > 0 || c.permissions.preopens.length > 0;

/**
 * Splits connectors into worker groups: those that need a thread of their own get
 * one; the others fill threads of `perWorker` each or, without it, spread
 * round-robin over one thread per core, with at most AUTO_MAX_CONNECTORS_PER_WORKER in each.
 */
export function planWorkerGroups(connectors: readonly ConnectorConfig[], perWorker: number | undefined, cores = availableParallelism()): ConnectorConfig[][] {
  const own = connectors.filter(needsOwnWorker).map((c) => [c]);
  const shared = connectors.filter((c) => !needsOwnWorker(c));
  if (shared.length === 0) return own;
  const threads =
    perWorker === undefined
      ? Math.min(shared.length, Math.max(cores, Math.ceil(shared.length / AUTO_MAX_CONNECTORS_PER_WORKER)))
      : Math.ceil(shared.length / perWorker);
  const groups: ConnectorConfig[][] = Array.from({ length: threads }, () => []);
  shared.forEach((c, i) => groups[i % threads]!.push(c));
  return [...groups, ...own];
}

/** What a group tells each connector it runs. */
export interface ConnectorListener {
  onEvent(event: WorkerEvent): void;
  /** The thread ended while the connector ran in it (terminated or crashed). */
  onWorkerExit(exitCode: number, error: SerializedError | undefined): void;
}

interface Thread {
  worker: Worker;
  /** The connectors whose run is live in this thread. */
  listeners: Map<string, ConnectorListener>;
  exited: Promise<void>;
}

/**
 * The thread of one worker group: started on first use, and afresh after it ended or was terminated.
 * With `threadPerRun` (a connector with grants, alone in its group) the thread ends with each run of
 * its connector, so whatever the run's host calls left open (I/O threads, connection pools, files)
 * goes with it, even when the pipeline failed before the guest could be closed.
 */
export class WorkerGroup {
  readonly #init: WorkerInit;
  readonly #name: string;
  readonly #threadPerRun: boolean;
  #thread: Thread | undefined;

  constructor(init: WorkerInit, name: string, options: { threadPerRun?: boolean } = {}) {
    this.#init = init;
    this.#name = name;
    this.#threadPerRun = options.threadPerRun ?? false;
  }

  /** The connectors whose run is live in this group's current thread. */
  get live(): string[] {
    return [...(this.#thread?.listeners.keys() ?? [])];
  }

  /** `files`: the block of the connector's file I/O thread (connectors with preopens). */
  start(id: string, connector: ConnectorConfig, control: SharedArrayBuffer, files: SharedArrayBuffer | undefined, listener: ConnectorListener): void {
    const thread = this.#thread ?? this.#spawn();
    thread.listeners.set(id, listener);
    thread.worker.postMessage({ type: 'start', connector, control, ...(files ? { files } : {}) } satisfies SupervisorCommand);
  }

  stop(id: string): void {
    if (this.#thread?.listeners.has(id)) this.#thread.worker.postMessage({ type: 'stop', id } satisfies SupervisorCommand);
  }

  /**
   * Ends the thread now (a hung guest, or a stop that overran): every connector in it
   * ends; a connector started after this call gets a new thread.
   */
  terminate(): Promise<void> {
    const thread = this.#thread;
    if (!thread) return Promise.resolve();
    this.#thread = undefined;
    void thread.worker.terminate();
    return thread.exited;
  }

  /**
   * Ends the thread: at once when no connector runs in it, else by terminating it. Waits at most
   * `graceMs` for it to exit: a thread blocked in a system call never does, and is left behind.
   */
  async close(graceMs: number): Promise<void> {
    const thread = this.#thread;
    if (!thread) return;
    this.#thread = undefined;
    if (thread.listeners.size === 0) thread.worker.postMessage({ type: 'exit' } satisfies SupervisorCommand);
    else void thread.worker.terminate();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([thread.exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  #spawn(): Thread {
    // The guests' linear memories are capped by the host (limits.memory_limit); this caps the thread's own JS heap,
    // so a runaway in a pipeline or a host capability fails this worker alone (ERR_WORKER_OUT_OF_MEMORY).
    const worker = new Worker(WORKER_URL, {
      workerData: this.#init,
      name: this.#name,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
    });
    const listeners = new Map<string, ConnectorListener>();
    let crash: SerializedError | undefined;
    worker.on('message', (event: WorkerEvent) => {
      if (event.type === 'log') {
        process.stdout.write(event.line);
        return;
      }
      const listener = listeners.get(event.id);
      if (!listener) return;
      if (event.type === 'ended') {
        listeners.delete(event.id);
        if (this.#threadPerRun && listeners.size === 0) {
          // Detached first: a restart started from the listener below gets a new thread.
          if (this.#thread?.worker === worker) this.#thread = undefined;
          worker.postMessage({ type: 'exit' } satisfies SupervisorCommand);
        }
      }
      listener.onEvent(event);
    });
    worker.on('error', (error) => {
      crash = serializeError(error);
    });
    const exited = new Promise<void>((resolve) => {
      worker.once('exit', (exitCode) => {
        if (this.#thread?.worker === worker) this.#thread = undefined;
        const orphans = [...listeners.values()];
        listeners.clear();
        for (const listener of orphans) listener.onWorkerExit(exitCode, crash);
        resolve();
      });
    });
    const thread = { worker, listeners, exited };
    this.#thread = thread;
    return thread;
  }
}
