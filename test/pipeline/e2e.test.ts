// End to end through real processes and sockets: the random JS source produces
// numbered JSON messages into Iggy (the dev broker and the real server, see
// test/helpers/iggy-target.ts), the Rust file sink writes what it receives into
// a directory it was granted, through an add_fields transform. Nothing is created
// beforehand: the runtime creates the stream, the topic and the group itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachTarget, type IggyTarget } from '../helpers/iggy-target.js';
import { guestPath } from '../helpers/paths.js';
import { eventually, startRuntime, runtimeHeader } from '../helpers/runtime-process.js';

interface Setup {
  dir: string;
  out: string;
  port: number;
  /** This test's stream (the target is shared by the file's tests). */
  stream: string;
}

async function setup(t: { after: (fn: () => Promise<void>) => void }, target: IggyTarget): Promise<Setup> {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-'));
  const out = join(dir, 'out');
  await mkdir(out);
  t.after(() => rm(dir, { recursive: true, force: true }));
  return { dir, out, port: target.port, stream: target.name('e2e') };
}

function pipelineConfig(s: Setup, total: number, perPoll: number): string {
  return `
${runtimeHeader(s.port, s.dir)}

[sources.numbers]
path = "${guestPath('js', 'random-source')}"
poll_interval = "5ms"
[[sources.numbers.streams]]
stream = "${s.stream}"
topic = "numbers"
schema = "json"
batch_size = 1000
linger_time = "5ms"
[sources.numbers.config]
count = ${perPoll}
max_messages = ${total}
payload_size = 16

[sinks.file]
path = "${guestPath('rust', 'file-sink')}"
verbose = true
[[sinks.file.streams]]
stream = "${s.stream}"
topics = ["numbers"]
schema = "json"
batch_size = 1000
poll_interval = "5ms"
consumer_group = "file_sink"
[sinks.file.config]
path = "/out/messages.ndjson"
[sinks.file.permissions]
preopens = [{ host = "${s.out}", guest = "/out", read_only = false }]
[[sinks.file.transforms.add_fields.fields]]
key = "via"
value.static = "e2e"
[[sinks.file.transforms.add_fields.fields]]
key = "checked"
value.static = true
`;
}

async function readLines(file: string): Promise<string[]> {
  try {
    return (await readFile(file, 'utf8')).split('\n').filter((l) => l.length > 0);
  } catch {
    return [];
  }
}

forEachTarget(import.meta.url, (target) => {
  test('source → Iggy → sink: every message arrives once, transformed as configured', async (t) => {
    const s = await setup(t, target());
    const total = 5_000;
    const runtime = await startRuntime(s.dir, pipelineConfig(s, total, 500));
    t.after(() => runtime.stop('SIGKILL').then(() => undefined));
    const file = join(s.out, 'messages.ndjson');
    const lines = await eventually(
      async () => {
        const l = await readLines(file);
        return l.length >= total ? l : undefined;
      },
      60_000,
      `${total} lines in ${file}`,
    );
    assert.equal(await runtime.stop('SIGTERM'), 0, 'the runtime exits 0 after SIGTERM');
    assert.equal(lines.length, total, 'no message is written twice in an uninterrupted run');
    // `verbose = true` on the sink only: its batches are logged (at debug), the source's are not.
    const batchLines = (connector: string, msg: string) => runtime.logs.filter((l) => l.connector === connector && l.msg === msg);
    const delivered = batchLines('file', 'batch delivered');
    assert.ok(delivered.length > 0, 'the verbose sink logs its batches');
    assert.equal(
      delivered.reduce((n, l) => n + Number(l.delivered), 0),
      total,
      'its batch lines count every message once',
    );
    assert.equal(batchLines('numbers', 'batch sent').length, 0, 'the source is not verbose');
    const seqs = lines.map((line, i) => {
      const msg = JSON.parse(line) as { seq: number; data: string; via: string; checked: boolean };
      assert.equal(msg.via, 'e2e', `line ${i} carries the added field: ${line}`);
      assert.equal(msg.checked, true, `line ${i} carries the added boolean: ${line}`);
      assert.equal(msg.data.length, 16, `line ${i} keeps its payload: ${line}`);
      return msg.seq;
    });
    assert.deepEqual(
      seqs,
      Array.from({ length: total }, (_, i) => i),
      'messages arrive in order, none missing',
    );
  });

  test('SIGKILL mid-stream and restart: nothing is missing and the source resumes from its saved state', async (t) => {
    const s = await setup(t, target());
    const total = 60_000;
    const config = pipelineConfig(s, total, 100);
    const file = join(s.out, 'messages.ndjson');
    const first = await startRuntime(s.dir, config);
    t.after(() => first.stop('SIGKILL').then(() => undefined));
    await eventually(async () => ((await readLines(file)).length >= 2_000 ? true : undefined), 60_000, 'the sink to write its first 2,000 messages');
    assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
    const written = (await readLines(file)).length;
    const state = JSON.parse(await readFile(join(s.dir, 'state', 'sources', 'numbers.state'), 'utf8')) as { seq: number };
    assert.ok(state.seq > 0 && state.seq < total, `the kill must land mid-stream (saved seq ${state.seq} of ${total}); raise total if the machine got faster`);
    assert.ok(written < total, `the sink must be mid-stream at the kill (${written} of ${total} written)`);

    const second = await startRuntime(s.dir, config);
    t.after(() => second.stop('SIGKILL').then(() => undefined));
    await second.waitForLog((l) => l.msg === 'source resumed from its saved state', 30_000, 'the source to resume from its state');
    const seen = await eventually(
      async () => {
        const set = new Set((await readLines(file)).map((l) => (JSON.parse(l) as { seq: number }).seq));
        return set.size >= total ? set : undefined;
      },
      120_000,
      `all ${total} sequence numbers in ${file}`,
    );
    assert.equal(await second.stop('SIGTERM'), 0);
    for (let seq = 0; seq < total; seq++) assert.ok(seen.has(seq), `message ${seq} is missing`);
    assert.equal(Math.max(...seen), total - 1, 'the source did not produce past max_messages after resuming');
  });
});
