// The message batch (batch.rs): one layout for sends, storage and polls.
//   record = [batch header: 256 B][frame]…   frame = [header: 48 B][payload][user headers]
// Checksums are XXH3-64 (seed 0): per frame over frame[8..end]; per batch over the six header
// fields (partition, base offset, base timestamp, origin timestamp, length as u64, count as u32)
// followed by each frame's 8-byte checksum. Encoding allocates nothing but the target and one
// small scratch buffer for the batch checksum; decoding into a FlatBatch copies no payload.
import { xxh3 } from '@node-rs/xxhash';
import { type FlatBatch, type MessageInput, Field, INDEX_ENTRY_SIZE, writeU128 } from '../../batch/flat-batch.js';
import { Status } from './status.js';
import { validateUserHeaders } from './user-headers.js';
import { WireError } from './wire-error.js';

export const BATCH_HEADER_SIZE = 256;
export const MESSAGE_HEADER_SIZE = 48;
/** Upper bound of a frame's u32 timestamp delta (µs against the batch origin timestamp). */
export const MAX_TIMESTAMP_DELTA = 0xffff_ffffn;

export const BatchOffsets = { partitionId: 0, baseOffset: 8, baseTimestamp: 16, originTimestamp: 24, batchLength: 32, batchChecksum: 40, messageCount: 48, reserved: 52 } as const;
export const FrameOffsets = { checksum: 0, id: 8, offsetDelta: 24, timestampDelta: 28, userHeadersLength: 32, payloadLength: 36, reserved: 40 } as const;

/** What a batch is built from: a flat batch (the guest's output) or message inputs. */
export type BatchSource = FlatBatch | readonly MessageInput[];

const isFlat = (s: BatchSource): s is FlatBatch => !Array.isArray(s);
const sourceCount = (s: BatchSource): number => (isFlat(s) ? s.count : s.length);

/** Bytes a batch record of these messages takes (header + frames). */
export function batchSize(source: BatchSource): number {
  let size = BATCH_HEADER_SIZE;
  if (isFlat(source)) {
    const ix = source.index;
    for (let i = 0; i < source.count; i++) {
      const base = i * INDEX_ENTRY_SIZE;
      size += MESSAGE_HEADER_SIZE + ix.readUInt32LE(base + Field.payloadLength) + ix.readUInt32LE(base + Field.headersLength);
    }
  } else {
    for (const m of source) size += MESSAGE_HEADER_SIZE + m.payload.length + (m.headers?.length ?? 0);
  }
  return size;
}

export interface WriteBatchOptions {
  /** Origin timestamp (µs) given to messages whose own is 0; defaults to the wall clock. */
  now?: bigint;
}

const nowMicros = (): bigint => BigInt(Date.now()) * 1000n;

/**
 * Writes a producer batch record at `target[at..]` (exactly `batchSize(source)` bytes): partition,
 * base offset and base timestamp zero, every checksum computed. Returns the end offset.
 * Refuses an empty batch, user headers that `validate_user_headers` would refuse, and origin
 * timestamps more than 2^32-1 µs apart.
 */
export function writeBatch(target: Buffer, at: number, source: BatchSource, options: WriteBatchOptions = {}): number {
  const count = sourceCount(source);
  if (count === 0) throw new WireError('cannot encode an empty message batch', { status: Status.InvalidMessagesCount });
  // Timestamps are µs since the epoch (~2^51), exact as doubles; numbers avoid BigInt per message.
  const now = Number(options.now ?? nowMicros());
  const flat = isFlat(source) ? source : undefined;
  const inputs = isFlat(source) ? undefined : source;
  const originOf = (i: number): number => {
    const t = flat ? readU64(flat.index, i * INDEX_ENTRY_SIZE + Field.originTimestamp) : Number(inputs![i]!.originTimestamp ?? 0n);
    return t === 0 ? now : t;
  };
  let origin = originOf(0);
  for (let i = 1; i < count; i++) {
    const t = originOf(i);
    if (t < origin) origin = t;
  }
  target.fill(0, at, at + BATCH_HEADER_SIZE);
  const scratch = Buffer.allocUnsafe(44 + 8 * count);
  let pos = at + BATCH_HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    const start = pos;
    let payloadLength: number;
    let headersLength: number;
    if (flat) {
      const base = i * INDEX_ENTRY_SIZE;
      const ix = flat.index;
      copySmall(ix, base + Field.id, target, start + FrameOffsets.id, 16);
      const ps = ix.readUInt32LE(base + Field.payloadStart);
      const hs = ix.readUInt32LE(base + Field.headersStart);
      payloadLength = ix.readUInt32LE(base + Field.payloadLength);
      headersLength = ix.readUInt32LE(base + Field.headersLength);
      flat.data.copy(target, start + MESSAGE_HEADER_SIZE, ps, ps + payloadLength);
      if (headersLength > 0) flat.data.copy(target, start + MESSAGE_HEADER_SIZE + payloadLength, hs, hs + headersLength);
    } else {
      const m = inputs![i]!;
      writeU128(target, start + FrameOffsets.id, m.id ?? 0n);
      const headers = m.headers ?? EMPTY;
      payloadLength = m.payload.length;
      headersLength = headers.length;
      target.set(m.payload, start + MESSAGE_HEADER_SIZE);
      target.set(headers, start + MESSAGE_HEADER_SIZE + payloadLength);
    }
    const headersAt = start + MESSAGE_HEADER_SIZE + payloadLength;
    if (headersLength > 0) validateUserHeaders(target.subarray(headersAt, headersAt + headersLength), `user headers of message ${i}`);
    const delta = originOf(i) - origin;
    if (delta > 0xffff_ffff) {
      throw new WireError(`message ${i} is ${delta} µs after the batch's earliest; a batch spans at most ${MAX_TIMESTAMP_DELTA} µs`, { status: Status.InvalidMessageTimestampDelta });
    }
    target.writeUInt32LE(i, start + FrameOffsets.offsetDelta);
    target.writeUInt32LE(delta, start + FrameOffsets.timestampDelta);
    target.writeUInt32LE(headersLength, start + FrameOffsets.userHeadersLength);
    target.writeUInt32LE(payloadLength, start + FrameOffsets.payloadLength);
    target.writeUInt32LE(0, start + FrameOffsets.reserved);
    target.writeUInt32LE(0, start + FrameOffsets.reserved + 4);
    pos = headersAt + headersLength;
    target.writeBigUInt64LE(xxh3.xxh64(target.subarray(start + 8, pos)), start);
    copySmall(target, start, scratch, 44 + 8 * i, 8);
  }
  writeU64(target, at + BatchOffsets.originTimestamp, origin);
  writeU64(target, at + BatchOffsets.batchLength, pos - at);
  target.writeUInt32LE(count, at + BatchOffsets.messageCount);
  target.copy(scratch, 0, at, at + 40);
  target.copy(scratch, 40, at + BatchOffsets.messageCount, at + BatchOffsets.messageCount + 4);
  target.writeBigUInt64LE(xxh3.xxh64(scratch), at + BatchOffsets.batchChecksum);
  return pos;
}

/** Byte loop for copies of a few bytes, where Buffer.copy's call overhead dominates. */
function copySmall(src: Buffer, from: number, dst: Buffer, to: number, n: number): void {
  for (let k = 0; k < n; k++) dst[to + k] = src[from + k]!;
}

const TWO_32 = 0x1_0000_0000;
/** A u64 as a number (exact below 2^53: offsets, µs timestamps, lengths). */
const readU64 = (b: Buffer, at: number): number => b.readUInt32LE(at) + b.readUInt32LE(at + 4) * TWO_32;
const writeU64 = (b: Buffer, at: number, v: number): void => {
  b.writeUInt32LE(v % TWO_32, at);
  b.writeUInt32LE(Math.floor(v / TWO_32), at + 4);
};

const EMPTY = new Uint8Array(0);

/** A whole batch record in its own buffer. */
export function encodeBatch(source: BatchSource, options: WriteBatchOptions = {}): Buffer {
  const record = Buffer.allocUnsafe(batchSize(source));
  writeBatch(record, 0, source, options);
  return record;
}

/**
 * The batch checksum of a record whose frames start at the given offsets (relative to the record):
 * hashes the header fields as they are in the record, then each frame's stored checksum.
 */
export function computeBatchChecksum(record: Buffer, frameStarts: Uint32Array | readonly number[]): bigint {
  const n = frameStarts.length;
  const scratch = Buffer.allocUnsafe(44 + 8 * n);
  record.copy(scratch, 0, 0, 40);
  record.copy(scratch, 40, BatchOffsets.messageCount, BatchOffsets.messageCount + 4);
  for (let i = 0; i < n; i++) record.copy(scratch, 44 + 8 * i, frameStarts[i]!, frameStarts[i]! + 8);
  return xxh3.xxh64(scratch);
}

export interface BatchLayout {
  messageCount: number;
  batchLength: number;
  /** Offset of each frame, relative to the record start. */
  frameStarts: Uint32Array;
}

export interface VerifyOptions {
  /** Verify every frame checksum and the batch checksum (a server at admission does). */
  checksums?: boolean;
  /** Run validate_user_headers on every frame's user headers. */
  userHeaders?: boolean;
}

/**
 * Checks one record that must fill `record` exactly: header sane (length covers the header, reserved
 * bytes zero), frames tile `message_count` exactly with zero reserved bytes, and optionally checksums
 * (status 4027 / 4039 on mismatch) and user headers.
 */
export function verifyBatch(record: Buffer, options: VerifyOptions = {}): BatchLayout {
  if (record.length < BATCH_HEADER_SIZE) throw new WireError(`batch is ${record.length} bytes; its header alone is ${BATCH_HEADER_SIZE}`);
  const length = record.readBigUInt64LE(BatchOffsets.batchLength);
  if (length !== BigInt(record.length)) throw new WireError(`batch header announces ${length} bytes but ${record.length} are present`);
  for (let i = BatchOffsets.reserved; i < BATCH_HEADER_SIZE; i++) {
    if (record[i] !== 0) throw new WireError(`batch header reserved byte ${i} is not zero`, { status: Status.InvalidReservedField });
  }
  const count = record.readUInt32LE(BatchOffsets.messageCount);
  if (count === 0) throw new WireError('batch has no messages', { status: Status.InvalidMessagesCount });
  if (count > (record.length - BATCH_HEADER_SIZE) / MESSAGE_HEADER_SIZE) {
    throw new WireError(`batch announces ${count} messages, more than ${record.length} bytes can hold`, { status: Status.InvalidMessagesCount });
  }
  const frameStarts = new Uint32Array(count);
  let pos = BATCH_HEADER_SIZE;
  const baseOffset = record.readBigUInt64LE(BatchOffsets.baseOffset);
  for (let i = 0; i < count; i++) {
    if (pos + MESSAGE_HEADER_SIZE > record.length) throw new WireError(`frame ${i} header runs past the batch`, { status: Status.InvalidMessagesCount });
    if (record.readBigUInt64LE(pos + FrameOffsets.reserved) !== 0n) throw new WireError(`frame ${i} reserved bytes are not zero`, { status: Status.InvalidReservedField });
    const pl = record.readUInt32LE(pos + FrameOffsets.payloadLength);
    const hl = record.readUInt32LE(pos + FrameOffsets.userHeadersLength);
    const end = pos + MESSAGE_HEADER_SIZE + pl + hl;
    if (end > record.length) throw new WireError(`frame ${i} (${pl} B payload, ${hl} B headers) runs past the batch`, { status: Status.InvalidMessagesCount });
    if (options.userHeaders && hl > 0) validateUserHeaders(record.subarray(pos + MESSAGE_HEADER_SIZE + pl, end), `user headers of message ${i}`);
    if (options.checksums) {
      const stored = record.readBigUInt64LE(pos);
      const computed = xxh3.xxh64(record.subarray(pos + 8, end));
      if (stored !== computed) {
        const offset = baseOffset + BigInt(record.readUInt32LE(pos + FrameOffsets.offsetDelta));
        throw new WireError(`Invalid message checksum: ${stored}, expected: ${computed}, for offset: ${offset}`, { status: Status.InvalidMessageChecksum });
      }
    }
    frameStarts[i] = pos;
    pos = end;
  }
  if (pos !== record.length) throw new WireError(`batch frames end at ${pos} but the batch is ${record.length} bytes`, { status: Status.InvalidMessagesCount });
  if (options.checksums) {
    const stored = record.readBigUInt64LE(BatchOffsets.batchChecksum);
    const computed = computeBatchChecksum(record, frameStarts);
    if (stored !== computed) {
      throw new WireError(`Invalid batch checksum: ${stored}, expected: ${computed}, for base offset: ${baseOffset}`, { status: Status.InvalidBatchChecksum });
    }
  }
  return { messageCount: count, batchLength: record.length, frameStarts };
}

/** What a server stamps at admission (then the batch checksum is recomputed). */
export function stampBatch(record: Buffer, layout: BatchLayout, stamp: { partitionId: number; baseOffset: bigint; baseTimestamp: bigint }): void {
  record.writeBigUInt64LE(BigInt(stamp.partitionId), BatchOffsets.partitionId);
  record.writeBigUInt64LE(stamp.baseOffset, BatchOffsets.baseOffset);
  record.writeBigUInt64LE(stamp.baseTimestamp, BatchOffsets.baseTimestamp);
  record.writeBigUInt64LE(computeBatchChecksum(record, layout.frameStarts), BatchOffsets.batchChecksum);
}

/**
 * A fresh 256-byte header for a slice of a stored record: same partition, base offset and
 * timestamps (frames keep their deltas), `count` messages in `framesLength` bytes, the batch
 * checksum recomputed over the slice's frames.
 */
export function sliceHeader(record: Buffer, frames: Buffer, count: number): Buffer {
  const header = Buffer.allocUnsafe(BATCH_HEADER_SIZE);
  record.copy(header, 0, 0, BATCH_HEADER_SIZE);
  header.writeBigUInt64LE(BigInt(BATCH_HEADER_SIZE + frames.length), BatchOffsets.batchLength);
  header.writeUInt32LE(count, BatchOffsets.messageCount);
  const scratch = Buffer.allocUnsafe(44 + 8 * count);
  header.copy(scratch, 0, 0, 40);
  header.copy(scratch, 40, BatchOffsets.messageCount, BatchOffsets.messageCount + 4);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    frames.copy(scratch, 44 + 8 * i, pos, pos + 8);
    pos += MESSAGE_HEADER_SIZE + frames.readUInt32LE(pos + FrameOffsets.payloadLength) + frames.readUInt32LE(pos + FrameOffsets.userHeadersLength);
  }
  header.writeBigUInt64LE(xxh3.xxh64(scratch), BatchOffsets.batchChecksum);
  return header;
}

/**
 * Decodes the batch records in `data[start..end]` into a FlatBatch whose `data` IS `data`:
 * index entries point at payloads and headers where they lie (no copy). Layout is checked,
 * checksums are not (a poll reply passes them through). `expected` (the reply's count) sizes
 * the index, which is the one allocation.
 */
export function decodeBatches(data: Buffer, start: number, end: number, expected: number): FlatBatch {
  const index = Buffer.alloc(expected * INDEX_ENTRY_SIZE);
  let n = 0;
  let pos = start;
  while (pos < end) {
    if (pos + BATCH_HEADER_SIZE > end) throw new WireError(`batch header at ${pos} runs past the reply (${end})`);
    const length = Number(data.readBigUInt64LE(pos + BatchOffsets.batchLength));
    const recordEnd = pos + length;
    if (length < BATCH_HEADER_SIZE || recordEnd > end) throw new WireError(`batch at ${pos} announces ${length} bytes; the reply ends at ${end}`);
    const count = data.readUInt32LE(pos + BatchOffsets.messageCount);
    const baseOffset = readU64(data, pos + BatchOffsets.baseOffset);
    const origin = readU64(data, pos + BatchOffsets.originTimestamp);
    let f = pos + BATCH_HEADER_SIZE;
    for (let i = 0; i < count; i++) {
      if (n >= expected) throw new WireError(`reply holds more messages than the ${expected} it announces`);
      if (f + MESSAGE_HEADER_SIZE > recordEnd) throw new WireError(`frame ${i} of the batch at ${pos} runs past it`);
      const pl = data.readUInt32LE(f + FrameOffsets.payloadLength);
      const hl = data.readUInt32LE(f + FrameOffsets.userHeadersLength);
      const payloadStart = f + MESSAGE_HEADER_SIZE;
      const frameEnd = payloadStart + pl + hl;
      if (frameEnd > recordEnd) throw new WireError(`frame ${i} of the batch at ${pos} runs past it`);
      const e = n * INDEX_ENTRY_SIZE;
      writeU64(index, e + Field.offset, baseOffset + data.readUInt32LE(f + FrameOffsets.offsetDelta));
      copySmall(data, f + FrameOffsets.id, index, e + Field.id, 16);
      copySmall(data, pos + BatchOffsets.baseTimestamp, index, e + Field.timestamp, 8);
      writeU64(index, e + Field.originTimestamp, origin + data.readUInt32LE(f + FrameOffsets.timestampDelta));
      copySmall(data, f, index, e + Field.checksum, 8);
      index.writeUInt32LE(payloadStart, e + Field.payloadStart);
      index.writeUInt32LE(pl, e + Field.payloadLength);
      index.writeUInt32LE(payloadStart + pl, e + Field.headersStart);
      index.writeUInt32LE(hl, e + Field.headersLength);
      n++;
      f = frameEnd;
    }
    if (f !== recordEnd) throw new WireError(`batch at ${pos} announces ${count} messages but its frames end at ${f}, not ${recordEnd}`);
    pos = recordEnd;
  }
  if (n !== expected) throw new WireError(`reply announces ${expected} messages but holds ${n}`);
  return { count: n, index, data };
}
