// The benchmark's own Iggy peers, one per child process so each has a core's worth of
// CPU to itself: preload a topic, the plain consumer and producer baselines, the
// paced latency producer, and the watchers that tell when a runtime run finished.
// Run as `node dist/scripts/bench/iggy-roles.js <role> --port P ...`; prints one JSON line.
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildBatch, INDEX_ENTRY_SIZE, Field, type MessageInput } from '../../runtime/batch/flat-batch.js';
import { IggyClient, IggyError, Polling } from '../../runtime/iggy/index.js';
import { encodeUserHeaders } from '../../runtime/iggy/codec/user-headers.js';
import { silentLogger } from '../../runtime/log/logger.js';
import { RuntimeError } from '../../runtime/errors.js';

/** A role was started with arguments it cannot work with. */
export class BenchArgumentError extends RuntimeError {
  constructor(message: string) {
    super('BENCH_ARGUMENT', message);
  }
}

/** A watched run did not reach its target in time. */
export class BenchTimeoutError extends RuntimeError {
  constructor(message: string) {
    super('BENCH_TIMEOUT', message);
  }
}

export interface RoleArgs {
  port: number;
  stream: string;
  topic: string;
  group: string;
  count: number;
  batch: number;
  rate: number;
  timeoutMs: number;
  pid: number;
  /** consume: measure produce-to-consume latency of the messages after the first `latencySkip`; -1 = off. */
  latencySkip: number;
  /** produce: length of the random `data` string of each payload. */
  payloadSize: number;
}

export async function connect(port: number): Promise<IggyClient> {
  const client = new IggyClient({ host: '127.0.0.1', port, credentials: { username: 'iggy', password: 'iggy' }, logger: silentLogger(), reconnect: { enabled: false } });
  await client.connect();
  return client;
}

/** Creates the stream (if missing) and a fresh 1-partition topic. */
export async function createTopic(client: IggyClient, stream: string, topic: string): Promise<void> {
  if (!(await client.getStream(stream))) await client.createStream(stream);
  if (await client.getTopic(stream, topic)) throw new BenchArgumentError(`topic ${stream}/${topic} already exists: each run needs a fresh topic`);
  await client.createTopic(stream, topic, { partitions: 1 });
}

/** ~130-byte JSON event; the digits vary so payloads are not all alike. */
export function eventPayload(seq: number): Buffer {
  const user = `user-${String(seq % 100_000).padStart(5, '0')}`;
  const amount = ((seq * 7919) % 100_000) / 100;
  return Buffer.from(`{"seq":${seq},"user":"${user}","event":"page_view","amount":${amount},"ts":${1_732_500_000_000 + seq},"tags":["bench","load"],"src":"web","ok":true}`);
}

/** Sends `count` event messages in batches of `batch` to partition 0 (the sink benchmark's input). */
async function preload(a: RoleArgs): Promise<object> {
  const client = await connect(a.port);
  try {
    await createTopic(client, a.stream, a.topic);
    const started = performance.now();
    let bytes = 0;
    for (let sent = 0; sent < a.count; sent += a.batch) {
      const n = Math.min(a.batch, a.count - sent);
      const inputs: MessageInput[] = [];
      for (let i = 0; i < n; i++) inputs.push({ id: BigInt(sent + i + 1), payload: eventPayload(sent + i) });
      const built = buildBatch(inputs);
      bytes += built.data.length;
      await client.sendMessages(a.stream, a.topic, { kind: 'partition', id: 0 }, built);
    }
    return { role: 'preload', messages: a.count, payloadBytes: bytes, seconds: (performance.now() - started) / 1000 };
  } finally {
    await client.close();
  }
}

/**
 * The sink baseline: what the runtime's sink loop does on the wire, without the runtime:
 * join the group, poll `batch` messages, count them and their payload bytes, store the offset.
 */
async function consume(a: RoleArgs): Promise<object> {
  const client = await connect(a.port);
  try {
    await client.createConsumerGroup(a.stream, a.topic, a.group).catch(ignoreStatus(5004));
    await client.joinConsumerGroup(a.stream, a.topic, a.group);
    const consumer = { kind: 'group' as const, id: a.group };
    let messages = 0;
    let bytes = 0;
    const latencies = a.latencySkip >= 0 ? new Float64Array(Math.max(0, a.count - a.latencySkip)) : undefined;
    // Timed from the first stored offset on, as the runtime's watcher times it, so connecting
    // and joining are left out on both sides.
    let first: { at: number; messages: number; bytes: number; cpu: number } | undefined;
    while (messages < a.count) {
      const polled = await client.pollMessages(a.stream, a.topic, { consumer, count: a.batch });
      const { batch } = polled;
      if (batch.count === 0) {
        await sleep(1);
        continue;
      }
      if (latencies) recordLatencies(latencies, batch.index, batch.count, messages - a.latencySkip);
      for (let at = 0; at < batch.count * INDEX_ENTRY_SIZE; at += INDEX_ENTRY_SIZE) bytes += batch.index.readUInt32LE(at + Field.payloadLength);
      messages += batch.count;
      const last = batch.index.readBigUInt64LE((batch.count - 1) * INDEX_ENTRY_SIZE + Field.offset);
      await client.storeConsumerOffset(a.stream, a.topic, consumer, polled.partitionId, last);
      first ??= { at: performance.now(), messages, bytes, cpu: ownCpuSeconds() };
    }
    const seconds = (performance.now() - first!.at) / 1000;
    const timed = messages - first!.messages;
    return {
      role: 'consume',
      messages,
      payloadBytes: bytes,
      seconds,
      rate: timed / seconds,
      payloadBytesPerSecond: (bytes - first!.bytes) / seconds,
      cpuSecondsPerMillion: ((ownCpuSeconds() - first!.cpu) / timed) * 1e6,
      peakRssBytes: peakRss(process.pid),
      ...(latencies ? { latencyUs: percentiles(latencies) } : {}),
    };
  } finally {
    await client.close();
  }
}

/** Now minus each message's origin timestamp, into `out` from position `at` (negative positions are skipped). */
function recordLatencies(out: Float64Array, index: Buffer, count: number, at: number): void {
  const now = Number(nowMicros());
  for (let i = 0; i < count; i++) {
    const slot = at + i;
    if (slot < 0 || slot >= out.length) continue;
    out[slot] = Math.max(0, now - Number(index.readBigUInt64LE(i * INDEX_ENTRY_SIZE + Field.originTimestamp)));
  }
}

/** Exact percentiles (nearest rank) of the recorded latencies, µs. */
function percentiles(values: Float64Array): object {
  const sorted = Float64Array.from(values).sort();
  const at = (q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
  return { samples: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: sorted[sorted.length - 1] ?? 0, resolution: 1 };
}

/**
 * What the sink loop could do on the same wire: the offset of batch N is stored in the same
 * tick as the poll of N+1 is sent (both requests in flight together), so the two share the
 * connection's write and the wait. Measures the gain of pipelining before anyone builds it.
 */
async function consumePipelined(a: RoleArgs): Promise<object> {
  const client = await connect(a.port);
  try {
    await client.createConsumerGroup(a.stream, a.topic, a.group).catch(ignoreStatus(5004));
    await client.joinConsumerGroup(a.stream, a.topic, a.group);
    const consumer = { kind: 'group' as const, id: a.group };
    let messages = 0;
    let bytes = 0;
    let first: { at: number; messages: number } | undefined;
    let nextOffset = 0n;
    let commit: Promise<void> = Promise.resolve();
    while (messages < a.count) {
      // Explicit offsets: a `next` poll sent before the previous commit landed would repeat it.
      const [polled] = await Promise.all([client.pollMessages(a.stream, a.topic, { consumer, partitionId: 0, strategy: Polling.offset(nextOffset), count: a.batch }), commit]);
      const { batch } = polled;
      if (batch.count === 0) {
        await sleep(1);
        continue;
      }
      for (let at = 0; at < batch.count * INDEX_ENTRY_SIZE; at += INDEX_ENTRY_SIZE) bytes += batch.index.readUInt32LE(at + Field.payloadLength);
      messages += batch.count;
      const last = batch.index.readBigUInt64LE((batch.count - 1) * INDEX_ENTRY_SIZE + Field.offset);
      nextOffset = last + 1n;
      commit = client.storeConsumerOffset(a.stream, a.topic, consumer, polled.partitionId, last);
      first ??= { at: performance.now(), messages };
    }
    await commit;
    const seconds = (performance.now() - first!.at) / 1000;
    return { role: 'consume-pipelined', messages, payloadBytes: bytes, seconds, rate: (messages - first!.messages) / seconds, peakRssBytes: peakRss(process.pid) };
  } finally {
    await client.close();
  }
}

/** xorshift32, the random source's generator, so the baseline makes the same payloads the same way. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    return x;
  };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * The source baseline, the ceiling the client and broker allow: the random source's payload
 * shape and header, generated before the clock starts (a ring of ten batches sent in turn),
 * so what is timed is the client's encoding and the broker's admission, batch after batch.
 */
async function produce(a: RoleArgs): Promise<object> {
  const client = await connect(a.port);
  try {
    await createTopic(client, a.stream, a.topic);
    const next = xorshift(2654435769);
    const headers = encodeUserHeaders([{ key: 'source', value: 'random' }]);
    const ring = Array.from({ length: 10 }, (_, b) => {
      const inputs: MessageInput[] = [];
      for (let i = 0; i < a.batch; i++) {
        const seq = b * a.batch + i;
        let data = '';
        for (let j = 0; j < a.payloadSize; j++) data += ALPHABET[next() % 36];
        inputs.push({ id: BigInt(seq + 1), payload: Buffer.from(`{"seq":${seq},"data":"${data}"}`), headers });
      }
      return buildBatch(inputs);
    });
    // Timed from the first acknowledged send on, as the runtime's watcher times it.
    let first: { at: number; sent: number; cpu: number } | undefined;
    let sent = 0;
    for (let b = 0; sent < a.count; b++) {
      const batch = ring[b % ring.length]!;
      await client.sendMessages(a.stream, a.topic, { kind: 'balanced' }, batch);
      sent += batch.count;
      first ??= { at: performance.now(), sent, cpu: ownCpuSeconds() };
    }
    const seconds = (performance.now() - first!.at) / 1000;
    const timed = sent - first!.sent;
    const payloadBytes = ring.reduce((n, batch) => n + payloadBytesOf(batch), 0) / (ring.length * a.batch);
    return {
      role: 'produce',
      messages: sent,
      seconds,
      rate: timed / seconds,
      payloadBytesPerMessage: payloadBytes,
      payloadBytesPerSecond: (timed / seconds) * payloadBytes,
      cpuSecondsPerMillion: ((ownCpuSeconds() - first!.cpu) / timed) * 1e6,
      peakRssBytes: peakRss(process.pid),
    };
  } finally {
    await client.close();
  }
}

/**
 * µs since the epoch at the same 1 ms resolution as the guest's wall clock (the host serves
 * wasi:clocks/wall-clock from Date.now()): both ends truncate alike, so differences are unbiased.
 */
const nowMicros = (): bigint => BigInt(Date.now()) * 1000n;

/**
 * The latency producer: `count` messages at `rate` msgs/s, sent as small batches on a 1 ms
 * tick; each message's origin timestamp is stamped just before its send.
 */
async function paced(a: RoleArgs): Promise<object> {
  const client = await connect(a.port);
  try {
    if (!(await client.getTopic(a.stream, a.topic))) throw new BenchArgumentError(`topic ${a.stream}/${a.topic} does not exist: run the create-topic role first`);
    const started = performance.now();
    let sent = 0;
    let sends = 0;
    while (sent < a.count) {
      // Catch up to the schedule instead of sleeping a fixed step, so timer jitter does not lower the rate.
      const due = Math.min(a.count, Math.floor(((performance.now() - started) / 1000) * a.rate));
      const n = Math.min(due - sent, a.batch);
      if (n > 0) {
        const origin = nowMicros();
        const inputs: MessageInput[] = [];
        for (let i = 0; i < n; i++) inputs.push({ id: BigInt(sent + i + 1), originTimestamp: origin, payload: eventPayload(sent + i) });
        await client.sendMessages(a.stream, a.topic, { kind: 'partition', id: 0 }, buildBatch(inputs));
        sent += n;
        sends++;
      } else {
        await sleep(1);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    return { role: 'paced', messages: sent, sends, seconds, rate: sent / seconds };
  } finally {
    await client.close();
  }
}

/**
 * Watches a consumer group's stored offset on partition 0 until it reaches `count - 1`;
 * the rate is taken from the first committed offset it saw to the last, so start-up is excluded.
 */
async function watchOffset(a: RoleArgs): Promise<object> {
  const client = await connect(a.port);
  try {
    const target = BigInt(a.count - 1);
    const deadline = performance.now() + a.timeoutMs;
    let first: { at: number; offset: bigint; rss: number; cpu: number } | undefined;
    let rss = 0;
    for (;;) {
      const info = await client.getConsumerOffset(a.stream, a.topic, { kind: 'group', id: a.group }, 0).catch(() => undefined);
      const now = performance.now();
      if (a.pid) rss = Math.max(rss, treePeakRss(a.pid));
      if (info) {
        first ??= { at: now, offset: info.storedOffset, rss: a.pid ? treeCurrentRss(a.pid) : 0, cpu: a.pid ? treeCpuSeconds(a.pid) : NaN };
        if (info.storedOffset >= target) {
          const cpu = a.pid ? treeCpuSeconds(a.pid) : NaN;
          const seconds = (now - first.at) / 1000;
          const messages = Number(info.storedOffset - first.offset);
          return { role: 'watch-offset', messages, seconds, rate: messages / seconds, cpuSecondsPerMillion: ((cpu - first.cpu) / messages) * 1e6, peakRssBytes: rss, firstBatchRssBytes: first.rss };
        }
      }
      if (now > deadline) throw new BenchTimeoutError(`offset of group ${a.group} on ${a.stream}/${a.topic} is ${info?.storedOffset ?? 'unset'} after ${a.timeoutMs} ms, expected ${target}: raise --timeout-ms or check the runtime's log`);
      await sleep(5);
    }
  } finally {
    await client.close();
  }
}

/** Watches a topic's message count until it reaches `count`; the rate runs from the first message seen. */
async function watchCount(a: RoleArgs): Promise<object> {
  const client = await connect(a.port);
  try {
    const deadline = performance.now() + a.timeoutMs;
    let first: { at: number; count: bigint; rss: number; cpu: number } | undefined;
    let rss = 0;
    for (;;) {
      const details = await client.getTopic(a.stream, a.topic).catch(() => undefined);
      const now = performance.now();
      if (a.pid) rss = Math.max(rss, treePeakRss(a.pid));
      const count = details?.topic.messagesCount ?? 0n;
      if (count > 0n) {
        first ??= { at: now, count, rss: a.pid ? treeCurrentRss(a.pid) : 0, cpu: a.pid ? treeCpuSeconds(a.pid) : NaN };
        if (count >= BigInt(a.count)) {
          const cpu = a.pid ? treeCpuSeconds(a.pid) : NaN;
          const seconds = (now - first.at) / 1000;
          const messages = Number(count - first.count);
          // The mean payload size of what was produced, from the first batch of the topic (after the clock stopped).
          const sample = await client.pollMessages(a.stream, a.topic, { consumer: 'bench-sampler', partitionId: 0, strategy: Polling.offset(0n), count: 1000 });
          const payloadBytes = payloadBytesOf(sample.batch) / Math.max(1, sample.batch.count);
          return { role: 'watch-count', messages, seconds, rate: messages / seconds, payloadBytesPerMessage: payloadBytes, payloadBytesPerSecond: (messages / seconds) * payloadBytes, cpuSecondsPerMillion: ((cpu - first.cpu) / messages) * 1e6, peakRssBytes: rss, firstBatchRssBytes: first.rss };
        }
      }
      if (now > deadline) throw new BenchTimeoutError(`topic ${a.stream}/${a.topic} holds ${count} messages after ${a.timeoutMs} ms, expected ${a.count}: raise --timeout-ms or check the runtime's log`);
      await sleep(5);
    }
  } finally {
    await client.close();
  }
}

const ignoreStatus = (status: number) => (error: unknown) => {
  if (!(error instanceof IggyError && error.status === status)) throw error;
};

/** A memory figure of a process from /proc (bytes); 0 when it cannot be read (not Linux, process gone). */
function procStatus(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Peak resident set (VmHWM): the high-water mark since the process started. */
export const peakRss = (pid: number): number => procStatus(pid, 'VmHWM');

/** `pid` and its descendants still alive, from /proc/<pid>/task/<tid>/children. */
function processTree(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number): void => {
    out.push(p);
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const tid of tasks) {
      let children: string;
      try {
        children = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const child of children.split(' ')) if (child.trim()) walk(Number(child));
    }
  };
  walk(pid);
  return out;
}

/** Sum of the tree's peak resident sets: a bound on the tree's peak (their peaks need not coincide). */
const treePeakRss = (pid: number): number => processTree(pid).reduce((n, p) => n + procStatus(p, 'VmHWM'), 0);
/** Resident set of the tree now (VmRSS). */
const treeCurrentRss = (pid: number): number => processTree(pid).reduce((n, p) => n + procStatus(p, 'VmRSS'), 0);

/** Clock ticks per second of /proc/<pid>/stat's times: 100 on every Linux the bench runs on. */
const CLOCK_TICKS = 100;

/** User + system CPU seconds of the tree (all threads of each process), from /proc/<pid>/stat. */
function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at state: utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone since the walk: its time is lost with it.
    }
  }
  return ticks / CLOCK_TICKS;
}

/** This process's user + system CPU seconds. */
const ownCpuSeconds = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** Sum of the payload lengths of a batch. */
function payloadBytesOf(batch: { count: number; index: Buffer }): number {
  let bytes = 0;
  for (let at = 0; at < batch.count * INDEX_ENTRY_SIZE; at += INDEX_ENTRY_SIZE) bytes += batch.index.readUInt32LE(at + Field.payloadLength);
  return bytes;
}

/** Creates the stream and a fresh 1-partition topic, so that concurrent peers find it. */
async function createOnly(a: RoleArgs): Promise<object> {
  const client = await connect(a.port);
  try {
    await createTopic(client, a.stream, a.topic);
    return { role: 'create-topic' };
  } finally {
    await client.close();
  }
}

const ROLES: Record<string, (a: RoleArgs) => Promise<object>> = { 'create-topic': createOnly, preload, consume, 'consume-pipelined': consumePipelined, produce, paced, 'watch-offset': watchOffset, 'watch-count': watchCount };

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      stream: { type: 'string', default: 'bench' },
      topic: { type: 'string', default: 'events' },
      group: { type: 'string', default: 'bench-baseline' },
      count: { type: 'string', default: '1000000' },
      batch: { type: 'string', default: '1000' },
      rate: { type: 'string', default: '10000' },
      'timeout-ms': { type: 'string', default: '300000' },
      pid: { type: 'string', default: '0' },
      'latency-skip': { type: 'string', default: '-1' },
      'payload-size': { type: 'string', default: '64' },
    },
  });
  const role = ROLES[positionals[0] ?? ''];
  if (!role) throw new BenchArgumentError(`unknown role "${positionals[0]}": expected one of ${Object.keys(ROLES).join(', ')}`);
  if (!values.port) throw new BenchArgumentError('--port is required (the broker to talk to)');
  const result = await role({
    port: Number(values.port),
    stream: values.stream!,
    topic: values.topic!,
    group: values.group!,
    count: Number(values.count),
    batch: Number(values.batch),
    rate: Number(values.rate),
    timeoutMs: Number(values['timeout-ms']),
    pid: Number(values.pid),
    latencySkip: Number(values['latency-skip']),
    payloadSize: Number(values['payload-size']),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[1]?.endsWith('iggy-roles.js')) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    process.exitCode = 1;
  });
}
