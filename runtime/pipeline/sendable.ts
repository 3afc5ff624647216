// What Iggy accepts, checked before a source's messages are sent: a payload above
// Iggy's limit is refused by the server, and a send larger than a frame it reads
// makes it drop the connection, which would look like a network fault retried
// forever. Limits from Iggy's iggy_common (MAX_PAYLOAD_SIZE, MAX_USER_HEADERS_SIZE)
// and the server's 64 MiB frame cap.
import { Field, INDEX_ENTRY_SIZE, type FlatBatch } from '../batch/flat-batch.js';

/** Iggy's largest message payload, in bytes (64 MB, decimal). */
export const MAX_PAYLOAD_BYTES = 64_000_000;
/** Iggy's largest user-headers block of one message, in bytes. */
export const MAX_USER_HEADERS_BYTES = 100_000;
/** The most message bytes (headers, payloads, user headers) the runtime puts in one send; one message at Iggy's limits always fits. */
export const MAX_SEND_BYTES = 32 * 1024 * 1024;
/** Iggy's per-message header on the wire. */
const MESSAGE_HEADER_BYTES = 64;

/** The messages of `batch` Iggy would refuse for their size, with the reason. */
export function unsendable(batch: FlatBatch): { entry: number; reason: string }[] {
  const out: { entry: number; reason: string }[] = [];
  // Fast path: a batch whose whole data is under both limits has no oversized message.
  if (batch.data.length <= MAX_USER_HEADERS_BYTES) return out;
  for (let i = 0; i < batch.count; i++) {
    const base = i * INDEX_ENTRY_SIZE;
    const payload = batch.index.readUInt32LE(base + Field.payloadLength);
    const headers = batch.index.readUInt32LE(base + Field.headersLength);
    if (payload > MAX_PAYLOAD_BYTES)
      out.push({ entry: i, reason: `payload of ${payload} bytes is above Iggy's limit of ${MAX_PAYLOAD_BYTES} bytes per message` });
    else if (headers > MAX_USER_HEADERS_BYTES)
      out.push({ entry: i, reason: `user headers of ${headers} bytes are above Iggy's limit of ${MAX_USER_HEADERS_BYTES} bytes per message` });
  }
  return out;
}

/** The bytes message `i` takes in a send. */
export function sendBytesOf(batch: FlatBatch, i: number): number {
  const base = i * INDEX_ENTRY_SIZE;
  return MESSAGE_HEADER_BYTES + batch.index.readUInt32LE(base + Field.payloadLength) + batch.index.readUInt32LE(base + Field.headersLength);
}

/** Splits `batch` into sends of at most `count` messages and MAX_SEND_BYTES bytes (a single larger message goes alone). */
export function* sendChunks(batch: FlatBatch, count: number): Generator<FlatBatch> {
  if (batch.count <= count && batch.data.length + batch.count * MESSAGE_HEADER_BYTES <= MAX_SEND_BYTES) {
    yield batch;
    return;
  }
  const slice = (start: number, end: number): FlatBatch => ({
    count: end - start,
    index: batch.index.subarray(start * INDEX_ENTRY_SIZE, end * INDEX_ENTRY_SIZE),
    data: batch.data,
  });
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < batch.count; i++) {
    const size = sendBytesOf(batch, i);
    if (i > start && (i - start >= count || bytes + size > MAX_SEND_BYTES)) {
      yield slice(start, i);
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (start < batch.count) yield slice(start, batch.count);
}
