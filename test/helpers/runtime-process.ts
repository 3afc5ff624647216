// Runs `iggy-connectors run` as a real child process for end-to-end tests, with
// its JSON log lines captured so a test can wait for what the runtime reports.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI } from './paths.js';

export interface RuntimeProcess {
  child: ChildProcess;
  /** The last log lines, for failure messages. */
  tail(lines?: number): string;
  logs: Record<string, unknown>[];
  stderr: string[];
  /** Resolves with the first log line matching, or rejects after `timeoutMs` naming what was awaited. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number, what?: string): Promise<Record<string, unknown>>;
  /** Sends a signal and resolves with the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export async function startRuntime(dir: string, configToml: string, env: NodeJS.ProcessEnv = {}, extraArgs: string[] = []): Promise<RuntimeProcess> {
  const configFile = join(dir, 'runtime.toml');
  await writeFile(configFile, configToml);
  const child = spawn(process.execPath, [CLI, 'run', '--config', configFile, '--log-format', 'json', '--summary-interval', '0', ...extraArgs], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line, unparsed: true });
      }
    }
    for (const w of waiters) w();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  // 'close', not 'exit': the last lines on stdout may arrive after 'exit', and a test reads them once stop() resolves.
  const exited = new Promise<number | string>((resolve) => child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown')));

  return {
    child,
    tail: (n = 20) =>
      `${logs
        .slice(-n)
        .map((l) => JSON.stringify(l))
        .join('\n')}\nstderr: ${stderr.join('')}`,
    logs,
    stderr,
    waitForLog(match, timeoutMs = 30_000, what = 'a log line') {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = logs.find(match);
          if (found) {
            waiters.delete(check as () => void);
            clearTimeout(timer);
            resolve(found);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          waiters.delete(check as () => void);
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for ${what}; last log lines:\n${logs
                .slice(-15)
                .map((l) => JSON.stringify(l))
                .join('\n')}\nstderr: ${stderr.join('')}`,
            ),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check as () => void);
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `condition` until it holds or `timeoutMs` passes. */
export async function eventually<T>(
  condition: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
  context?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await condition();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}${context ? `\n${context()}` : ''}`);
}

/** The `[iggy]` and `[state]` sections every end-to-end config starts with: the broker on loopback, iggy/iggy, state under `dir`. */
export function runtimeHeader(brokerPort: number, dir: string): string {
  return `[iggy]\naddress = "127.0.0.1:${brokerPort}"\nusername = "iggy"\npassword = "iggy"\n\n[state]\npath = "${join(dir, 'state')}"\n`;
}
