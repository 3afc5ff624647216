// Guest boundary: messages/s through a sink's `consume` for several batch and payload
// sizes, the count sink in each guest language beside the same counting loop in
// plain JS in this process. The ratio is what the sandbox costs per batch.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../lib/children.mjs';
import { GUESTS } from '../lib/configs.mjs';
import { summarise, ratio } from '../lib/stats.mjs';

const { buildBatch, INDEX_ENTRY_SIZE, Field } = await import(join(root, 'dist/runtime/batch/flat-batch.js'));
const { loadComponent } = await import(join(root, 'dist/runtime/host/index.js'));
const { silentLogger } = await import(join(root, 'dist/runtime/log/logger.js'));

export const BATCH_SIZES = [1, 100, 1000, 10_000];
export const PAYLOAD_SIZES = [100, 1024];
const topic = { stream: 'bench', topic: 'boundary' };

function makeBatch(count, size) {
  return buildBatch(Array.from({ length: count }, (_, i) => ({ offset: BigInt(i), id: BigInt(i + 1), payload: Buffer.alloc(size, 97 + (i % 26)) })));
}

/** Calls `consume` for `ms` after a warm-up; returns messages/s. */
function measure(consume, count, ms) {
  const warmUntil = performance.now() + Math.min(300, ms / 3);
  while (performance.now() < warmUntil) consume();
  let calls = 0;
  const started = performance.now();
  const until = started + ms;
  while (performance.now() < until) {
    consume();
    calls++;
  }
  return (calls * count) / ((performance.now() - started) / 1000);
}

/** The count sink's logic without a sandbox: one pass over the index, summing payload lengths. */
function plainCounter() {
  const totals = { messages: 0, bytes: 0 };
  return {
    totals,
    consume(_topic, _meta, batch) {
      let bytes = 0;
      for (let at = 0; at < batch.count * INDEX_ENTRY_SIZE; at += INDEX_ENTRY_SIZE) bytes += batch.index.readUInt32LE(at + Field.payloadLength);
      totals.messages += batch.count;
      totals.bytes += bytes;
    },
  };
}

/**
 * The same loop after copying both buffers into one preallocated memory, as lowering the
 * `list<u8>` arguments into a guest's linear memory does: separates the copy from the rest.
 */
function copyingCounter() {
  const inner = plainCounter();
  let memory = Buffer.alloc(1 << 16);
  return {
    totals: inner.totals,
    consume(topic, meta, batch) {
      const need = batch.index.length + batch.data.length;
      if (need > memory.length) memory = Buffer.alloc(Math.max(need, memory.length * 2));
      memory.set(batch.index, 0);
      memory.set(batch.data, batch.index.length);
      const index = memory.subarray(0, batch.index.length);
      inner.consume(topic, meta, { count: batch.count, index, data: memory.subarray(batch.index.length, need) });
    },
  };
}

export async function runBoundarySuite({ runs, ms, log }) {
  const impls = [
    { name: 'plain-js', label: 'plain JS, in process', sink: plainCounter() },
    { name: 'plain-js-copy', label: 'plain JS + copy of both buffers', sink: copyingCounter() },
  ];
  for (const [name, label, guest] of [
    ['rust', 'Rust count sink (wasm32-wasip2)', 'rust-count'],
    ['js', 'JS count sink (componentize-js)', 'js-count'],
    ['go', 'Go count sink (wasip1 + adapter)', 'go-count'],
  ]) {
    if (!existsSync(GUESTS[guest])) {
      log(`boundary: ${label} skipped, ${GUESTS[guest]} is not built`);
      continue;
    }
    const component = await loadComponent(GUESTS[guest], { logger: silentLogger(), kind: 'sink', grants: { stdio: 'discard' } });
    const sink = await component.instantiateSink();
    sink.open('{}');
    impls.push({ name, label, sink });
  }
  // One warm-up pass per implementation first, so the first measured size does not pay for JIT tiers.
  const warm = makeBatch(1000, 100);
  for (const impl of impls) measure(() => impl.sink.consume(topic, { partitionId: 0, currentOffset: 0n, schema: 'raw', messageCount: 1000 }, warm), 1000, ms);
  const rows = [];
  for (const size of PAYLOAD_SIZES) {
    for (const count of BATCH_SIZES) {
      const batch = makeBatch(count, size);
      const meta = { partitionId: 0, currentOffset: 0n, schema: 'raw', messageCount: count };
      const samples = Object.fromEntries(impls.map((i) => [i.name, []]));
      // Implementations alternate within each round so machine noise spreads over all of them.
      for (let r = 0; r < runs; r++) {
        for (const impl of impls) samples[impl.name].push(measure(() => impl.sink.consume(topic, meta, batch), count, ms));
      }
      const base = summarise(samples['plain-js']).median;
      for (const impl of impls) {
        const rate = summarise(samples[impl.name]);
        rows.push({ impl: impl.name, label: impl.label, batch: count, payload: size, rate, mbPerSecond: (rate.median * size) / 1e6, plainOverGuest: ratio(base, rate.median) });
      }
      log(`boundary ${size} B × ${count}: ${impls.map((i) => `${i.name} ${Math.round(summarise(samples[i.name]).median).toLocaleString('en-US')}/s`).join(', ')}`);
    }
  }
  for (const impl of impls) impl.sink.close?.();
  return rows;
}
