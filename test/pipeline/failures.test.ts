// A sink that fails, hangs or exhausts its memory never loses or skips a message:
// transient errors are retried with the same batch, permanent ones follow the
// configured policy, and a stuck or oversized guest is restarted from its last
// committed offset. Against the dev broker and the real server (test/helpers/iggy-target.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messages } from '../../runtime/batch/flat-batch.js';
import { headerEntries, Polling } from '../../runtime/iggy/codec/index.js';
import { DeadLetterHeader } from '../../runtime/pipeline/dead-letter.js';
import { fixturePath } from '../helpers/paths.js';
import { forEachTarget, type IggyTarget } from '../helpers/iggy-target.js';
import { eventually, startRuntime, type RuntimeProcess, runtimeHeader } from '../helpers/runtime-process.js';

async function seed(t: { after: (fn: () => Promise<void>) => void }, target: IggyTarget, count: number) {
  const dir = await mkdtemp(join(tmpdir(), 'failures-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const client = await target.client();
  const stream = target.name('s');
  await client.createStream(stream);
  await client.createTopic(stream, 't', { partitions: 1 });
  await client.sendMessages(
    stream,
    't',
    { kind: 'partition', id: 0 },
    Array.from({ length: count }, (_, i) => ({ payload: Buffer.from(JSON.stringify({ i })) })),
  );
  const sinkConfig = (fixture: string, extra: string): string => sinkToml(target.port, dir, stream, fixture, extra);
  const storedOffset = async (): Promise<bigint | undefined> => (await client.getConsumerOffset(stream, 't', { kind: 'group', id: 'g' }, 0))?.storedOffset;
  return { dir, client, stream, sinkConfig, storedOffset };
}

function sinkToml(port: number, dir: string, stream: string, fixture: string, extra: string): string {
  return `
${runtimeHeader(port, dir)}
[sinks.under_test]
path = "${fixturePath(fixture)}"
[[sinks.under_test.streams]]
stream = "${stream}"
topics = ["t"]
schema = "json"
batch_size = 5
consumer_group = "g"
${extra}
`;
}

/** The "accepted a-b" lines the fixture printed, as [first, last] offsets. */
function accepted(runtime: RuntimeProcess): [number, number][] {
  return runtime.logs
    .filter((l) => l.origin === 'guest' && typeof l.msg === 'string' && l.msg.startsWith('accepted '))
    .flatMap((l) => String(l.msg).split('\n'))
    .map((line) => line.slice('accepted '.length).split('-').map(Number) as [number, number]);
}

forEachTarget(import.meta.url, (target) => {
  test('transient errors: the same batch is retried with backoff until the sink accepts it', async (t) => {
    const { dir, sinkConfig, storedOffset } = await seed(t, target(), 10);
    const runtime = await startRuntime(
      dir,
      sinkConfig(
        'flaky-sink',
        `[sinks.under_test.config]\nfail = "transient"\ntimes = 3\n[sinks.under_test.errors]\nretry_initial = "10ms"\nretry_max = "40ms"\n`,
      ),
    );
    t.after(() => runtime.stop('SIGKILL').then(() => undefined));
    await eventually(
      async () => ((await storedOffset()) === 9n ? true : undefined),
      30_000,
      'offset 9 stored',
      () => runtime.tail(),
    );
    // The guest's lines reach the log through the worker asynchronously, possibly after the commit.
    await eventually(
      () => (accepted(runtime).length >= 2 ? true : undefined),
      10_000,
      'both accepted lines in the log',
      () => runtime.tail(),
    );
    assert.deepEqual(
      accepted(runtime),
      [
        [0, 4],
        [5, 9],
      ],
      'each batch accepted exactly once, in order',
    );
    const retries = runtime.logs.filter((l) => /transient\); retrying the same batch/.test(String(l.msg)));
    assert.equal(retries.length, 3, 'three retries logged');
    assert.match(JSON.stringify(retries[0]), /failure 1 at offset 0/);
    assert.equal(await runtime.stop('SIGTERM'), 0);
  });

  test('permanent errors with on_permanent = "dead_letter": the batch goes to the dead-letter topic with the guest\'s reason and the offset moves on', async (t) => {
    const { dir, client, sinkConfig, storedOffset } = await seed(t, target(), 10);
    const runtime = await startRuntime(
      dir,
      sinkConfig(
        'flaky-sink',
        `[sinks.under_test.config]\nfail = "permanent"\ntimes = 1\n[sinks.under_test.errors]\non_permanent = "dead_letter"\ndead_letter = { stream = "dlq", topic = "t" }\n`,
      ),
    );
    t.after(() => runtime.stop('SIGKILL').then(() => undefined));
    await eventually(
      async () => ((await storedOffset()) === 9n ? true : undefined),
      30_000,
      'offset 9 stored',
      () => runtime.tail(),
    );
    await eventually(
      () => (accepted(runtime).length >= 1 ? true : undefined),
      10_000,
      'the accepted line in the log',
      () => runtime.tail(),
    );
    assert.deepEqual(accepted(runtime), [[5, 9]], 'the second batch reached the sink');
    const dlq = await client.pollMessages('dlq', 't', { consumer: 'inspect', partitionId: 0, strategy: Polling.first(), count: 100 });
    const dead = [...messages(dlq.batch)];
    assert.deepEqual(
      dead.map((m) => m.payload.toString()),
      [0, 1, 2, 3, 4].map((i) => JSON.stringify({ i })),
      'the refused batch, whole, in order',
    );
    const headers = Object.fromEntries([...headerEntries(dead[0]!.headers)].map((h) => [h.key.toString(), h.value.toString()]));
    assert.match(headers[DeadLetterHeader.reason] ?? '', /flaky-sink: failure 1 at offset 0/);
    assert.equal(await runtime.stop('SIGTERM'), 0);
  });

  test('retries exhausted with on_permanent = "stop": the connector stops, is not restarted, and the offset is not stored', async (t) => {
    const { dir, sinkConfig, storedOffset } = await seed(t, target(), 10);
    const runtime = await startRuntime(
      dir,
      sinkConfig(
        'flaky-sink',
        `[sinks.under_test.config]\nfail = "transient"\n[sinks.under_test.errors]\nmax_retries = 2\nretry_initial = "10ms"\non_permanent = "stop"\n`,
      ),
    );
    t.after(() => runtime.stop('SIGKILL').then(() => undefined));
    await runtime.waitForLog((l) => /will not be restarted/.test(String(l.msg)), 30_000, 'the connector to be stopped by its policy');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(accepted(runtime).length, 0);
    assert.equal(await storedOffset(), undefined, 'nothing committed: the batch waits for a fixed sink');
    assert.equal(runtime.logs.filter((l) => /connector running/.test(String(l.msg))).length, 1, 'no restart after a policy stop');
    assert.equal(await runtime.stop('SIGTERM'), 0);
  });

  test('a guest stuck in consume is terminated at call_timeout and restarted; the batch it held is delivered again', async (t) => {
    const { dir, sinkConfig, storedOffset } = await seed(t, target(), 10);
    const runtime = await startRuntime(
      dir,
      sinkConfig(
        'hang-sink',
        `[sinks.under_test.config]\nhang_after = 1\n[sinks.under_test.limits]\ncall_timeout = "500ms"\n[sinks.under_test.restart]\ninitial_delay = "50ms"\n`,
      ),
    );
    t.after(() => runtime.stop('SIGKILL').then(() => undefined));
    await eventually(
      async () => ((await storedOffset()) === 9n ? true : undefined),
      60_000,
      'offset 9 stored',
      () => runtime.tail(),
    );
    await eventually(
      () => (accepted(runtime).length >= 2 ? true : undefined),
      10_000,
      'both accepted lines in the log',
      () => runtime.tail(),
    );
    assert.deepEqual(
      accepted(runtime),
      [
        [0, 4],
        [5, 9],
      ],
      'the batch held by the stuck instance was delivered by the next one',
    );
    const timeout = runtime.logs.find((l) => /over limits.call_timeout/.test(String(l.msg)));
    assert.ok(timeout, 'the timeout is logged');
    assert.equal(timeout.connector, 'under_test');
    assert.ok(
      runtime.logs.some((l) => /restarting it/.test(String(l.msg)) && l.reason === 'timeout'),
      'restart reason: timeout',
    );
    assert.equal(await runtime.stop('SIGTERM'), 0);
  });

  test('a guest that grows past memory_limit traps and is restarted; the batch it failed on is delivered again', async (t) => {
    // Each consume keeps 32 MiB: under a 48 MiB cap an instance accepts one batch, then traps on the next.
    const { dir, sinkConfig, storedOffset } = await seed(t, target(), 10);
    const runtime = await startRuntime(
      dir,
      sinkConfig(
        'memory-hog-sink',
        `[sinks.under_test.config]\nmib = 32\n[sinks.under_test.limits]\nmemory_limit = "48 MiB"\n[sinks.under_test.restart]\ninitial_delay = "50ms"\n`,
      ),
    );
    t.after(() => runtime.stop('SIGKILL').then(() => undefined));
    const restart = await runtime.waitForLog((l) => /restarting it/.test(String(l.msg)), 60_000, 'a restart of the memory hog');
    assert.match(String(restart.reason), /memory|trap/, JSON.stringify(restart));
    assert.match(JSON.stringify(restart), /memory/i, 'the log says the guest ran out of memory');
    await eventually(
      async () => ((await storedOffset()) === 9n ? true : undefined),
      60_000,
      'offset 9 stored after the restart',
      () => runtime.tail(),
    );
    assert.equal(await runtime.stop('SIGTERM'), 0);
  });
});
