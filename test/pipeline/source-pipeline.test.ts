// The source pipeline's delivery guarantee with sends in flight: the real Rust
// random source runs against a fake Iggy whose acks arrive late, out of order
// or fail, and a real state store records what was saved and when. Plus the
// in-order commit (AckWindow) on its own, and a full run through Iggy (the dev
// broker and the real server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig, type SourceConfig } from '../../runtime/config/index.js';
import { AckWindow, runSourcePipeline } from '../../runtime/pipeline/source-pipeline.js';
import type { PipelineIggy, SendPartitioning } from '../../runtime/pipeline/iggy-port.js';
import { connectIggy } from '../../runtime/pipeline/iggy-connect.js';
import { StateStore } from '../../runtime/state/state-store.js';
import { emptyStats, newControlBlock } from '../../runtime/supervisor/protocol.js';
import { payloadOf, type FlatBatch } from '../../runtime/batch/flat-batch.js';
import { IggyConnectionError, IggyError } from '../../runtime/iggy/errors.js';
import { Polling } from '../../runtime/iggy/index.js';
import { forEachTarget } from '../helpers/iggy-target.js';
import { guestPath } from '../helpers/paths.js';

const silent = pino({ level: 'silent' });

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const state = (n: number): Uint8Array => Buffer.from(`s${n}`);
const names = (states: Uint8Array[]): string[] => states.map((s) => Buffer.from(s).toString());

test('AckWindow: states are handed on in push order, whatever order the acks arrive in', async () => {
  const handed: Uint8Array[] = [];
  const window = new AckWindow({ maxInFlight: 4, onAcknowledged: (s) => handed.push(s) });
  const acks = [deferred(), deferred(), deferred()];
  for (const [i, ack] of acks.entries()) await window.push(ack.promise, state(i + 1));
  assert.equal(window.inFlight, 3);
  acks[2]!.resolve();
  acks[1]!.resolve();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(names(handed), [], 'nothing is handed on while the first flush is unacknowledged');
  acks[0]!.resolve();
  await window.drain();
  // Older states of the acknowledged prefix are superseded by the newest one.
  assert.deepEqual(names(handed), ['s3']);
  assert.equal(window.inFlight, 0);
});

test('AckWindow: a failed flush blocks every later state and push/drain throw its error', async () => {
  const handed: Uint8Array[] = [];
  const window = new AckWindow({ maxInFlight: 8, onAcknowledged: (s) => handed.push(s) });
  const acks = [deferred(), deferred(), deferred(), deferred()];
  for (const [i, ack] of acks.entries()) await window.push(ack.promise, state(i + 1));
  acks[0]!.resolve();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(names(handed), ['s1']);
  const boom = new Error('send 3 refused');
  acks[3]!.resolve();
  acks[2]!.reject(boom);
  acks[1]!.resolve();
  await assert.rejects(window.drain(), (e: unknown) => e === boom);
  // s2 (acknowledged, everything before it too) may be saved; s3 failed, s4 comes after it.
  assert.deepEqual(names(handed), ['s1', 's2']);
  await assert.rejects(window.push(Promise.resolve(), state(5)), (e: unknown) => e === boom);
  assert.deepEqual(names(handed), ['s1', 's2']);
});

test('AckWindow: push waits while maxInFlight flushes are unacknowledged', async () => {
  const window = new AckWindow({ maxInFlight: 2, onAcknowledged: () => undefined });
  const first = deferred();
  await window.push(first.promise, state(1));
  let returned = false;
  const second = window.push(deferred().promise, state(2)).then(() => {
    returned = true;
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(returned, false, 'the second push must wait for room');
  first.resolve();
  await second;
  assert.equal(returned, true);
  assert.equal(window.inFlight, 1);
});

/** One send the fake Iggy received: its messages (by seq) and its ack, released by the test. */
interface FakeSend {
  seqs: number[];
  ack: ReturnType<typeof deferred>;
  acked: boolean;
}

class FakeIggy implements PipelineIggy {
  readonly sends: FakeSend[] = [];
  /** The seq after the longest run of acknowledged messages from the first one sent. */
  acknowledged = 0;
  readonly #onSend: (send: FakeSend, index: number) => void;

  constructor(onSend: (iggy: FakeIggy, send: FakeSend, index: number) => void) {
    this.#onSend = (send, index) => onSend(this, send, index);
  }

  ensureTopic(): Promise<number> {
    return Promise.resolve(1);
  }
  joinGroup(): Promise<void> {
    return Promise.resolve();
  }
  poll(): never {
    throw new Error('a source does not poll');
  }
  storeOffset(): Promise<void> {
    return Promise.resolve();
  }
  send(_stream: string, _topic: string, _p: SendPartitioning, batch: FlatBatch): Promise<void> {
    const seqs = Array.from({ length: batch.count }, (_, i) => (JSON.parse(payloadOf(batch, i).toString()) as { seq: number }).seq);
    const send: FakeSend = { seqs, ack: deferred(), acked: false };
    this.sends.push(send);
    this.#onSend(send, this.sends.length - 1);
    return send.ack.promise;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }

  ack(send: FakeSend): void {
    send.acked = true;
    const done = new Set(this.sends.filter((s) => s.acked).flatMap((s) => s.seqs));
    let n = this.sends[0]?.seqs[0] ?? 0;
    while (done.has(n)) n++;
    this.acknowledged = n;
    send.ack.resolve();
  }
}

/** A real store that checks, at every save, that the state covers only acknowledged messages. */
class CheckingStore extends StateStore {
  readonly saved: number[] = [];
  readonly violations: string[] = [];
  constructor(
    root: string,
    private readonly iggy: FakeIggy,
  ) {
    super(join(root, 'state'));
  }
  override async save(key: string, blob: Uint8Array): Promise<void> {
    const seq = (JSON.parse(Buffer.from(blob).toString()) as { seq: number }).seq;
    if (seq > this.iggy.acknowledged) this.violations.push(`state seq ${seq} saved while only seq < ${this.iggy.acknowledged} were acknowledged`);
    this.saved.push(seq);
    await super.save(key, blob);
  }
}

function sourceConfig(dir: string, maxMessages: number, stream = 's'): SourceConfig {
  const config = parseConfig(
    `
[state]
path = "${join(dir, 'state')}"
[sources.random]
path = "${guestPath('rust', 'random-source')}"
poll_interval = "1ms"
[[sources.random.streams]]
stream = "${stream}"
topic = "t"
schema = "json"
batch_size = 100
linger_time = "1ms"
[sources.random.config]
count = 100
max_messages = ${maxMessages}
payload_size = 8
`,
    { file: join(dir, 'runtime.toml') },
  );
  return config.sources[0]!;
}

async function run(dir: string, iggy: FakeIggy, store: StateStore, maxMessages: number, stopWhen: () => boolean): Promise<void> {
  const stop = new AbortController();
  const timer = setInterval(() => {
    if (stopWhen()) stop.abort();
  }, 5);
  try {
    await runSourcePipeline({
      config: sourceConfig(dir, maxMessages),
      client: iggy,
      logger: silent,
      stats: emptyStats(),
      control: newControlBlock(),
      signal: stop.signal,
      stateStore: store,
      onRunning: () => undefined,
    });
  } finally {
    clearInterval(timer);
  }
}

test('source pipeline: acks arriving out of order never let a state be saved ahead of them; the final state covers everything', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'source-ack-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const total = 3_000;
  // Acks are held and released in reverse order, three sends at a time.
  const held: FakeSend[] = [];
  const iggy = new FakeIggy((fake, send) => {
    held.push(send);
    if (held.length === 3) for (const s of held.splice(0).reverse()) setTimeout(() => fake.ack(s), 2);
  });
  const store = new CheckingStore(dir, iggy);
  await run(dir, iggy, store, total, () => {
    // At the end fewer than three may be held: release them so the run can finish.
    if (iggy.sends.length * 100 >= total) for (const s of held.splice(0)) iggy.ack(s);
    return iggy.acknowledged >= total;
  });
  assert.deepEqual(store.violations, []);
  const seqs = iggy.sends.flatMap((s) => s.seqs);
  assert.deepEqual(
    seqs,
    Array.from({ length: total }, (_, i) => i),
    'every message sent once, in order',
  );
  assert.ok(iggy.sends.length >= 3, `expected several sends, got ${iggy.sends.length}`);
  assert.equal(store.saved.at(-1), total, 'the state after the last message is saved at shutdown');
  const reread = JSON.parse(Buffer.from((await new StateStore(join(dir, 'state')).load('random'))!).toString()) as { seq: number };
  assert.equal(reread.seq, total);
});

test('source pipeline: a failed send stops the source, no state past it is saved, and a restart resumes from the last acknowledged one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'source-fail-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const total = 2_000;
  // Sends 0-4 are acknowledged at once, send 5 fails with a non-retryable error, the later ones succeed.
  const refused = IggyError.fromStatus(3, 'refused by the test');
  const iggy = new FakeIggy((fake, send, i) => {
    if (i === 5) setTimeout(() => send.ack.reject(refused), 5);
    else fake.ack(send);
  });
  const store = new CheckingStore(dir, iggy);
  await assert.rejects(
    run(dir, iggy, store, total, () => false),
    (e: unknown) => e === refused,
  );
  assert.deepEqual(store.violations, []);
  assert.ok(
    store.saved.length > 0 && store.saved.every((seq) => seq <= 500),
    `states saved: ${store.saved.join(', ')}; none may cover the failed send (seq 500-599)`,
  );

  // The restart: the source resumes from what was saved, so the failed batch is produced again.
  const resumedFrom = store.saved.at(-1)!;
  const again = new FakeIggy((fake, send) => fake.ack(send));
  const store2 = new CheckingStore(dir, again);
  await run(dir, again, store2, total, () => again.acknowledged >= total);
  assert.equal(again.sends[0]!.seqs[0], resumedFrom, 'the restart begins with the first message not covered by the saved state');
  assert.equal(store2.saved.at(-1), total);
});

test('source pipeline: a connection lost with sends in flight is survived; the retries keep the order and nothing is lost', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'source-drop-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const total = 2_000;
  // What the "server" applied, in order. Sends 4-6 are in flight when the connection drops;
  // sends made while it is down wait for the reconnect (as the client does), 30 ms later.
  const applied: number[] = [];
  let down: Promise<void> | undefined;
  const inFlight: FakeSend[] = [];
  const accept = (fake: FakeIggy, send: FakeSend): void => {
    applied.push(...send.seqs);
    fake.ack(send);
  };
  const iggy = new FakeIggy((fake, send, i) => {
    if (down) {
      void down.then(() => accept(fake, send));
      return;
    }
    if (i < 4 || i > 6) return accept(fake, send);
    inFlight.push(send);
    if (i === 6) {
      down = new Promise<void>((resolve) => setTimeout(resolve, 30)).then(() => {
        down = undefined;
      });
      for (const s of inFlight.splice(0))
        s.ack.reject(new IggyConnectionError('sendMessages: connection lost (test); the request may or may not have been applied'));
    }
  });
  const store = new CheckingStore(dir, iggy);
  await run(dir, iggy, store, total, () => iggy.acknowledged >= total);
  assert.deepEqual(store.violations, []);
  assert.deepEqual(
    applied,
    Array.from({ length: total }, (_, i) => i),
    'applied once each, in order, the lost sends included',
  );
  assert.ok(iggy.sends.length > Math.ceil(total / 100), `the lost sends were sent again (${iggy.sends.length} sends)`);
  assert.equal(store.saved.at(-1), total);
});

forEachTarget(import.meta.url, (target) => {
  test('source pipeline through Iggy: every message arrives once, in order, and the state is saved', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'source-broker-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const client = await target().client();
    const stream = target().name('s');
    const total = 20_000;
    const iggy = await connectIggy(
      { ...parseConfig(`[iggy]\naddress = "127.0.0.1:${target().port}"\nusername = "iggy"\npassword = "iggy"\n`, { file: join(dir, 'runtime.toml') }).iggy },
      silent,
      new AbortController().signal,
    );
    t.after(() => iggy.close());
    const store = new StateStore(join(dir, 'state'));
    const stop = new AbortController();
    let markRunning!: () => void;
    const started = new Promise<void>((resolve) => (markRunning = resolve));
    const running = runSourcePipeline({
      config: sourceConfig(dir, total, stream),
      client: iggy,
      logger: silent,
      stats: emptyStats(),
      control: newControlBlock(),
      signal: stop.signal,
      stateStore: store,
      onRunning: () => markRunning(),
    });
    await Promise.race([started, running]); // the topics exist once it runs
    const seqs: number[] = [];
    const deadline = Date.now() + 60_000;
    let offset = 0n;
    while (seqs.length < total && Date.now() < deadline) {
      const polled = await client.pollMessages(stream, 't', { consumer: 'checker', partitionId: 0, count: 5_000, strategy: Polling.offset(offset) });
      for (let i = 0; i < polled.batch.count; i++) seqs.push((JSON.parse(payloadOf(polled.batch, i).toString()) as { seq: number }).seq);
      offset += BigInt(polled.batch.count);
      if (polled.batch.count === 0) await new Promise((r) => setTimeout(r, 10));
    }
    stop.abort();
    await running;
    assert.deepEqual(
      seqs,
      Array.from({ length: total }, (_, i) => i),
      'every message once, in order',
    );
    const saved = JSON.parse(Buffer.from((await store.load('random'))!).toString()) as { seq: number };
    assert.equal(saved.seq, total, 'the state after the last message is saved');
  });
});
