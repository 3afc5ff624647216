// Child processes the benchmark owns: the dev broker, the runtime under test and the
// bench's own Iggy peers (dist/scripts/bench/iggy-roles.js). Each is started here,
// its stdout read line by line, and stopped here; nothing outlives the run.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchRunError } from './errors.mjs';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'dist/runtime/cli/main.js');
const roles = join(root, 'dist/scripts/bench/iggy-roles.js');

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

/** The dev broker in its own process, on a free port; resolves once it listens. */
export async function startBroker() {
  const child = start('dev-broker', [cli, 'dev-broker', '--port', '0']);
  const line = await child.waitForLine((l) => l.includes('development broker listening'), 30_000, 'listening line');
  const port = Number(/"address":"[^"]*:(\d+)"/.exec(line)?.[1]);
  if (!Number.isInteger(port) || port <= 0) throw new BenchRunError(`dev-broker: cannot read its port from ${line}`);
  return { child, port };
}

/** `iggy-connectors run` with JSON logs; `nodeArgs` e.g. ['--cpu-prof', '--cpu-prof-dir=…']. */
export function startRuntime(configPath, { nodeArgs = [], logLevel = 'info' } = {}) {
  return start('runtime', [cli, 'run', '--config', configPath, '--log-format', 'json', '--summary-interval', '0', '--log-level', logLevel], nodeArgs);
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
export async function measureRuntime(configPath, watcher, { nodeArgs = [], beforeWatch } = {}) {
  const runtime = startRuntime(configPath, { nodeArgs });
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
    return { result, runtime };
  } finally {
    stopping = true;
    abort.abort();
    await runtime.stop();
  }
}
