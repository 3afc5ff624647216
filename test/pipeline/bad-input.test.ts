// Bad input never crashes the runtime or loses offsets: invalid config and missing
// components are refused up front with their TOML path; a payload that does not
// match its schema goes to the dead-letter topic with the reason; a trapping sink
// is restarted without its offset moving, and a healthy connector beside it keeps going.
// The tests that need Iggy run against the dev broker and the real server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headerEntries, Polling } from '../../runtime/iggy/codec/index.js';
import { messages } from '../../runtime/batch/flat-batch.js';
import { DeadLetterHeader } from '../../runtime/pipeline/dead-letter.js';
import { CLI, fixturePath, guestPath } from '../helpers/paths.js';
import { forEachTarget } from '../helpers/iggy-target.js';
import { eventually, startRuntime, runtimeHeader } from '../helpers/runtime-process.js';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bad-input-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function validate(file: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'validate', '--config', file], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('validate: a TOML syntax error names the file, line and column; exit 1', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'broken.toml');
  await writeFile(file, '[iggy]\naddress = "127.0.0.1:8090"\n[sinks.x\npath = "a.wasm"\n');
  const r = validate(file);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /broken\.toml:3:\d+/, r.stderr);
});

test('validate: a missing component and a bad value are both reported with their paths', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'missing.toml');
  await writeFile(file, `[sinks.pg]\npath = "nowhere/sink.wasm"\n[[sinks.pg.streams]]\nstream = "s"\ntopics = ["t"]\nbatch_size = "ten"\n`);
  const r = validate(file);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /sinks\.pg\.path: .*nowhere\/sink\.wasm/, r.stderr);
  assert.match(r.stderr, /sinks\.pg\.streams\[0\]\.batch_size: .*"ten"/, r.stderr);
});

forEachTarget(import.meta.url, (target) => {
  test('a non-JSON payload on a json stream goes to the dead-letter topic with the reason; the rest is delivered and the offset stored', async (t) => {
    const dir = await tempDir(t);
    const out = join(dir, 'out');
    await mkdir(out);
    const client = await target().client();
    const inStream = target().name('in');
    const dlqStream = target().name('dlq');
    await client.createStream(inStream);
    await client.createTopic(inStream, 'events', { partitions: 1 });
    const payloads = ['{"n":0}', '{"n":1}', 'not json {', '{"n":3}', '[1,2', '{"n":5}'];
    await client.sendMessages(
      inStream,
      'events',
      { kind: 'partition', id: 0 },
      payloads.map((p, i) => ({ id: BigInt(i + 1), payload: Buffer.from(p) })),
    );

    const runtime = await startRuntime(
      dir,
      `
${runtimeHeader(target().port, dir)}
[sinks.file]
path = "${guestPath('rust', 'file-sink')}"
[[sinks.file.streams]]
stream = "${inStream}"
topics = ["events"]
schema = "json"
consumer_group = "files"
[sinks.file.config]
path = "/out/events.ndjson"
[sinks.file.permissions]
preopens = [{ host = "${out}", guest = "/out", read_only = false }]
[sinks.file.errors]
on_permanent = "dead_letter"
dead_letter = { stream = "${dlqStream}", topic = "events" }
`,
    );
    t.after(() => runtime.stop('SIGKILL').then(() => undefined));
    const file = join(out, 'events.ndjson');
    const written = await eventually(
      async () => {
        const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
        return lines.length >= 4 ? lines : undefined;
      },
      30_000,
      'the four valid messages in the sink file',
      () => runtime.tail(),
    );
    assert.deepEqual(written, ['{"n":0}', '{"n":1}', '{"n":3}', '{"n":5}']);

    const stored = await eventually(
      async () => {
        const info = await client.getConsumerOffset(inStream, 'events', { kind: 'group', id: 'files' }, 0);
        return info && info.storedOffset === 5n ? info : undefined;
      },
      10_000,
      'the group offset to reach 5 (every message handled, none skipped)',
    );
    assert.equal(stored.storedOffset, 5n);

    const dlq = await client.pollMessages(dlqStream, 'events', { consumer: 'inspect', partitionId: 0, strategy: Polling.first(), count: 100 });
    const dead = [...messages(dlq.batch)].map((m) => ({
      payload: m.payload.toString(),
      headers: Object.fromEntries([...headerEntries(m.headers)].map((h) => [h.key.toString(), h.value.toString()])),
    }));
    assert.deepEqual(
      dead.map((d) => d.payload),
      ['not json {', '[1,2'],
    );
    for (const d of dead) {
      assert.match(d.headers[DeadLetterHeader.reason] ?? '', /JSON|json/, `reason header: ${JSON.stringify(d.headers)}`);
      assert.equal(d.headers[DeadLetterHeader.stream], inStream);
      assert.equal(d.headers[DeadLetterHeader.topic], 'events');
      assert.equal(d.headers[DeadLetterHeader.connector], 'file');
    }
    assert.deepEqual(
      dead.map((d) => d.headers[DeadLetterHeader.offset]),
      ['2', '4'],
    );
    assert.equal(await runtime.stop('SIGTERM'), 0);
  });

  test('a sink that traps is restarted, its offset never moves, and a healthy sink beside it delivers everything', async (t) => {
    const dir = await tempDir(t);
    const out = join(dir, 'out');
    await mkdir(out);
    const client = await target().client();
    const s = target().name('s');
    await client.createStream(s);
    await client.createTopic(s, 'crashy', { partitions: 1 });
    await client.createTopic(s, 'fine', { partitions: 1 });
    const batch = Array.from({ length: 50 }, (_, i) => ({ payload: Buffer.from(JSON.stringify({ i })) }));
    await client.sendMessages(s, 'crashy', { kind: 'partition', id: 0 }, batch);
    await client.sendMessages(s, 'fine', { kind: 'partition', id: 0 }, batch);

    const runtime = await startRuntime(
      dir,
      `
${runtimeHeader(target().port, dir)}
[sinks.crashy]
path = "${fixturePath('trap-sink')}"
[[sinks.crashy.streams]]
stream = "${s}"
topics = ["crashy"]
consumer_group = "crashy"
[sinks.crashy.restart]
initial_delay = "50ms"
max_delay = "200ms"
[sinks.fine]
path = "${guestPath('rust', 'file-sink')}"
[[sinks.fine.streams]]
stream = "${s}"
topics = ["fine"]
consumer_group = "fine"
[sinks.fine.config]
path = "/out/fine.ndjson"
[sinks.fine.permissions]
preopens = [{ host = "${out}", guest = "/out", read_only = false }]
`,
    );
    t.after(() => runtime.stop('SIGKILL').then(() => undefined));
    await eventually(
      () => (runtime.logs.filter((l) => l.connector === 'crashy' && /restarting/.test(String(l.msg))).length >= 2 ? true : undefined),
      30_000,
      'the trapping sink to be restarted twice',
    );
    const lines = await eventually(
      async () => {
        const l = (await readFile(join(out, 'fine.ndjson'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
        return l.length >= 50 ? l : undefined;
      },
      30_000,
      'the healthy sink to deliver all 50 messages',
    );
    assert.equal(lines.length, 50);
    const trapLog = runtime.logs.find((l) => l.connector === 'crashy' && /restarting/.test(String(l.msg)));
    assert.match(JSON.stringify(trapLog), /deliberate crash at offset 0/, "the log carries the guest's own message");
    assert.match(JSON.stringify(trapLog), /"reason":"trap"/);
    const crashyOffset = await client.getConsumerOffset(s, 'crashy', { kind: 'group', id: 'crashy' }, 0);
    assert.equal(crashyOffset?.storedOffset ?? -1n, -1n, 'no offset was stored for batches the sink never accepted');
    assert.equal(await runtime.stop('SIGTERM'), 0);
  });
});

test('run with no enabled connector (and no HTTP API) says so and exits 0 instead of idling', async (t) => {
  const dir = await tempDir(t);
  const runtime = await startRuntime(dir, `[sinks.off]\nenabled = false\npath = "missing.wasm"\n[[sinks.off.streams]]\nstream = "s"\ntopics = ["t"]\n`);
  const code = await new Promise<number | string>((resolve) => runtime.child.once('exit', (c, s) => resolve(c ?? s ?? 'unknown')));
  assert.equal(code, 0, runtime.tail());
  assert.ok(
    runtime.logs.some((l) => /nothing to run/.test(String(l.msg))),
    runtime.tail(),
  );
});
