// Message ids the client mints: id 0 means "give it one", as Iggy's SDK does before the
// checksums cover the frame.
import { randomBytes } from 'node:crypto';
import { Field, INDEX_ENTRY_SIZE, readU128, writeU128, type FlatBatch, type MessageInput } from '../batch/flat-batch.js';

/** Fills id 0 with a random UUIDv4-like id (the SDK mints these before the checksum covers them); copies only what it changes. */
export function withIds(messages: FlatBatch | readonly MessageInput[]): FlatBatch | readonly MessageInput[] {
  if (Array.isArray(messages)) {
    const inputs = messages as readonly MessageInput[];
    if (inputs.every((m) => m.id !== undefined && m.id !== 0n)) return inputs;
    return inputs.map((m) => (m.id === undefined || m.id === 0n ? { ...m, id: randomUuid() } : m));
  }
  const batch = messages as FlatBatch;
  let index: Buffer | undefined;
  for (let i = 0; i < batch.count; i++) {
    const at = i * INDEX_ENTRY_SIZE + Field.id;
    if (batch.index.readBigUInt64LE(at) !== 0n || batch.index.readBigUInt64LE(at + 8) !== 0n) continue;
    index ??= Buffer.from(batch.index);
    writeU128(index, at, randomUuid());
  }
  return index ? { count: batch.count, index, data: batch.data } : batch;
}

function randomUuid(): bigint {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return readU128(b, 0);
}
