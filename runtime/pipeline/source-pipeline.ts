// A source connector's message path: the guest's `poll` → transforms / schema
// check → send to Iggy → persist the state blob. State is saved only after Iggy
// acknowledged every message produced before it, so a restart resumes exactly
// after the last acknowledged batch (at-least-once, nothing skipped).
import type { Logger } from 'pino';
import { buildBatch, headersOf, payloadOf, Field, INDEX_ENTRY_SIZE, readU128, type FlatBatch } from '../batch/flat-batch.js';
import type { SourceConfig, SourceStreamConfig } from '../config/index.js';
import { loadComponent, ConnectorCallError, type SourceGuest } from '../host/index.js';
import type { StateStore } from '../state/state-store.js';
import { observeStage, type ConnectorStats } from '../supervisor/protocol.js';
import { checkSchema } from './schema/index.js';
import { compileTransforms, type TransformChain } from './transforms/index.js';
import { GuestWatch } from './guest-watch.js';
import { backoffDelay, sleep } from '../timing/backoff.js';
import { ConnectorStoppedError } from './failure.js';
import { sendToDeadLetter } from './dead-letter.js';
import { toSendPartitioning, type PipelineIggy, type SendPartitioning } from './iggy-port.js';
import { retryIggy } from './iggy-retry.js';

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
  const component = await loadComponent(config.path, {
    kind: 'source',
    grants: config.permissions,
    memoryLimitBytes: config.limits.memoryLimitBytes,
    logger,
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
  });
  const guest = await component.instantiateSource();
  const watch = new GuestWatch(options.control, config.limits.memoryLimitBytes, () => guest.memoryBytes());
  const saved = await options.stateStore.load(config.key);
  openGuest(watch, guest, config, saved);
  if (saved) logger.info({ bytes: saved.length }, 'source resumed from its saved state');

  for (const s of config.streams) {
    const ok = await retryIggy(() => client.ensureTopic(s.stream, s.topic), { signal, logger, what: `open ${s.stream}/${s.topic}` });
    if (ok === undefined) return closeGuest(watch, guest, logger);
  }
  const chain = compileTransforms(config.transforms, { direction: 'source', schema: primary.schema });
  for (const target of chain.routeTargets) {
    const ok = await retryIggy(() => client.ensureTopic(target.stream, target.topic), { signal, logger, what: `open route ${target.stream}/${target.topic}` });
    if (ok === undefined) return closeGuest(watch, guest, logger);
  }
  const deadLetter = config.errors.onPermanent === 'dead_letter' ? config.errors.deadLetter : undefined;
  if (deadLetter) {
    const ok = await retryIggy(() => client.ensureTopic(deadLetter.stream, deadLetter.topic), { signal, logger, what: `open dead-letter topic ${deadLetter.stream}/${deadLetter.topic}` });
    if (ok === undefined) return closeGuest(watch, guest, logger);
  }
  const destinations: Destination[] = config.streams.map((s) => ({ stream: s.stream, topic: s.topic, config: s }));
  options.onRunning();

  const pending: Pending = { batches: [], count: 0, since: 0 };
  const failures = { transient: 0 };
  let healthy = false;
  try {
    while (!signal.aborted) {
      const produced = pollGuest(watch, guest, options, failures);
      if ('retryInMs' in produced) {
        await sleep(produced.retryInMs, signal);
        continue;
      }
      if (produced.batch.count > 0) {
        stats.messagesIn += produced.batch.count;
        const ready = await prepare(options, chain, primary, produced.batch);
        if (pending.count === 0) pending.since = Date.now();
        if (ready.batch.count > 0) {
          pending.batches.push(ready);
          pending.count += ready.batch.count;
        }
      }
      if (produced.state) pending.state = produced.state;
      const lingerOver = Date.now() - pending.since >= primary.lingerMs;
      if (pending.count >= primary.batchSize || (pending.count > 0 && (lingerOver || produced.batch.count === 0)) || (pending.count === 0 && pending.state)) {
        await flush(options, chain, destinations, pending);
      }
      if (produced.batch.count === 0) await sleep(config.pollIntervalMs, signal);
    }
    // Shutdown: what the guest already produced is sent and its state saved before close().
    await flush(options, chain, destinations, pending);
    healthy = true;
  } finally {
    if (healthy) closeGuest(watch, guest, logger);
  }
}

function openGuest(watch: GuestWatch, guest: SourceGuest, config: SourceConfig, saved: Uint8Array | undefined): void {
  try {
    watch.call('open', () => guest.open(JSON.stringify(config.config), saved));
  } catch (error) {
    if (error instanceof ConnectorCallError && error.kind === 'permanent') {
      throw new ConnectorStoppedError(`source "${config.key}" refused to open: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function closeGuest(watch: GuestWatch, guest: SourceGuest, logger: Logger): void {
  try {
    watch.call('close', () => guest.close());
  } catch (error) {
    logger.warn({ err: error }, 'source close() failed');
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
async function prepare(options: SourcePipelineOptions, chain: TransformChain, primary: SourceStreamConfig, batch: FlatBatch): Promise<Prepared> {
  const { config, stats, client, logger } = options;
  const started = performance.now();
  const result = chain.isEmpty ? { ...checkSchema(batch, primary.schema), filtered: 0 } : chain.apply(batch);
  observeStage(stats, chain.isEmpty ? 'decode' : 'transform', (performance.now() - started) / 1000);
  stats.messagesFiltered += result.filtered;
  if (result.rejected.length > 0) {
    const target = config.errors.deadLetter;
    const reason = result.rejected.slice(0, 3).map((r) => r.reason).join('; ');
    if (config.errors.onPermanent !== 'dead_letter' || !target) {
      throw new ConnectorStoppedError(
        `source "${config.key}" produced ${result.rejected.length} message(s) that do not match schema "${primary.schema}" or the transforms: ${reason}. ` +
          'Fix the source, or set errors.on_permanent = "dead_letter" with errors.dead_letter = { stream, topic }.',
      );
    }
    await retryIggy(() => sendToDeadLetter(client, target, batch, result.rejected, { connector: config.key, stream: primary.stream, topic: primary.topic, partitionId: 0 }), {
      signal: undefined,
      logger,
      what: 'send rejected source messages to the dead-letter topic',
      maxAttempts: 20,
    });
    stats.messagesDeadLettered += result.rejected.length;
  }
  return 'routes' in result && result.routes ? { batch: result.batch, routes: result.routes } : { batch: result.batch };
}

/** Sends everything pending, in order, then saves the latest state. */
async function flush(options: SourcePipelineOptions, chain: TransformChain, destinations: Destination[], pending: Pending): Promise<void> {
  const { client, logger, stats, stateStore, config } = options;
  const primary = destinations[0]!;
  for (const prepared of pending.batches) {
    for (const part of splitByRoute(prepared, chain, primary)) {
      for (const chunk of chunks(part.batch, part.destination.config.batchSize)) {
        for (const { partitioning, batch: keyed } of partitionsOf(chunk, part.destination.config)) {
          const started = performance.now();
          await retryIggy(() => client.send(part.destination.stream, part.destination.topic, partitioning, keyed), {
            signal: undefined,
            logger,
            what: `send ${keyed.count} message(s) to ${part.destination.stream}/${part.destination.topic}`,
          });
          observeStage(stats, 'send', (performance.now() - started) / 1000);
          stats.messagesOut += keyed.count;
        }
      }
    }
    stats.batches += 1;
  }
  pending.batches = [];
  pending.count = 0;
  if (pending.state) {
    const started = performance.now();
    await stateStore.save(config.key, pending.state);
    observeStage(stats, 'commit', (performance.now() - started) / 1000);
    pending.state = undefined;
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

function* chunks(batch: FlatBatch, size: number): Generator<FlatBatch> {
  if (batch.count <= size) {
    yield batch;
    return;
  }
  for (let start = 0; start < batch.count; start += size) {
    const end = Math.min(batch.count, start + size);
    yield { count: end - start, index: batch.index.subarray(start * INDEX_ENTRY_SIZE, end * INDEX_ENTRY_SIZE), data: batch.data };
  }
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
