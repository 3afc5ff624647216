// User headers the runtime adds itself (such as the dead-letter reason), fitted
// to Iggy's limits before the codec encodes them.
import { encodeUserHeaders, HeaderKind } from '../iggy/codec/index.js';

/** Iggy refuses a header key or value longer than this many bytes. */
const MAX_FIELD = 255;

/** Encodes string pairs; an empty value becomes "-" and a long one is cut at a UTF-8 character boundary. */
export function encodeStringHeaders(pairs: readonly (readonly [string, string])[]): Buffer {
  return encodeUserHeaders(pairs.map(([key, value]) => ({ key: fit(key), value: fit(value.length === 0 ? '-' : value), valueKind: HeaderKind.String })));
}

function fit(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= MAX_FIELD) return bytes;
  let end = MAX_FIELD;
  // Step back over continuation bytes so the cut leaves valid UTF-8.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}
