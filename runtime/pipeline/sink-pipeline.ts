// A sink connector's message path: poll a batch from Iggy → check its schema →
// transform → the guest's `consume` → store the offset. The offset moves only
// after the guest accepted the batch (or its messages went to the dead-letter
// topic), so every message is delivered at least once and none is skipped.
import type { Logger } from 'pino';
import { Field, INDEX_ENTRY_SIZE, type FlatBatch } from '../batch/flat-batch.js';
import type { SinkConfig, SinkStreamConfig } from '../config/index.js';
import { ConnectorCallError, type MessageFailure, type SinkGuest } from '../host/index.js';
import { closeQuietly, deadLetterTarget, ensureTopics, loadConnectorComponent, openOrStop } from './guest-lifecycle.js';
import { checkAndTransform } from './check-batch.js';
import { compileTransforms, type ChainResult, type TransformChain } from './transforms/index.js';
import { SchemaChecker } from './schema/index.js';
import { observeStage, type ConnectorStats } from './stats.js';
import { GuestWatch } from './guest-watch.js';
import { backoffDelay, sleep } from '../timing/backoff.js';
import { divertOrStop, type DeadLetterEntry, type DeadLetterOrigin } from './dead-letter.js';
import type { ConsumerRef, PipelineIggy, PolledBatch } from './iggy-port.js';
import { retryIggy } from './iggy-retry.js';
import { OffsetCommits } from './offset-commits.js';

export interface SinkPipelineOptions {
  config: SinkConfig;
  client: PipelineIggy;
  logger: Logger;
  stats: ConnectorStats;
  control: SharedArrayBuffer;
  signal: AbortSignal;
  onRunning: () => void;
  cacheDir?: string;
  /** The block of the connector's file I/O thread (connectors with preopens). */
  files?: SharedArrayBuffer;
}

/** Runs until `signal` aborts (then finishes the batch in hand) or a failure the pipeline cannot absorb. */
export async function runSinkPipeline(options: SinkPipelineOptions): Promise<void> {
  const { config, logger } = options;
  const component = await loadConnectorComponent(config, logger, options.cacheDir, options.files);
  const guest = await component.instantiateSink();
  const watch = new GuestWatch(options.control, config.limits.memoryLimitBytes, () => guest.memoryBytes());
  const close = (): void => closeQuietly(watch, config, () => guest.close(), logger);
  openOrStop(watch, config, () => guest.open(JSON.stringify(config.config)));
  if (!(await ensureTopics(options.client, deadLetterTarget(config.errors), options.signal, logger))) return close();

  // One failing topic loop stops its siblings, so the worker fails as a whole and restarts cleanly.
  const loopsAbort = new AbortController();
  const stopAll = (): void => loopsAbort.abort();
  options.signal.addEventListener('abort', stopAll, { once: true });
  if (options.signal.aborted) stopAll(); // stopped while the guest was loading
  let healthy = true;
  try {
    options.onRunning();
    const loops = config.streams.flatMap((stream) =>
      stream.topics.map((topic) =>
        consumeTopic({ ...options, guest, watch, stream, topic, signal: loopsAbort.signal }).catch((error: unknown) => {
          loopsAbort.abort();
          throw error;
        }),
      ),
    );
    const results = await Promise.allSettled(loops);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      healthy = false;
      throw failed.reason;
    }
  } finally {
    options.signal.removeEventListener('abort', stopAll);
    if (healthy) close();
  }
}

interface TopicLoop extends SinkPipelineOptions {
  guest: SinkGuest;
  watch: GuestWatch;
  stream: SinkStreamConfig;
  topic: string;
}

async function consumeTopic(loop: TopicLoop): Promise<void> {
  const { client, stream, topic, signal, logger, config } = loop;
  const consumer: ConsumerRef = stream.consumerGroup
    ? { kind: 'group', name: stream.consumerGroup }
    : { kind: 'consumer', name: `iggy-connectors-${config.key}` };
  const partitions = await retryIggy(() => client.ensureTopic(stream.stream, topic), { signal, logger, what: `open ${stream.stream}/${topic}` });
  if (partitions === undefined) return;
  if (consumer.kind === 'group') {
    const joined = await retryIggy(() => client.joinGroup(stream.stream, topic, consumer.name).then(() => true), {
      signal,
      logger,
      what: `join consumer group ${consumer.name}`,
    });
    if (joined === undefined) return;
  }
  const chain = compileTransforms(config.transforms, { direction: 'sink', schema: stream.schema });
  const checker = new SchemaChecker(stream.schema);
  let nextPartition = 0;
  logger.info({ stream: stream.stream, topic, consumer: consumer.name, partitions }, 'consuming');

  // Read-ahead: while the guest works on a full batch, the polls for the next two batches are
  // already on the wire (from explicit offsets, so they do not wait for the commit), written
  // together with the previous batch's commit. The nearer one had a whole batch's time to
  // arrive, so it is usually decoded (in the turn of the event loop below) before the guest gets
  // this batch; when the guest then waits in `consume` for a capability (its HTTP request, its
  // SQL), this thread checks and transforms that next batch in the meantime.
  const aheads: ReadAhead[] = [];
  const prepareNext = (): void => {
    const next = aheads[0];
    if (next?.polled && next.polled.batch.count > 0 && !next.prepared) next.prepared = checkAndTransform(chain, next.polled.batch, checker, loop.stats);
  };
  const commits = new OffsetCommits({ client, stream: stream.stream, topic, consumer, stats: loop.stats, logger });
  try {
    while (!signal.aborted) {
      let polled: PolledBatch | undefined;
      let prepared: ChainResult | undefined;
      const pollStarted = performance.now();
      const next = aheads.shift();
      if (next) {
        polled = await next.settled;
        prepared = next.prepared;
        // The farther read-ahead assumed this batch would be full; if it was not, it starts in the wrong place.
        const after = aheads[0];
        if (after && (polled === undefined || polled.batch.count === 0 || lastOffsetOf(polled.batch) + 1n !== after.from)) {
          aheads.length = 0;
          await after.settled;
        }
      }
      if (!polled) {
        // A poll from the stored offset must see every commit before it: the server may answer a
        // read ahead of a write sent before it.
        await commits.flush();
        // A plain consumer walks the partitions itself; a group's partitions are assigned by the server.
        const partitionId = consumer.kind === 'group' ? undefined : nextPartition;
        if (consumer.kind === 'consumer') nextPartition = (nextPartition + 1) % partitions;
        polled = await retryIggy(() => client.poll(stream.stream, topic, consumer, partitionId, stream.batchSize), {
          signal,
          logger,
          what: `poll ${stream.stream}/${topic}`,
        });
        if (polled === undefined) break;
      }
      observeStage(loop.stats, 'poll', (performance.now() - pollStarted) / 1000);
      if (polled.batch.count === 0) {
        if (polled.currentOffset !== undefined) loop.stats.lag[`${stream.stream}/${topic}/${polled.partitionId}`] = 0;
        if (consumer.kind === 'group' || nextPartition === 0) await sleep(stream.pollIntervalMs, signal);
        continue;
      }
      loop.stats.messagesIn += polled.batch.count;
      const last = lastOffsetOf(polled.batch);
      // The previous batch's commit, and the read-ahead, leave in one write when this turn of the
      // event loop ends; the guest call below is synchronous and may be long (or hang until
      // call_timeout, and the thread is then terminated), so they go before it.
      let written = commits.send();
      if (polled.batch.count >= stream.batchSize) {
        const batched = polled;
        const size = BigInt(stream.batchSize);
        const more = (from: bigint): boolean => batched.currentOffset === undefined || batched.currentOffset >= from;
        const poll = (from: bigint): ReadAhead =>
          readAhead(from, () => client.poll(stream.stream, topic, consumer, batched.partitionId, stream.batchSize, from));
        if (aheads.length === 0 && more(last + 1n)) aheads.push(poll(last + 1n));
        if (aheads.length === 1 && aheads[0].from === last + 1n && more(last + 1n + size)) aheads.push(poll(last + 1n + size));
        written ||= aheads.length > 0;
      }
      if (written) await new Promise<void>((resolve) => setImmediate(resolve));
      const delivered = await deliver(loop, polled, { chain, checker, prepared, prepareNext }, commits);
      if (!delivered) break; // shutdown while retrying: leave this batch's offset where it is, the batch comes again
      if (polled.currentOffset !== undefined) {
        loop.stats.lag[`${stream.stream}/${topic}/${polled.partitionId}`] = Math.max(0, Number(polled.currentOffset - last));
      }
    }
  } catch (error) {
    // The batches the guest accepted before the failure keep their commit (one attempt, so a dead
    // broker does not hold up the restart), and come back at most once more.
    await commits.settle();
    throw error;
  } finally {
    // Read-aheads still in flight are dropped: their messages are polled again from the stored offset.
    await Promise.all(aheads.map((a) => a.settled));
  }
  await commits.flush();
}

/** What a topic loop runs over every payload: the transforms, or the schema check when there are none. */
interface PayloadCheck {
  chain: TransformChain;
  checker: SchemaChecker;
  /** This batch's result when it was prepared while the guest waited on the one before. */
  prepared: ChainResult | undefined;
  /** Prepares the next batch, if its reply is in; run while the guest waits for a capability. */
  prepareNext: () => void;
}

/** A poll already sent from `from`; settles to undefined on failure, so the loop falls back to a normal poll. */
interface ReadAhead {
  from: bigint;
  settled: Promise<PolledBatch | undefined>;
  /** The batch once the reply is in. */
  polled?: PolledBatch;
  /** Its checks and transforms, when they were done while the guest waited. */
  prepared?: ChainResult;
}

function readAhead(from: bigint, poll: () => Promise<PolledBatch>): ReadAhead {
  const ahead: ReadAhead = { from, settled: poll().catch(() => undefined) };
  void ahead.settled.then((polled) => (ahead.polled = polled));
  return ahead;
}

const stoppedAt = (reason: string, o: DeadLetterOrigin): string =>
  `${reason} (stream ${o.stream}, topic ${o.topic}, partition ${o.partitionId}); the offset was not stored`;

const lastOffsetOf = (batch: FlatBatch): bigint => batch.index.readBigUInt64LE((batch.count - 1) * INDEX_ENTRY_SIZE + Field.offset);

/**
 * Hands one polled batch to the guest and defers its offset to `commits`. Resolves false when
 * shutdown interrupted it before the commit.
 */
async function deliver(loop: TopicLoop, polled: PolledBatch, check: PayloadCheck, commits: OffsetCommits): Promise<boolean> {
  const { stream, topic, config, stats, guest } = loop;
  const origin = { connector: config.key, stream: stream.stream, topic, partitionId: polled.partitionId };
  const result = check.prepared ?? checkAndTransform(check.chain, polled.batch, check.checker, stats);
  stats.messagesFiltered += result.filtered;
  if (result.rejected.length > 0) {
    const reasons = result.rejected
      .slice(0, 3)
      .map((r) => r.reason)
      .join('; ');
    const reason = `${result.rejected.length} message(s) do not match schema "${stream.schema}" or the transforms: ${reasons}`;
    await divertOrStop({ ...loop, errors: config.errors }, polled.batch, result.rejected, origin, reason, stoppedAt(reason, origin));
  }
  const batch = result.batch;
  if (batch.count > 0) {
    guest.whileWaiting(check.prepareNext);
    let outcome: ConsumeOutcome;
    try {
      outcome = await consumeWithRetry(loop, batch, polled.partitionId);
    } finally {
      guest.whileWaiting(undefined);
    }
    if (outcome.kind === 'shutdown') return false;
    if (outcome.failed.length > 0) {
      const whole = outcome.failed.length === batch.count && outcome.wholeBatch;
      const reason = whole
        ? `sink refused the batch: ${outcome.failed[0].reason}`
        : `sink refused ${outcome.failed.length} of ${batch.count} message(s), first: ${outcome.failed[0].reason}`;
      await divertOrStop({ ...loop, errors: config.errors }, batch, outcome.failed, origin, reason, stoppedAt(reason, origin));
    }
  }
  const last = lastOffsetOf(polled.batch);
  commits.defer(polled.partitionId, last);
  // Built only for a verbose connector: this runs once per batch on the hot path.
  if (loop.logger.isLevelEnabled('debug')) {
    loop.logger.debug(
      { stream: stream.stream, topic, partition: polled.partitionId, messages: polled.batch.count, delivered: result.batch.count, lastOffset: last.toString() },
      'batch delivered',
    );
  }
  stats.batches += 1;
  return true;
}

/**
 * `failed`: entries of the batch to dead-letter (or stop on), in entry order, each with its reason;
 * `wholeBatch` when they are there because the call failed as a whole.
 */
type ConsumeOutcome = { kind: 'shutdown' } | { kind: 'done'; failed: DeadLetterEntry[]; wholeBatch: boolean };

/**
 * Calls `consume` until every message of `batch` is delivered or failed for good. A transient
 * error of the call offers the same messages again; messages the guest named as transient
 * failures (`sink-results`) are offered again alone, as a smaller batch with the same data.
 * Both count against `errors.max_retries`, with the same backoff.
 */
async function consumeWithRetry(loop: TopicLoop, batch: FlatBatch, partitionId: number): Promise<ConsumeOutcome> {
  const { guest, watch, stream, topic, config, stats, logger, signal } = loop;
  const topicMeta = { stream: stream.stream, topic };
  const policy = config.errors;
  const failed: DeadLetterEntry[] = [];
  let offered = batch;
  // Entry of `offered` → entry of `batch`; undefined while `offered` is `batch` itself.
  let origins: number[] | undefined;
  const toBatch = (entry: number): number => (origins ? origins[entry] : entry);
  const backOff = async (attempt: number, what: Record<string, unknown>, message: string): Promise<boolean> => {
    stats.retries += 1;
    const delay = backoffDelay(attempt, policy.retryInitialMs, policy.retryMaxMs);
    logger.warn({ ...what, attempt: attempt + 1, delayMs: delay }, message);
    await sleep(delay, signal);
    return !signal.aborted;
  };
  for (let attempt = 0; ; attempt++) {
    const exhausted = policy.maxRetries > 0 && attempt + 1 >= policy.maxRetries;
    const meta = { partitionId, currentOffset: offered.index.readBigUInt64LE(Field.offset), schema: stream.schema, messageCount: offered.count };
    const started = performance.now();
    let reported: readonly MessageFailure[];
    try {
      reported = watch.call('consume', () => guest.consume(topicMeta, meta, offered));
      observeStage(stats, 'guest_call', (performance.now() - started) / 1000);
    } catch (error) {
      if (!(error instanceof ConnectorCallError)) throw error; // traps and limits: the worker restarts
      stats.errors += 1;
      stats.lastError = error.message;
      if (error.kind === 'transient' && !exhausted) {
        if (!(await backOff(attempt, { err: error }, 'sink consume failed (transient); retrying the same batch'))) return { kind: 'shutdown' };
        continue;
      }
      if (error.kind === 'invalid-config') throw error;
      logger.error({ err: error, attempts: attempt + 1 }, 'sink consume failed permanently');
      for (let e = 0; e < offered.count; e++) failed.push({ entry: toBatch(e), reason: error.message });
      return { kind: 'done', failed: failed.sort(byEntry), wholeBatch: origins === undefined };
    }
    stats.messagesOut += offered.count - reported.length;
    if (reported.length === 0) return { kind: 'done', failed: failed.sort(byEntry), wholeBatch: false };
    stats.errors += 1;
    stats.lastError = reported[0].message;
    const again: number[] = [];
    for (const f of reported) {
      const at = offsetAt(offered, f.entry);
      if (f.kind === 'invalid-config') throw new ConnectorCallError('invalid-config', 'consume', `message at offset ${at}: ${f.message}`);
      if (f.kind === 'transient' && !exhausted) again.push(toBatch(f.entry));
      else failed.push({ entry: toBatch(f.entry), reason: f.kind === 'transient' ? `${f.message} (transient, ${attempt + 1} attempt(s))` : f.message });
    }
    if (again.length === 0) return { kind: 'done', failed: failed.sort(byEntry), wholeBatch: false };
    const first = reported.find((f) => f.kind === 'transient');
    if (
      !(await backOff(attempt, { count: again.length, of: batch.count, first: first?.message }, 'sink failed some messages (transient); offering them again'))
    ) {
      return { kind: 'shutdown' };
    }
    origins = again;
    offered = pickEntries(batch, again);
  }
}

const byEntry = (a: DeadLetterEntry, b: DeadLetterEntry): number => a.entry - b.entry;
const offsetAt = (batch: FlatBatch, entry: number): bigint => batch.index.readBigUInt64LE(entry * INDEX_ENTRY_SIZE + Field.offset);

/** The messages `entries` of `batch` as a batch of their own: a new index over the same data. */
function pickEntries(batch: FlatBatch, entries: readonly number[]): FlatBatch {
  const index = Buffer.allocUnsafe(entries.length * INDEX_ENTRY_SIZE);
  entries.forEach((e, i) => batch.index.copy(index, i * INDEX_ENTRY_SIZE, e * INDEX_ENTRY_SIZE, (e + 1) * INDEX_ENTRY_SIZE));
  return { count: entries.length, index, data: batch.data };
}
