// The kit's side of one guest worker: sends requests one at a time and runs the
// watchdog that terminates the worker when a guest call overruns the call timeout,
// the same protection the supervisor gives connectors in production.
import { Worker } from 'node:worker_threads';
import { Control, guestCallName, newControlBlock } from '../pipeline/guest-control.js';
import type { KitReply, KitRequest, Outcome } from './protocol.js';

const WORKER_URL = new URL('./guest-worker.js', import.meta.url);
const WATCHDOG_INTERVAL_MS = 20;
/** Loading and instantiating run no guest export; they get this much before the worker is given up. */
const SETUP_TIMEOUT_MS = 120_000;

export interface SessionOptions {
  callTimeoutMs: number;
}

export class GuestSession {
  readonly #worker: Worker;
  readonly #control: BigInt64Array;
  readonly #callTimeoutMs: number;
  #nextId = 1;
  #pending: { id: number; resolve: (o: Outcome) => void; timer?: NodeJS.Timeout } | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #dead: Outcome | undefined;

  private constructor(worker: Worker, control: SharedArrayBuffer, options: SessionOptions) {
    this.#worker = worker;
    this.#control = new BigInt64Array(control);
    this.#callTimeoutMs = options.callTimeoutMs;
  }

  /** Starts a worker; the caller owns the session and must `close()` it. */
  static start(options: SessionOptions): GuestSession {
    const control = newControlBlock();
    const worker = new Worker(WORKER_URL, { workerData: { control }, name: 'conformance-guest' });
    const session = new GuestSession(worker, control, options);
    session.#attach();
    return session;
  }

  #attach(): void {
    this.#worker.on('message', (reply: KitReply) => {
      const pending = this.#pending;
      if (!pending || pending.id !== reply.id) return;
      this.#settle(reply.outcome);
    });
    this.#worker.on('error', (error) => this.#die({ type: 'worker-exit', message: `the guest worker failed: ${error.message}` }));
    this.#worker.on('exit', (code) => this.#die({ type: 'worker-exit', message: `the guest worker exited with code ${code}` }));
    this.#watchdog = setInterval(() => this.#check(), WATCHDOG_INTERVAL_MS);
  }

  /** False after a timeout or a worker crash: start a new session. */
  get alive(): boolean {
    return this.#dead === undefined;
  }

  request<V = unknown>(request: KitRequest): Promise<Outcome<V>> {
    if (this.#dead) return Promise.resolve(this.#dead as Outcome<V>);
    if (this.#pending) throw new Error('GuestSession.request: one request at a time');
    const id = this.#nextId++;
    return new Promise<Outcome<V>>((resolve) => {
      const pending: { id: number; resolve: (o: Outcome) => void; timer?: NodeJS.Timeout } = { id, resolve: resolve as (o: Outcome) => void };
      if (request.op === 'load' || request.op === 'instantiate') {
        pending.timer = setTimeout(() => {
          this.#kill({ type: 'timeout', call: request.op, elapsedMs: SETUP_TIMEOUT_MS });
        }, SETUP_TIMEOUT_MS);
      }
      this.#pending = pending;
      this.#worker.postMessage({ id, request });
    });
  }

  #settle(outcome: Outcome): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    if (pending.timer) clearTimeout(pending.timer);
    pending.resolve(outcome);
  }

  #check(): void {
    const started = Atomics.load(this.#control, Control.callStartedMs);
    if (started === 0n || this.#dead) return;
    const elapsedMs = Date.now() - Number(started);
    if (elapsedMs <= this.#callTimeoutMs) return;
    const call = guestCallName(Number(Atomics.load(this.#control, Control.callKind)));
    this.#kill({ type: 'timeout', call, elapsedMs });
  }

  #kill(outcome: Outcome): void {
    this.#die(outcome);
    void this.#worker.terminate();
  }

  #die(outcome: Outcome): void {
    if (this.#dead) return;
    this.#dead = outcome;
    this.#stopWatchdog();
    this.#settle(outcome);
  }

  #stopWatchdog(): void {
    if (this.#watchdog) clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }

  async close(): Promise<void> {
    this.#stopWatchdog();
    if (!this.#dead) this.#dead = { type: 'worker-exit', message: 'the session was closed' };
    this.#settle(this.#dead);
    await this.#worker.terminate();
  }
}
