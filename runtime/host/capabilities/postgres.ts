// The `iggy:connector/postgres` import: parses the guest's connection URL, checks
// the server against allowed_hosts, and runs statements through the I/O thread.
import type { CapabilityContext } from './context.js';
import { DEFAULT_TIMEOUT_MS, type Failure, type PgStatement, type PgTarget } from './protocol.js';
import { fail } from '../wasi/fail.js';

/** The WIT record `statement` as jco hands it over (`none` may arrive as undefined or null). */
interface WitStatement {
  sql: string;
  params: (string | undefined | null)[];
}

const BRIDGE_MARGIN_MS = 15_000;
const SSL_MODES = new Set(['disable', 'require', 'verify-full']);

function refuse(failure: Failure): never {
  return fail(failure);
}

/** Only URL parts we understand: a `host=` or socket parameter could point the client elsewhere than the checked host. */
export function parseConnection(text: string): PgTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse({ tag: 'invalid-request', val: 'connection is not a URL; write postgres://user:password@host:port/database' });
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    return refuse({ tag: 'invalid-request', val: `connection must start with postgres://, got ${url.protocol}//` });
  }
  if (!url.hostname) return refuse({ tag: 'invalid-request', val: 'connection URL has no host; write postgres://user:password@host:port/database' });
  let ssl: PgTarget['ssl'] = 'disable';
  for (const [key, value] of url.searchParams) {
    if (key !== 'sslmode' || !SSL_MODES.has(value)) {
      return refuse({ tag: 'invalid-request', val: `connection URL parameter ${key}=${value} is not supported; only sslmode=disable|require|verify-full` });
    }
    ssl = value as PgTarget['ssl'];
  }
  const user = decodeURIComponent(url.username);
  if (!user) return refuse({ tag: 'invalid-request', val: 'connection URL has no user; write postgres://user:password@host:port/database' });
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || user;
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : 5432,
    user,
    password: decodeURIComponent(url.password),
    database,
    ssl,
  };
}

function statementOf(s: WitStatement): PgStatement {
  return { sql: s.sql, params: s.params.map((p) => (p === undefined ? null : p)) };
}

export function postgresImports(ctx: CapabilityContext) {
  const target = (connection: string): PgTarget => {
    const t = parseConnection(connection);
    ctx.checkHost('postgres', t.host, t.port);
    return t;
  };
  return {
    'iggy:connector/postgres': {
      execute(connection: string, statements: WitStatement[]): BigUint64Array {
        const t = target(connection);
        if (statements.length === 0) return new BigUint64Array(0);
        const outcome = ctx
          .bridge()
          .call({ op: 'pg-execute', target: t, statements: statements.map(statementOf), timeoutMs: DEFAULT_TIMEOUT_MS }, DEFAULT_TIMEOUT_MS + BRIDGE_MARGIN_MS);
        if (!outcome.ok) return refuse(outcome.failure);
        return BigUint64Array.from(outcome.value as bigint[]);
      },
      query(connection: string, statement: WitStatement): string {
        const t = target(connection);
        const outcome = ctx
          .bridge()
          .call({ op: 'pg-query', target: t, statement: statementOf(statement), timeoutMs: DEFAULT_TIMEOUT_MS }, DEFAULT_TIMEOUT_MS + BRIDGE_MARGIN_MS);
        if (!outcome.ok) return refuse(outcome.failure);
        return outcome.value as string;
      },
    },
  };
}
