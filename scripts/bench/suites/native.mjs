// Beside Iggy's native runtime: on the real Apache Iggy server, interleaved round by round,
// Iggy's own connectors runtime (stdout sink, random source) with pacing "0" and "5ms", this
// runtime (Rust count sink with and without add_fields, Rust random source) and the plain
// TypeScript consumer and producer with the project's client as the ceiling.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { IGGY_HOME, realServerAvailable, startIggyServer, runRole, measureRuntime } from '../lib/children.mjs';
import { sinkConfig, sourceConfig, nativeSinkConfig, nativeSourceConfig } from '../lib/configs.mjs';
import { summarise, ratio } from '../lib/stats.mjs';

// Payload sizes that make every producer's JSON about 135 bytes: the native random source's
// record is 86 bytes plus its text; this project's random source and the plain producer write
// {"seq":n,"data":"…"}, 24 bytes plus the data for six-digit sequence numbers.
const NATIVE_TEXT_SIZE = 49;
const PROJECT_DATA_SIZE = 111;

/**
 * `ref` names the native row a row's "× native" is taken against (the unpaced native run of the
 * same work), `plain` the plain-client row it is bounded by.
 */
export const NATIVE_SINK_VARIANTS = [
  { name: 'native-sink-0', label: 'Iggy native runtime, stdout sink, pacing "0"', native: true, pacing: '0', ref: 'native-sink-0', plain: 'plain-consumer' },
  { name: 'native-sink-5ms', label: 'Iggy native runtime, stdout sink, pacing "5ms"', native: true, pacing: '5ms', ref: 'native-sink-0', plain: 'plain-consumer' },
  { name: 'native-sink-add-fields-0', label: 'Iggy native runtime, stdout sink + add_fields, pacing "0"', native: true, pacing: '0', addFields: true, ref: 'native-sink-add-fields-0', plain: 'plain-consumer' },
  { name: 'runtime-sink', label: 'this runtime, Rust count sink', guest: 'rust-count', ref: 'native-sink-0', plain: 'plain-consumer' },
  { name: 'runtime-sink-add-fields', label: 'this runtime, Rust count sink + add_fields', guest: 'rust-count', addFields: true, ref: 'native-sink-add-fields-0', plain: 'plain-consumer' },
  { name: 'plain-consumer', label: 'plain TS consumer, project client (ceiling)', ref: 'native-sink-0', plain: 'plain-consumer' },
];

export const NATIVE_SOURCE_VARIANTS = [
  { name: 'native-source-0', label: 'Iggy native runtime, random source, pacing "0"', native: true, pacing: '0', ref: 'native-source-0', plain: 'plain-producer' },
  { name: 'native-source-5ms', label: 'Iggy native runtime, random source, pacing "5ms"', native: true, pacing: '5ms', ref: 'native-source-0', plain: 'plain-producer' },
  { name: 'runtime-source', label: 'this runtime, Rust random source', guest: 'rust-random', ref: 'native-source-0', plain: 'plain-producer' },
  { name: 'plain-producer', label: 'plain TS producer, project client, pre-built batches (ceiling)', ref: 'native-source-0', plain: 'plain-producer' },
];

/**
 * A/B of an optimisation in the same run: with BENCH_AB_ROOT (run.mjs --ab-root) naming another
 * checkout with its own dist/ (the build before the change), every runtime variant also runs
 * from that build, interleaved with the others; the guests are the same files.
 */
export function withBaselineBuild(variants, abRoot) {
  if (!abRoot) return variants;
  const cliPath = join(abRoot, 'dist/runtime/cli/main.js');
  if (!existsSync(cliPath)) throw new Error(`BENCH_AB_ROOT=${abRoot} has no dist/runtime/cli/main.js: build it (npx tsc -p tsconfig.json there) first`);
  return variants.flatMap((v) => (v.guest ? [{ ...v, name: `${v.name}-before`, label: `${v.label} (build before the change)`, cliPath }, v] : [v]));
}

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** One measurement of a sink variant over the preloaded topic; every variant gets a fresh group. */
async function sinkRun(v, { port, count, scratch, round }) {
  const group = `native-${v.name}-${round}`;
  const watch = { role: 'watch-offset', options: { port, stream: 'bench', topic: 'events', group, count, 'timeout-ms': 600_000 } };
  const dir = join(scratch, `native-${v.name}-${round}`);
  if (v.native) {
    const config = await nativeSinkConfig({ dir, port, stream: 'bench', topic: 'events', group, pacing: v.pacing, addFields: v.addFields });
    return (await measureRuntime(config, watch, { native: true })).result;
  }
  if (v.guest) {
    const config = await sinkConfig({ dir, port, guest: v.guest, stream: 'bench', topic: 'events', group, addFields: v.addFields });
    return (await measureRuntime(config, watch, v.cliPath ? { cliPath: v.cliPath } : {})).result;
  }
  return runRole('consume', { port, stream: 'bench', topic: 'events', group, count, batch: 1000 });
}

/** One measurement of a source variant into a fresh topic (created beforehand for the runtimes). */
async function sourceRun(v, { port, count, scratch, round }) {
  const topic = `native-${v.name}-${round}`;
  const dir = join(scratch, `native-${v.name}-${round}`);
  if (!v.native && !v.guest) return runRole('produce', { port, stream: 'bench', topic, count, batch: 1000, 'payload-size': PROJECT_DATA_SIZE });
  await runRole('create-topic', { port, stream: 'bench', topic });
  const watch = { role: 'watch-count', options: { port, stream: 'bench', topic, count, 'timeout-ms': 600_000 } };
  if (v.native) {
    const config = await nativeSourceConfig({ dir, port, stream: 'bench', topic, count, pacing: v.pacing, textSize: NATIVE_TEXT_SIZE });
    return (await measureRuntime(config, watch, { native: true })).result;
  }
  const config = await sourceConfig({ dir, port, guest: v.guest, stream: 'bench', topic, count, payloadSize: PROJECT_DATA_SIZE });
  return (await measureRuntime(config, watch, v.cliPath ? { cliPath: v.cliPath } : {})).result;
}

/** Medians and spreads of one variant, with its ratios to its native reference and to the plain client. */
function rows(variants, samples, count) {
  const rateOf = (name) => summarise(samples[name].map((s) => s.rate)).median;
  return variants.map((v) => {
    const rate = summarise(samples[v.name].map((s) => s.rate));
    return {
      name: v.name,
      label: v.label,
      messages: count,
      rate,
      mbPerSecond: summarise(samples[v.name].map((s) => s.payloadBytesPerSecond / 1e6)),
      payloadBytes: summarise(samples[v.name].map((s) => s.payloadBytesPerMessage)),
      peakRssBytes: summarise(samples[v.name].map((s) => s.peakRssBytes)),
      cpuSecondsPerMillion: summarise(samples[v.name].map((s) => s.cpuSecondsPerMillion)),
      ref: v.ref,
      plain: v.plain,
      restarts: samples[v.name].reduce((n, s) => n + (s.restarts ?? 0), 0),
      vsNative: ratio(rate.median, rateOf(v.ref)),
      vsPlain: ratio(rate.median, rateOf(v.plain)),
      // Per round: the ratio within one round is less noisy than the ratio of medians.
      vsNativePerRound: samples[v.name].map((s, i) => ratio(s.rate, samples[v.ref][i]?.rate)),
    };
  });
}

/**
 * BENCH_VARIANTS (run.mjs --variants=a,b): only the named rows, plus the native and plain rows
 * their ratios are taken against, so a change can be measured in a few minutes.
 */
export function selectVariants(variants, names = process.env.BENCH_VARIANTS) {
  if (!names) return variants;
  const wanted = new Set(names.split(','));
  const unknown = [...wanted].filter((n) => ![...NATIVE_SINK_VARIANTS, ...NATIVE_SOURCE_VARIANTS].some((v) => v.name === n));
  if (unknown.length > 0) throw new Error(`--variants: unknown row(s) ${unknown.join(', ')}; the native suite has ${[...NATIVE_SINK_VARIANTS, ...NATIVE_SOURCE_VARIANTS].map((v) => v.name).join(', ')}`);
  const keep = new Set([...wanted].flatMap((n) => {
    const v = variants.find((x) => x.name === n);
    return v ? [v.name, v.ref, v.plain] : [];
  }));
  return variants.filter((v) => keep.has(v.name));
}

export async function runNativeSuite({
  runs,
  count,
  scratch,
  log,
  abRoot = process.env.BENCH_AB_ROOT,
  sinkVariants = withBaselineBuild(selectVariants(NATIVE_SINK_VARIANTS), abRoot),
  sourceVariants = withBaselineBuild(selectVariants(NATIVE_SOURCE_VARIANTS), abRoot),
}) {
  if (!realServerAvailable() || !existsSync(join(IGGY_HOME, 'bin/iggy-connectors-native'))) {
    const reason = `no prebuilt Apache Iggy at ${IGGY_HOME} (server.sh, bin/iggy-connectors-native): the native suite needs it (BENCH_IGGY_HOME points elsewhere)`;
    log(`native: skipped, ${reason}`);
    return { skipped: reason };
  }
  const server = await startIggyServer();
  try {
    const port = server.port;
    const preload = await runRole('preload', { port, stream: 'bench', topic: 'events', count, batch: 1000 });
    const payloadBytes = preload.payloadBytes / count;
    log(`native: real Iggy server on port ${port}; preloaded ${count.toLocaleString('en-US')} messages (${payloadBytes.toFixed(0)} B payloads) in ${preload.seconds.toFixed(1)} s`);
    const sink = Object.fromEntries(sinkVariants.map((v) => [v.name, []]));
    const source = Object.fromEntries(sourceVariants.map((v) => [v.name, []]));
    // Every round runs every variant once, so a noisy moment hits all alike; odd rounds run them in
    // reverse (A B C, C B A, ...) so that no variant always follows the same one (an A/B pair would).
    const inOrder = (variants, round) => (round % 2 === 0 ? variants : [...variants].reverse());
    for (let round = 0; round < runs; round++) {
      for (const v of inOrder(sinkVariants, round)) {
        const result = await sinkRun(v, { port, count, scratch, round });
        result.payloadBytesPerMessage ??= payloadBytes;
        result.payloadBytesPerSecond ??= result.rate * payloadBytes;
        sink[v.name].push(result);
        log(`native sink ${v.name} run ${round + 1}/${runs}: ${Math.round(result.rate).toLocaleString('en-US')} msgs/s, ${result.cpuSecondsPerMillion.toFixed(2)} CPU s per million, peak RSS ${mib(result.peakRssBytes)}${result.restarts ? `, ${result.restarts} connector restart(s)` : ''}`);
      }
      for (const v of inOrder(sourceVariants, round)) {
        const result = await sourceRun(v, { port, count, scratch, round });
        source[v.name].push(result);
        log(`native source ${v.name} run ${round + 1}/${runs}: ${Math.round(result.rate).toLocaleString('en-US')} msgs/s (${result.payloadBytesPerMessage.toFixed(0)} B), ${result.cpuSecondsPerMillion.toFixed(2)} CPU s per million, peak RSS ${mib(result.peakRssBytes)}${result.restarts ? `, ${result.restarts} connector restart(s)` : ''}`);
      }
    }
    return { target: 'real', iggyHome: IGGY_HOME, ...(abRoot ? { abRoot } : {}), messages: count, runs, sink: rows(sinkVariants, sink, count), source: rows(sourceVariants, source, count) };
  } finally {
    await server.child.stop();
  }
}
