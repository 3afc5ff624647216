// The message batch (batch.rs): one layout for sends, storage and polls.
//   record = [batch header: 256 B][frame]…   frame = [header: 48 B][payload][user headers]
// Checksums are XXH3-64 (seed 0): per frame over frame[8..end]; per batch over the six header
// fields (partition, base offset, base timestamp, origin timestamp, length as u64, count as u32)
// followed by each frame's 8-byte checksum. Per batch, encoding allocates only the target, one
// small scratch buffer for the batch checksum and a few views; decoding into a FlatBatch copies
// no payload. Per message, fields go through DataViews and no BigInt is made but the checksum.
import { xxh3 } from '@node-rs/xxhash';
import { type FlatBatch, type MessageInput, Field, INDEX_ENTRY_SIZE, writeU128 } from '../../batch/flat-batch.js';
import { Status } from './status.js';
import { validateUserHeaderRange } from './user-headers.js';
import { WireError } from './wire-error.js';
import type { FrameChecksums } from '../../kernels/frame-checksums.js';

export const BATCH_HEADER_SIZE = 256;
export const MESSAGE_HEADER_SIZE = 48;
/** Upper bound of a frame's u32 timestamp delta (µs against the batch origin timestamp). */
export const MAX_TIMESTAMP_DELTA = 0xffff_ffffn;

export const BatchOffsets = {
  partitionId: 0,
  baseOffset: 8,
  baseTimestamp: 16,
  originTimestamp: 24,
  batchLength: 32,
  batchChecksum: 40,
  messageCount: 48,
  reserved: 52,
} as const;
export const FrameOffsets = { checksum: 0, id: 8, offsetDelta: 24, timestampDelta: 28, userHeadersLength: 32, payloadLength: 36, reserved: 40 } as const;

/** What a batch is built from: a flat batch (the guest's output) or message inputs. */
export type BatchSource = FlatBatch | readonly MessageInput[];

const isFlat = (s: BatchSource): s is FlatBatch => !Array.isArray(s);
const sourceCount = (s: BatchSource): number => (isFlat(s) ? s.count : s.length);

/** Bytes a batch record of these messages takes (header + frames). */
export function batchSize(source: BatchSource): number {
  let size = BATCH_HEADER_SIZE;
  if (isFlat(source)) {
    const iv = viewOf(source.index);
    for (let i = 0; i < source.count; i++) {
      const base = i * INDEX_ENTRY_SIZE;
      size += MESSAGE_HEADER_SIZE + iv.getUint32(base + Field.payloadLength, true) + iv.getUint32(base + Field.headersLength, true);
    }
  } else {
    for (const m of source) size += MESSAGE_HEADER_SIZE + m.payload.length + (m.headers?.length ?? 0);
  }
  return size;
}

export interface WriteBatchOptions {
  /** Origin timestamp (µs) given to messages whose own is 0; defaults to the wall clock. */
  now?: bigint;
  /** Computes the frame checksums of the whole batch in one call; without it, one call per frame. */
  checksums?: FrameChecksums;
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
  const tv = viewOf(target);
  // The hashed range of a frame (bytes 8.. to its end) is contiguous, so one xxh64 call over a
  // plain Uint8Array view (cheaper to slice than a Buffer) covers it.
  const tu = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
  target.fill(0, at, at + BATCH_HEADER_SIZE);
  const starts = new Uint32Array(count);
  const pos = isFlat(source) ? writeFlatFrames(tv, tu, at, source, now, starts) : writeInputFrames(target, tv, tu, at, source, now, starts);
  if (!options.checksums?.write(tu, starts, count, pos)) {
    for (let i = 0; i < count; i++) tv.setBigUint64(starts[i]!, xxh3.xxh64(tu.subarray(starts[i]! + 8, i + 1 < count ? starts[i + 1] : pos)), true);
  }
  const scratch = Buffer.allocUnsafe(44 + 8 * count);
  const sv = viewOf(scratch);
  for (let i = 0; i < count; i++) copyU64(tv, starts[i]!, sv, 44 + 8 * i);
  writeU64(tv, at + BatchOffsets.batchLength, pos - at);
  tv.setUint32(at + BatchOffsets.messageCount, count, true);
  target.copy(scratch, 0, at, at + 40);
  target.copy(scratch, 40, at + BatchOffsets.messageCount, at + BatchOffsets.messageCount + 4);
  tv.setBigUint64(at + BatchOffsets.batchChecksum, xxh3.xxh64(scratch), true);
  return pos;
}

/** Runs shorter than this are copied a word at a time: Buffer#copy's per-call cost dominates there. */
const SHORT_COPY = 64;

/** The frames of a flat batch (the guest's output) and the header's origin timestamp; returns the end. */
function writeFlatFrames(tv: DataView, tu: Uint8Array, at: number, flat: FlatBatch, now: number, starts: Uint32Array): number {
  const count = flat.count;
  const iv = viewOf(flat.index);
  const data = flat.data;
  const dv = viewOf(data);
  let origin = Infinity;
  for (let i = 0; i < count; i++) {
    const t = readU64(iv, i * INDEX_ENTRY_SIZE + Field.originTimestamp);
    const o = t === 0 ? now : t;
    if (o < origin) origin = o;
  }
  let pos = at + BATCH_HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    const start = pos;
    const base = i * INDEX_ENTRY_SIZE;
    for (let k = 0; k < 16; k += 4) tv.setUint32(start + FrameOffsets.id + k, iv.getUint32(base + Field.id + k, true), true);
    const ps = iv.getUint32(base + Field.payloadStart, true);
    const payloadLength = iv.getUint32(base + Field.payloadLength, true);
    const hs = iv.getUint32(base + Field.headersStart, true);
    const headersLength = iv.getUint32(base + Field.headersLength, true);
    const payloadAt = start + MESSAGE_HEADER_SIZE;
    const headersAt = payloadAt + payloadLength;
    pos = headersAt + headersLength;
    // checkBatchShape has bounded the ranges for guest batches; a Buffer copy would clamp, this must not read past.
    if (ps + payloadLength > data.length || hs + headersLength > data.length)
      throw new WireError(`message ${i} points outside the batch data; check guest batches with checkBatchShape first`);
    copyRange(data, dv, ps, payloadLength, tu, tv, payloadAt);
    if (headersLength > 0) {
      copyRange(data, dv, hs, headersLength, tu, tv, headersAt);
      validateUserHeaderRange(tu, headersAt, pos, 'user headers', i);
    }
    const t = readU64(iv, base + Field.originTimestamp);
    finishFrame(tv, start, i, (t === 0 ? now : t) - origin, headersLength, payloadLength);
    starts[i] = start;
  }
  writeU64(tv, at + BatchOffsets.originTimestamp, origin);
  return pos;
}

/** The frames of message inputs (tests and tooling); same contract as writeFlatFrames. */
function writeInputFrames(target: Buffer, tv: DataView, tu: Uint8Array, at: number, inputs: readonly MessageInput[], now: number, starts: Uint32Array): number {
  const count = inputs.length;
  let origin = Infinity;
  for (let i = 0; i < count; i++) {
    const t = Number(inputs[i]!.originTimestamp ?? 0n);
    const o = t === 0 ? now : t;
    if (o < origin) origin = o;
  }
  let pos = at + BATCH_HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    const start = pos;
    const m = inputs[i]!;
    writeU128(target, start + FrameOffsets.id, m.id ?? 0n);
    const headers = m.headers ?? EMPTY;
    const payloadLength = m.payload.length;
    const headersLength = headers.length;
    const headersAt = start + MESSAGE_HEADER_SIZE + payloadLength;
    tu.set(m.payload, start + MESSAGE_HEADER_SIZE);
    pos = headersAt + headersLength;
    if (headersLength > 0) {
      tu.set(headers, headersAt);
      validateUserHeaderRange(tu, headersAt, pos, 'user headers', i);
    }
    const t = Number(m.originTimestamp ?? 0n);
    finishFrame(tv, start, i, (t === 0 ? now : t) - origin, headersLength, payloadLength);
    starts[i] = start;
  }
  writeU64(tv, at + BatchOffsets.originTimestamp, origin);
  return pos;
}

/** The frame header fields after the id; the checksums are written once every frame is. */
function finishFrame(tv: DataView, start: number, i: number, delta: number, headersLength: number, payloadLength: number): void {
  if (delta > 0xffff_ffff) {
    throw new WireError(`message ${i} is ${delta} µs after the batch's earliest; a batch spans at most ${MAX_TIMESTAMP_DELTA} µs`, {
      status: Status.InvalidMessageTimestampDelta,
    });
  }
  tv.setUint32(start + FrameOffsets.offsetDelta, i, true);
  tv.setUint32(start + FrameOffsets.timestampDelta, delta, true);
  tv.setUint32(start + FrameOffsets.userHeadersLength, headersLength, true);
  tv.setUint32(start + FrameOffsets.payloadLength, payloadLength, true);
  tv.setUint32(start + FrameOffsets.reserved, 0, true);
  tv.setUint32(start + FrameOffsets.reserved + 4, 0, true);
}

/** Copies `src[from, from + n)` to `dst[to..]`: words through the views for short runs, one native copy for long ones. */
function copyRange(src: Buffer, sv: DataView, from: number, n: number, dst: Uint8Array, dv: DataView, to: number): void {
  if (n >= SHORT_COPY) {
    // A plain Uint8Array view costs less to make than a Buffer subarray.
    dst.set(new Uint8Array(src.buffer, src.byteOffset + from, n), to);
    return;
  }
  const words = from + (n & ~3);
  while (from < words) {
    dv.setUint32(to, sv.getUint32(from, true), true);
    from += 4;
    to += 4;
  }
  const end = from + (n & 3);
  while (from < end) dst[to++] = src[from++]!;
}

const viewOf = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

const TWO_32 = 0x1_0000_0000;
/** A u64 as a number (exact below 2^53: offsets, µs timestamps, lengths). */
const readU64 = (v: DataView, at: number): number => v.getUint32(at, true) + v.getUint32(at + 4, true) * TWO_32;
const writeU64 = (v: DataView, at: number, n: number): void => {
  v.setUint32(at, n % TWO_32, true);
  v.setUint32(at + 4, Math.floor(n / TWO_32), true);
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
  const rv = viewOf(record);
  const sv = viewOf(scratch);
  for (let i = 0; i < n; i++) copyU64(rv, frameStarts[i]!, sv, 44 + 8 * i);
  return xxh3.xxh64(scratch);
}

/** Copies 8 bytes between views as two words (a Buffer#copy call costs more than the copy). */
function copyU64(from: DataView, at: number, to: DataView, into: number): void {
  to.setUint32(into, from.getUint32(at, true), true);
  to.setUint32(into + 4, from.getUint32(at + 4, true), true);
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
  const rv = viewOf(record);
  const ru = new Uint8Array(record.buffer, record.byteOffset, record.byteLength);
  for (let i = 0; i < count; i++) {
    if (pos + MESSAGE_HEADER_SIZE > record.length) throw new WireError(`frame ${i} header runs past the batch`, { status: Status.InvalidMessagesCount });
    if ((rv.getUint32(pos + FrameOffsets.reserved, true) | rv.getUint32(pos + FrameOffsets.reserved + 4, true)) !== 0) {
      throw new WireError(`frame ${i} reserved bytes are not zero`, { status: Status.InvalidReservedField });
    }
    const pl = rv.getUint32(pos + FrameOffsets.payloadLength, true);
    const hl = rv.getUint32(pos + FrameOffsets.userHeadersLength, true);
    const end = pos + MESSAGE_HEADER_SIZE + pl + hl;
    if (end > record.length) throw new WireError(`frame ${i} (${pl} B payload, ${hl} B headers) runs past the batch`, { status: Status.InvalidMessagesCount });
    if (options.userHeaders && hl > 0) validateUserHeaderRange(ru, pos + MESSAGE_HEADER_SIZE + pl, end, 'user headers', i);
    if (options.checksums) {
      const stored = rv.getBigUint64(pos, true);
      const computed = xxh3.xxh64(ru.subarray(pos + 8, end));
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
  const fv = viewOf(frames);
  const sv = viewOf(scratch);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    copyU64(fv, pos, sv, 44 + 8 * i);
    pos += MESSAGE_HEADER_SIZE + fv.getUint32(pos + FrameOffsets.payloadLength, true) + fv.getUint32(pos + FrameOffsets.userHeadersLength, true);
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
  // Every byte of every entry is written below, so the index needs no zeroing; its own
  // ArrayBuffer keeps it out of the shared pool, which a batch may outlive by long.
  const index = Buffer.from(new ArrayBuffer(expected * INDEX_ENTRY_SIZE));
  const iv = viewOf(index);
  const dv = viewOf(data);
  let n = 0;
  let pos = start;
  while (pos < end) {
    if (pos + BATCH_HEADER_SIZE > end) throw new WireError(`batch header at ${pos} runs past the reply (${end})`);
    const length = readU64(dv, pos + BatchOffsets.batchLength);
    const recordEnd = pos + length;
    if (length < BATCH_HEADER_SIZE || recordEnd > end) throw new WireError(`batch at ${pos} announces ${length} bytes; the reply ends at ${end}`);
    const count = dv.getUint32(pos + BatchOffsets.messageCount, true);
    // Offsets and timestamps are added as u32 halves with a carry: exact over the whole u64 range.
    const offsetLo = dv.getUint32(pos + BatchOffsets.baseOffset, true);
    const offsetHi = dv.getUint32(pos + BatchOffsets.baseOffset + 4, true);
    const originLo = dv.getUint32(pos + BatchOffsets.originTimestamp, true);
    const originHi = dv.getUint32(pos + BatchOffsets.originTimestamp + 4, true);
    const timestampLo = dv.getUint32(pos + BatchOffsets.baseTimestamp, true);
    const timestampHi = dv.getUint32(pos + BatchOffsets.baseTimestamp + 4, true);
    let f = pos + BATCH_HEADER_SIZE;
    for (let i = 0; i < count; i++) {
      if (n >= expected) throw new WireError(`reply holds more messages than the ${expected} it announces`);
      if (f + MESSAGE_HEADER_SIZE > recordEnd) throw new WireError(`frame ${i} of the batch at ${pos} runs past it`);
      const pl = dv.getUint32(f + FrameOffsets.payloadLength, true);
      const hl = dv.getUint32(f + FrameOffsets.userHeadersLength, true);
      const payloadStart = f + MESSAGE_HEADER_SIZE;
      const frameEnd = payloadStart + pl + hl;
      if (frameEnd > recordEnd) throw new WireError(`frame ${i} of the batch at ${pos} runs past it`);
      const e = n * INDEX_ENTRY_SIZE;
      const offset = offsetLo + dv.getUint32(f + FrameOffsets.offsetDelta, true);
      iv.setUint32(e + Field.offset, offset >>> 0, true);
      iv.setUint32(e + Field.offset + 4, (offsetHi + (offset >= TWO_32 ? 1 : 0)) >>> 0, true);
      iv.setUint32(e + Field.id, dv.getUint32(f + FrameOffsets.id, true), true);
      iv.setUint32(e + Field.id + 4, dv.getUint32(f + FrameOffsets.id + 4, true), true);
      iv.setUint32(e + Field.id + 8, dv.getUint32(f + FrameOffsets.id + 8, true), true);
      iv.setUint32(e + Field.id + 12, dv.getUint32(f + FrameOffsets.id + 12, true), true);
      iv.setUint32(e + Field.timestamp, timestampLo, true);
      iv.setUint32(e + Field.timestamp + 4, timestampHi, true);
      const origin = originLo + dv.getUint32(f + FrameOffsets.timestampDelta, true);
      iv.setUint32(e + Field.originTimestamp, origin >>> 0, true);
      iv.setUint32(e + Field.originTimestamp + 4, (originHi + (origin >= TWO_32 ? 1 : 0)) >>> 0, true);
      iv.setUint32(e + Field.checksum, dv.getUint32(f, true), true);
      iv.setUint32(e + Field.checksum + 4, dv.getUint32(f + 4, true), true);
      iv.setUint32(e + Field.payloadStart, payloadStart, true);
      iv.setUint32(e + Field.payloadLength, pl, true);
      iv.setUint32(e + Field.headersStart, payloadStart + pl, true);
      iv.setUint32(e + Field.headersLength, hl, true);
      n++;
      f = frameEnd;
    }
    if (f !== recordEnd) throw new WireError(`batch at ${pos} announces ${count} messages but its frames end at ${f}, not ${recordEnd}`);
    pos = recordEnd;
  }
  if (n !== expected) throw new WireError(`reply announces ${expected} messages but holds ${n}`);
  return { count: n, index, data };
}
