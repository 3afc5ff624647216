// What a source's messages must be before they go to Iggy, beyond the batch's
// shape (checked by the host): user headers every Iggy SDK can read back, and
// origin timestamps in microseconds. A server takes some of these (a header kind
// it does not know, a timestamp in nanoseconds) and every consumer then chokes
// on them, so the runtime refuses the batch as a guest bug (GUEST_MALFORMED_BATCH,
// not restarted: the restarted source would produce the same batch).
import { Field, INDEX_ENTRY_SIZE, type FlatBatch } from '../batch/flat-batch.js';
import { GuestBatchError } from '../host/index.js';
import { HeaderKind, validateUserHeaderRange, WireError } from '../iggy/codec/index.js';

/** Highest `HeaderKind` code Iggy defines (Float64); 0 is reserved. */
const MAX_HEADER_KIND = HeaderKind.Float64;
/** Value sizes of the fixed-size kinds, as Iggy's SDKs decode them. */
const FIXED_SIZE: ReadonlyMap<number, number> = new Map([
  [HeaderKind.Bool, 1],
  [HeaderKind.Int8, 1],
  [HeaderKind.Uint8, 1],
  [HeaderKind.Int16, 2],
  [HeaderKind.Uint16, 2],
  [HeaderKind.Int32, 4],
  [HeaderKind.Uint32, 4],
  [HeaderKind.Float32, 4],
  [HeaderKind.Int64, 8],
  [HeaderKind.Uint64, 8],
  [HeaderKind.Float64, 8],
  [HeaderKind.Int128, 16],
  [HeaderKind.Uint128, 16],
]);
/** 2200-01-01 in µs since the epoch: an origin timestamp past it is not in microseconds (nanoseconds are ~1000x larger). */
export const MAX_ORIGIN_TIMESTAMP_US = 7_258_118_400_000_000;

const TWO_32 = 0x1_0000_0000;

/** Throws GuestBatchError naming the first message whose headers or origin timestamp Iggy's consumers could not use. */
export function checkSourceMessages(batch: FlatBatch): void {
  const index = batch.index;
  const data = batch.data;
  for (let i = 0; i < batch.count; i++) {
    const base = i * INDEX_ENTRY_SIZE;
    const origin = index.readUInt32LE(base + Field.originTimestamp) + index.readUInt32LE(base + Field.originTimestamp + 4) * TWO_32;
    if (origin > MAX_ORIGIN_TIMESTAMP_US) {
      const asNanos = origin / 1000 < MAX_ORIGIN_TIMESTAMP_US ? ' (it looks like nanoseconds: divide by 1,000)' : '';
      throw new GuestBatchError(
        i,
        `origin timestamp ${index.readBigUInt64LE(base + Field.originTimestamp)} is after the year 2200 read as microseconds; origin_timestamp is microseconds since the Unix epoch, or 0 for "now"${asNanos}`,
      );
    }
    const length = index.readUInt32LE(base + Field.headersLength);
    if (length === 0) continue;
    const start = index.readUInt32LE(base + Field.headersStart);
    checkHeaders(data, start, start + length, i);
  }
}

function checkHeaders(data: Buffer, start: number, end: number, message: number): void {
  try {
    validateUserHeaderRange(data, start, end, 'user headers', -1);
  } catch (error) {
    if (error instanceof WireError)
      throw new GuestBatchError(message, `${error.message}; header kinds are 1..${MAX_HEADER_KIND} (iggy HeaderKind), lengths 1..255`);
    throw error;
  }
  // The block is well-formed: walk it for kinds outside Iggy's range and fixed-size values of the wrong size.
  let pos = start;
  let entry = 0;
  while (pos < end) {
    const kind = data[pos]!;
    const size = data.readUInt32LE(pos + 1);
    const role = entry % 2 === 0 ? 'key' : 'value';
    if (kind > MAX_HEADER_KIND) {
      throw new GuestBatchError(
        message,
        `user header ${role} ${entry >> 1} has kind ${kind}, outside Iggy's header kinds 1..${MAX_HEADER_KIND}; use 1 (raw) or 2 (string) for bytes of your own`,
      );
    }
    const fixed = FIXED_SIZE.get(kind);
    if (fixed !== undefined && size !== fixed) {
      throw new GuestBatchError(message, `user header ${role} ${entry >> 1} has kind ${kind} with ${size} bytes; that kind is exactly ${fixed} byte(s)`);
    }
    pos += 5 + size;
    entry++;
  }
}
