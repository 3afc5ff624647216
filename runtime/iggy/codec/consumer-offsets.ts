// Consumer offset bodies (requests/consumer_offsets, responses/consumer_offsets):
// `[consumer][stream_id][topic_id][partition flag:u8][partition_id:u32]` plus offset / ack level.
import { WireReader, WireWriter } from './cursor.js';
import {
  type Consumer,
  type Identifier,
  readConsumer,
  readIdentifier,
  readOptionalPartition,
  writeConsumer,
  writeIdentifier,
  writeOptionalPartition,
} from './primitives.js';
import { WireError } from './wire-error.js';

/** `AckLevel`: 0 = no ack, 1 = quorum (the SDK default). */
export const AckLevel = { noAck: 0, quorum: 1 } as const;

export interface ConsumerOffsetRef {
  consumer: Consumer;
  streamId: Identifier;
  topicId: Identifier;
  partitionId?: number;
}

function writeRef(w: WireWriter, a: ConsumerOffsetRef): void {
  writeConsumer(w, a.consumer);
  writeIdentifier(w, a.streamId, 'stream id');
  writeIdentifier(w, a.topicId, 'topic id');
  writeOptionalPartition(w, a.partitionId);
}

function readRef(r: WireReader): ConsumerOffsetRef {
  const consumer = readConsumer(r);
  const streamId = readIdentifier(r, 'stream id');
  const topicId = readIdentifier(r, 'topic id');
  const partitionId = readOptionalPartition(r);
  return partitionId === undefined ? { consumer, streamId, topicId } : { consumer, streamId, topicId, partitionId };
}

function readAck(r: WireReader): number {
  const ack = r.u8('ack level');
  if (ack > 1) throw new WireError(`ack level ${ack} is unknown; expected 0 or 1`);
  return ack;
}

/** StoreConsumerOffset (121). */
export function encodeStoreConsumerOffset(a: ConsumerOffsetRef & { offset: bigint; ack?: number }): Buffer {
  const w = new WireWriter(48);
  writeRef(w, a);
  return w
    .u64(a.offset)
    .u8(a.ack ?? AckLevel.quorum)
    .finish();
}

export function decodeStoreConsumerOffset(body: Buffer): ConsumerOffsetRef & { offset: bigint; ack: number } {
  const r = new WireReader(body);
  const ref = readRef(r);
  return { ...ref, offset: r.u64('offset'), ack: readAck(r) };
}

/** GetConsumerOffset (120). */
export function encodeGetConsumerOffset(a: ConsumerOffsetRef): Buffer {
  const w = new WireWriter(48);
  writeRef(w, a);
  return w.finish();
}

export const decodeGetConsumerOffset = (body: Buffer): ConsumerOffsetRef => readRef(new WireReader(body));

/** DeleteConsumerOffset (122). */
export function encodeDeleteConsumerOffset(a: ConsumerOffsetRef & { ack?: number }): Buffer {
  const w = new WireWriter(48);
  writeRef(w, a);
  return w.u8(a.ack ?? AckLevel.quorum).finish();
}

export function decodeDeleteConsumerOffset(body: Buffer): ConsumerOffsetRef & { ack: number } {
  const r = new WireReader(body);
  const ref = readRef(r);
  return { ...ref, ack: readAck(r) };
}

export interface ConsumerOffsetInfo {
  partitionId: number;
  /** The partition's latest offset. */
  currentOffset: bigint;
  storedOffset: bigint;
}

/** GetConsumerOffset reply payload (20 bytes); an empty payload means no offset stored. */
export function encodeConsumerOffsetInfo(o: ConsumerOffsetInfo): Buffer {
  return new WireWriter(20).u32(o.partitionId).u64(o.currentOffset).u64(o.storedOffset).finish();
}

export function decodeConsumerOffsetInfo(payload: Buffer): ConsumerOffsetInfo | undefined {
  if (payload.length === 0) return undefined;
  const r = new WireReader(payload);
  return { partitionId: r.u32('partition id'), currentOffset: r.u64('current offset'), storedOffset: r.u64('stored offset') };
}
