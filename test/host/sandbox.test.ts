// The WASI sandbox seen from inside real guests: files and env vars are invisible
// without grants and visible with them, paths cannot escape a preopen, read-only is
// enforced, a trap kills only its instance, and a malformed source batch is refused.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildBatch } from '../../runtime/batch/flat-batch.js';
import { ConnectorCallError, GrantError, GuestBatchError, GuestTrapError, loadComponent, type Grants } from '../../runtime/host/index.js';
import { buildImports } from '../../runtime/host/wasi/imports.js';
import { cache, captureLogger, fixtureGuest } from './support.js';

const { logger } = captureLogger();

/** Runs open(config) on a probe fixture and returns the report it sends back as a permanent error. */
async function probe(fixture: string, grants: Grants, config = '{}'): Promise<string> {
  const component = await loadComponent(fixtureGuest(fixture), { logger, cache, grants });
  const sink = await component.instantiateSink();
  try {
    sink.open(config);
  } catch (err) {
    assert.ok(err instanceof ConnectorCallError && err.kind === 'permanent', `expected the probe's report, got ${String(err)}`);
    return err.message;
  } finally {
    sink.close();
  }
  assert.fail(`${fixture} did not report`);
}

describe('filesystem sandbox', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'host-fs-'));
    await writeFile(join(dir, 'hello.txt'), 'hello from the host\n');
    await symlink('/etc', join(dir, 'etc-link'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('shows no directory and no file without a grant', async () => {
    const report = await probe('file-reader-sink', {}, '{"read":["/data/hello.txt"],"write":"/data/out.txt"}');
    assert.equal(
      report,
      ['preopens=[]', 'read /etc/hostname => no-preopen', 'read /data/hello.txt => no-preopen', 'write /data/out.txt => no-preopen'].join('\n'),
    );
  });

  it('reads a granted read-only directory, refuses writes and every escape', async () => {
    const config = JSON.stringify({
      read: ['/data/hello.txt', '/data/../../../etc/hostname', '/data/etc-link/hostname', '/data/missing.txt'],
      write: '/data/out.txt',
    });
    const report = await probe('file-reader-sink', { preopens: [{ hostPath: dir, guestPath: '/data', readOnly: true }] }, config);
    assert.equal(
      report,
      [
        'preopens=[/data]',
        'read /etc/hostname => no-preopen',
        'read /data/hello.txt => ok:hello from the host',
        'read /data/../../../etc/hostname => err:"not-permitted"',
        'read /data/etc-link/hostname => err:"not-permitted"',
        'read /data/missing.txt => err:"no-entry"',
        'write /data/out.txt => err:"read-only"',
      ].join('\n'),
    );
  });

  it('writes into a granted writable directory', async () => {
    const report = await probe('file-reader-sink', { preopens: [{ hostPath: dir, guestPath: '/out', readOnly: false }] }, '{"write":"/out/written.txt"}');
    assert.match(report, /write \/out\/written.txt => ok$/);
    assert.equal(await readFile(join(dir, 'written.txt'), 'utf8'), 'written by file-reader-sink');
  });

  it('refuses a preopen whose host directory does not exist', async () => {
    const component = await loadComponent(fixtureGuest('file-reader-sink'), {
      logger,
      cache,
      grants: { preopens: [{ hostPath: join(dir, 'nope'), guestPath: '/x', readOnly: true }] },
    });
    await assert.rejects(component.instantiateSink(), (e: unknown) => e instanceof GrantError && e.code === 'HOST_GRANT' && e.message.includes('nope'));
  });
});

describe('environment sandbox', () => {
  before(() => {
    process.env.IGGY_TEST_SECRET = 's3cret value';
  });
  after(() => {
    delete process.env.IGGY_TEST_SECRET;
  });

  it('shows no variable without a grant', async () => {
    assert.equal(await probe('env-reader-sink', {}), 'HOME=<unset> IGGY_TEST_SECRET=<unset> count=0');
  });

  it('shows exactly the granted variables', async () => {
    assert.equal(await probe('env-reader-sink', { env: ['IGGY_TEST_SECRET', 'IGGY_TEST_NOT_SET'] }), 'HOME=<unset> IGGY_TEST_SECRET="s3cret value" count=1');
  });
});

describe('network sandbox', () => {
  it('answers socket creation with access-denied, and nothing connects', async () => {
    const server = createServer();
    let connections = 0;
    server.on('connection', (socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const report = await probe('net-probe-sink', { allowedHosts: [] }, JSON.stringify({ port }));
      assert.equal(report, 'tcp4=err:"access-denied" tcp6=err:"access-denied"');
      assert.equal(connections, 0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses name lookups with access-denied and outgoing HTTP with HTTP-request-denied', () => {
    const { imports, close } = buildImports({}, logger);
    const payloadOf = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (e) {
        return (e as { payload: unknown }).payload;
      }
      return assert.fail('the call did not fail');
    };
    try {
      const network = (imports['wasi:sockets/instance-network'].instanceNetwork as () => unknown)();
      assert.equal(
        payloadOf(() => (imports['wasi:sockets/ip-name-lookup'].resolveAddresses as (n: unknown, h: string) => unknown)(network, 'localhost')),
        'access-denied',
      );
      assert.deepEqual(
        payloadOf(() => (imports['wasi:http/outgoing-handler'].handle as () => unknown)()),
        { tag: 'HTTP-request-denied' },
      );
    } finally {
      close();
    }
  });
});

describe('traps', () => {
  const topic = { stream: 's', topic: 't' };
  const meta = { partitionId: 0, currentOffset: 42n, schema: 'raw' as const, messageCount: 1 };
  const batch = buildBatch([{ offset: 42n, payload: Buffer.from('x') }]);

  it('turns a guest crash into GuestTrapError with its message, and the instance stays dead', async () => {
    const { logger, records } = captureLogger();
    const component = await loadComponent(fixtureGuest('trap-sink'), { logger, cache });
    const sink = await component.instantiateSink();
    sink.open('{}');
    // The guest's own message, not componentize-js's failed conversion of the Error into a connector-error.
    assert.throws(
      () => sink.consume(topic, meta, batch),
      (e: unknown) =>
        e instanceof GuestTrapError &&
        e.code === 'GUEST_TRAP' &&
        e.call === 'consume' &&
        e.message.startsWith('the guest threw Error: trap-sink: deliberate crash at offset 42 (uncaught') &&
        !e.message.includes('invalid variant'),
    );
    // The JS SDK printed where it was thrown; the host logged that as the guest's stderr.
    const stderr = records.filter((r) => r.stream === 'stderr').map((r) => r.msg);
    assert.ok(stderr.includes('consume() threw Error: trap-sink: deliberate crash at offset 42'), stderr.join('\n'));
    assert.ok(
      stderr.some((line) => /^consume@/.test(line)),
      `a stack frame of the guest's consume: ${stderr.join('\n')}`,
    );
    assert.throws(
      () => sink.consume(topic, meta, batch),
      (e: unknown) => e instanceof GuestTrapError && /trapped earlier in consume/.test(e.message),
    );
    assert.throws(() => sink.close(), GuestTrapError);

    const fresh = await component.instantiateSink();
    fresh.open('{}');
    assert.throws(
      () => fresh.consume(topic, { ...meta, currentOffset: 43n }, batch),
      (e: unknown) => e instanceof GuestTrapError && e.message.includes('offset 43'),
    );
  });
});

describe('a JS guest that throws without the SDK', () => {
  for (const [kind, thrown] of [
    ['string', 'throw-sink: a string thrown'],
    ['error', 'TypeError: throw-sink: a TypeError thrown'],
  ] as const) {
    it(`reports the ${kind} it threw as the trap's message`, async () => {
      const component = await loadComponent(fixtureGuest('throw-sink'), { logger, cache });
      const sink = await component.instantiateSink();
      const message = thrown.replace(/^TypeError: /, '');
      assert.throws(
        () => sink.open(JSON.stringify({ throw: kind, message })),
        (e: unknown) =>
          e instanceof GuestTrapError && e.call === 'open' && e.message.startsWith(`the guest threw ${thrown} (uncaught`) && !/invalid variant/.test(e.message),
      );
    });
  }
});

describe('source batch shape', () => {
  it('refuses an index entry that points outside the data with GuestBatchError, naming the entry', async () => {
    const component = await loadComponent(fixtureGuest('bad-batch-source'), { logger, cache });
    const source = await component.instantiateSource();
    source.open('{}');
    assert.throws(
      () => source.poll(),
      (e: unknown) =>
        e instanceof GuestBatchError &&
        e.code === 'GUEST_MALFORMED_BATCH' &&
        e.entry === 1 &&
        e.message.includes('index entry 1') &&
        e.message.includes('2+100'),
    );
  });
});
