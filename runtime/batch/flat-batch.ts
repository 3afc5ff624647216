// The flat batch that crosses the guest boundary (wit/README.md, "Flat batch"):
// a 64-byte index entry per message plus one data buffer the entries point into.

export const INDEX_ENTRY_SIZE = 64;

/** Byte offsets of the fields inside one index entry. */
export const Field = {
  offset: 0,
  id: 8,
  timestamp: 24,
  originTimestamp: 32,
  checksum: 40,
  payloadStart: 48,
  payloadLength: 52,
  headersStart: 56,
  headersLength: 60,
} as const;

/** A batch as the host holds it. `index.length === count * INDEX_ENTRY_SIZE`. */
export interface FlatBatch {
  readonly count: number;
  readonly index: Buffer;
  readonly data: Buffer;
}

/** One message's fields, decoded from an index entry (test and tooling use; hot paths read the index directly). */
export interface FlatMessage {
  offset: bigint;
  id: bigint;
  timestamp: bigint;
  originTimestamp: bigint;
  checksum: bigint;
  payload: Buffer;
  headers: Buffer;
}

export const emptyBatch = (): FlatBatch => ({ count: 0, index: Buffer.alloc(0), data: Buffer.alloc(0) });

export function payloadOf(batch: FlatBatch, i: number): Buffer {
  const base = i * INDEX_ENTRY_SIZE;
  const start = batch.index.readUInt32LE(base + Field.payloadStart);
  return batch.data.subarray(start, start + batch.index.readUInt32LE(base + Field.payloadLength));
}

export function headersOf(batch: FlatBatch, i: number): Buffer {
  const base = i * INDEX_ENTRY_SIZE;
  const start = batch.index.readUInt32LE(base + Field.headersStart);
  return batch.data.subarray(start, start + batch.index.readUInt32LE(base + Field.headersLength));
}

export function readU128(buf: Buffer, at: number): bigint {
  return buf.readBigUInt64LE(at) | (buf.readBigUInt64LE(at + 8) << 64n);
}

export function writeU128(buf: Buffer, at: number, value: bigint): void {
  buf.writeBigUInt64LE(value & 0xffff_ffff_ffff_ffffn, at);
  buf.writeBigUInt64LE(value >> 64n, at + 8);
}

export function messageAt(batch: FlatBatch, i: number): FlatMessage {
  const base = i * INDEX_ENTRY_SIZE;
  const ix = batch.index;
  return {
    offset: ix.readBigUInt64LE(base + Field.offset),
    id: readU128(ix, base + Field.id),
    timestamp: ix.readBigUInt64LE(base + Field.timestamp),
    originTimestamp: ix.readBigUInt64LE(base + Field.originTimestamp),
    checksum: ix.readBigUInt64LE(base + Field.checksum),
    payload: payloadOf(batch, i),
    headers: headersOf(batch, i),
  };
}

export function* messages(batch: FlatBatch): Generator<FlatMessage> {
  for (let i = 0; i < batch.count; i++) yield messageAt(batch, i);
}

/** What a caller supplies per message when building a batch; unset fields are 0 / empty. */
export interface MessageInput {
  offset?: bigint;
  id?: bigint;
  timestamp?: bigint;
  originTimestamp?: bigint;
  checksum?: bigint;
  payload: Uint8Array;
  headers?: Uint8Array;
}

/** Builds a compact batch (payload then headers, message after message). Allocates the two buffers once. */
export function buildBatch(inputs: readonly MessageInput[]): FlatBatch {
  let dataLength = 0;
  for (const m of inputs) dataLength += m.payload.length + (m.headers?.length ?? 0);
  const index = Buffer.alloc(inputs.length * INDEX_ENTRY_SIZE);
  const data = Buffer.allocUnsafe(dataLength);
  let at = 0;
  inputs.forEach((m, i) => {
    const base = i * INDEX_ENTRY_SIZE;
    index.writeBigUInt64LE(m.offset ?? 0n, base + Field.offset);
    writeU128(index, base + Field.id, m.id ?? 0n);
    index.writeBigUInt64LE(m.timestamp ?? 0n, base + Field.timestamp);
    index.writeBigUInt64LE(m.originTimestamp ?? 0n, base + Field.originTimestamp);
    index.writeBigUInt64LE(m.checksum ?? 0n, base + Field.checksum);
    data.set(m.payload, at);
    index.writeUInt32LE(at, base + Field.payloadStart);
    index.writeUInt32LE(m.payload.length, base + Field.payloadLength);
    at += m.payload.length;
    const headers = m.headers ?? new Uint8Array(0);
    data.set(headers, at);
    index.writeUInt32LE(at, base + Field.headersStart);
    index.writeUInt32LE(headers.length, base + Field.headersLength);
    at += headers.length;
  });
  return { count: inputs.length, index, data };
}

/** Why a batch a guest returned was refused: the entry and the rule it broke. */
export interface BatchProblem {
  entry: number;
  reason: string;
}

/**
 * Checks the structure a guest promised (wit/README.md): index length a multiple of
 * 64 and every range inside `data`. Header contents are checked by the wire codec.
 */
export function checkBatchShape(index: Uint8Array, data: Uint8Array): BatchProblem | undefined {
  if (index.length % INDEX_ENTRY_SIZE !== 0) {
    return { entry: -1, reason: `index length ${index.length} is not a multiple of ${INDEX_ENTRY_SIZE}` };
  }
  const view = new DataView(index.buffer, index.byteOffset, index.byteLength);
  const count = index.length / INDEX_ENTRY_SIZE;
  for (let i = 0; i < count; i++) {
    const base = i * INDEX_ENTRY_SIZE;
    const ps = view.getUint32(base + Field.payloadStart, true);
    const pl = view.getUint32(base + Field.payloadLength, true);
    const hs = view.getUint32(base + Field.headersStart, true);
    const hl = view.getUint32(base + Field.headersLength, true);
    if (ps + pl > data.length) {
      return { entry: i, reason: `payload range ${ps}+${pl} exceeds data length ${data.length}` };
    }
    if (hs + hl > data.length) {
      return { entry: i, reason: `headers range ${hs}+${hl} exceeds data length ${data.length}` };
    }
  }
  return undefined;
}

export const toBuffer = (u8: Uint8Array): Buffer => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
