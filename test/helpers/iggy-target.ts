// The Iggy a test talks to: `dev` (the in-process development broker) or `real`
// (Apache Iggy's own server from ../shared/iggy/, started with its server.sh on a
// free port and a fresh data dir, one per suite). One switch picks the targets:
//   IGGY_TEST_TARGET = dev | real | both   (default: both when the real server is there, else dev)
//   IGGY_SERVER_DIR  = the folder with server.sh (default: <repo root>/../shared/iggy)
//   IGGY_TEST_PORTS  = a port range such as 20100-20999 for real servers (default: any free port)
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe } from 'node:test';
import { pino } from 'pino';
import { startDevBroker, type DevBroker } from '../../runtime/broker/index.js';
import { IggyClient } from '../../runtime/iggy/index.js';
import { ROOT } from './paths.js';

export type TargetKind = 'dev' | 'real';

export const SERVER_DIR = process.env.IGGY_SERVER_DIR || join(ROOT, '..', 'shared', 'iggy');
const SERVER_SH = join(SERVER_DIR, 'server.sh');

export const realServerPresent = (): boolean => existsSync(SERVER_SH);

let announced = false;

/** The targets this run tests against, from IGGY_TEST_TARGET; says once per file when the real server is absent. */
export function selectedTargets(file = 'this file'): TargetKind[] {
  const wanted = (process.env.IGGY_TEST_TARGET ?? '').trim();
  if (wanted !== '' && !['dev', 'real', 'both'].includes(wanted)) throw new Error(`IGGY_TEST_TARGET must be dev, real or both, got "${wanted}"`);
  const present = realServerPresent();
  if ((wanted === 'real' || wanted === 'both') && !present) {
    throw new Error(
      `IGGY_TEST_TARGET=${wanted} but no real Iggy server at ${SERVER_DIR} (server.sh missing); put ../shared/iggy beside the clone or set IGGY_SERVER_DIR`,
    );
  }
  if (wanted === 'dev') return ['dev'];
  if (wanted === 'real') return ['real'];
  if (present) return ['dev', 'real'];
  if (!announced) {
    announced = true;
    console.log(`# real Iggy server absent (${SERVER_DIR}): ${file} tests only against the dev broker; its real-server suites are skipped`);
  }
  return ['dev'];
}

export interface IggyTarget {
  readonly kind: TargetKind;
  readonly host: string;
  readonly port: number;
  /** `prefix` made unique on this target, for the streams and groups of one test (a suite shares a target). */
  name(prefix: string): string;
  /** A connected client logged in as iggy/iggy; closed with the target. */
  client(): Promise<IggyClient>;
  /** Real server only: stops it (SIGTERM, as server.sh stop does) and starts it again on the same data dir and port. */
  restart(): Promise<void>;
  /** Real server only: stops it, leaving the data dir for `start()`. */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  close(): Promise<void>;
}

const silent = pino({ level: 'silent' });
let serial = 0;

export async function startTarget(kind: TargetKind): Promise<IggyTarget> {
  return kind === 'dev' ? devTarget() : realTarget();
}

/**
 * Declares one suite per selected target, each with its own target started in `before` and
 * stopped in `after`: `forEachTarget(import.meta.url, (target) => { test(..., () => target().port) })`.
 */
export function forEachTarget(fileUrl: string, body: (target: () => IggyTarget, kind: TargetKind) => void): void {
  const file = basename(new URL(fileUrl).pathname).replace(/\.js$/, '.ts');
  for (const kind of selectedTargets(file)) {
    void describe(`against the ${kind === 'dev' ? 'dev broker' : 'real Iggy server'}`, () => {
      let target: IggyTarget | undefined;
      before(async () => {
        target = await startTarget(kind);
      });
      after(async () => {
        await target?.close();
      });
      body(() => {
        if (!target) throw new Error(`the ${kind} target did not start`);
        return target;
      }, kind);
    });
  }
}

function common(kind: TargetKind, host: string, port: () => number, clients: IggyClient[]) {
  return {
    kind,
    host,
    name: (prefix: string) => `${prefix}_${process.pid}_${++serial}`,
    async client() {
      const client = new IggyClient({ host, port: port(), credentials: { username: 'iggy', password: 'iggy' }, logger: silent });
      await client.connect();
      clients.push(client);
      return client;
    },
  };
}

async function devTarget(): Promise<IggyTarget> {
  const broker: DevBroker = await startDevBroker({ host: '127.0.0.1', port: 0, logger: silent });
  const clients: IggyClient[] = [];
  const notReal = (): Promise<void> => Promise.reject(new Error('the dev broker target cannot be restarted in place; use the real target'));
  return {
    ...common('dev', '127.0.0.1', () => broker.port, clients),
    port: broker.port,
    restart: notReal,
    stopServer: notReal,
    startServer: notReal,
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await broker.close();
    },
  };
}

/** Pids of servers this process started, killed if the process ends without stopping them. */
const running = new Set<number>();
process.once('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [file, ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`bash ${file} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

function portRange(): [number, number] | undefined {
  const spec = process.env.IGGY_TEST_PORTS;
  if (!spec) return undefined;
  const m = /^(\d+)-(\d+)$/.exec(spec.trim());
  if (!m) throw new Error(`IGGY_TEST_PORTS must look like 20100-20999, got "${spec}"`);
  return [Number(m[1]), Number(m[2])];
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  const range = portRange();
  if (!range) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }
  const [low, high] = range;
  const span = high - low + 1;
  const offset = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = low + ((offset + i) % span);
    if (await canBind(port)) return port;
  }
  throw new Error(`no free port in IGGY_TEST_PORTS=${process.env.IGGY_TEST_PORTS}`);
}

async function realTarget(): Promise<IggyTarget> {
  const parent = await mkdtemp(join(tmpdir(), 'iggy-real-'));
  const data = join(parent, 'data');
  let port = 0;
  let pid: number | undefined;
  // Two suites may pick the same free port at once; the loser starts again on another.
  for (let attempt = 0; pid === undefined; attempt++) {
    port = await freePort();
    try {
      pid = Number(await run(SERVER_SH, ['start', data, String(port)]));
    } catch (error) {
      if (attempt >= 2) {
        await rm(parent, { recursive: true, force: true });
        throw error;
      }
    }
  }
  running.add(pid);
  const clients: IggyClient[] = [];

  const stopServer = async (): Promise<void> => {
    if (pid === undefined) return;
    await run(SERVER_SH, ['stop', String(pid)]);
    running.delete(pid);
    pid = undefined;
  };
  // server.sh start empties its data dir, so a restart launches the server the same way itself, keeping the data.
  const startServer = async (): Promise<void> => {
    if (pid !== undefined) return;
    const log = openSync(`${data}.log`, 'a');
    const child = spawn(join(SERVER_DIR, 'bin', 'iggy-server'), [], {
      env: {
        ...process.env,
        IGGY_CONFIG_PATH: join(SERVER_DIR, 'config', 'server.toml'),
        IGGY_SYSTEM_PATH: data,
        IGGY_TCP_ADDRESS: `127.0.0.1:${port}`,
        IGGY_HTTP_ENABLED: 'false',
        IGGY_QUIC_ENABLED: 'false',
        IGGY_WEBSOCKET_ENABLED: 'false',
        IGGY_ROOT_USERNAME: 'iggy',
        IGGY_ROOT_PASSWORD: 'iggy',
      },
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    child.unref();
    pid = child.pid!;
    running.add(pid);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const probe = new IggyClient({
        host: '127.0.0.1',
        port,
        credentials: { username: 'iggy', password: 'iggy' },
        logger: silent,
        reconnect: { enabled: false },
        heartbeatIntervalMs: 0,
      });
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`iggy-server did not answer on 127.0.0.1:${port} within 60 s after a restart (log: ${data}.log): ${(error as Error).message}`, {
            cause: error,
          });
        await new Promise((r) => setTimeout(r, 250));
      } finally {
        await probe.close();
      }
    }
  };

  return {
    ...common('real', '127.0.0.1', () => port, clients),
    port,
    stopServer,
    startServer,
    async restart() {
      await stopServer();
      await startServer();
    },
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await stopServer();
      await rm(parent, { recursive: true, force: true });
    },
  };
}

/**
 * Declares a suite that needs the real server; when this run does not test against it (absent, or
 * IGGY_TEST_TARGET=dev) the suite is reported as skipped with the reason, never as passed.
 */
export function withRealServer(fileUrl: string, body: (target: () => IggyTarget) => void): void {
  const file = basename(new URL(fileUrl).pathname).replace(/\.js$/, '.ts');
  const real = selectedTargets(file).includes('real');
  const skip = real
    ? false
    : realServerPresent()
      ? 'IGGY_TEST_TARGET=dev: the real Iggy server is not tested in this run'
      : `real Iggy server absent (${SERVER_DIR})`;
  void describe('against the real Iggy server', { skip }, () => {
    let target: IggyTarget | undefined;
    before(async () => {
      target = await startTarget('real');
    });
    after(async () => {
      await target?.close();
    });
    body(() => {
      if (!target) throw new Error('the real target did not start');
      return target;
    });
  });
}
