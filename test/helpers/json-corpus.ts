// Reproducible JSON documents for the JSON validators' tests: generated values, some of them
// mutated into invalid JSON, from a seeded generator so a failure names an input that can be rebuilt.

/** A tiny deterministic PRNG. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth > 3 || r < 0.4) {
    const pick = Math.floor(rand() * 8);
    if (pick === 0) return null;
    if (pick === 1) return rand() < 0.5;
    if (pick === 2) return Math.floor(rand() * 2000) - 1000;
    if (pick === 3) return (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
    if (pick === 4) return 'héllo "q" \\ \n \u0001 😀';
    return `s${Math.floor(rand() * 100)}`;
  }
  if (r < 0.7) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  const obj: Record<string, unknown> = {};
  for (let k = Math.floor(rand() * 4); k > 0; k--) obj[`k${Math.floor(rand() * 10)}`] = randomValue(rand, depth + 1);
  return obj;
}

const ALPHABET = ['{', '}', '[', ']', '"', ',', ':', ' ', '\n', '\\', '-', '+', '.', 'e', 'E', '0', '1', '9', 't', 'n', 'u', 'a', '\t', '\u0001'];

/** A generated document (pretty-printed 30 % of the time) with up to two random one-character edits. */
export function mutatedDocument(rand: () => number): string {
  let text = JSON.stringify(randomValue(rand, 0), null, rand() < 0.3 ? 2 : undefined);
  const edits = Math.floor(rand() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * (text.length + 1));
    const op = rand();
    const ch = ALPHABET[Math.floor(rand() * ALPHABET.length)];
    if (op < 0.33) text = text.slice(0, at) + ch + text.slice(at);
    else if (op < 0.66) text = text.slice(0, at) + text.slice(at + 1);
    else text = text.slice(0, at) + ch + text.slice(at + 1);
  }
  return text;
}
