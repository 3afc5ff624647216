// Latency: a paced producer (this suite's child) sends at a fixed rate, stamping each
// message's origin timestamp just before its send; the count sink reads the wall clock
// at `consume` and keeps a histogram of the differences, logged on close. The plain TS
// consumer measures the same way in the same run, as the baseline.
import { join } from 'node:path';
import { startBroker, runRole, measureRuntime, logRecords } from '../lib/children.mjs';
import { sinkConfig } from '../lib/configs.mjs';
import { summarise } from '../lib/stats.mjs';
import { BenchRunError } from '../lib/errors.mjs';

const POLL_INTERVAL = '1ms';

export async function runLatencySuite({ runs, rate, seconds, warmupSeconds, scratch, log, guest = 'rust-count' }) {
  const count = Math.round(rate * seconds);
  const skip = Math.round(rate * warmupSeconds);
  const broker = await startBroker();
  try {
    const samples = { baseline: [], runtime: [] };
    for (let r = 0; r < runs; r++) {
      // Baseline: the plain consumer and the producer run side by side.
      const btopic = `lat-baseline-${r}`;
      await runRole('create-topic', { port: broker.port, stream: 'bench', topic: btopic });
      const [consumed, produced] = await Promise.all([
        runRole('consume', { port: broker.port, stream: 'bench', topic: btopic, group: 'lat', count, batch: 1000, 'latency-skip': skip }),
        runRole('paced', { port: broker.port, stream: 'bench', topic: btopic, count, rate, batch: 1000 }),
      ]);
      samples.baseline.push({ ...consumed.latencyUs, producedRate: produced.rate });
      log(`latency baseline run ${r + 1}/${runs}: p50 ${consumed.latencyUs.p50} µs, p99 ${consumed.latencyUs.p99} µs at ${Math.round(produced.rate)} msgs/s`);

      const topic = `lat-runtime-${r}`;
      await runRole('create-topic', { port: broker.port, stream: 'bench', topic });
      const config = await sinkConfig({
        dir: join(scratch, `latency-${r}`),
        port: broker.port,
        guest,
        stream: 'bench',
        topic,
        group: 'lat',
        pollInterval: POLL_INTERVAL,
        config: { track_latency: true, latency_skip: skip },
      });
      let producing;
      const { runtime } = await measureRuntime(config, { role: 'watch-offset', options: { port: broker.port, stream: 'bench', topic, group: 'lat', count, 'timeout-ms': (seconds + 120) * 1000 } }, {
        beforeWatch: async (rt) => {
          await rt.waitForLine((l) => l.includes('"consuming"'), 60_000, 'the sink consuming');
          // Not tied to the watcher's signal: the producer's own result is awaited below.
          producing = runRole('paced', { port: broker.port, stream: 'bench', topic, count, rate, batch: 1000 });
          producing.catch(() => {});
        },
      });
      const paced = await producing;
      const totals = logRecords(runtime).find((rec) => typeof rec.msg === 'string' && rec.msg.startsWith('count sink totals '));
      if (!totals) throw new BenchRunError(`latency: the count sink logged no totals on close; last lines: ${runtime.lines.slice(-5).join('\n')}`);
      const latency = JSON.parse(totals.msg.slice('count sink totals '.length)).latency_us;
      samples.runtime.push({ ...latency, producedRate: paced.rate });
      log(`latency runtime run ${r + 1}/${runs}: p50 ${latency.p50} µs, p99 ${latency.p99} µs at ${Math.round(paced.rate)} msgs/s`);
    }
    const pick = (list, key) => summarise(list.map((s) => s[key]));
    const out = (name, label, list) => ({ name, label, p50: pick(list, 'p50'), p90: pick(list, 'p90'), p99: pick(list, 'p99'), p999: pick(list, 'p999'), max: pick(list, 'max'), samples: list[0]?.samples ?? 0, producedRate: pick(list, 'producedRate') });
    return {
      rate,
      seconds,
      warmupSeconds,
      pollInterval: POLL_INTERVAL,
      rows: [out('baseline', 'plain TS consumer (1 ms idle poll)', samples.baseline), out('runtime', `runtime, ${guest} sink (poll_interval ${POLL_INTERVAL})`, samples.runtime)],
    };
  } finally {
    await broker.child.stop();
  }
}
