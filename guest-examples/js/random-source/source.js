// The `random` example source: deterministic messages from a xorshift32 generator
// (the shared spec of the example guests), resumable from its state blob.
import { BatchBuilder, encodeHeaders, parseConfig, sourceConnector, invalidConfig } from '../sdk/index.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const DEFAULT_SEED = 2654435769;
const HEADERS = encodeHeaders([{ key: 'source', kind: 'string', value: 'random' }]);

let count = 10;
let maxMessages = 0n;
let payloadSize = 64;
let intervalMs = 0;
let lastBatchAt = -Infinity;
let seq = 0n;
let rng = DEFAULT_SEED;

/** xorshift32; `>>> 0` keeps the state an unsigned 32-bit integer. */
function next() {
  let x = rng;
  x = (x ^ (x << 13)) >>> 0;
  x = (x ^ (x >>> 17)) >>> 0;
  x = (x ^ (x << 5)) >>> 0;
  rng = x;
  return x;
}

export const source = sourceConnector({
  open(config, state) {
    const c = parseConfig(config, {
      count: { type: 'u32', default: 10 },
      max_messages: { type: 'u64', default: 0n },
      payload_size: { type: 'u32', default: 64 },
      seed: { type: 'u32', default: DEFAULT_SEED },
      interval_ms: { type: 'u32', default: 0 },
    });
    intervalMs = c.interval_ms;
    lastBatchAt = -Infinity;
    count = c.count;
    maxMessages = c.max_messages;
    payloadSize = c.payload_size;
    seq = 0n;
    rng = c.seed === 0 ? DEFAULT_SEED : c.seed;
    if (state !== undefined) resume(state);
  },

  poll() {
    let n = BigInt(count);
    if (maxMessages > 0n) n = seq >= maxMessages ? 0n : (maxMessages - seq < n ? maxMessages - seq : n);
    const batch = new BatchBuilder();
    // interval_ms paces the source: at most one batch per interval, empty polls in between.
    const now = Date.now();
    if (n === 0n || now - lastBatchAt < intervalMs) return { batch };
    lastBatchAt = now;
    for (let i = 0n; i < n; i++) {
      let data = '';
      for (let j = 0; j < payloadSize; j++) data += ALPHABET[next() % 36];
      batch.add({ payload: `{"seq":${seq},"data":"${data}"}`, id: seq + 1n, headers: HEADERS });
      seq++;
    }
    return { batch, state: `{"seq":${seq},"rng":${rng}}` };
  },
});

/** @param {Uint8Array} state the blob a previous poll returned */
function resume(state) {
  let parsed;
  try {
    parsed = JSON.parse(new TextDecoder().decode(state));
  } catch {
    throw invalidConfig('state blob is not the JSON {"seq":n,"rng":x} this source writes');
  }
  if (!Number.isSafeInteger(parsed?.seq) || parsed.seq < 0 || !Number.isInteger(parsed?.rng) || parsed.rng < 0 || parsed.rng > 0xffffffff) {
    throw invalidConfig(`state blob ${JSON.stringify(parsed)} lacks a valid "seq" and "rng"`);
  }
  seq = BigInt(parsed.seq);
  rng = parsed.rng;
}
