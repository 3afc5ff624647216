// The client over TLS: a TLS terminator with a fresh self-signed certificate in front of the
// dev broker; the client trusts it through `tls.ca` and checks `tls.servername`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { startDevBroker, type DevBroker } from '../../runtime/broker/index.js';
import { IggyClient, IggyConnectionError } from '../../runtime/iggy/index.js';
import { silentLogger } from '../../runtime/log/logger.js';

let dir: string;
let cert: Buffer;
let broker: DevBroker;
let terminator: tls.Server;
let port: number;
const sockets = new Set<net.Socket>();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iggy-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=iggy.test',
      '-addext',
      'subjectAltName=DNS:iggy.test',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  cert = await readFile(join(dir, 'cert.pem'));
  broker = await startDevBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
  terminator = tls.createServer({ key: await readFile(join(dir, 'key.pem')), cert }, (secure) => {
    const plain = net.connect({ host: '127.0.0.1', port: broker.port });
    sockets.add(secure).add(plain);
    secure.pipe(plain).pipe(secure);
    const end = (): void => {
      secure.destroy();
      plain.destroy();
    };
    for (const s of [secure, plain]) {
      s.on('error', end);
      s.on('close', end);
      s.on('close', () => sockets.delete(s));
    }
  });
  terminator.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => terminator.listen(0, '127.0.0.1', () => resolve()));
  port = (terminator.address() as net.AddressInfo).port;
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => terminator.close(() => resolve()));
  await broker.close();
  await rm(dir, { recursive: true, force: true });
});

test('connects, logs in and works over TLS when the CA and server name match', async () => {
  const client = new IggyClient({
    host: '127.0.0.1',
    port,
    tls: { ca: cert, servername: 'iggy.test' },
    logger: silentLogger(),
    credentials: { username: 'iggy', password: 'iggy' },
  });
  try {
    await client.connect();
    await client.ping();
    await client.createStream('over-tls');
    assert.equal((await client.getStream('over-tls'))?.stream.name, 'over-tls');
  } finally {
    await client.close();
  }
});

test('refuses a server whose certificate the CA does not vouch for, or whose name differs', async () => {
  const untrusted = new IggyClient({ host: '127.0.0.1', port, tls: { servername: 'iggy.test' }, logger: silentLogger() });
  await assert.rejects(untrusted.connect(), (e: unknown) => e instanceof IggyConnectionError && /certificate/i.test(e.message));
  await untrusted.close();
  const wrongName = new IggyClient({ host: '127.0.0.1', port, tls: { ca: cert, servername: 'other.test' }, logger: silentLogger() });
  await assert.rejects(wrongName.connect(), (e: unknown) => e instanceof IggyConnectionError && /other\.test|altnames|hostname/i.test(e.message));
  await wrongName.close();
});
