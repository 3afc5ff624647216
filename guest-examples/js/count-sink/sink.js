// The `count` example sink, the benchmark's guest: it only counts messages and
// payload bytes (and, when asked, produce-to-consume latency) and logs totals on close.
import { log } from 'iggy:connector/host@0.1.0';
import { sinkConnector, parseConfig, INDEX_ENTRY_SIZE } from '../sdk/index.js';

// Latency histogram: 10 µs buckets up to 1 s; the last bucket holds everything slower.
const BUCKET_US = 10;
const BUCKETS = 100_000;

let messageTotal = 0;
let byteTotal = 0;
let trackLatency = false;
let latencySkip = 0;
let latencySeen = 0;
let histogram = new Uint32Array(0);
let latencyMax = 0;

export const sink = sinkConnector({
  open(config) {
    const c = parseConfig(config, {
      track_latency: { type: 'boolean', default: false },
      latency_skip: { type: 'u32', default: 0 },
    });
    trackLatency = c.track_latency;
    latencySkip = c.latency_skip;
    if (trackLatency) histogram = new Uint32Array(BUCKETS);
  },

  consume(_topic, _metadata, batch) {
    // Reads the index directly: a counting sink must not pay for per-message objects.
    const index = new DataView(batch.index.buffer, batch.index.byteOffset, batch.index.byteLength);
    const end = batch.count * INDEX_ENTRY_SIZE;
    let bytes = 0;
    for (let at = 0; at < end; at += INDEX_ENTRY_SIZE) bytes += index.getUint32(at + 52, true);
    messageTotal += batch.count;
    byteTotal += bytes;
    if (trackLatency) recordLatencies(index, end);
  },

  close() {
    log('info', `count sink totals ${JSON.stringify({ messages: messageTotal, bytes: byteTotal, ...(trackLatency ? { latency_us: summary() } : {}) })}`);
  },
});

/** Now minus each message's origin timestamp (both µs since the epoch, the same machine clock). */
function recordLatencies(index, end) {
  const nowUs = Date.now() * 1000;
  for (let at = 0; at < end; at += INDEX_ENTRY_SIZE) {
    if (latencySeen++ < latencySkip) continue;
    const origin = Number(index.getBigUint64(at + 32, true));
    const us = Math.max(0, nowUs - origin);
    if (us > latencyMax) latencyMax = us;
    histogram[Math.min(BUCKETS - 1, Math.floor(us / BUCKET_US))]++;
  }
}

function summary() {
  let total = 0;
  for (const n of histogram) total += n;
  const at = (q) => {
    const rank = Math.ceil(q * total);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += histogram[i];
      if (seen >= rank && rank > 0) return (i + 1) * BUCKET_US;
    }
    return 0;
  };
  return { samples: total, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: latencyMax, resolution: BUCKET_US };
}
