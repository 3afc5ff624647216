// A source connector's message path: the guest's `poll` → transforms / schema
// check → send to Iggy → persist the state blob. Sends are pipelined (a few
// batches in flight while the guest produces the next), but a state is saved only
// after Iggy acknowledged every message produced before it, so a restart resumes
// after an acknowledged batch (at-least-once, nothing skipped).
import type { Logger } from 'pino';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { buildBatch, headersOf, payloadOf, Field, INDEX_ENTRY_SIZE, readU128, type FlatBatch } from '../batch/flat-batch.js';
import type { SourceConfig, SourceStreamConfig } from '../config/index.js';
import { ConnectorCallError, type SourceGuest } from '../host/index.js';
import { closeQuietly, deadLetterTarget, ensureTopics, loadConnectorComponent, openOrStop } from './guest-lifecycle.js';
import type { StateStore, StateWriter } from '../state/state-store.js';
import { isRetryable } from '../iggy/errors.js';
import { observeStage, type ConnectorStats } from './stats.js';
import { checkAndTransform } from './check-batch.js';
import { compileTransforms, type TransformChain } from './transforms/index.js';
import { GuestWatch } from './guest-watch.js';
import { backoffDelay, sleep } from '../timing/backoff.js';
import { ConnectorStoppedError } from './failure.js';
import { divertOrStop } from './dead-letter.js';
import { toSendPartitioning, type PipelineIggy, type SendPartitioning } from './iggy-port.js';
import { retryIggy } from './iggy-retry.js';
import { checkSourceMessages } from './source-checks.js';
import { unsendable, sendChunks } from './sendable.js';
import { SchemaChecker, without } from './schema/index.js';

export interface SourcePipelineOptions {
  config: SourceConfig;
  client: PipelineIggy;
  logger: Logger;
  stats: ConnectorStats;
  control: SharedArrayBuffer;
  signal: AbortSignal;
  stateStore: StateStore;
  onRunning: () => void;
  cacheDir?: string;
  /** The block of the connector's file I/O thread (connectors with preopens). */
  files?: SharedArrayBuffer;
}

interface Destination {
  stream: string;
  topic: string;
  config: SourceStreamConfig;
}

/** A transformed batch and, when the `route` transform ran, each message's destination. */
interface Prepared {
  batch: FlatBatch;
  routes?: Int32Array;
}

/** Flushes whose sends may be in flight at once: the guest keeps producing while earlier batches wait for their acks. */
const MAX_FLUSHES_IN_FLIGHT = 4;
/** The state is persisted at most this often; a crash re-produces at most this window (at-least-once). */
const STATE_SAVE_INTERVAL_MS = 100;

/** Batches produced by the guest, waiting to be sent together (batch_size / linger_time). */
interface Pending {
  batches: Prepared[];
  count: number;
  since: number;
  state?: Uint8Array;
}

export async function runSourcePipeline(options: SourcePipelineOptions): Promise<void> {
  const { config, logger, signal, stats, client } = options;
  const primary = config.streams[0];
  if (!primary) throw new ConnectorStoppedError(`source "${config.key}" has no [[sources.${config.key}.streams]] to send to`);
  const component = await loadConnectorComponent(config, logger, options.cacheDir, options.files);
  const guest = await component.instantiateSource();
  const watch = new GuestWatch(options.control, config.limits.memoryLimitBytes, () => guest.memoryBytes());
  const close = (): void => closeQuietly(watch, config, () => guest.close(), logger);
  const saved = await options.stateStore.load(config.key);
  openOrStop(watch, config, () => guest.open(JSON.stringify(config.config), saved));
  if (saved) logger.info({ bytes: saved.length }, 'source resumed from its saved state');

  const chain = compileTransforms(config.transforms, { direction: 'source', schema: primary.schema });
  const checker = new SchemaChecker(primary.schema);
  const targets = [
    ...config.streams.map((s) => ({ stream: s.stream, topic: s.topic, role: 'topic' })),
    ...chain.routeTargets.map((r) => ({ ...r, role: 'route' })),
    ...deadLetterTarget(config.errors),
  ];
  if (!(await ensureTopics(client, targets, signal, logger))) return close();
  const destinations: Destination[] = config.streams.map((s) => ({ stream: s.stream, topic: s.topic, config: s }));
  options.onRunning();

  const pending: Pending = { batches: [], count: 0, since: 0 };
  const failures = { transient: 0 };
  const writer = options.stateStore.writer(config.key, {
    intervalMs: STATE_SAVE_INTERVAL_MS,
    onSaved: (seconds) => observeStage(stats, 'commit', seconds),
  });
  const acks = new AckWindow({ maxInFlight: MAX_FLUSHES_IN_FLIGHT, onAcknowledged: (state) => writer.offer(state) });
  const order: SendOrder = { retrying: 0 };
  const flush = (): Promise<void> => acks.push(dispatch(options, chain, destinations, pending, acks.tail, order), takeState(pending));
  let healthy = false;
  try {
    while (!signal.aborted) {
      const produced = pollGuest(watch, guest, options, failures);
      if ('retryInMs' in produced) {
        await sleep(produced.retryInMs, signal);
        continue;
      }
      if (produced.batch.count > 0) {
        checkSourceMessages(produced.batch);
        stats.messagesIn += produced.batch.count;
        const ready = await prepare(options, chain, checker, primary, produced.batch);
        if (pending.count === 0) pending.since = Date.now();
        if (ready.batch.count > 0) {
          pending.batches.push(ready);
          pending.count += ready.batch.count;
        }
      }
      if (produced.state) pending.state = produced.state;
      const lingerOver = Date.now() - pending.since >= primary.lingerMs;
      if (pending.count >= primary.batchSize || (pending.count > 0 && (lingerOver || produced.batch.count === 0)) || (pending.count === 0 && pending.state)) {
        await flush();
      }
      if (produced.batch.count === 0) await sleep(config.pollIntervalMs, signal);
      // While sends are in flight the loop never waits on I/O by itself: give acks,
      // state saves and timers their turn after every poll.
      else await nextTurn();
    }
    // Shutdown: what the guest already produced is sent and its state saved before close().
    await flush();
    await acks.drain();
    healthy = true;
  } finally {
    // Every state the writer holds was acknowledged, so saving it is right even when failing.
    await closeWriter(writer, healthy, logger);
    if (healthy) close();
  }
}

type PollOutcome = { batch: FlatBatch; state?: Uint8Array } | { retryInMs: number };

/** Calls the guest's poll; a transient failure asks to poll again after a growing delay. */
function pollGuest(watch: GuestWatch, guest: SourceGuest, options: SourcePipelineOptions, failures: { transient: number }): PollOutcome {
  const { stats, logger, config } = options;
  try {
    const started = performance.now();
    const result = watch.call('poll', () => guest.poll());
    observeStage(stats, 'guest_call', (performance.now() - started) / 1000);
    failures.transient = 0;
    return result;
  } catch (error) {
    if (!(error instanceof ConnectorCallError)) throw error;
    stats.errors += 1;
    stats.lastError = error.message;
    if (error.kind === 'transient') {
      stats.retries += 1;
      const retryInMs = backoffDelay(failures.transient, Math.max(10, config.pollIntervalMs), 30_000);
      failures.transient += 1;
      logger.warn({ err: error, attempt: failures.transient, delayMs: retryInMs }, 'source poll failed (transient); polling again later');
      return { retryInMs };
    }
    throw new ConnectorStoppedError(`source "${config.key}" poll failed: ${error.message}`, { cause: error });
  }
}

/** Transforms and schema-checks what the guest produced; rejected messages go to the dead-letter topic or stop the source. */
async function prepare(
  options: SourcePipelineOptions,
  chain: TransformChain,
  checker: SchemaChecker,
  primary: SourceStreamConfig,
  batch: FlatBatch,
): Promise<Prepared> {
  const { config, stats } = options;
  const origin = { connector: config.key, stream: primary.stream, topic: primary.topic, partitionId: 0 };
  const oversized = unsendable(batch);
  if (oversized.length > 0) {
    const reason = `source "${config.key}" produced ${oversized.length} message(s) Iggy refuses for their size: ${oversized
      .slice(0, 3)
      .map((r) => `message ${r.entry}: ${r.reason}`)
      .join('; ')}`;
    // The dead-letter topic gets what Iggy can take of each: its first KiB and its headers when they fit.
    const preview = buildBatch(
      oversized.map(({ entry }) => {
        const headers = headersOf(batch, entry);
        return {
          id: readU128(batch.index, entry * INDEX_ENTRY_SIZE + Field.id),
          payload: payloadOf(batch, entry).subarray(0, 1024),
          headers: headers.length <= 100_000 ? headers : Buffer.alloc(0),
        };
      }),
    );
    await divertOrStop(
      { ...options, errors: config.errors },
      preview,
      oversized.map((r, i) => ({ entry: i, reason: r.reason })),
      origin,
      reason,
      `${reason}; split such messages in the source`,
    );
    batch = without(batch, oversized);
  }
  const result = checkAndTransform(chain, batch, checker, stats);
  stats.messagesFiltered += result.filtered;
  if (result.rejected.length > 0) {
    const reason = `source "${config.key}" produced ${result.rejected.length} message(s) that do not match schema "${primary.schema}" or the transforms: ${result.rejected
      .slice(0, 3)
      .map((r) => r.reason)
      .join('; ')}`;
    await divertOrStop({ ...options, errors: config.errors }, batch, result.rejected, origin, reason, `${reason}; fix the source`);
  }
  return 'routes' in result && result.routes ? { batch: result.batch, routes: result.routes } : { batch: result.batch };
}

/**
 * Starts sending everything pending, in order, without waiting for the acks;
 * the returned promise resolves once these sends and every earlier one
 * (`previous`) were acknowledged. Empties `pending` except for its state.
 */
function dispatch(
  options: SourcePipelineOptions,
  chain: TransformChain,
  destinations: Destination[],
  pending: Pending,
  previous: Promise<void>,
  order: SendOrder,
): Promise<void> {
  const { client, logger, stats } = options;
  const primary = destinations[0]!;
  let done = previous;
  for (const prepared of pending.batches) {
    for (const part of splitByRoute(prepared, chain, primary)) {
      for (const chunk of sendChunks(part.batch, part.destination.config.batchSize)) {
        for (const { partitioning, batch: keyed } of partitionsOf(chunk, part.destination.config)) {
          const { stream, topic } = part.destination;
          const started = performance.now();
          done = sendAfter(done, () => client.send(stream, topic, partitioning, keyed), order, {
            logger,
            what: `send ${keyed.count} message(s) to ${stream}/${topic}`,
          }).then(() => {
            observeStage(stats, 'send', (performance.now() - started) / 1000);
            stats.messagesOut += keyed.count;
            logger.debug({ stream, topic, messages: keyed.count }, 'batch sent');
          });
        }
      }
    }
  }
  const batches = pending.batches.length;
  pending.batches = [];
  pending.count = 0;
  return batches === 0
    ? done
    : done.then(() => {
        stats.batches += batches;
      });
}

function takeState(pending: Pending): Uint8Array | undefined {
  const state = pending.state;
  pending.state = undefined;
  return state;
}

/** Shared by a source's sends: how many retries are under way. */
interface SendOrder {
  retrying: number;
}

/**
 * Sends at once (pipelined on the connection) and resolves after `previous` and
 * this send were acknowledged. A retryable failure (connection lost) is retried
 * only after every earlier send succeeded, and while a retry is under way new
 * sends wait for it instead of going out first, so batches reach Iggy in order
 * across reconnects. Other failures reject, as does a failure of `previous`.
 */
function sendAfter(previous: Promise<void>, send: () => Promise<void>, order: SendOrder, retry: { logger: Logger; what: string }): Promise<void> {
  // `previous` may reject before this send settles; its failure is reported by the AckWindow.
  previous.catch(() => undefined);
  const retryAfterPrevious = (): Promise<void> => {
    order.retrying += 1;
    return previous
      .then(() => retryIggy(send, { signal: undefined, logger: retry.logger, what: retry.what }))
      .then(() => undefined)
      .finally(() => {
        order.retrying -= 1;
      });
  };
  if (order.retrying > 0) return retryAfterPrevious();
  return send().then(
    () => previous,
    (error: unknown) => {
      if (!isRetryable(error)) throw error;
      retry.logger.warn({ err: error }, `${retry.what}: Iggy unreachable, sending again after the batches before it`);
      return retryAfterPrevious();
    },
  );
}

async function closeWriter(writer: StateWriter, healthy: boolean, logger: Logger): Promise<void> {
  try {
    await writer.close();
  } catch (error) {
    if (healthy) throw error;
    // Already failing for another reason: that error is the one to report.
    logger.warn({ err: error }, 'source state could not be saved while stopping');
  }
}

export interface AckWindowOptions {
  /** Flushes waiting for their acks at once; `push` waits while this many are outstanding. */
  maxInFlight: number;
  /** Called, in push order, with the state of each flush that (with every earlier one) was acknowledged. */
  onAcknowledged: (state: Uint8Array) => void;
}

interface InFlight {
  state: Uint8Array | undefined;
  outcome: 'pending' | 'acknowledged' | 'failed';
}

/**
 * The in-order commit of a source's state. Each pushed flush is (the promise
 * of its sends' acks, the guest state after it). A state is handed on only once
 * its flush and every flush pushed before it were acknowledged, whatever order
 * the promises settle in; after a failure nothing pushed after the failed flush
 * is handed on, and `push`/`drain` throw that failure.
 */
export class AckWindow {
  readonly #options: AckWindowOptions;
  readonly #queue: InFlight[] = [];
  #failure: { error: unknown } | undefined;
  #tail: Promise<void> = Promise.resolve();
  #waiters: (() => void)[] = [];

  constructor(options: AckWindowOptions) {
    this.#options = options;
  }

  /** Settles once everything pushed so far was acknowledged (rejects on a failure): chain the next sends on it. */
  get tail(): Promise<void> {
    return this.#tail;
  }

  get inFlight(): number {
    return this.#queue.length;
  }

  /** Adds a flush; resolves once there is room for another one. Throws the first failure seen. */
  async push(acked: Promise<void>, state: Uint8Array | undefined): Promise<void> {
    // Observed before anything can throw: a flush pushed after a failure rejects too, and must not go unhandled.
    acked.catch(() => undefined);
    this.#throwIfFailed();
    const entry: InFlight = { state, outcome: 'pending' };
    this.#queue.push(entry);
    acked.then(
      () => this.#settle(entry, 'acknowledged'),
      (error: unknown) => {
        this.#failure ??= { error };
        this.#settle(entry, 'failed');
      },
    );
    const previous = this.#tail;
    this.#tail = Promise.all([previous, acked]).then(() => undefined);
    this.#tail.catch(() => undefined); // observed through push/drain
    while (this.#queue.length >= this.#options.maxInFlight && !this.#failure) await this.#changed();
    this.#throwIfFailed();
  }

  /** Waits until every pushed flush was acknowledged and its state handed on; throws the first failure. */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 && !this.#failure) await this.#changed();
    this.#throwIfFailed();
  }

  #settle(entry: InFlight, outcome: 'acknowledged' | 'failed'): void {
    entry.outcome = outcome;
    // Hand on only the newest state of the acknowledged prefix: older ones are superseded.
    // A failed flush stays at the head for good, so nothing pushed after it is handed on.
    let newest: Uint8Array | undefined;
    while (this.#queue[0]?.outcome === 'acknowledged') {
      const head = this.#queue.shift()!;
      if (head.state) newest = head.state;
    }
    try {
      if (newest) this.#options.onAcknowledged(newest);
    } catch (error) {
      this.#failure ??= { error };
    }
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #throwIfFailed(): void {
    if (this.#failure) throw this.#failure.error;
  }
}

/** Groups a batch by the `route` transform's per-message destination, keeping order within each group. */
function splitByRoute({ batch, routes }: Prepared, chain: TransformChain, primary: Destination): { destination: Destination; batch: FlatBatch }[] {
  if (!routes || routes.every((r) => r < 0)) return [{ destination: primary, batch }];
  const groups = new Map<number, number[]>();
  routes.forEach((r, i) => {
    const list = groups.get(r) ?? [];
    list.push(i);
    groups.set(r, list);
  });
  return [...groups].map(([route, entries]) => {
    const target = route < 0 ? undefined : chain.routeTargets[route];
    const destination = target ? { stream: target.stream, topic: target.topic, config: primary.config } : primary;
    return { destination, batch: pick(batch, entries) };
  });
}

/** Applies the stream's partitioning; `messages_key` with a field sends one group per distinct key value. */
function partitionsOf(batch: FlatBatch, stream: SourceStreamConfig): { partitioning: SendPartitioning; batch: FlatBatch }[] {
  const fixed = toSendPartitioning(stream.partitioning);
  if (fixed) return [{ partitioning: fixed, batch }];
  const field = stream.partitioning.kind === 'messages_key' ? stream.partitioning.field : undefined;
  const groups = new Map<string, number[]>();
  for (let i = 0; i < batch.count; i++) {
    const key = field ? keyFromField(payloadOf(batch, i), field) : readU128(batch.index, i * INDEX_ENTRY_SIZE + Field.id).toString();
    const list = groups.get(key) ?? [];
    list.push(i);
    groups.set(key, list);
  }
  return [...groups].map(([key, entries]) => ({ partitioning: { kind: 'messages_key', key: Buffer.from(key) }, batch: pick(batch, entries) }));
}

function keyFromField(payload: Buffer, field: string): string {
  try {
    const value = (JSON.parse(payload.toString('utf8')) as Record<string, unknown>)[field];
    return value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    return '';
  }
}

function pick(batch: FlatBatch, entries: number[]): FlatBatch {
  return buildBatch(
    entries.map((i) => {
      const base = i * INDEX_ENTRY_SIZE;
      return {
        id: readU128(batch.index, base + Field.id),
        originTimestamp: batch.index.readBigUInt64LE(base + Field.originTimestamp),
        payload: payloadOf(batch, i),
        headers: headersOf(batch, i),
      };
    }),
  );
}
