// Issue 16, class 3 on a real hung mount: a FUSE file system whose server reads a
// READ request and never answers it (hung-fuse-server.ts) sits inside a connector's
// preopen. The kernel then holds whoever read in an uninterruptible wait, so the read
// must not run on the connector's thread: it runs on the connector's file I/O thread,
// and the guest's call gives up at its share of limits.call_timeout with a message that
// names the path. Needs root and /dev/fuse (skipped with the reason otherwise).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConnectorCallError, FilesystemHungError, loadComponent } from '../../runtime/host/index.js';
import { fileBudgetMs } from '../../runtime/host/wasi/imports.js';
import { brokerWithClient } from '../helpers/iggy.js';
import { fixturePath } from '../helpers/paths.js';
import { eventually, runtimeHeader, startRuntime } from '../helpers/runtime-process.js';
import { cache, captureLogger, fixtureGuest } from '../host/support.js';
import { hungMountUnavailable, mountHung, type HungMount } from './hung-mount.js';
import { hostileSinkToml, neighbourDelivered, neighbourPipelineToml } from './neighbour-pipeline.js';

const unavailable = hungMountUnavailable();

/** A scratch directory with `in/plain.txt` (local) and the hung FUSE mount at `in/fuse`. */
async function hungGrant(t: { after(fn: () => Promise<unknown>): void }, holdMs: number): Promise<{ dir: string; mount: HungMount }> {
  const dir = await mkdtemp(join(tmpdir(), 'hung-mount-'));
  await mkdir(join(dir, 'in', 'fuse'), { recursive: true });
  await mkdir(join(dir, 'out'));
  await writeFile(join(dir, 'in', 'plain.txt'), 'local file');
  const mount = await mountHung(join(dir, 'in', 'fuse'), holdMs);
  // The mount goes first: removing the directory while the mount hangs would hang too.
  t.after(async () => {
    await mount.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, mount };
}

const READS = ['/in/plain.txt', '/in/fuse/plain.txt', '/in/fuse/hung.txt'];

test(
  'a read on a hung mount fails the guest call within its budget; the thread stays free, later instances fail at once',
  { skip: unavailable, timeout: 90_000 },
  async (t) => {
    const { dir, mount } = await hungGrant(t, 45_000);
    const { logger } = captureLogger();
    const callTimeoutMs = 2000;
    const component = await loadComponent(fixtureGuest('file-reader-sink'), {
      logger,
      cache,
      callTimeoutMs,
      grants: { preopens: [{ hostPath: join(dir, 'in'), guestPath: '/in', readOnly: true }] },
    });
    const first = await component.instantiateSink();
    const started = Date.now();
    assert.throws(
      () => first.open(JSON.stringify({ read: READS })),
      (e: unknown) =>
        e instanceof FilesystemHungError &&
        e.code === 'FILESYSTEM_HUNG' &&
        e.message.includes('did not answer read of "/in/fuse/hung.txt"') &&
        e.message.includes(join(dir, 'in')),
    );
    const waited = Date.now() - started;
    // Not a deadline test: the call gave up at its budget (it cannot before), and long before the call's timeout had passed twice.
    assert.ok(waited >= fileBudgetMs(callTimeoutMs) - 50 && waited < callTimeoutMs * 5, `waited ${waited} ms`);
    // This thread is free: it runs JavaScript right now (and its event loop, which hears from the server).
    await mount.hung();
    // The instance is dead; a new one cannot even open its preopens.
    assert.throws(() => first.close(), /trapped earlier in open/);
    const t0 = Date.now();
    await assert.rejects(
      component.instantiateSink(),
      (e: unknown) => e instanceof FilesystemHungError && /has not answered read of "\/in\/fuse\/hung.txt"/.test(e.message),
    );
    assert.ok(Date.now() - t0 < fileBudgetMs(callTimeoutMs), 'a later instance fails at once instead of waiting again');

    // The mount is released (its server ends, the kernel aborts the read): the same component works again.
    await mount.close();
    const again = await eventually(
      async () => {
        try {
          return await component.instantiateSink();
        } catch (e) {
          if (e instanceof FilesystemHungError) return undefined;
          throw e;
        }
      },
      10_000,
      'the file I/O thread to be answered',
    );
    let report = '';
    try {
      again.open(JSON.stringify({ read: ['/in/plain.txt'] }));
    } catch (e) {
      assert.ok(e instanceof ConnectorCallError, String(e));
      report = e.message;
    }
    again.close();
    assert.match(report, /read \/in\/plain.txt => ok:local file/);
  },
);

test(
  'a hung mount beside a good pipeline: every message is delivered, the connector fails naming the path, SIGTERM completes',
  { skip: unavailable, timeout: 180_000 },
  async (t) => {
    const { dir, mount } = await hungGrant(t, 120_000);
    const TOTAL = 1000;
    const { broker, client } = await brokerWithClient(t);
    await client.createStream('hostile');
    await client.createTopic('hostile', 'in', { partitions: 1 });
    await client.sendMessages('hostile', 'in', { kind: 'partition', id: 0 }, [{ payload: Buffer.from('{"i":1}') }]);
    const toml = `
${runtimeHeader(broker.port, dir)}
[http]
enabled = true
address = "127.0.0.1:0"

${neighbourPipelineToml(dir, { total: TOTAL, perPoll: 50, sinkBatch: 100 })}
${hostileSinkToml(
  'hung',
  fixturePath('file-reader-sink'),
  `[sinks.hung.config]\nread = ${JSON.stringify(READS)}\n[sinks.hung.permissions]\npreopens = [{ host = "${join(dir, 'in')}", guest = "/in" }]\n[sinks.hung.limits]\ncall_timeout = "2s"`,
)}
`;
    const runtime = await startRuntime(dir, toml);
    // Ends the mount first: a runtime whose thread the kernel holds cannot exit, even on SIGKILL.
    t.after(async () => {
      await mount.close();
      await runtime.stop('SIGKILL');
    });
    const url = String((await runtime.waitForLog((l) => l.msg === 'HTTP API listening', 30_000, 'the HTTP API')).url);
    await mount.hung();

    interface Stats {
      key: string;
      state: string;
      restarts: number;
      last_error?: { message: string; code?: string };
    }
    let hung: Stats | undefined;
    await eventually(
      async () => {
        const body = (await (await fetch(`${url}/stats`)).json()) as { connectors: Stats[] };
        hung = body.connectors.find((c) => c.key === 'hung');
        return hung?.state === 'failed';
      },
      90_000,
      'the connector on the hung mount to fail',
      () => `${JSON.stringify(hung)}\n${runtime.tail()}`,
    );
    // Failed after its restarts (max_restarts = 2), each of which failed at once on the still hung mount.
    assert.equal(hung!.last_error?.code, 'FILESYSTEM_HUNG', JSON.stringify(hung));
    assert.match(hung!.last_error!.message, /has not answered read of "\/in\/fuse\/hung.txt"/);
    assert.match(hung!.last_error!.message, /mount inside the connector's preopens has stopped answering/);
    assert.ok(!runtime.logs.some((l) => JSON.stringify(l).includes('WORKER_STUCK')), 'no worker thread was left blocked');

    const lines = await neighbourDelivered(dir, TOTAL, 120_000, () => runtime.tail());
    const seqs = new Set(lines.map((line) => (JSON.parse(line) as { seq: number }).seq));
    assert.deepEqual(
      Array.from({ length: TOTAL }, (_, i) => i).filter((i) => !seqs.has(i)),
      [],
      'every message reached the file',
    );

    // SIGTERM: everything drains and the runtime says what it leaves behind within call_timeout plus a few
    // seconds. The process itself ends once the kernel lets the read go: here, when the mount's server ends.
    const sigterm = Date.now();
    runtime.child.kill('SIGTERM');
    const last = await runtime.waitForLog((l) => /worker threads blocked in system calls remain/.test(String(l.msg)), 2000 + 10_000, 'the end of the shutdown');
    assert.ok(Date.now() - sigterm < 2000 + 10_000, `shutdown took ${Date.now() - sigterm} ms`);
    assert.equal(last.workers, 1);
    assert.ok(
      runtime.logs.some((l) => l.connector === 'hung' && /file I\/O thread is still blocked on read of "\/in\/fuse\/hung.txt"/.test(String(l.msg))),
      runtime.tail(),
    );
    assert.ok(
      runtime.logs.some((l) => l.connector === 'file' && l.msg === 'connector stopped'),
      'the neighbour stopped cleanly',
    );
    await mount.close();
    assert.equal(await runtime.stop('SIGKILL'), 'SIGKILL', 'the runtime ended itself once the kernel released the read');
  },
);
