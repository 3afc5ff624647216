// Child processes the benchmark owns: the dev broker, the runtime under test and the
// bench's own Iggy peers (dist/scripts/bench/iggy-roles.js). Each is started here,
// its stdout read line by line, and stopped here; nothing outlives the run.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { BenchRunError } from './errors.mjs';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'dist/runtime/cli/main.js');
const roles = join(root, 'dist/scripts/bench/iggy-roles.js');

/**
 * The prebuilt Apache Iggy (server, CLI, native connectors runtime) beside the clone:
 * BENCH_IGGY_HOME, else <repo root>/../shared/iggy, else the same beside the main checkout
 * when this is a git worktree of it.
 */
export const IGGY_HOME = (() => {
  if (process.env.BENCH_IGGY_HOME) return resolve(process.env.BENCH_IGGY_HOME);
  const beside = resolve(root, '../shared/iggy');
  if (existsSync(beside)) return beside;
  try {
    const common = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const main = resolve(dirname(common), '../shared/iggy');
    if (existsSync(main)) return main;
  } catch {
    // Not a git checkout: only the folder beside it counts.
  }
  return beside;
})();
export const realServerAvailable = () => existsSync(join(IGGY_HOME, 'server.sh'));

/**
 * Which broker the suites talk to: `real` (Apache Iggy, the default where ../shared/iggy/ exists)
 * or `dev` (the project's development broker). BENCH_TARGET (or run.mjs's --target) chooses.
 */
export function brokerTarget() {
  const wanted = process.env.BENCH_TARGET ?? (realServerAvailable() ? 'real' : 'dev');
  if (wanted !== 'real' && wanted !== 'dev') throw new BenchRunError(`BENCH_TARGET=${wanted}: expected real or dev`);
  if (wanted === 'real' && !realServerAvailable()) throw new BenchRunError(`BENCH_TARGET=real but ${join(IGGY_HOME, 'server.sh')} is missing: put the prebuilt Iggy at ../shared/iggy/ (or BENCH_IGGY_HOME) or use --target=dev`);
  return wanted;
}

/** A free TCP port: BENCH_PORT_BASE upwards when set (a range of one's own), else one the kernel picks. */
let nextPort = Number(process.env.BENCH_PORT_BASE ?? 0);
async function freePort() {
  const tryListen = (port) =>
    new Promise((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(0));
      server.listen(port, '127.0.0.1', () => {
        const { port: bound } = server.address();
        server.close(() => resolve(bound));
      });
    });
  if (!nextPort) return tryListen(0);
  for (let i = 0; i < 100; i++) {
    const port = await tryListen(nextPort++);
    if (port) return port;
  }
  throw new BenchRunError(`no free port from BENCH_PORT_BASE=${process.env.BENCH_PORT_BASE} on`);
}

/** The real Apache Iggy server (../shared/iggy/server.sh) on a fresh data dir and its own port. */
export async function startIggyServer() {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'iggy-bench-server-'));
  const script = join(IGGY_HOME, 'server.sh');
  let pid;
  try {
    const { stdout } = await promisify(execFile)('bash', [script, 'start', join(dir, 'data'), String(port)], { timeout: 120_000 });
    pid = Number(stdout.trim().split('\n').at(-1));
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new BenchRunError(`the Iggy server did not start on port ${port}: ${error.stderr ?? error.message}`);
  }
  const stop = async () => {
    await promisify(execFile)('bash', [script, 'stop', String(pid)], { timeout: 60_000 }).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  return { child: { pid, stop }, port, target: 'real' };
}

/** A running child: its lines so far, a way to wait for one, and an awaited stop. */
class Child {
  constructor(name, proc) {
    this.name = name;
    this.proc = proc;
    this.lines = [];
    this.stderr = '';
    this.waiters = [];
    // Not events.once: it would reject on 'error' (an aborted child), and exit is what matters here.
    this.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
    createInterface({ input: proc.stdout }).on('line', (line) => {
      this.lines.push(line);
      for (const w of [...this.waiters]) if (w.test(line)) w.resolve(line);
    });
    proc.stderr.on('data', (chunk) => {
      // Keep the tail only: enough to explain a failure.
      this.stderr = (this.stderr + chunk.toString()).slice(-8000);
    });
  }

  get pid() {
    return this.proc.pid;
  }

  /** Resolves with the first line (seen or to come) that passes `test`; rejects on exit or timeout. */
  waitForLine(test, timeoutMs, what) {
    const seen = this.lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = { test, resolve: (line) => finish(() => resolve(line)) };
      const timer = setTimeout(() => finish(() => reject(new BenchRunError(`${this.name}: no ${what} within ${timeoutMs} ms; stderr: ${this.stderr.slice(-2000)}`))), timeoutMs);
      const onExit = this.exited.then(({ code, signal }) => finish(() => reject(new BenchRunError(`${this.name} exited (${code ?? signal}) before ${what}; stderr: ${this.stderr.slice(-2000)}`))));
      const finish = (settle) => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        settle();
      };
      void onExit;
      this.waiters.push(waiter);
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 15_000) {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.exited;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }
}

function start(name, args, nodeArgs = [], signal = undefined) {
  const proc = spawn(process.execPath, [...nodeArgs, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) });
  // An aborted child is expected to die; its exit is reported through `exited`.
  proc.on('error', () => {});
  return new Child(name, proc);
}

/**
 * The broker the suites measure against, in its own process: the real Iggy server where it is
 * present (see brokerTarget), else the dev broker on a free port; resolves once it answers.
 */
export async function startBroker(target = brokerTarget()) {
  if (target === 'real') return startIggyServer();
  const child = start('dev-broker', [cli, 'dev-broker', '--port', '0']);
  const line = await child.waitForLine((l) => l.includes('development broker listening'), 30_000, 'listening line');
  const port = Number(/"address":"[^"]*:(\d+)"/.exec(line)?.[1]);
  if (!Number.isInteger(port) || port <= 0) throw new BenchRunError(`dev-broker: cannot read its port from ${line}`);
  return { child, port, target: 'dev' };
}

/** Iggy's own native connectors runtime on a config file (IGGY_CONNECTORS_CONFIG_PATH). */
export function startNativeRuntime(configPath) {
  const proc = spawn(join(IGGY_HOME, 'bin/iggy-connectors-native'), [], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, IGGY_CONNECTORS_CONFIG_PATH: configPath, NO_COLOR: '1' },
  });
  proc.on('error', () => {});
  return new Child('native runtime', proc);
}

/** `iggy-connectors run` with JSON logs; `nodeArgs` e.g. ['--cpu-prof', '--cpu-prof-dir=…']. */
export function startRuntime(configPath, { nodeArgs = [], logLevel = 'info', cliPath = cli } = {}) {
  return start('runtime', [cliPath, 'run', '--config', configPath, '--log-format', 'json', '--summary-interval', '0', '--log-level', logLevel], nodeArgs);
}

/** Runs one bench role to completion and returns its JSON result; `signal` kills it early. */
export async function runRole(role, options, signal = undefined) {
  const args = [roles, role];
  for (const [key, value] of Object.entries(options)) args.push(`--${key}`, String(value));
  const child = start(`role ${role}`, args, [], signal);
  const exit = await child.exited;
  if (exit.code !== 0) throw new BenchRunError(`bench role ${role} failed (${exit.code ?? exit.signal}): ${child.stderr.trim()}`);
  const last = child.lines.filter((l) => l.startsWith('{')).at(-1);
  if (!last) throw new BenchRunError(`bench role ${role} printed no result`);
  return JSON.parse(last);
}

/** Peak resident set (VmHWM) in bytes, 0 when unreadable. */
export function peakRss(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Parses the runtime's JSON log lines, skipping anything else. */
export function logRecords(child) {
  const out = [];
  for (const line of child.lines) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // A partial line at shutdown: not a record.
    }
  }
  return out;
}

/**
 * Runs the runtime on `configPath` while a watcher role measures it; the runtime is
 * stopped (SIGTERM, awaited) afterwards. A runtime that exits early fails the run.
 */
export async function measureRuntime(configPath, watcher, { nodeArgs = [], beforeWatch, native = false, cliPath = cli } = {}) {
  const runtime = native ? startNativeRuntime(configPath) : startRuntime(configPath, { nodeArgs, cliPath });
  const abort = new AbortController();
  let stopping = false;
  try {
    const died = runtime.exited.then(({ code, signal }) => {
      if (stopping) return new Promise(() => {});
      throw new BenchRunError(`the runtime exited (${code ?? signal}) before the run finished; stderr: ${runtime.stderr.slice(-2000)}; last log: ${runtime.lines.slice(-5).join('\n')}`);
    });
    died.catch(() => {}); // observed through the race below
    const work = (async () => {
      if (beforeWatch) await beforeWatch(runtime, abort.signal);
      return runRole(watcher.role, { ...watcher.options, pid: runtime.pid }, abort.signal);
    })();
    work.catch(() => {}); // observed through the race below
    const result = await Promise.race([work, died]);
    result.peakRssBytes = Math.max(result.peakRssBytes ?? 0, peakRss(runtime.pid));
    // A connector the supervisor restarted mid-run re-reads from its last commit: the run's figure
    // then includes the restart, which the report must say.
    if (!native) result.restarts = runtime.lines.filter((l) => l.includes('"connector failed; restarting')).length;
    return { result, runtime };
  } finally {
    stopping = true;
    abort.abort();
    await runtime.stop();
  }
}
