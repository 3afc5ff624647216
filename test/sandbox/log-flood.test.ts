// Log flooding (issue 16, class 7): a guest whose every consume logs 2,000,000 lines,
// so its worker's event loop is busy nearly all the time, beside another flooding
// guest and a good pipeline. The host's "dropped" summary for each flood must reach
// the log while they run and once more when they stop, the good pipeline must deliver
// every message, and the runtime must exit 0 on SIGTERM.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { brokerWithClient } from '../helpers/iggy.js';
import { startRuntime, runtimeHeader } from '../helpers/runtime-process.js';
import { watGuest } from './wat-guests.js';
import { neighbourDelivered, neighbourPipelineToml } from './neighbour-pipeline.js';

const TOTAL = 1000;

const flood = (key: string, path: string): string => `
[sinks.${key}]
path = "${path}"
[[sinks.${key}.streams]]
stream = "hostile"
topics = ["in"]
schema = "json"
batch_size = 1
consumer_group = "${key}"
`;

test('two flooding guests beside a good pipeline: the drop summaries reach the log, during the run and at the end', { timeout: 150_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'log-flood-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'out'));
  const { broker, client } = await brokerWithClient(t);
  await client.createStream('hostile');
  await client.createTopic('hostile', 'in', { partitions: 1 });
  await client.sendMessages(
    'hostile',
    'in',
    { kind: 'partition', id: 0 },
    Array.from({ length: 50 }, (_, i) => ({ payload: Buffer.from(JSON.stringify({ i })) })),
  );
  const path = await watGuest('log-flood-sink');
  const toml = `
${runtimeHeader(broker.port, dir)}
${neighbourPipelineToml(dir, { total: TOTAL, perPoll: 50, sinkBatch: 100 })}
${flood('flood_a', path)}
${flood('flood_b', path)}
`;
  const runtime = await startRuntime(dir, toml);
  t.after(() => runtime.stop('SIGKILL').then(() => undefined));
  const summary = (key: string) => (l: Record<string, unknown>) =>
    l.connector === key && / log lines from guest dropped/.test(String(l.msg)) && l.origin !== 'guest';
  // The summary is due 10 s after the first drop; a busy loop must not hold it back.
  await runtime.waitForLog(summary('flood_a'), 60_000, 'the first summary of flood_a');
  await runtime.waitForLog(summary('flood_b'), 60_000, 'the first summary of flood_b');
  await neighbourDelivered(dir, TOTAL, 90_000, () => runtime.tail());
  const before = { a: runtime.logs.filter(summary('flood_a')).length, b: runtime.logs.filter(summary('flood_b')).length };
  assert.equal(await runtime.stop('SIGTERM'), 0, runtime.tail());
  // Each instance's last summary, logged as it ends, is not lost with its worker.
  assert.ok(runtime.logs.filter(summary('flood_a')).length > before.a, `no last summary for flood_a\n${runtime.tail()}`);
  assert.ok(runtime.logs.filter(summary('flood_b')).length > before.b, `no last summary for flood_b\n${runtime.tail()}`);
  assert.ok(runtime.logs.some((l) => l.connector === 'flood_a' && l.msg === 'connector stopped'));
  const guestLines = runtime.logs.filter((l) => l.origin === 'guest').length;
  assert.ok(guestLines > 0 && guestLines < 200_000, `${guestLines} guest lines logged`);
});
