// What the kit checks in a source's poll result: the flat batch's shape, the user
// header TLV (the rules Iggy applies at admission) and origin timestamps that can
// only be microseconds since the Unix epoch.
import { checkBatchShape, Field, INDEX_ENTRY_SIZE } from '../batch/flat-batch.js';

/** Why header bytes would be refused, or undefined when they are valid. */
export function headerProblem(bytes: Uint8Array): string | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  let pair = 0;
  while (at < bytes.length) {
    for (const part of ['key', 'value'] as const) {
      if (at + 5 > bytes.length) return `pair ${pair}: ${part} TLV truncated at byte ${at} (needs kind:u8 and length:u32)`;
      const kind = view.getUint8(at);
      const length = view.getUint32(at + 1, true);
      if (kind < 1 || kind > 15) return `pair ${pair}: ${part} kind ${kind} at byte ${at} is outside 1..15`;
      if (length < 1 || length > 255) return `pair ${pair}: ${part} length ${length} at byte ${at + 1} is outside 1..255`;
      if (at + 5 + length > bytes.length) return `pair ${pair}: ${part} of ${length} bytes runs past the end of the headers (${bytes.length} bytes)`;
      at += 5 + length;
    }
    pair++;
  }
  return undefined;
}

/** 2001-09-09 in µs; an origin timestamp below it is almost surely milliseconds or seconds. */
const EARLIEST_MICROS = 1_000_000_000_000_000n;
const DAY_MICROS = 86_400_000_000n;

/** Problems of one poll result, at most `limit` of them (one per message is enough to fix it). */
export function pollProblems(index: Uint8Array, data: Uint8Array, nowMicros: bigint, limit = 5): string[] {
  const shape = checkBatchShape(index, data);
  if (shape) return [shape.entry < 0 ? shape.reason : `message ${shape.entry}: ${shape.reason}`];
  const problems: string[] = [];
  const ix = Buffer.from(index.buffer, index.byteOffset, index.byteLength);
  const count = index.length / INDEX_ENTRY_SIZE;
  for (let i = 0; i < count && problems.length < limit; i++) {
    const base = i * INDEX_ENTRY_SIZE;
    const origin = ix.readBigUInt64LE(base + Field.originTimestamp);
    if (origin !== 0n && (origin < EARLIEST_MICROS || origin > nowMicros + DAY_MICROS)) {
      problems.push(`message ${i}: origin timestamp ${origin} is not µs since the Unix epoch near now (${nowMicros}); write µs, or 0 to let the host stamp it`);
    }
    const hs = ix.readUInt32LE(base + Field.headersStart);
    const hl = ix.readUInt32LE(base + Field.headersLength);
    if (hl > 0) {
      const problem = headerProblem(data.subarray(hs, hs + hl));
      if (problem) problems.push(`message ${i}: user headers invalid: ${problem}`);
    }
  }
  return problems;
}
