// What the kit checks in a source's poll result: the flat batch's shape, the user
// header TLV (the rules Iggy applies at admission) and origin timestamps that can
// only be microseconds since the Unix epoch.
import { checkBatchShape, Field, INDEX_ENTRY_SIZE } from '../batch/flat-batch.js';
import { headerEntries, validateUserHeaders } from '../iggy/codec/index.js';

const MAX_KIND = 15;

/**
 * Why header bytes would be refused, or undefined when they are valid: Iggy's own
 * structural rules (the codec's check), plus kinds within the 1..15 the contract names.
 */
export function headerProblem(bytes: Uint8Array): string | undefined {
  try {
    validateUserHeaders(bytes, 'headers');
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  let pair = 0;
  for (const entry of headerEntries(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) {
    if (entry.keyKind > MAX_KIND) return `headers: pair ${pair}: key kind ${entry.keyKind} is outside 1..${MAX_KIND}`;
    if (entry.valueKind > MAX_KIND) return `headers: pair ${pair}: value kind ${entry.valueKind} is outside 1..${MAX_KIND}`;
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
      if (problem) problems.push(`message ${i}: ${problem}`);
    }
  }
  return problems;
}
