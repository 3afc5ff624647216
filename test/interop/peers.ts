// The official Iggy peers the interop tests drive: the probe built on the iggy 0.11.0 crate
// (test/interop, built by scripts/interop.sh) and the iggy-cli 0.14.0 binary.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout root, from dist/test/interop/ or test/interop/. */
export const repoRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the checkout root (package.json) above the interop tests');
    dir = up;
  }
  return dir;
})();

let probePath: string | undefined;

/** Builds the probe when needed (incremental; minutes on a fresh machine) and returns its path. */
export function probeBinary(): string {
  probePath ??= execFileSync('bash', [join(repoRoot, 'scripts/interop.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  if (!existsSync(probePath)) throw new Error(`scripts/interop.sh printed ${probePath}, which does not exist`);
  return probePath;
}

export interface ProbeSummary {
  ok: boolean;
  code?: number;
  error?: string;
  user_id?: number;
  stream_id?: number;
  topic_id?: number;
  sent?: number;
  poll?: {
    polled: number;
    current_offset: number;
    ids_ok: boolean;
    payloads_ok: boolean;
    headers_ok: boolean;
    messages?: Array<{ offset: number; id: string; payload: string; checksum: string; headers: Record<string, { kind: string; value: string }> }>;
  };
  groups?: {
    per_partition: number[];
    stored_offset: number | null;
    next_after_store_first_offset: number | null;
    next_after_store_count: number;
    group_members: number | null;
    group_member_partitions: number[][] | null;
    group_polled: number;
    group_partitions: number[];
    group_stored_offset_p0: number | null;
  };
}

function run(file: string, args: readonly string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`${file} ${args.join(' ')} did not finish: ${error.message}\n${stderr}`));
        return;
      }
      resolvePromise({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

/** Runs the probe against `address` and parses its JSON summary. */
export async function runProbe(address: string, args: readonly string[], timeoutMs = 120_000): Promise<ProbeSummary> {
  const { stdout, stderr } = await run(probeBinary(), [address, ...args], timeoutMs);
  const line = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as ProbeSummary;
  } catch {
    throw new Error(`the probe printed no JSON summary.\nstdout: ${stdout}\nstderr: ${stderr}`);
  }
}

let cliPath: string | undefined;

/**
 * The official CLI, iggy-cli 0.14.0: scripts/iggy-cli.sh finds it (PATH's cargo bin or the build
 * cache outside the work tree) or installs it there (minutes, once per machine).
 */
export function cliBinary(): string {
  cliPath ??= execFileSync('bash', [join(repoRoot, 'scripts/iggy-cli.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  if (!existsSync(cliPath)) throw new Error(`scripts/iggy-cli.sh printed ${cliPath}, which does not exist`);
  return cliPath;
}

/** Runs one CLI command against `port` as iggy/iggy over TCP. */
export async function runCli(port: number, args: readonly string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const common = ['--transport', 'tcp', '--tcp-server-address', `127.0.0.1:${port}`, '--username', 'iggy', '--password', 'iggy'];
  return run(cliBinary(), [...common, ...args], timeoutMs);
}
