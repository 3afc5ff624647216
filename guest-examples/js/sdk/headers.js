// Iggy's user-header encoding (wit/README.md, "User headers"): pairs of TLV entries
// [kind:u8][len:u32 LE][bytes]. Decoding works on views; nothing is copied.

/** Header kinds by name, as Iggy numbers them. */
export const HeaderKind = Object.freeze({
  raw: 1, string: 2, bool: 3,
  int8: 4, int16: 5, int32: 6, int64: 7, int128: 8,
  uint8: 9, uint16: 10, uint32: 11, uint64: 12, uint128: 13,
  float32: 14, float64: 15,
});

/** Fixed value widths per kind; kinds 1 and 2 have any length 1..255. */
const WIDTH = { 3: 1, 4: 1, 5: 2, 6: 4, 7: 8, 8: 16, 9: 1, 10: 2, 11: 4, 12: 8, 13: 16, 14: 4, 15: 8 };

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/**
 * Walks the TLV entries of `headers` and calls `visit(kind, start, length)` for each.
 * Throws an Error when an entry runs past the end (the host validated the bytes,
 * so this only fires on a corrupt batch).
 * @param {Uint8Array} headers
 * @param {(kind: number, start: number, length: number) => void} visit
 */
function walk(headers, visit) {
  const view = new DataView(headers.buffer, headers.byteOffset, headers.byteLength);
  let at = 0;
  while (at < headers.length) {
    if (at + 5 > headers.length) throw new Error(`header entry at byte ${at} is truncated`);
    const kind = view.getUint8(at);
    const length = view.getUint32(at + 1, true);
    if (at + 5 + length > headers.length) throw new Error(`header entry at byte ${at} runs past the end`);
    visit(kind, at + 5, length);
    at += 5 + length;
  }
}

/** Number of key/value pairs in a message's header bytes. @param {Uint8Array} headers */
export function headerCount(headers) {
  let entries = 0;
  walk(headers, () => { entries++; });
  return entries >> 1;
}

/**
 * Decodes a header value to the closest JS type: string for kind 2, boolean for 3,
 * number for the small integers and floats, bigint for 64/128-bit integers, and the
 * raw bytes for kind 1.
 * @param {number} kind
 * @param {Uint8Array} bytes
 * @returns {string | boolean | number | bigint | Uint8Array}
 */
export function decodeHeaderValue(kind, bytes) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (kind) {
    case 1: return bytes;
    case 2: return utf8.decode(bytes);
    case 3: return bytes[0] !== 0;
    case 4: return v.getInt8(0);
    case 5: return v.getInt16(0, true);
    case 6: return v.getInt32(0, true);
    case 7: return v.getBigInt64(0, true);
    case 8: return v.getBigUint64(0, true) | (v.getBigInt64(8, true) << 64n);
    case 9: return v.getUint8(0);
    case 10: return v.getUint16(0, true);
    case 11: return v.getUint32(0, true);
    case 12: return v.getBigUint64(0, true);
    case 13: return v.getBigUint64(0, true) | (v.getBigUint64(8, true) << 64n);
    case 14: return v.getFloat32(0, true);
    case 15: return v.getFloat64(0, true);
    default: return bytes;
  }
}

/**
 * @typedef {object} HeaderValue
 * @property {number} kind the value's kind, 1..15
 * @property {Uint8Array} raw the value bytes (a view into the batch)
 * @property {string | boolean | number | bigint | Uint8Array} value decoded with {@link decodeHeaderValue}
 */

/**
 * Decodes every pair into a Map keyed by the key's text (keys of kind 2; other key
 * kinds are keyed by their bytes in hex prefixed with "0x").
 * @param {Uint8Array} headers
 * @returns {Map<string, HeaderValue>}
 */
export function headerMap(headers) {
  /** @type {Map<string, HeaderValue>} */
  const map = new Map();
  let key = '';
  let isKey = true;
  walk(headers, (kind, start, length) => {
    const bytes = headers.subarray(start, start + length);
    if (isKey) {
      key = kind === 2 ? utf8.decode(bytes) : '0x' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    } else {
      map.set(key, { kind, raw: bytes, value: decodeHeaderValue(kind, bytes) });
    }
    isKey = !isKey;
  });
  return map;
}

/**
 * @typedef {object} HeaderInput
 * @property {string} key the key, sent as kind 2 (string)
 * @property {number | keyof typeof HeaderKind} kind the value's kind
 * @property {string | boolean | number | bigint | Uint8Array} value
 */

/**
 * Encodes header pairs in Iggy's layout. Throws when a value does not fit its kind
 * or a key/value is empty or longer than 255 bytes (Iggy refuses those).
 * @param {HeaderInput[]} pairs
 * @returns {Uint8Array}
 */
export function encodeHeaders(pairs) {
  /** @type {Uint8Array[]} */
  const parts = [];
  let total = 0;
  for (const { key, kind, value } of pairs) {
    const k = typeof kind === 'string' ? HeaderKind[kind] : kind;
    if (!(k >= 1 && k <= 15)) throw new Error(`header "${key}": unknown kind ${String(kind)}`);
    for (const [entryKind, bytes] of [[2, utf8Encoder.encode(key)], [k, encodeValue(key, k, value)]]) {
      if (bytes.length < 1 || bytes.length > 255) throw new Error(`header "${key}": length ${bytes.length} is outside 1..255`);
      const entry = new Uint8Array(5 + bytes.length);
      entry[0] = /** @type {number} */ (entryKind);
      new DataView(entry.buffer).setUint32(1, bytes.length, true);
      entry.set(/** @type {Uint8Array} */ (bytes), 5);
      parts.push(entry);
      total += entry.length;
    }
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** @param {string} key @param {number} kind @param {unknown} value @returns {Uint8Array} */
function encodeValue(key, kind, value) {
  if (kind === 1) {
    if (!(value instanceof Uint8Array)) throw new Error(`header "${key}": a raw value must be a Uint8Array`);
    return value;
  }
  if (kind === 2) return utf8Encoder.encode(String(value));
  const width = /** @type {Record<number, number>} */ (WIDTH)[kind];
  const out = new Uint8Array(width);
  const v = new DataView(out.buffer);
  const big = () => (typeof value === 'bigint' ? value : BigInt(/** @type {number} */ (value)));
  switch (kind) {
    case 3: out[0] = value ? 1 : 0; break;
    case 4: v.setInt8(0, Number(value)); break;
    case 5: v.setInt16(0, Number(value), true); break;
    case 6: v.setInt32(0, Number(value), true); break;
    case 7: v.setBigInt64(0, big(), true); break;
    case 8: case 13: {
      const b = BigInt.asUintN(128, big());
      v.setBigUint64(0, b & 0xffff_ffff_ffff_ffffn, true);
      v.setBigUint64(8, b >> 64n, true);
      break;
    }
    case 9: v.setUint8(0, Number(value)); break;
    case 10: v.setUint16(0, Number(value), true); break;
    case 11: v.setUint32(0, Number(value), true); break;
    case 12: v.setBigUint64(0, big(), true); break;
    case 14: v.setFloat32(0, Number(value), true); break;
    case 15: v.setFloat64(0, Number(value), true); break;
  }
  return out;
}
