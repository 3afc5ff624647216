// A throw-away PostgreSQL server for connector tests (scripts/postgres.sh), with
// a pg pool for the test's own queries; both stop when the test ends.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ROOT } from '../helpers/paths.js';

const run = promisify(execFile);
const SCRIPT = join(ROOT, 'scripts', 'postgres.sh');

export interface TestPostgres {
  port: number;
  /** postgres://iggy:iggy@127.0.0.1:<port>/postgres */
  url: string;
  pool: pg.Pool;
}

export async function startPostgres(t: { after: (fn: () => Promise<void>) => void }): Promise<TestPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'pg-'));
  let port: number;
  try {
    const { stdout } = await run('bash', [SCRIPT, 'start', dir], { timeout: 60_000 });
    port = Number(stdout.trim());
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`scripts/postgres.sh start failed: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`, { cause: error });
  }
  const url = `postgres://iggy:iggy@127.0.0.1:${port}/postgres`;
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  t.after(async () => {
    await pool.end();
    await run('bash', [SCRIPT, 'stop', dir], { timeout: 60_000 });
    await rm(dir, { recursive: true, force: true });
  });
  return { port, url, pool };
}
