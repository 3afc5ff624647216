// Cost per connector: the runtime with N = 1, 8, 32, 64 sinks (Rust and JS count sinks), each on
// a topic of its own, and, where ../shared/iggy/ is present, Iggy's native runtime with N stdout
// sinks against the same server. Per run: start-up to every connector's first committed offset,
// the runtime's VmHWM while it drains all N topics at once, the aggregate rate, and VmRSS once
// every connector is idle again.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { root, startBroker } from '../lib/children.mjs';
import { GUESTS } from '../lib/configs.mjs';
import { summarise } from '../lib/stats.mjs';

// Beside the project (../shared/iggy, as tests look for it), or beside the worktree holding it.
const SHARED_IGGY = [join(root, '../shared/iggy'), join(root, '../../shared/iggy')].find((dir) => existsSync(join(dir, 'server.sh'))) ?? join(root, '../shared/iggy');
export const SCALE_N = [1, 8, 32, 64];
export const SCALE_GUESTS = [
  // Shared worker threads (IGGY_CONNECTORS_PER_WORKER=auto) and the default, a thread per connector.
  { name: 'rust', label: 'runtime, Rust count sinks, shared threads', guest: 'rust-count', perWorker: 'auto' },
  { name: 'rust-own', label: 'runtime, Rust count sinks, a thread each', guest: 'rust-count', perWorker: '1' },
  { name: 'js', label: 'runtime, JS count sinks, shared threads', guest: 'js-count', perWorker: 'auto' },
];
const NATIVE = { name: 'native', label: "Iggy's native runtime, stdout sinks" };
/** How long every connector must stay idle before VmRSS is read. */
const SETTLE_MS = 3000;
const WATCH_EVERY_MS = 25;

const status = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
};
const kb = (text, key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN) * 1024;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The real server when ../shared/iggy/ is there (so the native runtime can run beside), else the dev broker. */
async function startServer(scratch, log, wantedPort) {
  if (existsSync(join(SHARED_IGGY, 'server.sh'))) {
    // IGGY_BENCH_SERVER_PORT pins the port (machines where each user owns a port range).
    const port = wantedPort ?? (Number(process.env.IGGY_BENCH_SERVER_PORT) || (await freePort()));
    const data = join(scratch, 'scale-iggy');
    const pid = await new Promise((resolve, reject) => {
      const child = spawn('bash', [join(SHARED_IGGY, 'server.sh'), 'start', data, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (err += c));
      child.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`server.sh start failed: ${err.trim()}`))));
    });
    log(`scale: Apache Iggy server (../shared/iggy) on port ${port}`);
    return {
      port,
      real: true,
      stop: () => new Promise((resolve) => spawn('bash', [join(SHARED_IGGY, 'server.sh'), 'stop', String(pid)], { stdio: 'ignore' }).on('exit', resolve)),
    };
  }
  const broker = await startBroker();
  log(`scale: ../shared/iggy is absent: dev broker on port ${broker.port}, no native figures`);
  return { port: broker.port, real: false, stop: () => broker.child.stop() };
}

async function preloadTopics(port, stream, n, perTopic) {
  const { connect, createTopic, eventPayload } = await import(join(root, 'dist/scripts/bench/iggy-roles.js'));
  const { buildBatch } = await import(join(root, 'dist/runtime/batch/flat-batch.js'));
  const client = await connect(port);
  try {
    // One set of batches for every topic: building them is not what is measured.
    const batches = [];
    for (let sent = 0; sent < perTopic; sent += 1000) {
      const inputs = [];
      for (let i = 0; i < Math.min(1000, perTopic - sent); i++) inputs.push({ id: BigInt(sent + i + 1), payload: eventPayload(sent + i) });
      batches.push(buildBatch(inputs));
    }
    for (let t = 0; t < n; t++) {
      await createTopic(client, stream, `t${t}`);
      for (const batch of batches) await client.sendMessages(stream, `t${t}`, { kind: 'partition', id: 0 }, batch);
    }
  } finally {
    await client.close();
  }
}

const str = (s) => JSON.stringify(s);

async function runtimeConfig(dir, port, guest, stream, n) {
  await mkdir(dir, { recursive: true });
  let text = `[iggy]\naddress = ${str(`127.0.0.1:${port}`)}\nusername = "iggy"\npassword = "iggy"\n\n[state]\npath = ${str(join(dir, 'state'))}\n\n[http]\nenabled = false\n`;
  for (let i = 0; i < n; i++) {
    text += `\n[sinks.s${i}]\npath = ${str(GUESTS[guest])}\n\n[[sinks.s${i}.streams]]\nstream = ${str(stream)}\ntopics = ["t${i}"]\nschema = "json"\nbatch_size = 1000\npoll_interval = "5ms"\nconsumer_group = "g${i}"\n`;
  }
  const path = join(dir, 'runtime.toml');
  await writeFile(path, text);
  return path;
}

/** Iggy's native runtime: one connector file per stdout sink, pacing as in its own config. */
async function startNative(dir, port, stream, n) {
  const connectors = join(dir, 'connectors');
  await mkdir(connectors, { recursive: true });
  const bin = join(SHARED_IGGY, 'bin');
  const runtime = readFileSync(join(SHARED_IGGY, 'config/native/runtime.toml'), 'utf8')
    .replaceAll('PORT', String(port))
    .replaceAll('STATE_DIR', join(dir, 'state'))
    .replaceAll('CONNECTORS_DIR', connectors);
  await writeFile(join(dir, 'runtime.toml'), runtime);
  const sink = readFileSync(join(SHARED_IGGY, 'config/native/stdout_sink.toml'), 'utf8');
  for (let i = 0; i < n; i++) {
    const text = sink
      .replace(/^key = .*$/m, `key = "stdout${i}"`)
      .replaceAll('BIN_DIR', bin)
      .replaceAll('STREAM', stream)
      .replaceAll('"TOPIC"', `"t${i}"`)
      .replace(/^consumer_group = .*$/m, `consumer_group = "g${i}"`);
    await writeFile(join(connectors, `stdout${i}.toml`), text);
  }
  const proc = spawn(join(bin, 'iggy-connectors-native'), [], {
    cwd: dir,
    env: { ...process.env, IGGY_CONNECTORS_CONFIG_PATH: join(dir, 'runtime.toml'), RUST_LOG: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (c) => (stderr = (stderr + c).slice(-4000)));
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    pid: proc.pid,
    exited,
    tail: () => stderr,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `iggy-connectors run` of the project at `projectRoot` (this one, or the build an A/B compares with). */
function startProject(projectRoot, configPath, perWorker) {
  const cli = join(projectRoot, 'dist/runtime/cli/main.js');
  const proc = spawn(process.execPath, [cli, 'run', '--config', configPath, '--log-format', 'json', '--summary-interval', '0', '--log-level', 'warn'], {
    cwd: projectRoot,
    env: { ...process.env, ...(perWorker ? { IGGY_CONNECTORS_PER_WORKER: perWorker } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (c) => (output = (output + c).slice(-4000));
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    pid: proc.pid,
    exited,
    tail: () => output,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Watches the N groups' stored offsets until each reached `perTopic - 1`, then until the
 * process has been idle for SETTLE_MS; reads VmHWM under load and VmRSS idle.
 */
async function watch({ port, stream, n, perTopic, pid, startedAt, died, timeoutMs }) {
  const { connect } = await import(join(root, 'dist/scripts/bench/iggy-roles.js'));
  const client = await connect(port);
  const target = BigInt(perTopic - 1);
  const first = new Array(n).fill(undefined);
  const done = new Array(n).fill(undefined);
  let firstAny;
  const deadline = startedAt + timeoutMs;
  let dead;
  died.then((how) => (dead = how));
  try {
    while (done.some((d) => d === undefined)) {
      if (dead) throw new Error(`the runtime exited (${dead.code ?? dead.signal}) before its connectors drained`);
      const open = [...done.keys()].filter((i) => done[i] === undefined);
      const infos = await Promise.all(open.map((i) => client.getConsumerOffset(stream, `t${i}`, { kind: 'group', id: `g${i}` }, 0).catch(() => undefined)));
      const now = performance.now();
      open.forEach((i, k) => {
        const info = infos[k];
        if (!info) return;
        first[i] ??= { at: now, offset: info.storedOffset };
        firstAny ??= now;
        if (info.storedOffset >= target) done[i] = now;
      });
      if (now > deadline) throw new Error(`${done.filter((d) => d === undefined).length} of ${n} connectors had not drained their topic after ${timeoutMs} ms`);
      await sleep(WATCH_EVERY_MS);
    }
  } finally {
    await client.close();
  }
  const lastDone = Math.max(...done);
  // Idle: every topic drained; the connectors only poll empty topics now.
  await sleep(SETTLE_MS);
  const now = status(pid);
  const idleRssBytes = kb(now, 'VmRSS');
  const peakRssBytes = kb(now, 'VmHWM');
  const messages = n * perTopic - first.reduce((sum, f) => sum + Number(f.offset) + 1, 0);
  return {
    startupFirstMs: firstAny - startedAt,
    startupAllMs: Math.max(...first.map((f) => f.at)) - startedAt,
    rate: messages / ((lastDone - firstAny) / 1000),
    peakRssBytes,
    idleRssBytes,
    drainSeconds: (lastDone - firstAny) / 1000,
  };
}

async function measureOne(server, scratch, variant, n, perTopic, tag) {
  const stream = `scale-${tag}`;
  await preloadTopics(server.port, stream, n, perTopic);
  const dir = join(scratch, `scale-${tag}`);
  const startedAt = performance.now();
  let proc;
  if (variant.name === 'native') {
    proc = await startNative(dir, server.port, stream, n);
  } else {
    const config = await runtimeConfig(dir, server.port, variant.guest, stream, n);
    proc = startProject(variant.root ?? root, config, variant.perWorker);
  }
  try {
    return await watch({ port: server.port, stream, n, perTopic, pid: proc.pid, startedAt, died: proc.exited, timeoutMs: 300_000 });
  } catch (error) {
    throw new Error(`scale ${variant.name} N=${n}: ${error.message}; ${proc.tail().slice(-1500)}`, { cause: error });
  } finally {
    await proc.stop();
  }
}

/**
 * `count` messages in all per run, split over the N topics (at least 5,000 each);
 * `runs` rounds, one round only at N = 64. `abRoot`: another build of the project
 * (its dist/ and guests built), measured beside this one in the same rounds. `port`: the
 * real server's port (default: a free one).
 */
export async function runScaleSuite({ runs, count, scratch, log, sizes = SCALE_N, abRoot, port }) {
  const server = await startServer(scratch, log, port);
  const variants = SCALE_GUESTS.filter((v) => existsSync(GUESTS[v.guest]));
  if (abRoot) {
    for (const v of [...variants]) variants.push({ ...v, name: `${v.name}-before`, label: `${v.label} (before: ${abRoot})`, root: abRoot });
  }
  if (server.real && existsSync(join(SHARED_IGGY, 'bin/iggy-connectors-native'))) variants.push(NATIVE);
  const samples = {};
  const failures = {};
  try {
    // One unrecorded run per variant first: transpile caches and the page cache are warm for every measured one.
    for (const v of variants) await measureOne(server, scratch, v, 1, 5000, `${v.name}-warm`);
    for (let r = 0; r < runs; r++) {
      for (const n of sizes) {
        if (n >= 64 && r > 0) continue;
        const perTopic = Math.max(5000, Math.round(count / n / 1000) * 1000);
        for (const v of variants) {
          // A variant that failed (or timed out) at some N is not run at larger N; the others go on.
          if (failures[v.name]) continue;
          let m;
          try {
            m = await measureOne(server, scratch, v, n, perTopic, `${v.name}-${n}-${r}`);
          } catch (error) {
            failures[v.name] = { connectors: n, error: error.message.slice(0, 500) };
            log(`scale ${v.name} N=${n}: failed, not measured further: ${error.message.slice(0, 300)}`);
            continue;
          }
          (samples[`${v.name}|${n}`] ??= []).push({ ...m, perTopic });
          log(`scale ${v.name} N=${n} run ${r + 1}: idle ${(m.idleRssBytes / 2 ** 20).toFixed(0)} MiB, peak ${(m.peakRssBytes / 2 ** 20).toFixed(0)} MiB, all started in ${(m.startupAllMs / 1000).toFixed(2)} s, ${Math.round(m.rate).toLocaleString('en-US')} msgs/s over ${n} topics`);
        }
      }
    }
  } finally {
    await server.stop();
  }
  const rows = [];
  for (const v of variants) {
    for (const n of sizes) {
      const s = samples[`${v.name}|${n}`];
      if (!s) continue;
      const pick = (k) => summarise(s.map((x) => x[k]));
      rows.push({
        impl: v.name,
        label: v.label,
        connectors: n,
        messagesPerTopic: s[0].perTopic,
        idleRssBytes: pick('idleRssBytes'),
        peakRssBytes: pick('peakRssBytes'),
        startupAllMs: pick('startupAllMs'),
        startupFirstMs: pick('startupFirstMs'),
        rate: pick('rate'),
      });
    }
  }
  const perConnector = {};
  for (const v of variants) {
    const at = (n) => rows.find((r) => r.impl === v.name && r.connectors === n)?.idleRssBytes.median;
    const measuredN = sizes.filter((n) => at(n) !== undefined);
    const [lo, hi] = [Math.min(...measuredN), Math.max(...measuredN)];
    if (measuredN.length >= 2) perConnector[v.name] = (at(hi) - at(lo)) / (hi - lo);
  }
  return { broker: server.real ? 'Apache Iggy server (../shared/iggy)' : 'dev broker', rows, idleRssPerConnectorBytes: perConnector, failures };
}

const MiB = 2 ** 20;

/** The issue's targets for the cost per connector, each beside what bounds it in the same run. */
export function scaleTargets(scale) {
  const row = (impl, n) => scale.rows.find((r) => r.impl === impl && r.connectors === n);
  const out = [];
  const push = (what, target, measured, ok, context = '') => out.push({ what, target, measured, ok, context });
  const rust32 = row('rust', 32);
  if (rust32) {
    push('scale: 32 idle Rust connectors, RSS in all', '≤ 200 MiB', `${(rust32.idleRssBytes.median / MiB).toFixed(0)} MiB`, rust32.idleRssBytes.median <= 200 * MiB, row('rust-before', 32) ? `before: ${(row('rust-before', 32).idleRssBytes.median / MiB).toFixed(0)} MiB` : '');
    push('scale: start-up to every first committed offset, 32 Rust connectors', '≤ 3 s', `${(rust32.startupAllMs.median / 1000).toFixed(2)} s`, rust32.startupAllMs.median <= 3000, row('native', 32) ? `native runtime: ${(row('native', 32).startupAllMs.median / 1000).toFixed(2)} s` : '');
  }
  for (const [impl, max] of [['rust', 4], ['js', 20]]) {
    const slope = scale.idleRssPerConnectorBytes[impl];
    if (slope !== undefined) {
      const before = scale.idleRssPerConnectorBytes[`${impl}-before`];
      push(`scale: idle RSS per further ${impl} connector`, `≤ ${max} MiB`, `${(slope / MiB).toFixed(1)} MiB`, slope <= max * MiB, before !== undefined ? `before: ${(before / MiB).toFixed(1)} MiB` : '');
    }
  }
  const rust1 = row('rust', 1);
  const native1 = row('native', 1);
  if (rust1 && native1) {
    const r = rust1.peakRssBytes.median / native1.peakRssBytes.median;
    push('scale: peak RSS of one Rust sink at full speed ÷ the native runtime', '≤ 1.2×', `${r.toFixed(2)}×`, r <= 1.2, `${(rust1.peakRssBytes.median / MiB).toFixed(0)} MiB against ${(native1.peakRssBytes.median / MiB).toFixed(0)} MiB`);
  }
  return out;
}

const COLOURS = { rust: '#c0392b', 'rust-own': '#7d3c98', js: '#2b5fb3', native: '#1b7f3b', 'rust-before': '#e8a59d', 'js-before': '#9fb5e0' };

/** RSS against N, one line per runtime and guest language: idle (solid) and peak (dashed). */
export function renderScaleSvg(scale) {
  const W = 940;
  const H = 420;
  const pad = { left: 70, right: 380, top: 40, bottom: 50 };
  const ns = [...new Set(scale.rows.map((r) => r.connectors))].sort((a, b) => a - b);
  const yMax = Math.max(...scale.rows.map((r) => r.peakRssBytes.max / 2 ** 20)) * 1.05;
  const step = yMax > 2000 ? 500 : yMax > 800 ? 200 : 100;
  const x = (n) => pad.left + ((n - ns[0]) / (ns.at(-1) - ns[0] || 1)) * (W - pad.left - pad.right);
  const y = (mib) => H - pad.bottom - (mib / yMax) * (H - pad.top - pad.bottom);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`, `<rect width="${W}" height="${H}" fill="white"/>`];
  out.push(`<text x="${pad.left}" y="22" font-size="14" font-weight="bold">Runtime RSS (MiB) against the number of connectors</text>`);
  for (let v = 0; v <= yMax; v += step) out.push(`<line x1="${pad.left}" x2="${W - pad.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`, `<text x="${pad.left - 8}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
  for (const n of ns) out.push(`<line x1="${x(n)}" x2="${x(n)}" y1="${pad.top}" y2="${H - pad.bottom}" stroke="#eee"/>`, `<text x="${x(n)}" y="${H - pad.bottom + 18}" text-anchor="middle">${n}</text>`);
  out.push(`<text x="${(pad.left + W - pad.right) / 2}" y="${H - 10}" text-anchor="middle">connectors in one runtime</text>`);
  const impls = [...new Set(scale.rows.map((r) => r.impl))];
  let line = 0;
  for (const impl of impls) {
    const points = scale.rows.filter((r) => r.impl === impl).sort((a, b) => a.connectors - b.connectors);
    const colour = COLOURS[impl] ?? '#555';
    for (const [key, dash, what] of [['idleRssBytes', '', 'idle'], ['peakRssBytes', ' stroke-dasharray="6 4"', 'peak']]) {
      out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2"${dash} points="${points.map((p) => `${x(p.connectors).toFixed(1)},${y(p[key].median / 2 ** 20).toFixed(1)}`).join(' ')}"/>`);
      for (const p of points) out.push(`<circle cx="${x(p.connectors).toFixed(1)}" cy="${y(p[key].median / 2 ** 20).toFixed(1)}" r="3" fill="${colour}"/>`);
      const ly = pad.top + 10 + line++ * 20;
      out.push(`<line x1="${W - pad.right + 15}" x2="${W - pad.right + 45}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2"${dash}/>`, `<text x="${W - pad.right + 52}" y="${ly + 4}">${points[0].label}, ${what}</text>`);
    }
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

const mib = (b) => (Number.isFinite(b) ? `${(b / 2 ** 20).toFixed(0)} MiB` : 'n/a');
const sec = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');

/** The report's section: one row per runtime and N, and the slope per connector. */
export function renderScaleMarkdown(scale) {
  const head = '| runtime | N | messages per topic | idle RSS | peak RSS | start-up, all N committed | first committed | msgs/s, all N together |';
  const rows = scale.rows.map((r) => `| ${r.label} | ${r.connectors} | ${r.messagesPerTopic.toLocaleString('en-US')} | ${mib(r.idleRssBytes.median)} | ${mib(r.peakRssBytes.median)} | ${sec(r.startupAllMs.median)} | ${sec(r.startupFirstMs.median)} | ${Math.round(r.rate.median).toLocaleString('en-US')} |`);
  const slope = Object.entries(scale.idleRssPerConnectorBytes).map(([impl, b]) => `${impl} ${(b / 2 ** 20).toFixed(1)} MiB`).join(', ');
  const failed = Object.entries(scale.failures ?? {}).map(([impl, f]) => `\n\n${impl} failed at N = ${f.connectors} and was not measured further: ${f.error}`).join('');
  return `## Cost per connector (${scale.broker})\n\n${head}\n|---|---|---|---|---|---|---|---|\n${rows.join('\n')}\n\nIdle RSS per further connector (slope from the smallest to the largest N measured): ${slope}.${failed}\n\n![RSS against N](scale.svg)`;
}
