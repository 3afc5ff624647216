// End to end through real processes: the Rust random source produces into the
// Iggy (the dev broker and the real server) and the Go count sink counts what it consumes, then logs its totals
// on close; after a clean stop the source's saved state covers every message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachTarget } from '../helpers/iggy-target.js';
import { guestPath } from '../helpers/paths.js';
import { startRuntime, runtimeHeader } from '../helpers/runtime-process.js';

interface Totals {
  messages: number;
  bytes: number;
  latency_us?: { samples: number; p50: number; p99: number; max: number; resolution: number };
}

forEachTarget(import.meta.url, (target) => {
  test('Rust random source → Go count sink: every message counted once, payload bytes summed, latency tracked', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'count-sink-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const client = await target().client();
    const stream = target().name('bench');
    const total = 30_000;
    const payloadSize = 12;
    const skip = 1_000;
    const runtime = await startRuntime(
      dir,
      `
${runtimeHeader(target().port, dir)}

[sources.random]
path = "${guestPath('rust', 'random-source')}"
poll_interval = "5ms"
[[sources.random.streams]]
stream = "${stream}"
topic = "events"
schema = "json"
batch_size = 1000
linger_time = "5ms"
[sources.random.config]
count = 1000
max_messages = ${total}
payload_size = ${payloadSize}

[sinks.count]
path = "${guestPath('go', 'count-sink')}"
[[sinks.count.streams]]
stream = "${stream}"
topics = ["events"]
schema = "json"
batch_size = 1000
poll_interval = "5ms"
consumer_group = "count"
[sinks.count.config]
track_latency = true
latency_skip = ${skip}
`,
    );
    t.after(() => runtime.stop('SIGKILL').then(() => undefined));
    // Done when the sink's group stored the last offset and the source saved the state after the last message.
    const stateFile = join(dir, 'state', 'sources', 'random.state');
    const deadline = Date.now() + 90_000;
    for (;;) {
      const saved = await readFile(stateFile, 'utf8').catch(() => '');
      const offset = await client.getConsumerOffset(stream, 'events', { kind: 'group', id: 'count' }, 0).catch(() => undefined);
      if (saved && (JSON.parse(saved) as { seq: number }).seq === total && offset?.storedOffset === BigInt(total - 1)) break;
      assert.ok(Date.now() < deadline, `not done in time; state: ${saved || 'none'}, sink offset: ${offset?.storedOffset}\n${runtime.tail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await runtime.stop('SIGTERM'), 0, `the runtime exits 0 after SIGTERM\n${runtime.tail()}`);
    const line = runtime.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('count sink totals '));
    assert.ok(line, `no "count sink totals" line in the log:\n${runtime.tail()}`);
    const totals = JSON.parse((line.msg as string).slice('count sink totals '.length)) as Totals;
    assert.equal(totals.messages, total, `messages counted: ${line.msg as string}`);
    let bytes = 0;
    for (let seq = 0; seq < total; seq++) bytes += `{"seq":${seq},"data":"`.length + payloadSize + 2;
    assert.equal(totals.bytes, bytes, `payload bytes summed: ${line.msg as string}`);
    const latency = totals.latency_us;
    assert.ok(latency, `track_latency = true reports latency_us: ${line.msg as string}`);
    assert.equal(latency.samples, total - skip, 'latency_skip messages are not sampled');
    assert.equal(latency.resolution, 10);
    assert.ok(
      latency.p50 > 0 && latency.p50 <= latency.p99 && latency.p99 <= latency.max + latency.resolution,
      `quantiles in order: ${JSON.stringify(latency)}`,
    );
  });
});
