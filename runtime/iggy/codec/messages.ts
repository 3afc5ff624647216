// SendMessages (101) and PollMessages (100) bodies and replies (requests/messages,
// responses/messages). Send encodes straight into one buffer; a poll reply decodes into a
// FlatBatch that points into the reply (no payload copies).
import type { FlatBatch } from '../../batch/flat-batch.js';
import { type BatchSource, batchSize, decodeBatches, writeBatch, type WriteBatchOptions } from './batch.js';
import { WireReader, WireWriter } from './cursor.js';
import {
  type Consumer,
  type Identifier,
  type Partitioning,
  type PollingStrategy,
  checkIdentifier,
  identifierSize,
  partitioningSize,
  putIdentifier,
  putPartitioning,
  readConsumer,
  readIdentifier,
  readOptionalPartition,
  readPartitioning,
  readStrategy,
  writeConsumer,
  writeIdentifier,
  writeOptionalPartition,
  writeStrategy,
} from './primitives.js';
import { Status } from './status.js';
import { WireError } from './wire-error.js';

export interface SendMessagesRequest {
  streamId: Identifier;
  topicId: Identifier;
  partitioning: Partitioning;
  messages: BatchSource;
}

export interface EncodeSendOptions extends WriteBatchOptions {
  /** Bytes left free before the body (e.g. 256 for the request header); the body starts there. */
  headroom?: number;
}

/**
 * SendMessages body: `[metadata_length:u32][stream_id][topic_id][partitioning][messages_count:u32]`
 * then one batch record. `metadata_length` counts the fields after itself. One allocation.
 */
export function encodeSendMessages(req: SendMessagesRequest, options: EncodeSendOptions = {}): Buffer {
  checkIdentifier(req.streamId, 'stream id');
  checkIdentifier(req.topicId, 'topic id');
  const headroom = options.headroom ?? 0;
  const metadataLength = identifierSize(req.streamId) + identifierSize(req.topicId) + partitioningSize(req.partitioning) + 4;
  const recordSize = batchSize(req.messages);
  const out = Buffer.allocUnsafe(headroom + 4 + metadataLength + recordSize);
  let at = headroom;
  out.writeUInt32LE(metadataLength, at);
  at = putIdentifier(out, at + 4, req.streamId);
  at = putIdentifier(out, at, req.topicId);
  at = putPartitioning(out, at, req.partitioning);
  const count = Array.isArray(req.messages) ? req.messages.length : (req.messages as FlatBatch).count;
  out.writeUInt32LE(count, at);
  writeBatch(out, at + 4, req.messages, options);
  return out;
}

export interface DecodedSendMessages {
  streamId: Identifier;
  topicId: Identifier;
  partitioning: Partitioning;
  messagesCount: number;
  /** The batch record (a view into the body, unverified: see verifyBatch). */
  batch: Buffer;
}

export function decodeSendMessages(body: Buffer): DecodedSendMessages {
  const r = new WireReader(body);
  const metadataLength = r.u32('metadata length');
  r.need(metadataLength, 'send metadata');
  const m = new WireReader(body, r.pos, r.pos + metadataLength);
  const streamId = readIdentifier(m, 'stream id');
  const topicId = readIdentifier(m, 'topic id');
  const partitioning = readPartitioning(m);
  const messagesCount = m.u32('messages count');
  if (m.remaining !== 0) throw new WireError(`send metadata announces ${metadataLength} bytes but its fields end ${m.remaining} bytes early`);
  const batch = body.subarray(m.pos);
  if (batch.length >= 52 && batch.readUInt32LE(48) !== messagesCount) {
    throw new WireError(`send metadata says ${messagesCount} messages but the batch header says ${batch.readUInt32LE(48)}`, {
      status: Status.InvalidMessagesCount,
    });
  }
  return { streamId, topicId, partitioning, messagesCount, batch };
}

export interface SendConfirmation {
  streamId: number;
  topicId: number;
  partitionId: number;
  baseOffset: bigint;
}

/** SendMessages reply payload: `[count:u32]` then 20-byte confirmations; an empty payload is "accepted, no offsets". */
export function encodeSendReply(confirmations: readonly SendConfirmation[]): Buffer {
  const w = new WireWriter(4 + 20 * confirmations.length).u32(confirmations.length);
  for (const c of confirmations) w.u32(c.streamId).u32(c.topicId).u32(c.partitionId).u64(c.baseOffset);
  return w.finish();
}

export function decodeSendReply(payload: Buffer): SendConfirmation[] {
  if (payload.length === 0) return [];
  const r = new WireReader(payload);
  const count = r.u32('confirmations count');
  if (payload.length !== 4 + 20 * count) throw new WireError(`send reply announces ${count} confirmations but holds ${payload.length} bytes`);
  const out: SendConfirmation[] = [];
  for (let i = 0; i < count; i++) out.push({ streamId: r.u32(), topicId: r.u32(), partitionId: r.u32(), baseOffset: r.u64() });
  return out;
}

export interface PollMessagesRequest {
  consumer: Consumer;
  streamId: Identifier;
  topicId: Identifier;
  /** 0-based; omitted for a consumer group (the server picks from the member's assignment). */
  partitionId?: number;
  strategy: PollingStrategy;
  count: number;
  autoCommit: boolean;
}

/** PollMessages body: `[consumer][stream_id][topic_id][flag:u8][partition:u32][strategy:u8+u64][count:u32][auto_commit:u8]`. */
export function encodePollMessages(req: PollMessagesRequest): Buffer {
  const w = new WireWriter(64);
  writeConsumer(w, req.consumer);
  writeIdentifier(w, req.streamId, 'stream id');
  writeIdentifier(w, req.topicId, 'topic id');
  writeOptionalPartition(w, req.partitionId);
  writeStrategy(w, req.strategy);
  return w
    .u32(req.count)
    .u8(req.autoCommit ? 1 : 0)
    .finish();
}

export function decodePollMessages(body: Buffer): PollMessagesRequest {
  const r = new WireReader(body);
  const consumer = readConsumer(r);
  const streamId = readIdentifier(r, 'stream id');
  const topicId = readIdentifier(r, 'topic id');
  const partitionId = readOptionalPartition(r);
  const strategy = readStrategy(r);
  const count = r.u32('count');
  const autoCommit = r.u8('auto commit') !== 0;
  const req: PollMessagesRequest = { consumer, streamId, topicId, strategy, count, autoCommit };
  if (partitionId !== undefined) req.partitionId = partitionId;
  return req;
}

export const POLL_REPLY_HEAD_SIZE = 16;

/** The 16 bytes that open a poll reply: `[partition_id:u32][current_offset:u64][messages_count:u32]`. */
export function encodePollReplyHead(head: { partitionId: number; currentOffset: bigint; count: number }): Buffer {
  const b = Buffer.allocUnsafe(POLL_REPLY_HEAD_SIZE);
  b.writeUInt32LE(head.partitionId >>> 0, 0);
  b.writeBigUInt64LE(head.currentOffset, 4);
  b.writeUInt32LE(head.count, 12);
  return b;
}

export interface PolledMessages {
  partitionId: number;
  /** The partition's latest offset. */
  currentOffset: bigint;
  /** The messages; `batch.data` is the reply payload itself. */
  batch: FlatBatch;
}

/** Decodes a poll reply payload (a view into the reply frame) without copying payloads. */
export function decodePollReply(payload: Buffer): PolledMessages {
  const r = new WireReader(payload);
  const partitionId = r.u32('partition id');
  const currentOffset = r.u64('current offset');
  const count = r.u32('messages count');
  return { partitionId, currentOffset, batch: decodeBatches(payload, POLL_REPLY_HEAD_SIZE, payload.length, count) };
}
