// Runs a command to its end and keeps its output, for the CLI tests that drive npm,
// the generated build scripts and the installed CLI as a user would.
import { execFile } from 'node:child_process';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** A safety net against a hung tool, not a speed check. */
  timeoutMs?: number;
}

export function runCommand(cmd: string, args: string[], { cwd, env = process.env, timeoutMs = 30 * 60_000 }: RunOptions): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The output of a run, for assertion messages. */
export const shown = (r: Ran): string => `exit ${r.code}\n--- stdout\n${r.stdout.slice(-8000)}\n--- stderr\n${r.stderr.slice(-8000)}`;
