// The batches the kit offers a sink: each one probes one thing a sink meets in
// production (nothing, one message, many, a large payload, raw bytes, every header
// kind, non-ASCII header keys). Built once per run.
import { buildBatch, type FlatBatch, type MessageInput } from '../batch/flat-batch.js';

/** Header value kinds of Iggy's user headers (wit/README.md, "User headers"). */
export const HeaderKind = {
  raw: 1,
  string: 2,
  bool: 3,
  int8: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  int128: 8,
  uint8: 9,
  uint16: 10,
  uint32: 11,
  uint64: 12,
  uint128: 13,
  float32: 14,
  float64: 15,
} as const;

export interface HeaderPair {
  key: string;
  kind: number;
  value: Uint8Array;
}

/** Encodes key/value pairs as Iggy's header TLV (keys as kind 2, string). */
export function encodeHeaders(pairs: readonly HeaderPair[]): Buffer {
  let length = 0;
  const keys = pairs.map((p) => Buffer.from(p.key, 'utf8'));
  pairs.forEach((p, i) => (length += 10 + keys[i].length + p.value.length));
  const out = Buffer.alloc(length);
  let at = 0;
  pairs.forEach((p, i) => {
    at = out.writeUInt8(HeaderKind.string, at);
    at = out.writeUInt32LE(keys[i].length, at);
    at += keys[i].copy(out, at);
    at = out.writeUInt8(p.kind, at);
    at = out.writeUInt32LE(p.value.length, at);
    out.set(p.value, at);
    at += p.value.length;
  });
  return out;
}

const bytes = (n: number, fill: (b: Buffer) => void): Buffer => {
  const b = Buffer.alloc(n);
  fill(b);
  return b;
};

/** One pair of every kind 1..15, each with a value of the kind's exact width. */
export function everyKindHeaders(): Buffer {
  return encodeHeaders([
    { key: 'raw', kind: HeaderKind.raw, value: Buffer.from([0x00, 0xff, 0x80]) },
    { key: 'string', kind: HeaderKind.string, value: Buffer.from('hello', 'utf8') },
    { key: 'bool', kind: HeaderKind.bool, value: Buffer.from([1]) },
    { key: 'int8', kind: HeaderKind.int8, value: bytes(1, (b) => b.writeInt8(-8)) },
    { key: 'int16', kind: HeaderKind.int16, value: bytes(2, (b) => b.writeInt16LE(-16)) },
    { key: 'int32', kind: HeaderKind.int32, value: bytes(4, (b) => b.writeInt32LE(-32)) },
    { key: 'int64', kind: HeaderKind.int64, value: bytes(8, (b) => b.writeBigInt64LE(-64n)) },
    { key: 'int128', kind: HeaderKind.int128, value: bytes(16, (b) => b.fill(0xff).writeBigInt64LE(-128n)) },
    { key: 'uint8', kind: HeaderKind.uint8, value: Buffer.from([8]) },
    { key: 'uint16', kind: HeaderKind.uint16, value: bytes(2, (b) => b.writeUInt16LE(16)) },
    { key: 'uint32', kind: HeaderKind.uint32, value: bytes(4, (b) => b.writeUInt32LE(32)) },
    { key: 'uint64', kind: HeaderKind.uint64, value: bytes(8, (b) => b.writeBigUInt64LE(2n ** 64n - 1n)) },
    { key: 'uint128', kind: HeaderKind.uint128, value: bytes(16, (b) => b.fill(0xff)) },
    { key: 'float32', kind: HeaderKind.float32, value: bytes(4, (b) => b.writeFloatLE(1.5)) },
    { key: 'float64', kind: HeaderKind.float64, value: bytes(8, (b) => b.writeDoubleLE(-2.25)) },
  ]);
}

export function unicodeKeyHeaders(): Buffer {
  const text = (s: string) => Buffer.from(s, 'utf8');
  return encodeHeaders([
    { key: 'clé', kind: HeaderKind.string, value: text('valeur') },
    { key: 'ключ', kind: HeaderKind.string, value: text('значение') },
    { key: '键', kind: HeaderKind.string, value: text('值') },
    { key: '🔑', kind: HeaderKind.string, value: text('🗝️') },
    { key: 'm\u0301', kind: HeaderKind.uint8, value: Buffer.from([1]) },
  ]);
}

/** Microseconds since the Unix epoch, as the index stores timestamps. */
export const nowMicros = (): bigint => BigInt(Date.now()) * 1000n;

const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

/** Messages numbered from `firstOffset`, as a poll from Iggy would hand them over. */
function numbered(count: number, firstOffset: bigint, make: (i: number) => Omit<MessageInput, 'offset'>): MessageInput[] {
  const ts = nowMicros();
  const out: MessageInput[] = new Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = { offset: firstOffset + BigInt(i), id: BigInt(i + 1), timestamp: ts, originTimestamp: ts, ...make(i) };
  }
  return out;
}

export interface ProbeBatch {
  /** Case name suffix and what the batch holds, for messages. */
  name: string;
  title: string;
  batch: FlatBatch;
  firstOffset: bigint;
  /** A sink may answer `permanent` for content it cannot take (not every sink stores raw bytes). */
  permanentAccepted: boolean;
}

export const MANY_MESSAGES = 10_000;
export const LARGE_PAYLOAD_BYTES = 1024 * 1024;

/** Names and titles of the sink probes, in the order the kit offers them. */
export const PROBE_CASES = [
  ['consume-empty', 'consume accepts an empty batch'],
  ['consume-one', 'consume accepts one message'],
  ['consume-10000', `consume accepts ${MANY_MESSAGES.toLocaleString('en')} messages in one batch`],
  ['consume-1mib', 'consume accepts a 1 MiB payload'],
  ['consume-non-utf8', 'consume does not trap on bytes that are not UTF-8'],
  ['consume-header-kinds', 'consume accepts user headers of every kind (1..15)'],
  ['consume-unicode-keys', 'consume accepts non-ASCII header keys'],
] as const;

type ProbeName = (typeof PROBE_CASES)[number][0];

/** The sink probes; offsets keep increasing across batches, as a real partition's would. */
export function sinkProbes(): ProbeBatch[] {
  const probes: ProbeBatch[] = [];
  let offset = 0n;
  const add = (name: ProbeName, permanentAccepted: boolean, inputs: MessageInput[]) => {
    const title = PROBE_CASES.find(([n]) => n === name)?.[1] ?? name;
    probes.push({ name, title, batch: buildBatch(inputs), firstOffset: offset, permanentAccepted });
    offset += BigInt(inputs.length);
  };
  add('consume-empty', false, []);
  add(
    'consume-one',
    false,
    numbered(1, offset, () => ({ payload: json({ conformance: 'one' }) })),
  );
  add(
    'consume-10000',
    false,
    numbered(MANY_MESSAGES, offset, (i) => ({ payload: json({ n: i }) })),
  );
  const large = Buffer.alloc(LARGE_PAYLOAD_BYTES, 'a');
  large.write('{"large":"', 0);
  large.write('"}', LARGE_PAYLOAD_BYTES - 2);
  add(
    'consume-1mib',
    true,
    numbered(1, offset, () => ({ payload: large })),
  );
  // Invalid UTF-8 on purpose: a lone continuation byte, an overlong form, a surrogate, 0xff.
  const raw = Buffer.from([0x80, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xff, 0x00, 0x41]);
  add(
    'consume-non-utf8',
    true,
    numbered(2, offset, () => ({ payload: raw })),
  );
  add(
    'consume-header-kinds',
    false,
    numbered(1, offset, () => ({ payload: json({ conformance: 'headers' }), headers: everyKindHeaders() })),
  );
  add(
    'consume-unicode-keys',
    false,
    numbered(1, offset, () => ({ payload: json({ conformance: 'unicode', text: 'żółw 🐢' }), headers: unicodeKeyHeaders() })),
  );
  return probes;
}

/** The batch the leak check repeats: small, with headers, like steady traffic. */
export function leakProbe(): FlatBatch {
  return buildBatch(numbered(10, 0n, (i) => ({ payload: json({ leak: i }), headers: unicodeKeyHeaders() })));
}
