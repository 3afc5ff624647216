// Send, poll and consumer offsets of the dev broker. A send is verified (checksums, user
// headers) before it is stored; a poll answers with stored record bytes, not per-message objects.
import { xxh32 } from '@node-rs/xxhash';
import {
  Status,
  type Consumer,
  type PollMessagesRequest,
  decodeDeleteConsumerOffset,
  decodeGetConsumerOffset,
  decodePollMessages,
  decodeSendMessages,
  decodeStoreConsumerOffset,
  encodeConsumerOffsetInfo,
  encodePollReplyHead,
  encodeSendReply,
  resultOk,
  verifyBatch,
} from '../iggy/codec/index.js';
import { BrokerError } from './broker-error.js';
import type { Topic } from './catalog.js';
import type { BrokerContext, Connection, Outcome } from './context.js';
import type { PartitionLog } from './partition-log.js';

/** Largest poll reply the broker builds (records past it wait for the next poll). */
const MAX_POLL_BYTES = 64 * 1024 * 1024;

/** Partition id a group poll reports when the member holds no partition (iggy_common NO_ASSIGNED_PARTITION). */
const NO_ASSIGNED_PARTITION = 0xffff_fffe;

function partitionOf(topic: Topic, id: number): PartitionLog {
  const log = topic.partitions[id];
  if (!log) throw new BrokerError(Status.PartitionNotFound, `Partition with ID: ${id} for topic with ID: ${topic.id} was not found.`);
  return log;
}

export function sendMessages(ctx: BrokerContext, body: Buffer): Outcome {
  const req = decodeSendMessages(body);
  const stream = ctx.catalog.stream(req.streamId);
  const topic = ctx.catalog.topic(stream.id, req.topicId);
  const count = topic.partitions.length;
  if (count === 0) throw new BrokerError(Status.NoPartitions, `Topic with ID: ${topic.id} for stream with ID: ${stream.id} has no partitions.`);
  let partition: number;
  if (req.partitioning.kind === 'partition') partition = req.partitioning.id;
  else if (req.partitioning.kind === 'key') partition = xxh32(req.partitioning.key, 0) % count;
  else partition = topic.balancedCursor++ % count;
  const log = partitionOf(topic, partition);
  const layout = verifyBatch(req.batch, { checksums: true, userHeaders: true });
  if (layout.messageCount !== req.messagesCount) {
    throw new BrokerError(Status.InvalidMessagesCount, `metadata says ${req.messagesCount} messages, the batch holds ${layout.messageCount}`);
  }
  const baseOffset = log.append(req.batch, layout, BigInt(Date.now()) * 1000n);
  return { body: encodeSendReply([{ streamId: stream.id, topicId: topic.id, partitionId: partition, baseOffset: BigInt(baseOffset) }]) };
}

/** The key consumer offsets are stored under: a consumer by its identifier, a group by its id. */
function offsetKey(ctx: BrokerContext, topic: Topic, consumer: Consumer): string {
  if (consumer.kind === 'group') return `g:${ctx.catalog.group(topic, consumer.id).id}`;
  return `c:${typeof consumer.id}:${consumer.id}`;
}

/** Picks the partition: explicit, else 0 for a consumer, else the member's next assigned one. */
function pollPartition(ctx: BrokerContext, conn: Connection, topic: Topic, req: PollMessagesRequest): number | undefined {
  if (req.consumer.kind === 'consumer') return req.partitionId ?? 0;
  const group = ctx.catalog.group(topic, req.consumer.id);
  const assigned = group.members.get(conn.id);
  if (!assigned) {
    throw new BrokerError(
      Status.ConsumerGroupMemberNotFound,
      `Consumer group member with client ID: ${conn.id} for group with ID: ${group.id} for topic with ID: ${topic.id} was not found.`,
    );
  }
  if (req.partitionId !== undefined) {
    if (!assigned.includes(req.partitionId)) {
      throw new BrokerError(
        Status.ConsumerGroupPartitionNotOwned,
        `Consumer group member with client ID: ${conn.id} does not own partition: ${req.partitionId}`,
      );
    }
    return req.partitionId;
  }
  if (assigned.length === 0) return undefined;
  const cursor = conn.groupCursor.get(group) ?? 0;
  conn.groupCursor.set(group, cursor + 1);
  return assigned[cursor % assigned.length];
}

export function pollMessages(ctx: BrokerContext, conn: Connection, body: Buffer): Outcome {
  const req = decodePollMessages(body);
  const stream = ctx.catalog.stream(req.streamId);
  const topic = ctx.catalog.topic(stream.id, req.topicId);
  const key = offsetKey(ctx, topic, req.consumer);
  const partition = pollPartition(ctx, conn, topic, req);
  if (partition === undefined) return { body: encodePollReplyHead({ partitionId: NO_ASSIGNED_PARTITION, currentOffset: 0n, count: 0 }) };
  const log = partitionOf(topic, partition);
  let from: number;
  switch (req.strategy.kind) {
    case 'offset':
      from = req.strategy.value > BigInt(Number.MAX_SAFE_INTEGER) ? log.nextOffset : Number(req.strategy.value);
      break;
    case 'timestamp':
      from = log.offsetAtTimestamp(req.strategy.value);
      break;
    case 'first':
      from = 0;
      break;
    case 'last':
      from = Math.max(0, log.nextOffset - req.count);
      break;
    case 'next': {
      const stored = ctx.catalog.storedOffset(topic, key, partition);
      from = stored === undefined ? 0 : stored + 1;
      break;
    }
  }
  const read = log.read(from, req.count, MAX_POLL_BYTES);
  if (req.autoCommit && read.count > 0) ctx.catalog.storeOffset(stream, topic, key, partition, from + read.count - 1);
  const head = encodePollReplyHead({ partitionId: partition, currentOffset: log.currentOffset, count: read.count });
  return { body: [head, ...read.pieces] };
}

export function storeConsumerOffset(ctx: BrokerContext, body: Buffer): Outcome {
  const req = decodeStoreConsumerOffset(body);
  const stream = ctx.catalog.stream(req.streamId);
  const topic = ctx.catalog.topic(stream.id, req.topicId);
  const partition = req.partitionId ?? 0;
  const log = partitionOf(topic, partition);
  if (req.offset >= BigInt(log.nextOffset)) {
    throw new BrokerError(Status.InvalidOffset, `Invalid offset: ${req.offset}; partition ${partition} holds offsets below ${log.nextOffset}`);
  }
  ctx.catalog.storeOffset(stream, topic, offsetKey(ctx, topic, req.consumer), partition, Number(req.offset));
  return { body: resultOk() };
}

/** GetConsumerOffset answers "nothing stored" with an empty body (the SDK's None). */
export function getConsumerOffset(ctx: BrokerContext, body: Buffer): Outcome {
  const req = decodeGetConsumerOffset(body);
  const topic = ctx.catalog.topic(req.streamId, req.topicId);
  const partition = req.partitionId ?? 0;
  const log = partitionOf(topic, partition);
  const stored = ctx.catalog.storedOffset(topic, offsetKey(ctx, topic, req.consumer), partition);
  if (stored === undefined) return {};
  return { body: encodeConsumerOffsetInfo({ partitionId: partition, currentOffset: log.currentOffset, storedOffset: BigInt(stored) }) };
}

export function deleteConsumerOffset(ctx: BrokerContext, body: Buffer): Outcome {
  const req = decodeDeleteConsumerOffset(body);
  const stream = ctx.catalog.stream(req.streamId);
  const topic = ctx.catalog.topic(stream.id, req.topicId);
  const partition = req.partitionId ?? 0;
  partitionOf(topic, partition);
  const key = offsetKey(ctx, topic, req.consumer);
  if (!ctx.catalog.deleteOffset(stream, topic, key, partition)) {
    throw new BrokerError(Status.ConsumerOffsetNotFound, `Consumer offset for consumer with ID: ${String(req.consumer.id)} was not found.`);
  }
  return { body: resultOk() };
}
