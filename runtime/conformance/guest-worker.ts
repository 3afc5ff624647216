// Worker-thread entry of the conformance kit: holds the component under test and
// one instance of it, and runs the kit's requests. Every guest call is marked in the
// shared control block so the kit can terminate this thread when a call hangs.
import { parentPort, workerData } from 'node:worker_threads';
import { toBuffer, type FlatBatch } from '../batch/flat-batch.js';
import { ConnectorCallError, GuestBatchError, GuestTrapError, loadComponent, type LoadedComponent, type SinkGuest, type SourceGuest } from '../host/index.js';
import { RuntimeError } from '../errors.js';
import { silentLogger } from '../log/logger.js';
import { GuestWatch } from '../pipeline/guest-watch.js';
import type { GuestCallName } from '../pipeline/guest-control.js';
import type { KitReply, KitRequest, LoadValue, Outcome, PollValue, RepeatValue, WorkerBatch } from './protocol.js';

interface WorkerState {
  component?: LoadedComponent;
  sink?: SinkGuest;
  source?: SourceGuest;
}

const flat = (b: WorkerBatch, count: number): FlatBatch => ({ count, index: toBuffer(b.index), data: toBuffer(b.data) });

function failure(error: unknown, iteration?: number): Outcome {
  const at = iteration === undefined ? {} : { iteration };
  if (error instanceof GuestBatchError) return { type: 'host-error', code: 'MALFORMED_BATCH', message: error.message, ...at };
  if (error instanceof ConnectorCallError) {
    return { type: 'connector-error', kind: error.kind, message: error.message, ms: 0, ...at };
  }
  if (error instanceof GuestTrapError) return { type: 'trap', call: error.call, message: error.message, ...at };
  if (error instanceof RuntimeError) {
    const unknownImports = (error as { unknownImports?: readonly string[] }).unknownImports;
    return { type: 'host-error', code: error.code, message: error.message, ...(unknownImports ? { unknownImports: [...unknownImports] } : {}), ...at };
  }
  return { type: 'host-error', code: 'INTERNAL', message: error instanceof Error ? error.message : String(error), ...at };
}

class KitWorker {
  readonly #state: WorkerState = {};
  readonly #watch: GuestWatch;

  constructor(control: SharedArrayBuffer) {
    // The kit reports memory growth rather than enforcing a limit.
    this.#watch = new GuestWatch(control, Number.POSITIVE_INFINITY, () => this.#memory());
  }

  #memory(): number {
    return this.#state.sink?.memoryBytes() ?? this.#state.source?.memoryBytes() ?? 0;
  }

  /** Runs one guest call under the watchdog and times it. */
  #timed<V>(name: GuestCallName, fn: () => V): Outcome<V> {
    const started = performance.now();
    try {
      const value = this.#watch.call(name, fn);
      return { type: 'ok', value, ms: performance.now() - started, memoryBytes: this.#memory() };
    } catch (error) {
      const out = failure(error);
      if (out.type === 'connector-error') out.ms = performance.now() - started;
      return out as Outcome<V>;
    }
  }

  #sink(): SinkGuest {
    if (!this.#state.sink) throw new RuntimeError('CONFORMANCE_NO_INSTANCE', 'no sink instance; instantiate first');
    return this.#state.sink;
  }

  #source(): SourceGuest {
    if (!this.#state.source) throw new RuntimeError('CONFORMANCE_NO_INSTANCE', 'no source instance; instantiate first');
    return this.#state.source;
  }

  async handle(req: KitRequest): Promise<Outcome> {
    try {
      return await this.#dispatch(req);
    } catch (error) {
      return failure(error);
    }
  }

  async #dispatch(req: KitRequest): Promise<Outcome> {
    switch (req.op) {
      case 'load': {
        const started = performance.now();
        const component = await loadComponent(req.path, {
          logger: silentLogger(),
          grants: req.grants,
          ...(req.kind ? { kind: req.kind } : {}),
          ...(req.cacheDir ? { cacheDir: req.cacheDir } : {}),
        });
        this.#state.component = component;
        const value: LoadValue = { kind: component.kind, imports: component.imports, exports: component.exports };
        return { type: 'ok', value, ms: performance.now() - started, memoryBytes: 0 };
      }
      case 'instantiate': {
        const component = this.#state.component;
        if (!component) throw new RuntimeError('CONFORMANCE_NO_COMPONENT', 'no component loaded');
        const started = performance.now();
        this.#state.sink = undefined;
        this.#state.source = undefined;
        if (component.kind === 'sink') this.#state.sink = await component.instantiateSink();
        else this.#state.source = await component.instantiateSource();
        return { type: 'ok', value: undefined, ms: performance.now() - started, memoryBytes: this.#memory() };
      }
      case 'open': {
        const { config, state } = req;
        if (this.#state.sink) {
          const sink = this.#state.sink;
          return this.#timed('open', () => sink.open(config));
        }
        const source = this.#source();
        return this.#timed('open', () => source.open(config, state));
      }
      case 'consume': {
        const sink = this.#sink();
        const batch = flat(req.batch, req.meta.messageCount);
        return this.#timed('consume', () => sink.consume(req.topic, req.meta, batch));
      }
      case 'poll': {
        const source = this.#source();
        return this.#timed('poll', (): PollValue => {
          const { batch, state } = source.poll();
          return state === undefined ? { index: batch.index, data: batch.data } : { index: batch.index, data: batch.data, state };
        });
      }
      case 'close': {
        if (this.#state.sink) {
          const sink = this.#state.sink;
          return this.#timed('close', () => sink.close());
        }
        const source = this.#source();
        return this.#timed('close', () => source.close());
      }
      case 'repeat':
        return this.#repeat(req);
    }
  }

  #repeat(req: Extract<KitRequest, { op: 'repeat' }>): Outcome {
    let call: () => void;
    if (req.call === 'consume') {
      const sink = this.#sink();
      if (!req.batch || !req.meta || !req.topic) throw new RuntimeError('CONFORMANCE_BAD_REQUEST', 'repeat consume needs topic, meta and batch');
      const { topic, meta } = req;
      const batch = flat(req.batch, meta.messageCount);
      call = () => sink.consume(topic, meta, batch);
    } else {
      const source = this.#source();
      call = () => void source.poll();
    }
    let slowestMs = 0;
    let memoryBeforeBytes = 0;
    const samples: number[] = [];
    const every = Math.max(1, Math.floor(req.times / 10));
    const total = req.warmup + req.times;
    for (let i = 0; i < total; i++) {
      if (i === req.warmup) memoryBeforeBytes = this.#memory();
      else if (i > req.warmup && (i - req.warmup) % every === 0) samples.push(this.#memory());
      const started = performance.now();
      try {
        this.#watch.call(req.call, call);
      } catch (error) {
        return failure(error, i);
      }
      slowestMs = Math.max(slowestMs, performance.now() - started);
    }
    samples.push(this.#memory());
    const value: RepeatValue = { calls: total, memoryBeforeBytes, memoryAfterBytes: this.#memory(), samples, slowestMs };
    return { type: 'ok', value, ms: slowestMs, memoryBytes: value.memoryAfterBytes };
  }
}

const port = parentPort;
if (!port) throw new Error('guest-worker must run in a worker thread');
const worker = new KitWorker((workerData as { control: SharedArrayBuffer }).control);
port.on('message', (message: { id: number; request: KitRequest }) => {
  void worker.handle(message.request).then((outcome) => {
    const reply: KitReply = { id: message.id, outcome };
    port.postMessage(reply);
  });
});
