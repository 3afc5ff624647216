// The JS, Rust and Go versions of the example guests, run through the real host,
// must behave the same: identical stdout lines, file contents, source payloads,
// ids, headers and state blobs. Each output is also checked against a reference
// computed here from the shared spec, so three identical wrong answers still fail.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { buildBatch, INDEX_ENTRY_SIZE, messages, writeU128, type FlatBatch, type MessageInput } from '../../runtime/batch/flat-batch.js';
import { ConnectorCallError, loadComponent, type BatchMetadata, type Grants, type LoadedComponent } from '../../runtime/host/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
type Lang = 'js' | 'rust' | 'go';
const LANGS: readonly Lang[] = ['js', 'rust', 'go'];

const guestPath = (lang: Lang, name: string): string => join(ROOT, 'guest-examples', lang, name, `${name.replaceAll('-', '_')}.wasm`);

function requireGuest(lang: Lang, name: string): string {
  const path = guestPath(lang, name);
  assert.ok(existsSync(path), `${path} is missing: run \`node scripts/build-guests.mjs\` first`);
  return path;
}

interface Captured {
  logger: Logger;
  records: { msg: string; stream?: string; origin?: string; level: number }[];
}

/** A real pino logger whose records are kept, parsed, in order. */
function capture(): Captured {
  const records: Captured['records'] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void records.push(JSON.parse(line)) });
  return { logger, records };
}

async function load(lang: Lang, name: string, grants?: Grants): Promise<{ component: LoadedComponent; captured: Captured }> {
  const captured = capture();
  const component = await loadComponent(requireGuest(lang, name), { logger: captured.logger, grants });
  return { component, captured };
}

const expectInvalidConfig = (call: () => unknown, what: string): void =>
  assert.throws(call, (e: unknown) => e instanceof ConnectorCallError && e.code === 'CONNECTOR_INVALID_CONFIG' && e.call === 'open', what);

// ---- inputs shared by every language ------------------------------------------------

/** One header pair in Iggy's TLV: a string key and a value of `kind`. */
function pair(key: string, kind: number, value: Uint8Array): Buffer {
  const k = Buffer.from(key);
  const out = Buffer.alloc(10 + k.length + value.length);
  out[0] = 2;
  out.writeUInt32LE(k.length, 1);
  k.copy(out, 5);
  out[5 + k.length] = kind;
  out.writeUInt32LE(value.length, 6 + k.length);
  out.set(value, 10 + k.length);
  return out;
}

const U128_MAX = (1n << 128n) - 1n;
const bytes = (...b: number[]): Buffer => Buffer.from(b);

/** Payloads chosen to break naive implementations: empty, multi-byte, every kind of invalid UTF-8, JSON, newlines. */
const PAYLOADS: Buffer[] = [
  Buffer.from('{"order":1,"item":"tea"}'),
  Buffer.alloc(0),
  Buffer.from('café ☕ 😀'),
  bytes(0x61, 0xff, 0x62),
  bytes(0xe2, 0x82),
  bytes(0xe2, 0x82, 0x78),
  bytes(0xf0, 0x9f, 0x98),
  bytes(0xed, 0xa0, 0x80),
  bytes(0xc0, 0xaf),
  bytes(0xf4, 0x90, 0x80, 0x80),
  bytes(0xf0, 0x80, 0x80, 0x41),
  Buffer.from('tab\there'),
  Buffer.alloc(3000, 0x7a),
];
const IDS = [0n, 1n, 42n, 1n << 64n, (1n << 127n) + 5n, U128_MAX, 10n ** 38n];
const HEADERS = [
  Buffer.alloc(0),
  pair('source', 2, Buffer.from('random')),
  Buffer.concat([
    pair('a', 1, bytes(0xde, 0xad)),
    pair('b', 3, bytes(1)),
    pair('c', 13, Buffer.alloc(16, 2)),
    pair('d', 15, bytes(0, 0, 0, 0, 0, 0, 0xf0, 0x3f)),
  ]),
];

function sinkBatches(): MessageInput[][] {
  let offset = 100n;
  const batchOf = (n: number, start: number): MessageInput[] =>
    Array.from({ length: n }, (_, i) => ({
      offset: offset++,
      id: IDS[(start + i) % IDS.length],
      timestamp: 1_700_000_000_000_000n + BigInt(i),
      payload: PAYLOADS[(start + i) % PAYLOADS.length],
      headers: HEADERS[(start + i) % HEADERS.length],
    }));
  return [batchOf(PAYLOADS.length, 0), batchOf(1, 5), [], batchOf(40, 3)];
}

/**
 * A batch laid out like a poll reply handed over unchanged: 48 junk bytes before
 * each payload and a gap before each header block, so payloads are not contiguous.
 */
function gappyBatch(inputs: MessageInput[]): FlatBatch {
  const parts: Buffer[] = [];
  const index = Buffer.alloc(inputs.length * INDEX_ENTRY_SIZE);
  let at = 0;
  inputs.forEach((m, i) => {
    const base = i * INDEX_ENTRY_SIZE;
    const junk = Buffer.alloc(48, 0x0a);
    parts.push(junk);
    at += junk.length;
    index.writeBigUInt64LE(m.offset ?? 0n, base);
    writeU128(index, base + 8, m.id ?? 0n);
    index.writeUInt32LE(at, base + 48);
    index.writeUInt32LE(m.payload.length, base + 52);
    parts.push(Buffer.from(m.payload), bytes(0xff, 0x0a));
    at += m.payload.length + 2;
    const headers = m.headers ?? new Uint8Array(0);
    index.writeUInt32LE(at, base + 56);
    index.writeUInt32LE(headers.length, base + 60);
    parts.push(Buffer.from(headers));
    at += headers.length;
  });
  return { count: inputs.length, index, data: Buffer.concat(parts) };
}

const TOPIC = { stream: 'shop', topic: 'orders' };
const meta = (count: number, first: bigint): BatchMetadata => ({ partitionId: 7, currentOffset: first, schema: 'raw', messageCount: count });

// ---- the reference, straight from the spec --------------------------------------------

function headerPairs(h: Uint8Array): number {
  const b = Buffer.from(h);
  let n = 0;
  for (let at = 0; at < b.length; n++) {
    at += 5 + b.readUInt32LE(at + 1);
    at += 5 + b.readUInt32LE(at + 1);
  }
  return n;
}

const lossy = new TextDecoder('utf-8', { fatal: false });

function expectedLine(m: MessageInput, printPayload: boolean): string {
  const body = printPayload ? `payload=${lossy.decode(m.payload)}` : `size=${m.payload.length}`;
  return `${TOPIC.stream}/${TOPIC.topic}/7 offset=${m.offset ?? 0n} id=${m.id ?? 0n} ${body} headers=${headerPairs(m.headers ?? new Uint8Array(0))}`;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

interface RandomOutput {
  payloads: string[];
  ids: bigint[];
  headers: string[];
  originTimestamps: bigint[];
  state: string | undefined;
}

/** The random source's polls, computed from the spec (xorshift32, seq, state blob). */
function expectedRandom(
  config: { count?: number; max?: number; size?: number; seed?: number },
  polls: number,
  start?: { seq: number; rng: number },
): RandomOutput[] {
  const count = config.count ?? 10;
  const size = config.size ?? 64;
  const max = config.max ?? 0;
  let seq = start?.seq ?? 0;
  let x = start?.rng ?? (config.seed === undefined || config.seed === 0 ? 2654435769 : config.seed);
  const next = (): number => {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    return x;
  };
  const header = pair('source', 2, Buffer.from('random')).toString('hex');
  const out: RandomOutput[] = [];
  for (let p = 0; p < polls; p++) {
    const n = max > 0 ? Math.max(0, Math.min(count, max - seq)) : count;
    const poll: RandomOutput = { payloads: [], ids: [], headers: [], originTimestamps: [], state: undefined };
    for (let i = 0; i < n; i++) {
      let data = '';
      for (let j = 0; j < size; j++) data += ALPHABET[next() % 36];
      poll.payloads.push(`{"seq":${seq},"data":"${data}"}`);
      poll.ids.push(BigInt(seq + 1));
      poll.headers.push(header);
      poll.originTimestamps.push(0n);
      seq++;
    }
    if (n > 0) poll.state = `{"seq":${seq},"rng":${x}}`;
    out.push(poll);
  }
  return out;
}

// ---- stdout sink ----------------------------------------------------------------------

describe('stdout sink: JS, Rust and Go print the same lines', () => {
  const loaded = new Map<Lang, { component: LoadedComponent; captured: Captured }>();

  before(async () => {
    for (const lang of LANGS) loaded.set(lang, await load(lang, 'stdout-sink'));
  });

  /** Lines printed per consume call, read before close so every line must already end with "\n". */
  async function run(lang: Lang, config: string, batches: FlatBatch[]): Promise<string[][]> {
    const { component, captured } = loaded.get(lang)!;
    captured.records.length = 0;
    const sink = await component.instantiateSink();
    sink.open(config);
    const perBatch: string[][] = [];
    let offset = 100n;
    for (const batch of batches) {
      const seen = captured.records.length;
      sink.consume(TOPIC, meta(batch.count, offset), batch);
      perBatch.push(
        captured.records
          .slice(seen)
          .filter((r) => r.stream === 'stdout')
          .map((r) => r.msg),
      );
      offset += BigInt(batch.count);
    }
    const beforeClose = captured.records.length;
    sink.close();
    assert.deepEqual(
      captured.records.slice(beforeClose).filter((r) => r.stream === 'stdout'),
      [],
      `${lang}: output after close (a line without "\\n"?)`,
    );
    return perBatch;
  }

  for (const printPayload of [true, false]) {
    it(`prints identical lines with print_payload=${printPayload}`, async () => {
      const inputs = sinkBatches();
      const expected = inputs.map((batch) => batch.map((m) => expectedLine(m, printPayload)));
      for (const lang of LANGS) {
        const got = await run(lang, JSON.stringify({ print_payload: printPayload }), inputs.map(buildBatch));
        assert.deepEqual(got, expected, `${lang} stdout sink, print_payload=${printPayload}`);
      }
    });
  }

  it('reads payloads that are not contiguous in the data buffer', async () => {
    const inputs = sinkBatches()[0];
    const expected = [inputs.map((m) => expectedLine(m, true))];
    for (const lang of LANGS) assert.deepEqual(await run(lang, '{"print_payload":true}', [gappyBatch(inputs)]), expected, `${lang}, gappy batch`);
  });

  it('prints one line per message for a 10,000-message batch', async () => {
    const inputs = Array.from({ length: 10_000 }, (_, i): MessageInput => ({
      offset: 100n + BigInt(i),
      id: BigInt(i) << 70n,
      payload: Buffer.from(`m${i}`),
      headers: HEADERS[i % 3],
    }));
    const expected = [inputs.map((m) => expectedLine(m, true))];
    for (const lang of LANGS) assert.deepEqual(await run(lang, '{"print_payload":true}', [buildBatch(inputs)]), expected, `${lang}, 10,000 messages`);
  });

  it('defaults print_payload to false and logs "stdout sink opened" through host.log', async () => {
    const inputs = [sinkBatches()[1]];
    for (const lang of LANGS) {
      assert.deepEqual(await run(lang, '{}', inputs.map(buildBatch)), [inputs[0].map((m) => expectedLine(m, false))], lang);
      const opened = loaded.get(lang)!.captured.records.filter((r) => r.msg === 'stdout sink opened');
      assert.equal(opened.length, 1, `${lang}: ${JSON.stringify(loaded.get(lang)!.captured.records)}`);
      assert.equal(opened[0].level, 30, `${lang}: logged at info`);
    }
  });

  for (const config of [
    '{"print_payloads":true}',
    '{"print_payload":"yes"}',
    '{"print_payload":1}',
    '{"print_payload":null}',
    '[true]',
    '{"PRINT_PAYLOAD":true}',
  ]) {
    it(`refuses ${config} as invalid-config in every language`, async () => {
      for (const lang of LANGS) {
        const sink = await loaded.get(lang)!.component.instantiateSink();
        expectInvalidConfig(() => sink.open(config), `${lang} accepted ${config}`);
      }
    });
  }
});

// ---- file sink ------------------------------------------------------------------------

describe('file sink: Rust and Go (and JS when built) write the same file', () => {
  const langs = LANGS.filter((lang) => lang !== 'js' || existsSync(guestPath('js', 'file-sink')));
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iggy-file-sink-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends payload + "\\n" per message, across batches and reopenings', async () => {
    const inputs = sinkBatches();
    const expected = Buffer.concat([...inputs, ...inputs].flat().flatMap((m) => [Buffer.from(m.payload), bytes(0x0a)]));
    for (const lang of langs) {
      const out = await mkdtemp(join(dir, `${lang}-`));
      const { component } = await load(lang, 'file-sink', { preopens: [{ hostPath: out, guestPath: '/out', readOnly: false }] });
      // Two instances one after the other: the second must append, not truncate.
      for (let round = 0; round < 2; round++) {
        const sink = await component.instantiateSink();
        sink.open('{"path":"/out/messages.ndjson"}');
        let offset = 100n;
        for (const batch of inputs) {
          sink.consume(TOPIC, meta(batch.length, offset), buildBatch(batch));
          offset += BigInt(batch.length);
        }
        sink.close();
      }
      assert.deepEqual(await readFile(join(out, 'messages.ndjson')), expected, `${lang} file contents`);
    }
  });

  it('refuses a path it cannot open (read-only grant) as invalid-config', async () => {
    for (const lang of langs) {
      const { component } = await load(lang, 'file-sink', { preopens: [{ hostPath: dir, guestPath: '/out', readOnly: true }] });
      const sink = await component.instantiateSink();
      expectInvalidConfig(() => sink.open('{"path":"/out/denied.ndjson"}'), `${lang} opened a file in a read-only directory`);
      assert.equal(existsSync(join(dir, 'denied.ndjson')), false, `${lang} created the file`);
    }
  });

  for (const config of ['{}', '{"path":42}', '{"path":null}']) {
    it(`refuses ${config} as invalid-config`, async () => {
      for (const lang of langs) {
        const { component } = await load(lang, 'file-sink', { preopens: [{ hostPath: dir, guestPath: '/out', readOnly: false }] });
        const sink = await component.instantiateSink();
        expectInvalidConfig(() => sink.open(config), `${lang} accepted ${config}`);
      }
    });
  }
});

// ---- random source --------------------------------------------------------------------

describe('random source: JS, Rust and Go produce the same messages and state', () => {
  const loaded = new Map<Lang, LoadedComponent>();

  before(async () => {
    for (const lang of LANGS) loaded.set(lang, (await load(lang, 'random-source')).component);
  });

  function describePoll(result: { batch: FlatBatch; state?: Uint8Array }): RandomOutput {
    const out: RandomOutput = {
      payloads: [],
      ids: [],
      headers: [],
      originTimestamps: [],
      state: result.state === undefined ? undefined : Buffer.from(result.state).toString('utf8'),
    };
    for (const m of messages(result.batch)) {
      out.payloads.push(m.payload.toString('utf8'));
      out.ids.push(m.id);
      out.headers.push(m.headers.toString('hex'));
      out.originTimestamps.push(m.originTimestamp);
    }
    return out;
  }

  async function polls(lang: Lang, config: string, n: number, state?: string): Promise<RandomOutput[]> {
    const source = await loaded.get(lang)!.instantiateSource();
    source.open(config, state === undefined ? undefined : Buffer.from(state));
    const out: RandomOutput[] = [];
    for (let i = 0; i < n; i++) out.push(describePoll(source.poll()));
    source.close();
    return out;
  }

  it('produces the default batches (10 messages of 64 characters, seed 2654435769)', async () => {
    const expected = expectedRandom({}, 3);
    for (const lang of LANGS) assert.deepEqual(await polls(lang, '{}', 3), expected, lang);
  });

  it('stops at max_messages with a short last batch, then empty batches without state', async () => {
    const config = { count: 3, max: 7, size: 5, seed: 42 };
    const expected = expectedRandom(config, 5);
    assert.deepEqual(
      expected.map((p) => p.payloads.length),
      [3, 3, 1, 0, 0],
    );
    for (const lang of LANGS) {
      assert.deepEqual(await polls(lang, '{"count":3,"max_messages":7,"payload_size":5,"seed":42}', 5), expected, lang);
    }
  });

  it('replaces seed 0 by 2654435769 and allows empty data strings', async () => {
    for (const [config, spec] of [
      ['{"seed":0,"count":2}', { seed: 0, count: 2 }],
      ['{"payload_size":0,"count":1}', { size: 0, count: 1 }],
      ['{"count":0}', { count: 0 }],
    ] as const) {
      const expected = expectedRandom(spec, 2);
      for (const lang of LANGS) assert.deepEqual(await polls(lang, config, 2), expected, `${lang} ${config}`);
    }
  });

  it('resumes exactly from the state blob of any language', async () => {
    const config = '{"count":4,"payload_size":9,"seed":7}';
    const uninterrupted = expectedRandom({ count: 4, size: 9, seed: 7 }, 5);
    for (const writer of LANGS) {
      const first = await polls(writer, config, 2);
      const state = first[1].state!;
      for (const reader of LANGS) {
        assert.deepEqual([...first, ...(await polls(reader, config, 3, state))], uninterrupted, `state written by ${writer}, resumed by ${reader}`);
      }
    }
  });

  it('paces batches with interval_ms: empty polls until the interval has passed since the last batch', async () => {
    const expected = expectedRandom({ count: 2 }, 2);
    for (const lang of LANGS) {
      const source = await loaded.get(lang)!.instantiateSource();
      source.open('{"count":2,"interval_ms":300}');
      const first = describePoll(source.poll());
      const early = describePoll(source.poll());
      await new Promise((r) => setTimeout(r, 350));
      const later = describePoll(source.poll());
      source.close();
      assert.deepEqual(first, expected[0], `${lang}: the first poll produces at once`);
      assert.deepEqual(early.payloads, [], `${lang}: a poll within the interval is empty`);
      assert.equal(early.state, undefined, `${lang}: an empty poll carries no state`);
      assert.deepEqual(later, expected[1], `${lang}: after the interval the sequence continues`);
    }
  });

  for (const config of [
    '{"count":-1}',
    '{"interval_ms":-5}',
    '{"count":"3"}',
    '{"count":4294967296}',
    '{"count":1.5}',
    '{"seed":true}',
    '{"max_messages":-1}',
    '{"bogus":1}',
  ]) {
    it(`refuses ${config} as invalid-config in every language`, async () => {
      for (const lang of LANGS) {
        const source = await loaded.get(lang)!.instantiateSource();
        expectInvalidConfig(() => source.open(config), `${lang} accepted ${config}`);
      }
    });
  }
});
