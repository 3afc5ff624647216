// Builds Iggy user-header bytes (TLV pairs, wit/README.md "User headers") for
// headers the runtime adds itself, such as the dead-letter reason.

const STRING_KIND = 2;
const MAX_FIELD = 255;

/** Encodes string key/value pairs; values longer than Iggy's 255-byte limit are cut at a character boundary. */
export function encodeStringHeaders(pairs: readonly (readonly [string, string])[]): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of pairs) {
    parts.push(field(key), field(value.length === 0 ? '-' : value));
  }
  return Buffer.concat(parts);
}

function field(text: string): Buffer {
  let bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_FIELD) {
    let end = MAX_FIELD;
    // Step back over UTF-8 continuation bytes so the cut is valid UTF-8.
    while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    bytes = bytes.subarray(0, end);
  }
  const out = Buffer.allocUnsafe(5 + bytes.length);
  out[0] = STRING_KIND;
  out.writeUInt32LE(bytes.length, 1);
  bytes.copy(out, 5);
  return out;
}
