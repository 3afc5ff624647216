// Source end to end: the random source producing N messages into a fresh topic through
// the runtime, beside a plain TS producer making the same payloads with the same client.
import { join } from 'node:path';
import { startBroker, runRole, measureRuntime } from '../lib/children.mjs';
import { sourceConfig } from '../lib/configs.mjs';
import { summarise, ratio } from '../lib/stats.mjs';

export const SOURCE_VARIANTS = [
  { name: 'baseline', label: 'plain TS producer (pre-built batches, same client, batch 1,000)' },
  { name: 'rust-random', label: 'runtime, Rust random source', guest: 'rust-random' },
  // The JS source is ~50× slower; a tenth of the messages gives a steady rate in bearable time.
  { name: 'js-random', label: 'runtime, JS random source', guest: 'js-random', share: 0.1 },
];

export async function runSourceSuite({ runs, count: total, scratch, log, variants = SOURCE_VARIANTS }) {
  const broker = await startBroker();
  try {
    const samples = Object.fromEntries(variants.map((v) => [v.name, []]));
    for (let r = 0; r < runs; r++) {
      for (const v of variants) {
        const topic = `src-${v.name}-${r}`;
        const count = Math.round(total * (v.share ?? 1));
        let result;
        if (v.name === 'baseline') {
          result = await runRole('produce', { port: broker.port, stream: 'bench', topic, count, batch: 1000 });
        } else {
          const config = await sourceConfig({ dir: join(scratch, `source-${v.name}-${r}`), port: broker.port, guest: v.guest, stream: 'bench', topic, count });
          ({ result } = await measureRuntime(config, { role: 'watch-count', options: { port: broker.port, stream: 'bench', topic, count, 'timeout-ms': 900_000 } }));
        }
        samples[v.name].push(result);
        log(`source ${v.name} run ${r + 1}/${runs}: ${Math.round(result.rate).toLocaleString('en-US')} msgs/s, peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`);
      }
    }
    const base = summarise(samples.baseline.map((s) => s.rate)).median;
    return variants.map((v) => {
      const rate = summarise(samples[v.name].map((s) => s.rate));
      return { name: v.name, label: v.label, messages: Math.round(total * (v.share ?? 1)), rate, peakRssBytes: summarise(samples[v.name].map((s) => s.peakRssBytes)), firstBatchRssBytes: summarise(samples[v.name].map((s) => s.firstBatchRssBytes ?? NaN)), vsBaseline: ratio(rate.median, base) };
    });
  } finally {
    await broker.child.stop();
  }
}
