// Profiles: the runtime under `node --cpu-prof` (which also profiles worker threads,
// where connectors run) for the sink without and with add_fields and for the source;
// each profile is ranked by self time per function and per file.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startBroker, runRole, measureRuntime } from '../lib/children.mjs';
import { sinkConfig, sourceConfig } from '../lib/configs.mjs';
import { analyseProfile } from '../lib/cpuprofile.mjs';

/** Thread id from V8's profile file name: CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile. */
const threadOf = (file) => Number(file.split('.').at(-3));

async function profiled(dir, configPath, watcher) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const { result } = await measureRuntime(configPath, watcher, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  const threads = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    const analysis = await analyseProfile(join(dir, file));
    threads.push({ thread: threadOf(file) === 0 ? 'main' : `worker ${threadOf(file)}`, file: join(dir, file), ...analysis });
  }
  return { rateWhileProfiled: result.rate, threads };
}

export async function runProfileSuite({ count, scratch, log }) {
  const broker = await startBroker();
  try {
    await runRole('preload', { port: broker.port, stream: 'bench', topic: 'events', count, batch: 1000 });
    const cases = [
      { name: 'sink-raw', label: 'sink, Rust count sink, no transform', addFields: false },
      { name: 'sink-add-fields', label: 'sink, Rust count sink + add_fields', addFields: true },
    ];
    const out = [];
    for (const c of cases) {
      const dir = join(scratch, `profile-${c.name}`);
      const config = await sinkConfig({ dir: join(dir, 'cfg'), port: broker.port, guest: 'rust-count', stream: 'bench', topic: 'events', group: `profile-${c.name}`, addFields: c.addFields });
      const p = await profiled(join(dir, 'prof'), config, { role: 'watch-offset', options: { port: broker.port, stream: 'bench', topic: 'events', group: `profile-${c.name}`, count, 'timeout-ms': 600_000 } });
      out.push({ name: c.name, label: c.label, ...p });
      log(`profile ${c.name}: ${p.threads.length} thread profile(s), ${Math.round(p.rateWhileProfiled).toLocaleString('en-US')} msgs/s while profiled`);
    }
    const dir = join(scratch, 'profile-source');
    const config = await sourceConfig({ dir: join(dir, 'cfg'), port: broker.port, guest: 'rust-random', stream: 'bench', topic: 'profile-source', count });
    const p = await profiled(join(dir, 'prof'), config, { role: 'watch-count', options: { port: broker.port, stream: 'bench', topic: 'profile-source', count, 'timeout-ms': 600_000 } });
    out.push({ name: 'source', label: 'source, Rust random source', ...p });
    log(`profile source: ${p.threads.length} thread profile(s), ${Math.round(p.rateWhileProfiled).toLocaleString('en-US')} msgs/s while profiled`);
    return out;
  } finally {
    await broker.child.stop();
  }
}
