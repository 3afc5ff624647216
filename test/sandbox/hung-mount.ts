// A real mount that stops answering, for tests: hung-fuse-server.ts mounted at a
// directory. Needs root (or CAP_SYS_ADMIN), /dev/fuse and mount(8); `hungMountUnavailable`
// says why a machine cannot, so a test can skip with the reason.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('./hung-fuse-server.js', import.meta.url));

export interface HungMount {
  /** The server's output so far (`mounted`, `hung READ`). */
  output(): string;
  /** Resolves when the server holds a request unanswered. */
  hung(): Promise<void>;
  /** Ends the server (the kernel aborts its requests: whoever waits gets an error) and unmounts. */
  close(): Promise<void>;
}

/** Why a FUSE mount cannot be made here, or undefined when it can. */
export function hungMountUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a FUSE file system needs root';
  try {
    accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
  } catch {
    return '/dev/fuse is not available';
  }
  if (spawnSync('mount', ['--version']).status !== 0) return 'mount(8) is not installed';
  return undefined;
}

/**
 * Mounts the hung file system at `mountpoint`. `holdMs`: how long the server holds the
 * read before it ends by itself (so a regression that blocks the caller's own thread
 * ends in a failed test, not a machine stuck for good).
 */
export async function mountHung(mountpoint: string, holdMs: number): Promise<HungMount> {
  const child: ChildProcess = spawn(process.execPath, [SERVER, mountpoint, String(holdMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: string) => {
    out += chunk;
    for (const l of listeners) l();
  };
  child.stdout!.setEncoding('utf8').on('data', onData);
  child.stderr!.setEncoding('utf8').on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waitFor = (text: string, ms: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (out.includes(text)) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`the FUSE server did not print "${text}" within ${ms} ms; it said: ${out}`));
      }, ms);
      listeners.add(check);
      check();
      void exited.then(() => {
        if (!out.includes(text)) {
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`the FUSE server ended before printing "${text}"; it said: ${out}`));
        }
      });
    });
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    // The aborted mount stays in the table ("transport endpoint is not connected") until detached.
    spawnSync('umount', ['-l', mountpoint]);
  };
  try {
    await waitFor('mounted', 15_000);
  } catch (err) {
    await close();
    throw err;
  }
  return { output: () => out, hung: () => waitFor('hung READ', 120_000), close };
}
