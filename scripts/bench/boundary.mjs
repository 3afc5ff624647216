#!/usr/bin/env node
// Boundary micro-benchmark (not a test): messages/s through a sink's consume for
// batches of 1,000 × 100 B, in-process JS versus the same work inside guests.
// Needs `npx tsc -p tsconfig.json` and the guests built (scripts/build-guests.mjs).
// Usage: node scripts/bench/boundary.mjs [--seconds=2]
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { buildBatch, messages, INDEX_ENTRY_SIZE, Field } = await import(join(root, 'dist/runtime/batch/flat-batch.js'));
const { loadComponent } = await import(join(root, 'dist/runtime/host/index.js'));
const { silentLogger } = await import(join(root, 'dist/runtime/log/logger.js'));

const seconds = Number(process.argv.find((a) => a.startsWith('--seconds='))?.split('=')[1] ?? 2);
const BATCH = 1000;
const SIZE = 100;
const batch = buildBatch(Array.from({ length: BATCH }, (_, i) => ({ offset: BigInt(i), id: BigInt(i + 1), payload: Buffer.alloc(SIZE, i & 0xff) })));
const topic = { stream: 'bench', topic: 'boundary' };
const meta = { partitionId: 0, currentOffset: 0n, schema: 'raw', messageCount: BATCH };

/** Calls `consume` for `seconds` after a short warm-up; returns messages/s. */
function measure(consume) {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) consume();
  let batches = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    consume();
    batches++;
  }
  return (batches * BATCH) / ((performance.now() - started) / 1000);
}

const results = [];
const report = (name, rate) => {
  results.push({ name, rate });
  console.log(`${name.padEnd(58)} ${Math.round(rate).toLocaleString('en-US').padStart(14)} msg/s`);
};

// The same logic as the counting guest: iterate messages, sum payload lengths.
let sink = 0;
report('in-process, record by record (FlatMessage objects)', measure(() => {
  let total = 0;
  for (const m of messages(batch)) total += m.payload.length;
  sink += total;
}));
report('in-process, reading the index directly', measure(() => {
  let total = 0;
  for (let at = 0; at < batch.index.length; at += INDEX_ENTRY_SIZE) total += batch.index.readUInt32LE(at + Field.payloadLength);
  sink += total;
}));

async function guest(name, path, config) {
  if (!existsSync(path)) {
    console.log(`${name.padEnd(58)} skipped: ${path} is not built`);
    return;
  }
  const component = await loadComponent(path, { logger: silentLogger(), kind: 'sink', grants: { stdio: 'discard' } });
  const instance = await component.instantiateSink();
  instance.open(config);
  report(name, measure(() => instance.consume(topic, meta, batch)));
  instance.close();
}

await guest('JS guest (componentize-js), echo-sink counting via SDK', join(root, 'test/fixtures/guests/echo-sink/echo_sink.wasm'), '{"digest":false}');
await guest('JS guest, count-sink (reads the index directly)', join(root, 'guest-examples/js/count-sink/count_sink.wasm'), '{}');
await guest('Rust guest, count-sink', join(root, 'guest-examples/rust/count-sink/count_sink.wasm'), '{}');
await guest('JS guest, stdout-sink (formats lines, stdio discarded)', join(root, 'guest-examples/js/stdout-sink/stdout_sink.wasm'), '{}');
await guest('Rust guest, stdout-sink (formats lines, stdio discarded)', join(root, 'guest-examples/rust/stdout-sink/stdout_sink.wasm'), '{}');
await guest('Go guest, stdout-sink (formats lines, stdio discarded)', join(root, 'guest-examples/go/stdout-sink/stdout_sink.wasm'), '{}');

const base = results[0].rate;
console.log('\nrate relative to in-process record by record (1.0 = as fast; 0.1 = ten times slower):');
for (const r of results.slice(1)) console.log(`  ${r.name.padEnd(58)} ${(r.rate / base).toFixed(3)}`);
if (sink === -1) console.log(sink);
