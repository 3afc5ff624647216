// The sink's read-ahead keeps two polls in flight, the farther one guessing that the
// nearer batch will be full, and prepares the next batch while the guest waits for its
// HTTP request. Driven here by a fake Iggy that answers some polls short (as a server
// capping a reply by size does), with the real Rust http-sink posting to a server in
// another thread (this one blocks while the guest waits): every message must arrive
// once, in order, and the offset must only move forward to the last one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { buildBatch, type MessageInput } from '../../runtime/batch/flat-batch.js';
import { parseConfig, type SinkConfig } from '../../runtime/config/index.js';
import type { ConsumerRef, PipelineIggy, PolledBatch } from '../../runtime/pipeline/iggy-port.js';
import { runSinkPipeline } from '../../runtime/pipeline/sink-pipeline.js';
import { emptyStats, newControlBlock } from '../../runtime/supervisor/protocol.js';
import { guestPath } from '../helpers/paths.js';

const silent = pino({ level: 'silent' });

// Records the offset of every NDJSON line it receives; answers `offsets` with them.
const SERVER = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
const offsets = [];
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    for (const line of Buffer.concat(chunks).toString().split('\\n')) if (line) offsets.push(JSON.parse(line).offset);
    res.end('{}');
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'offsets') return parentPort.postMessage({ offsets });
  server.closeAllConnections();
  server.close();
  parentPort.close();
});
`;

interface Poll {
  from: bigint | undefined;
  returned: number;
}

/** One partition of `total` JSON messages; every `shortEvery`-th poll from an explicit offset answers a third of what was asked. */
class FakeIggy implements PipelineIggy {
  readonly polls: Poll[] = [];
  readonly commits: bigint[] = [];
  readonly #total: number;
  readonly #shortEvery: number;

  constructor(total: number, shortEvery: number) {
    this.#total = total;
    this.#shortEvery = shortEvery;
  }

  ensureTopic(): Promise<number> {
    return Promise.resolve(1);
  }
  joinGroup(): Promise<void> {
    return Promise.resolve();
  }
  poll(_stream: string, _topic: string, _consumer: ConsumerRef, _partition: number | undefined, count: number, fromOffset?: bigint): Promise<PolledBatch> {
    const start = Number(fromOffset ?? (this.commits.at(-1) ?? -1n) + 1n);
    const explicit = this.polls.filter((p) => p.from !== undefined).length + (fromOffset === undefined ? 0 : 1);
    const take = fromOffset !== undefined && explicit % this.#shortEvery === 0 ? Math.ceil(count / 3) : count;
    const end = Math.min(this.#total, start + take);
    const inputs: MessageInput[] = [];
    for (let n = start; n < end; n++) inputs.push({ offset: BigInt(n), id: BigInt(n + 1), timestamp: 1n, payload: Buffer.from(JSON.stringify({ n })) });
    this.polls.push({ from: fromOffset, returned: inputs.length });
    // Answered a little later, as over a socket.
    return new Promise((resolve) => setTimeout(() => resolve({ partitionId: 0, batch: buildBatch(inputs), currentOffset: BigInt(this.#total - 1) }), 1));
  }
  storeOffset(_stream: string, _topic: string, _consumer: ConsumerRef, _partition: number, offset: bigint): Promise<void> {
    this.commits.push(offset);
    return Promise.resolve();
  }
  send(): never {
    throw new Error('a sink does not send here');
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function sinkConfig(dir: string, port: number): SinkConfig {
  return parseConfig(
    `
[sinks.bulk]
path = "${guestPath('rust', 'http-sink')}"
[[sinks.bulk.streams]]
stream = "s"
topics = ["t"]
schema = "json"
batch_size = 100
consumer_group = "g"
[sinks.bulk.permissions]
allowed_hosts = ["127.0.0.1:${port}"]
[sinks.bulk.transforms.add_fields]
enabled = true
[[sinks.bulk.transforms.add_fields.fields]]
key = "service"
value.static = "checkout"
[sinks.bulk.config]
url = "http://127.0.0.1:${port}/ingest"
format = "ndjson"
include_metadata = true
`,
    { file: join(dir, 'runtime.toml') },
  ).sinks[0]!;
}

test('read-ahead two batches deep, some replies short: every message once, in order; the offset only moves forward', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'sink-ahead-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const server = new Worker(SERVER, { eval: true });
  const [{ port }] = (await once(server, 'message')) as [{ port: number }];
  t.after(async () => {
    server.postMessage('stop');
    await once(server, 'exit');
  });
  const total = 2_500;
  const iggy = new FakeIggy(total, 4);
  const stop = new AbortController();
  const timer = setInterval(() => {
    if (iggy.commits.at(-1) === BigInt(total - 1)) stop.abort();
  }, 5);
  t.after(() => clearInterval(timer));
  await runSinkPipeline({
    config: sinkConfig(dir, port),
    client: iggy,
    logger: silent,
    stats: emptyStats(),
    control: newControlBlock(),
    signal: stop.signal,
    onRunning: () => undefined,
  });
  server.postMessage('offsets');
  const [{ offsets }] = (await once(server, 'message')) as [{ offsets: number[] }];
  assert.deepEqual(
    offsets,
    Array.from({ length: total }, (_, n) => n),
    'every message reached the server once, in offset order',
  );
  for (let i = 1; i < iggy.commits.length; i++) assert.ok(iggy.commits[i]! > iggy.commits[i - 1]!, `commit ${i} moves forward: ${iggy.commits.join(',')}`);
  assert.equal(iggy.commits.at(-1), BigInt(total - 1));
  // After a short reply the farther read-ahead, sent from where a full batch would have ended, starts in the
  // wrong place: it was polled, and (as the offsets above show) its messages were not delivered from there.
  const short = iggy.polls.filter((p) => p.from !== undefined && p.returned > 0 && p.returned < 100);
  assert.ok(short.length > 0, 'some replies were short');
  const guessedWrong = short.filter((p) => iggy.polls.some((q) => q.from === p.from! + 100n));
  assert.ok(
    guessedWrong.length > 0,
    `a read-ahead guessed past a short batch (${JSON.stringify(iggy.polls.slice(0, 12), (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))})`,
  );
});
