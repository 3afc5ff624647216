// Sends messages a connector could not handle to the configured dead-letter
// topic, each with its original payload and headers plus headers that say why
// and where it came from, so nothing is dropped silently.
import { buildBatch, headersOf, payloadOf, Field, INDEX_ENTRY_SIZE, readU128, type FlatBatch, type MessageInput } from '../batch/flat-batch.js';
import type { Logger } from 'pino';
import type { ErrorPolicy } from '../config/index.js';
import { observeStage, type ConnectorStats } from './stats.js';
import { ConnectorStoppedError } from './failure.js';
import type { PipelineIggy } from './iggy-port.js';
import { retryIggy } from './iggy-retry.js';
import { encodeStringHeaders } from './headers.js';

/** Header keys the runtime adds to a dead-lettered message. */
export const DeadLetterHeader = {
  reason: 'iggy_connectors_error',
  connector: 'iggy_connectors_connector',
  stream: 'iggy_connectors_origin_stream',
  topic: 'iggy_connectors_origin_topic',
  partition: 'iggy_connectors_origin_partition',
  offset: 'iggy_connectors_origin_offset',
} as const;

export interface DeadLetterOrigin {
  connector: string;
  stream: string;
  topic: string;
  partitionId: number;
}

export interface DeadLetterEntry {
  /** Index of the message in `batch`. */
  entry: number;
  reason: string;
}

/** Builds the dead-letter batch: the original messages with the origin and reason appended to their headers. */
export function buildDeadLetterBatch(batch: FlatBatch, entries: readonly DeadLetterEntry[], origin: DeadLetterOrigin): FlatBatch {
  const inputs: MessageInput[] = entries.map(({ entry, reason }) => {
    const base = entry * INDEX_ENTRY_SIZE;
    const offset = batch.index.readBigUInt64LE(base + Field.offset);
    const extra = encodeStringHeaders([
      [DeadLetterHeader.reason, reason],
      [DeadLetterHeader.connector, origin.connector],
      [DeadLetterHeader.stream, origin.stream],
      [DeadLetterHeader.topic, origin.topic],
      [DeadLetterHeader.partition, String(origin.partitionId)],
      [DeadLetterHeader.offset, offset.toString()],
    ]);
    return {
      id: readU128(batch.index, base + Field.id),
      originTimestamp: batch.index.readBigUInt64LE(base + Field.originTimestamp),
      payload: payloadOf(batch, entry),
      headers: Buffer.concat([headersOf(batch, entry), extra]),
    };
  });
  return buildBatch(inputs);
}

export async function sendToDeadLetter(
  iggy: PipelineIggy,
  target: { stream: string; topic: string },
  batch: FlatBatch,
  entries: readonly DeadLetterEntry[],
  origin: DeadLetterOrigin,
): Promise<void> {
  if (entries.length === 0) return;
  await iggy.send(target.stream, target.topic, { kind: 'balanced' }, buildDeadLetterBatch(batch, entries, origin));
}

export interface DivertContext {
  client: PipelineIggy;
  errors: ErrorPolicy;
  stats: ConnectorStats;
  logger: Logger;
}

/**
 * Sends `entries` of `batch` to the dead-letter topic when the policy says so
 * (retrying through connection loss), and counts them. Without a dead-letter
 * policy it throws ConnectorStoppedError(`stopped`): nothing is skipped silently.
 */
export async function divertOrStop(
  ctx: DivertContext,
  batch: FlatBatch,
  entries: readonly DeadLetterEntry[],
  origin: DeadLetterOrigin,
  reason: string,
  stopped: string,
): Promise<void> {
  const target = ctx.errors.onPermanent === 'dead_letter' ? ctx.errors.deadLetter : undefined;
  if (!target) {
    throw new ConnectorStoppedError(
      `${stopped}. Set errors.on_permanent = "dead_letter" with errors.dead_letter = { stream, topic } to divert such messages instead of stopping.`,
    );
  }
  const started = performance.now();
  await retryIggy(() => sendToDeadLetter(ctx.client, target, batch, entries, origin), {
    signal: undefined,
    logger: ctx.logger,
    what: `send ${entries.length} message(s) to dead-letter ${target.stream}/${target.topic}`,
    maxAttempts: 20,
  });
  observeStage(ctx.stats, 'send', (performance.now() - started) / 1000);
  ctx.stats.messagesDeadLettered += entries.length;
  ctx.logger.warn({ count: entries.length, deadLetter: `${target.stream}/${target.topic}`, reason }, 'messages sent to the dead-letter topic');
}
