// Sink end to end: a preloaded topic drained by the runtime (count sink, with and
// without add_fields) and, in the same run, by a plain TS consumer with the same client.
import { join } from 'node:path';
import { startBroker, runRole, measureRuntime } from '../lib/children.mjs';
import { existsSync } from 'node:fs';
import { sinkConfig, GUESTS } from '../lib/configs.mjs';
import { summarise, ratio } from '../lib/stats.mjs';

export const SINK_VARIANTS = [
  { name: 'baseline', label: 'plain TS consumer (same client, batch 1,000)' },
  { name: 'baseline-pipelined', label: 'plain TS consumer, commit N sent with poll N+1 (what-if)', role: 'consume-pipelined' },
  { name: 'rust-raw', label: 'runtime, Rust count sink', guest: 'rust-count' },
  { name: 'rust-schema-raw', label: 'runtime, Rust count sink, schema "raw" (no JSON check)', guest: 'rust-count', schema: 'raw' },
  { name: 'js-raw', label: 'runtime, JS count sink', guest: 'js-count' },
  { name: 'go-raw', label: 'runtime, Go count sink', guest: 'go-count' },
  { name: 'rust-add-fields', label: 'runtime, Rust count sink + add_fields', guest: 'rust-count', addFields: true },
  { name: 'js-add-fields', label: 'runtime, JS count sink + add_fields', guest: 'js-count', addFields: true },
];

export async function runSinkSuite({ runs, count, scratch, log, variants: wanted = SINK_VARIANTS }) {
  const variants = wanted.filter((v) => !v.guest || existsSync(GUESTS[v.guest]));
  for (const v of wanted) if (!variants.includes(v)) log(`sink ${v.name}: skipped, ${GUESTS[v.guest]} is not built`);
  const broker = await startBroker();
  try {
    const preload = await runRole('preload', { port: broker.port, stream: 'bench', topic: 'events', count, batch: 1000 });
    log(`sink: preloaded ${count.toLocaleString('en-US')} messages (${(preload.payloadBytes / count).toFixed(0)} B payloads) in ${preload.seconds.toFixed(1)} s`);
    const samples = Object.fromEntries(variants.map((v) => [v.name, []]));
    // Variants interleave within each round so that a noisy moment hits all of them alike.
    for (let r = 0; r < runs; r++) {
      for (const v of variants) {
        const group = `bench-${v.name}-${r}`;
        let result;
        if (!v.guest) {
          result = await runRole(v.role ?? 'consume', { port: broker.port, stream: 'bench', topic: 'events', group, count, batch: 1000 });
        } else {
          const config = await sinkConfig({ dir: join(scratch, `sink-${v.name}-${r}`), port: broker.port, guest: v.guest, stream: 'bench', topic: 'events', group, addFields: v.addFields, schema: v.schema });
          ({ result } = await measureRuntime(config, { role: 'watch-offset', options: { port: broker.port, stream: 'bench', topic: 'events', group, count, 'timeout-ms': 600_000 } }));
        }
        samples[v.name].push(result);
        log(`sink ${v.name} run ${r + 1}/${runs}: ${Math.round(result.rate).toLocaleString('en-US')} msgs/s, peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`);
      }
    }
    const base = summarise(samples.baseline.map((s) => s.rate)).median;
    return variants.map((v) => {
      const rate = summarise(samples[v.name].map((s) => s.rate));
      const rss = summarise(samples[v.name].map((s) => s.peakRssBytes));
      return { name: v.name, label: v.label, messages: count, rate, peakRssBytes: rss, firstBatchRssBytes: summarise(samples[v.name].map((s) => s.firstBatchRssBytes ?? NaN)), vsBaseline: ratio(rate.median, base) };
    });
  } finally {
    await broker.child.stop();
  }
}
