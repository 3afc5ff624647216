// Runs guest statements on PostgreSQL in the I/O thread with the `pg` client: one
// small pool per server+credentials, a transaction per `execute`, rows as JSON.
import pg from 'pg';
import { IoFailure, MAX_RESULT_BYTES, type PgExecuteCall, type PgQueryCall, type PgTarget } from './protocol.js';

const POOL_SIZE = 2;
const CONNECT_TIMEOUT_MS = 10_000;

function failureOf(err: unknown, what: string): IoFailure {
  if (err instanceof IoFailure) return err;
  const e = err as { code?: unknown; message?: string };
  const message = e.message ?? String(err);
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) {
    // Class 08 is "connection exception", 57P0x an administrator or crash shutdown: the statement may work on a new connection.
    if (e.code.startsWith('08') || e.code.startsWith('57P0')) return new IoFailure({ tag: 'connection', val: `${what}: ${message} (SQLSTATE ${e.code})` });
    if (e.code === '57014') return new IoFailure({ tag: 'timeout', val: `${what}: ${message}` });
    return new IoFailure({ tag: 'database', val: { sqlstate: e.code, message } });
  }
  if (/timeout/i.test(message)) return new IoFailure({ tag: 'timeout', val: `${what}: ${message}` });
  return new IoFailure({ tag: 'connection', val: `${what}: ${message}` });
}

/** bytea as PostgreSQL's own hex text; everything else as pg parsed it. */
function jsonValue(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return `\\x${Buffer.from((value as { data: number[] }).data).toString('hex')}`;
  }
  return value;
}

export class PgPools {
  readonly #pools = new Map<string, pg.Pool>();

  #pool(target: PgTarget, timeoutMs: number): pg.Pool {
    const key = JSON.stringify(target);
    let pool = this.#pools.get(key);
    if (!pool) {
      pool = new pg.Pool({
        host: target.host,
        port: target.port,
        user: target.user,
        password: target.password,
        database: target.database,
        ssl: target.ssl === 'disable' ? false : { rejectUnauthorized: target.ssl === 'verify-full' },
        max: POOL_SIZE,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        query_timeout: timeoutMs,
        allowExitOnIdle: true,
      });
      // An idle connection that breaks must not crash the thread; the next query gets a new one.
      pool.on('error', () => {});
      this.#pools.set(key, pool);
    }
    return pool;
  }

  async execute(call: PgExecuteCall): Promise<bigint[]> {
    const where = `${call.target.host}:${call.target.port}/${call.target.database}`;
    let client: pg.PoolClient;
    try {
      client = await this.#pool(call.target, call.timeoutMs).connect();
    } catch (err) {
      throw failureOf(err, `connecting to ${where}`);
    }
    let broken: Error | undefined;
    try {
      const single = call.statements.length === 1;
      if (!single) await client.query('BEGIN');
      const counts: bigint[] = [];
      try {
        for (const s of call.statements) {
          const r = await client.query(s.sql, s.params);
          counts.push(BigInt(r.rowCount ?? 0));
        }
        if (!single) await client.query('COMMIT');
      } catch (err) {
        if (!single) await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        throw err;
      }
      return counts;
    } catch (err) {
      const f = failureOf(err, `on ${where}`);
      if (f.failure.tag !== 'database') broken = err as Error;
      throw f;
    } finally {
      client.release(broken);
    }
  }

  async query(call: PgQueryCall): Promise<string> {
    const where = `${call.target.host}:${call.target.port}/${call.target.database}`;
    let result: pg.QueryResult;
    try {
      result = await this.#pool(call.target, call.timeoutMs).query(call.statement.sql, call.statement.params);
    } catch (err) {
      throw failureOf(err, `on ${where}`);
    }
    const json = JSON.stringify(result.rows, jsonValue);
    if (Buffer.byteLength(json) > MAX_RESULT_BYTES) {
      throw new IoFailure({ tag: 'too-large', val: `query result from ${where} exceeds ${MAX_RESULT_BYTES} bytes; add a LIMIT` });
    }
    return json;
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(pools.map((p) => p.end()));
  }
}
