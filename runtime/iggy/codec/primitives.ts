// Identifiers, consumers, partitioning and polling strategies: the small tagged values
// that address streams, topics, partitions and read positions (primitives/*.rs).
import { type WireReader, type WireWriter } from './cursor.js';
import { WireError } from './wire-error.js';
import { Status } from './status.js';

/** A stream/topic/group identifier: a number is numeric (u32, kind 1), a string is a name (kind 2). */
export type Identifier = number | string;

export function identifierSize(id: Identifier): number {
  return typeof id === 'number' ? 6 : 2 + Buffer.byteLength(id, 'utf8');
}

export function writeIdentifier(w: WireWriter, id: Identifier, what = 'identifier'): void {
  if (typeof id === 'number') {
    if (!Number.isInteger(id) || id < 0 || id > 0xffff_ffff) throw new WireError(`${what} ${id} is not a u32`, { status: Status.InvalidIdentifier });
    w.u8(1).u8(4).u32(id);
  } else {
    w.u8(2);
    w.name(id, what);
  }
}

/** Writes an identifier into a preallocated buffer; returns the next offset. */
export function putIdentifier(target: Buffer, at: number, id: Identifier): number {
  if (typeof id === 'number') {
    target[at] = 1;
    target[at + 1] = 4;
    target.writeUInt32LE(id >>> 0, at + 2);
    return at + 6;
  }
  const n = target.write(id, at + 2, 'utf8');
  target[at] = 2;
  target[at + 1] = n;
  return at + 2 + n;
}

export function readIdentifier(r: WireReader, what = 'identifier'): Identifier {
  const kind = r.u8(`${what} kind`);
  const length = r.u8(`${what} length`);
  if (kind === 1) {
    if (length !== 4) throw new WireError(`numeric ${what} must be 4 bytes, got ${length}`, { status: Status.InvalidIdentifier });
    return r.u32(what);
  }
  if (kind === 2) {
    if (length === 0) throw new WireError(`string ${what} is empty`, { status: Status.InvalidIdentifier });
    return r.utf8(length, what);
  }
  throw new WireError(`${what} has unknown kind ${kind}; expected 1 (numeric) or 2 (string)`, { status: Status.InvalidIdentifier });
}

/** Throws when an identifier cannot be encoded (bad u32, name not 1..255 bytes). */
export function checkIdentifier(id: Identifier, what: string): void {
  if (typeof id === 'string') {
    const n = Buffer.byteLength(id, 'utf8');
    if (n < 1 || n > 255) throw new WireError(`${what} "${id}" is ${n} bytes; names are 1..255 bytes`, { status: Status.InvalidIdentifier });
  } else if (!Number.isInteger(id) || id < 0 || id > 0xffff_ffff) {
    throw new WireError(`${what} ${id} is not a u32`, { status: Status.InvalidIdentifier });
  }
}

/** Who reads: a plain consumer (kind 1) or a consumer group (kind 2). */
export interface Consumer {
  kind: 'consumer' | 'group';
  id: Identifier;
}

export const consumerSize = (c: Consumer): number => 1 + identifierSize(c.id);

export function writeConsumer(w: WireWriter, c: Consumer): void {
  w.u8(c.kind === 'consumer' ? 1 : 2);
  writeIdentifier(w, c.id, 'consumer id');
}

export function readConsumer(r: WireReader): Consumer {
  const kind = r.u8('consumer kind');
  if (kind !== 1 && kind !== 2) throw new WireError(`consumer kind ${kind} is unknown; expected 1 (consumer) or 2 (group)`);
  return { kind: kind === 1 ? 'consumer' : 'group', id: readIdentifier(r, 'consumer id') };
}

/** Where a send goes: balanced (kind 1), an explicit 0-based partition (kind 2), or a message key (kind 3, 1..255 bytes). */
export type Partitioning = { kind: 'balanced' } | { kind: 'partition'; id: number } | { kind: 'key'; key: Buffer };

export function partitioningSize(p: Partitioning): number {
  return p.kind === 'balanced' ? 2 : p.kind === 'partition' ? 6 : 2 + p.key.length;
}

/** Writes partitioning into a preallocated buffer; returns the next offset. */
export function putPartitioning(target: Buffer, at: number, p: Partitioning): number {
  if (p.kind === 'balanced') {
    target[at] = 1;
    target[at + 1] = 0;
    return at + 2;
  }
  if (p.kind === 'partition') {
    target[at] = 2;
    target[at + 1] = 4;
    target.writeUInt32LE(p.id >>> 0, at + 2);
    return at + 6;
  }
  if (p.key.length < 1 || p.key.length > 255) throw new WireError(`message key is ${p.key.length} bytes; it must be 1..255`);
  target[at] = 3;
  target[at + 1] = p.key.length;
  target.set(p.key, at + 2);
  return at + 2 + p.key.length;
}

export function readPartitioning(r: WireReader): Partitioning {
  const kind = r.u8('partitioning kind');
  const length = r.u8('partitioning length');
  if (kind === 1) {
    if (length !== 0) throw new WireError(`balanced partitioning must have length 0, got ${length}`);
    return { kind: 'balanced' };
  }
  if (kind === 2) {
    if (length !== 4) throw new WireError(`partition-id partitioning must have length 4, got ${length}`);
    return { kind: 'partition', id: r.u32('partition id') };
  }
  if (kind === 3) {
    if (length === 0) throw new WireError('message-key partitioning has an empty key');
    return { kind: 'key', key: r.bytes(length, 'message key') };
  }
  throw new WireError(`partitioning kind ${kind} is unknown; expected 1 (balanced), 2 (partition id) or 3 (message key)`);
}

/** Where a poll starts. `value` is the offset or the timestamp (µs); unused for first/last/next. */
export interface PollingStrategy {
  kind: 'offset' | 'timestamp' | 'first' | 'last' | 'next';
  value: bigint;
}

const STRATEGY_CODES = { offset: 1, timestamp: 2, first: 3, last: 4, next: 5 } as const;
const STRATEGY_KINDS = ['', 'offset', 'timestamp', 'first', 'last', 'next'] as const;

export const Polling = {
  offset: (value: bigint | number): PollingStrategy => ({ kind: 'offset', value: BigInt(value) }),
  timestamp: (value: bigint | number): PollingStrategy => ({ kind: 'timestamp', value: BigInt(value) }),
  first: (): PollingStrategy => ({ kind: 'first', value: 0n }),
  last: (): PollingStrategy => ({ kind: 'last', value: 0n }),
  next: (): PollingStrategy => ({ kind: 'next', value: 0n }),
} as const;

export function writeStrategy(w: WireWriter, s: PollingStrategy): void {
  w.u8(STRATEGY_CODES[s.kind]).u64(s.value);
}

export function readStrategy(r: WireReader): PollingStrategy {
  const code = r.u8('polling strategy kind');
  if (code < 1 || code > 5) throw new WireError(`polling strategy kind ${code} is unknown; expected 1..5`);
  return { kind: STRATEGY_KINDS[code] as PollingStrategy['kind'], value: r.u64('polling strategy value') };
}

/** The `[flag:u8][partition_id:u32]` pair of poll and consumer-offset requests. */
export function writeOptionalPartition(w: WireWriter, partitionId: number | undefined): void {
  if (partitionId === undefined) w.u8(0).u32(0);
  else w.u8(1).u32(partitionId);
}

export function readOptionalPartition(r: WireReader): number | undefined {
  const flag = r.u8('partition flag');
  const value = r.u32('partition id');
  return flag === 1 ? value : undefined;
}
