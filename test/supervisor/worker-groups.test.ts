// Several connectors per worker thread: which share one, and what a hung guest does
// to the connectors that share its thread (they restart with it, reason `neighbour`,
// from their committed offsets, and still deliver everything).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ConnectorConfig } from '../../runtime/supervisor/protocol.js';
import { connectorsPerWorkerFromEnv, planWorkerGroups } from '../../runtime/supervisor/worker-groups.js';
import { brokerWithClient } from '../helpers/iggy.js';
import { fixturePath, guestPath } from '../helpers/paths.js';
import { eventually, runtimeHeader, startRuntime } from '../helpers/runtime-process.js';

function connector(key: string, permissions: Partial<ConnectorConfig['permissions']> = {}): ConnectorConfig {
  return { kind: 'sink', key, permissions: { preopens: [], env: [], stdio: 'log', allowedHosts: [], ...permissions } } as unknown as ConnectorConfig;
}
const keys = (groups: ConnectorConfig[][]): string[][] => groups.map((g) => g.map((c) => c.key));

test('plan: a fixed size fills threads of that size; connectors with network or filesystem grants get a thread each', () => {
  const cs = ['a', 'b', 'c', 'd', 'e'].map((k) => connector(k));
  const net = connector('net', { allowedHosts: ['127.0.0.1:5432'] });
  const files = connector('files', { preopens: [{ hostPath: '/tmp', guestPath: '/out', readOnly: false }] });
  assert.deepEqual(keys(planWorkerGroups([...cs, net, files], 2, 8)), [['a', 'd'], ['b', 'e'], ['c'], ['net'], ['files']]);
  assert.deepEqual(keys(planWorkerGroups(cs, 1, 2)), [['a'], ['b'], ['c'], ['d'], ['e']]);
  assert.deepEqual(keys(planWorkerGroups([net], undefined, 4)), [['net']]);
});

test('plan: automatic size uses one thread per core, at most 16 connectors in each', () => {
  const many = Array.from({ length: 40 }, (_, i) => connector(`c${i}`));
  const sizes = (groups: ConnectorConfig[][]) => groups.map((g) => g.length);
  assert.deepEqual(sizes(planWorkerGroups(many.slice(0, 3), undefined, 2)), [2, 1]);
  assert.deepEqual(sizes(planWorkerGroups(many.slice(0, 1), undefined, 2)), [1]);
  assert.deepEqual(sizes(planWorkerGroups(many, undefined, 2)), [14, 13, 13]);
  assert.equal(planWorkerGroups(many, undefined, 2).flat().length, 40, 'every connector is planned once');
});

test('IGGY_CONNECTORS_PER_WORKER: unset is a thread each, auto is automatic; anything but auto or a whole number ≥ 1 is refused', () => {
  assert.equal(connectorsPerWorkerFromEnv({}), 1);
  assert.equal(connectorsPerWorkerFromEnv({ IGGY_CONNECTORS_PER_WORKER: 'auto' }), undefined);
  assert.equal(connectorsPerWorkerFromEnv({ IGGY_CONNECTORS_PER_WORKER: '4' }), 4);
  assert.throws(() => connectorsPerWorkerFromEnv({ IGGY_CONNECTORS_PER_WORKER: '0' }), /whole number ≥ 1, got "0"/);
  assert.throws(() => connectorsPerWorkerFromEnv({ IGGY_CONNECTORS_PER_WORKER: 'many' }), /got "many"/);
});

test(
  'a guest that hangs in a shared thread: the watchdog stops it, its neighbour restarts (reason neighbour) and still commits every message',
  { timeout: 120_000 },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'neighbours-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const { broker, client } = await brokerWithClient(t);
    await client.createStream('s');
    for (const topic of ['stuck', 'good']) await client.createTopic('s', topic, { partitions: 1 });
    const batch = Array.from({ length: 40 }, (_, i) => ({ payload: Buffer.from(JSON.stringify({ i })) }));
    await client.sendMessages('s', 'stuck', { kind: 'partition', id: 0 }, batch);
    await client.sendMessages('s', 'good', { kind: 'partition', id: 0 }, batch);

    const runtime = await startRuntime(
      dir,
      `
${runtimeHeader(broker.port, dir)}
[sinks.hang]
path = "${fixturePath('hang-sink')}"
[[sinks.hang.streams]]
stream = "s"
topics = ["stuck"]
consumer_group = "hang"
[sinks.hang.limits]
call_timeout = "500ms"
[sinks.hang.restart]
initial_delay = "300ms"
max_restarts = 2

[sinks.good]
path = "${guestPath('rust', 'count-sink')}"
[[sinks.good.streams]]
stream = "s"
topics = ["good"]
batch_size = 10
consumer_group = "good"
`,
      { IGGY_CONNECTORS_PER_WORKER: '2' },
    );
    t.after(() => runtime.stop('SIGKILL').then(() => undefined));

    await runtime.waitForLog((l) => l.connector === 'hang' && /over limits.call_timeout/.test(String(l.msg)), 60_000, 'the hang timeout');
    const neighbour = await runtime.waitForLog((l) => l.connector === 'good' && l.reason === 'neighbour', 30_000, 'the neighbour restart');
    assert.match(String(neighbour.msg), /hung in the worker thread they share/);
    // The neighbour's restarts do not count as its failures: it never gives up, and drains its topic.
    const stored = await eventually(
      async () => {
        const info = await client.getConsumerOffset('s', 'good', { kind: 'group', id: 'good' }, 0);
        return info && info.storedOffset >= 39n ? info.storedOffset : undefined;
      },
      60_000,
      'the neighbour to commit all 40 messages',
      () => runtime.tail(),
    );
    assert.equal(stored, 39n);
    await runtime.waitForLog((l) => l.connector === 'hang' && /giving up/.test(String(l.msg)), 60_000, 'the hung sink to give up after max_restarts');
    assert.ok(!runtime.logs.some((l) => l.connector === 'good' && /giving up|will not be restarted/.test(String(l.msg))), 'the neighbour never gives up');
    const stuck = await client.getConsumerOffset('s', 'stuck', { kind: 'group', id: 'hang' }, 0);
    assert.equal(stuck, undefined, 'the hung sink never committed');
    assert.equal(runtime.child.exitCode, null, `the runtime is still running\n${runtime.tail()}`);
    assert.equal(await runtime.stop('SIGTERM'), 0, runtime.tail());
  },
);
