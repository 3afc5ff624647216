// User headers and options blocks: a TLV list `[kind:u8][len:u32][data]` of key/value pairs
// (primitives/user_headers.rs, primitives/options.rs). Options are user headers with string keys.
import { WireError } from './wire-error.js';
import { Status } from './status.js';

/** `HeaderKind` codes (iggy_common). */
export const HeaderKind = {
  Raw: 1,
  String: 2,
  Bool: 3,
  Int8: 4,
  Int16: 5,
  Int32: 6,
  Int64: 7,
  Int128: 8,
  Uint8: 9,
  Uint16: 10,
  Uint32: 11,
  Uint64: 12,
  Uint128: 13,
  Float32: 14,
  Float64: 15,
} as const;

const MAX_FIELD_LENGTH = 255;
export const MAX_OPTIONS = 1024;
export const MAX_OPTIONS_BYTES = 100_000;

/**
 * Structural check of a user-headers block, as `validate_user_headers` does: every kind non-zero,
 * every length 1..255 and inside the block, an even number of entries. Returns the pair count.
 */
export function validateUserHeaders(block: Uint8Array, where = 'user headers'): number {
  return validateUserHeaderRange(block, 0, block.length, where, -1);
}

/**
 * validateUserHeaders over `buf[start, end)` without a view per call (the batch codec runs it per
 * message). Offsets in messages are relative to `start`; `message >= 0` names the message, as in
 * "user headers of message 3", and the text is only built when a block is refused.
 */
export function validateUserHeaderRange(buf: Uint8Array, start: number, end: number, where: string, message: number): number {
  let pos = start;
  let entries = 0;
  while (pos < end) {
    const kind = buf[pos]!;
    if (kind === 0) throw new WireError(`${place(where, message)}: kind 0 (reserved) at offset ${pos - start}`, { status: Status.InvalidHeaderKind });
    if (pos + 5 > end) throw new WireError(`${place(where, message)}: truncated length at offset ${pos + 1 - start}`);
    const length = (buf[pos + 1]! | (buf[pos + 2]! << 8) | (buf[pos + 3]! << 16) | (buf[pos + 4]! << 24)) >>> 0;
    if (length === 0 || length > MAX_FIELD_LENGTH) {
      throw new WireError(`${place(where, message)}: field length ${length} at offset ${pos + 1 - start} is outside 1..${MAX_FIELD_LENGTH}`, {
        status: entries % 2 === 0 ? Status.InvalidHeaderKey : Status.InvalidHeaderValue,
      });
    }
    pos += 5;
    if (pos + length > end)
      throw new WireError(`${place(where, message)}: field of ${length} bytes at offset ${pos - start} runs past the block (${end - start} bytes)`);
    pos += length;
    entries++;
  }
  if (entries % 2 !== 0) throw new WireError(`${place(where, message)}: odd number of entries (${entries}); headers are key/value pairs`);
  return entries / 2;
}

const place = (where: string, message: number): string => (message >= 0 ? `${where} of message ${message}` : where);

export interface HeaderEntry {
  keyKind: number;
  key: Buffer;
  valueKind: number;
  value: Buffer;
}

/** Walks a block already checked by validateUserHeaders; entries are views into it. */
export function* headerEntries(block: Buffer): Generator<HeaderEntry> {
  let pos = 0;
  while (pos < block.length) {
    const keyKind = block[pos]!;
    const keyLength = block.readUInt32LE(pos + 1);
    const key = block.subarray(pos + 5, pos + 5 + keyLength);
    pos += 5 + keyLength;
    const valueKind = block[pos]!;
    const valueLength = block.readUInt32LE(pos + 1);
    const value = block.subarray(pos + 5, pos + 5 + valueLength);
    pos += 5 + valueLength;
    yield { keyKind, key, valueKind, value };
  }
}

/** What callers pass to build headers; a string key or value is UTF-8 (kind String unless given). */
export interface HeaderInput {
  key: string | Uint8Array;
  keyKind?: number;
  value: string | Uint8Array;
  valueKind?: number;
}

const asBytes = (v: string | Uint8Array): Buffer => (typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.buffer, v.byteOffset, v.byteLength));

/** Encodes entries into one block and validates it (so a bad header fails here, not at the server). */
export function encodeUserHeaders(entries: readonly HeaderInput[]): Buffer {
  const parts = entries.map((e) => ({
    keyKind: e.keyKind ?? HeaderKind.String,
    key: asBytes(e.key),
    valueKind: e.valueKind ?? (typeof e.value === 'string' ? HeaderKind.String : HeaderKind.Raw),
    value: asBytes(e.value),
  }));
  let size = 0;
  for (const p of parts) size += 10 + p.key.length + p.value.length;
  const block = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of parts) {
    block[at] = p.keyKind;
    block.writeUInt32LE(p.key.length, at + 1);
    block.set(p.key, at + 5);
    at += 5 + p.key.length;
    block[at] = p.valueKind;
    block.writeUInt32LE(p.value.length, at + 1);
    block.set(p.value, at + 5);
    at += 5 + p.value.length;
  }
  validateUserHeaders(block);
  return block;
}

/** Options block check (`validate_options`): user-header structure, string UTF-8 keys, no duplicates, size caps. */
export function validateOptions(block: Buffer): number {
  if (block.length > MAX_OPTIONS_BYTES) {
    throw new WireError(`options block is ${block.length} bytes; the maximum is ${MAX_OPTIONS_BYTES}`, { status: Status.OptionsBlockTooLarge });
  }
  const pairs = validateUserHeaders(block, 'options');
  if (pairs > MAX_OPTIONS) throw new WireError(`options block has ${pairs} entries; the maximum is ${MAX_OPTIONS}`, { status: Status.OptionsBlockTooLarge });
  const seen = new Set<string>();
  for (const e of headerEntries(block)) {
    if (e.keyKind !== HeaderKind.String) throw new WireError(`option key kind ${e.keyKind} is not a string (2)`);
    const key = e.key.toString('utf8');
    if (seen.has(key)) throw new WireError(`duplicate option key: ${key}`);
    seen.add(key);
  }
  return pairs;
}

/** A decoded option: the key, the value kind and the raw value bytes. */
export interface OptionEntry {
  key: string;
  kind: number;
  value: Buffer;
}

export function decodeOptions(block: Buffer): OptionEntry[] {
  validateOptions(block);
  return [...headerEntries(block)].map((e) => ({ key: e.key.toString('utf8'), kind: e.valueKind, value: e.value }));
}

/** Option value helpers for the canonical kinds the SDK uses. */
export const OptionValue = {
  string: (v: string): { kind: number; value: Buffer } => ({ kind: HeaderKind.String, value: Buffer.from(v, 'utf8') }),
  u64: (v: bigint): { kind: number; value: Buffer } => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    return { kind: HeaderKind.Uint64, value: b };
  },
  u32: (v: number): { kind: number; value: Buffer } => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return { kind: HeaderKind.Uint32, value: b };
  },
  bool: (v: boolean): { kind: number; value: Buffer } => ({ kind: HeaderKind.Bool, value: Buffer.from([v ? 1 : 0]) }),
} as const;

export function encodeOptions(entries: readonly OptionEntry[]): Buffer {
  const block = encodeUserHeaders(entries.map((e) => ({ key: e.key, keyKind: HeaderKind.String, value: e.value, valueKind: e.kind })));
  validateOptions(block);
  return block;
}

/** The `[length:u32][block]` form used inside responses. */
export function optionsPrefixedSize(block: Buffer): number {
  return 4 + block.length;
}
