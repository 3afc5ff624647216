// Shutdown under a hostile guest (issue 16, classes 3 and 10): a sink whose close
// never returns, beside a good pipeline. SIGTERM must drain the good connectors,
// give the hanging close limits.call_timeout (not the 15 s drain wait), say so, and
// exit 0.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { brokerWithClient } from '../helpers/iggy.js';
import { startRuntime, runtimeHeader } from '../helpers/runtime-process.js';
import { watGuest } from './wat-guests.js';
import { neighbourDelivered, neighbourPipelineToml } from './neighbour-pipeline.js';

const TOTAL = 300;

test('SIGTERM with a close that never returns: call_timeout applies to close, the neighbour drains, the runtime exits 0', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'shutdown-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'out'));
  const { broker, client } = await brokerWithClient(t);
  await client.createStream('hostile');
  await client.createTopic('hostile', 'in', { partitions: 1 });
  await client.sendMessages('hostile', 'in', { kind: 'partition', id: 0 }, [{ payload: Buffer.from('{"i":1}') }]);
  const toml = `
${runtimeHeader(broker.port, dir)}
${neighbourPipelineToml(dir, { total: TOTAL, perPoll: 50, sinkBatch: 100 })}

[sinks.hang_close]
path = "${await watGuest('hang-close-sink')}"
[[sinks.hang_close.streams]]
stream = "hostile"
topics = ["in"]
schema = "json"
consumer_group = "hang_close"
[sinks.hang_close.limits]
call_timeout = "1s"
`;
  const runtime = await startRuntime(dir, toml);
  t.after(() => runtime.stop('SIGKILL').then(() => undefined));
  await neighbourDelivered(dir, TOTAL, 60_000, () => runtime.tail());
  await runtime.waitForLog((l) => l.connector === 'hang_close' && l.msg === 'connector running', 30_000, 'the hanging sink to run');

  assert.equal(await runtime.stop('SIGTERM'), 0, runtime.tail());
  const cut = runtime.logs.find(
    (l) => l.connector === 'hang_close' && /close\(\) ran for \d+ ms while stopping, over limits.call_timeout = 1000 ms/.test(String(l.msg)),
  );
  assert.ok(cut, `the hanging close was cut at call_timeout\n${runtime.tail()}`);
  assert.ok(!runtime.logs.some((l) => l.connector === 'hang_close' && /did not stop in time/.test(String(l.msg))), 'the 15 s drain wait was not what ended it');
  assert.ok(
    runtime.logs.some((l) => l.connector === 'file' && l.msg === 'connector stopped'),
    'the neighbour stopped cleanly',
  );
  assert.ok(
    runtime.logs.some((l) => l.msg === 'stopped'),
    'the runtime said it stopped',
  );
});
