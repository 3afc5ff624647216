// The source cases: poll results are well formed, respect `count` when the config
// sets it, and the state blob a poll returns is accepted back by open.
import { Field, INDEX_ENTRY_SIZE } from '../batch/flat-batch.js';
import { MAX_PAYLOAD_BYTES, MAX_USER_HEADERS_BYTES } from '../pipeline/sendable.js';
import { nowMicros } from './batches.js';
import { fail, pass, skip, type CaseRunner } from './case-runner.js';
import { describe, type Harness } from './harness.js';
import { memoryCase, memoryTitle, type LeakOptions } from './memory-case.js';
import { pollProblems } from './poll-checks.js';
import type { PollValue } from './protocol.js';

/** Polls the kit makes for the shape case; a source may answer "nothing yet" a few times. */
const SHAPE_POLLS = 5;

interface Polled {
  counts: number[];
  state?: Uint8Array;
  /** What Iggy or the runtime would refuse in the polled messages, at most a few. */
  refused: string[];
  /** Non-zero message ids seen, for the duplicate check. */
  ids: Set<bigint>;
}

/** What the runtime or Iggy refuses in one poll's messages (poll index `poll`), added to `polled.refused`. */
function checkSendable(value: PollValue, poll: number, polled: Polled): void {
  const ix = Buffer.from(value.index.buffer, value.index.byteOffset, value.index.byteLength);
  for (let i = 0; i < countOf(value) && polled.refused.length < 5; i++) {
    const base = i * INDEX_ENTRY_SIZE;
    const at = `poll ${poll + 1}, message ${i}`;
    const payload = ix.readUInt32LE(base + Field.payloadLength);
    const headers = ix.readUInt32LE(base + Field.headersLength);
    const id = ix.readBigUInt64LE(base + Field.id) | (ix.readBigUInt64LE(base + Field.id + 8) << 64n);
    if (payload === 0)
      polled.refused.push(
        `${at}: empty payload (the 0.9 server stores it, but Iggy's SDKs refuse to build such a message, so consumers that mirror or replay it cannot send it on)`,
      );
    else if (payload > MAX_PAYLOAD_BYTES) polled.refused.push(`${at}: payload of ${payload} bytes, above Iggy's limit of ${MAX_PAYLOAD_BYTES}`);
    if (headers > MAX_USER_HEADERS_BYTES) polled.refused.push(`${at}: user headers of ${headers} bytes, above Iggy's limit of ${MAX_USER_HEADERS_BYTES}`);
    if (id !== 0n) {
      if (polled.ids.has(id))
        polled.refused.push(`${at}: id ${id} was already used (a topic with message deduplication on drops the second; use 0 to let the runtime assign one)`);
      polled.ids.add(id);
    }
  }
}

const TITLES = {
  'poll-shape': 'poll returns well-formed messages (index, ranges, header TLV, timestamps)',
  'poll-count': 'poll returns at most `count` messages when the config sets it',
  'poll-sendable':
    'every polled message is one Iggy and its SDKs accept (non-empty payload of at most 64,000,000 bytes, headers of at most 100,000 bytes, no id used twice)',
  'state-roundtrip': 'open accepts the state blob poll returned',
  close: 'close after use succeeds',
} as const;

/** Every source case after open, as [name, title]. */
export const SOURCE_CASES: readonly (readonly [string, string])[] = [...Object.entries(TITLES), ['memory-growth', memoryTitle('poll')]];

const countOf = (v: PollValue): number => v.index.length / INDEX_ENTRY_SIZE;

/** The `count` key of the config object, when it is a positive integer. */
function configuredCount(config: string): number | undefined {
  const value = (JSON.parse(config) as Record<string, unknown>).count;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

export async function sourceCases(runner: CaseRunner, harness: Harness, config: string, leak: LeakOptions): Promise<void> {
  const polled: Polled = { counts: [], refused: [], ids: new Set() };
  const timeoutMs = harness.options.callTimeoutMs;

  await runner.run('poll-shape', TITLES['poll-shape'], async () => {
    const opened = await harness.opened('poll-shape', config);
    if (opened.type !== 'ok') return fail(`could not get an opened instance: ${describe(opened, timeoutMs)}`);
    for (let i = 0; i < SHAPE_POLLS; i++) {
      const out = await harness.call<PollValue>('poll-shape', { op: 'poll' });
      if (out.type !== 'ok') return fail(describe(out, timeoutMs, `poll ${i + 1}`));
      const problems = pollProblems(out.value.index, out.value.data, nowMicros());
      if (problems.length > 0) return fail(`poll ${i + 1}: ${problems.join('; ')}`);
      polled.counts.push(countOf(out.value));
      checkSendable(out.value, i, polled);
      if (out.value.state !== undefined) polled.state = out.value.state;
    }
    const total = polled.counts.reduce((a, b) => a + b, 0);
    if (total === 0) return pass(`${SHAPE_POLLS} polls returned no messages, so there was nothing to check beyond the batch shape`);
    return pass(`${total} messages in ${SHAPE_POLLS} polls`);
  });

  await runner.run('poll-count', TITLES['poll-count'], () => {
    const count = configuredCount(config);
    if (count === undefined) return skip('the config has no positive integer `count`');
    if (polled.counts.length === 0) return fail('no successful poll to check (see poll-shape)');
    const over = polled.counts.findIndex((n) => n > count);
    if (over >= 0) return fail(`poll ${over + 1} returned ${polled.counts[over]} messages with count = ${count}`);
    return pass(`polls returned ${polled.counts.join(', ')} messages with count = ${count}`);
  });

  await runner.run('poll-sendable', TITLES['poll-sendable'], () => {
    // poll-shape already failed for a poll it could not check; one failure is enough.
    if (polled.counts.length === 0) return skip('no well-formed poll to check (see poll-shape)');
    if (polled.refused.length > 0) return fail(`the runtime would refuse these: ${polled.refused.join('; ')}`);
    return pass(`${polled.counts.reduce((a, b) => a + b, 0)} messages checked`);
  });

  await runner.run('state-roundtrip', TITLES['state-roundtrip'], async () => {
    const state = polled.state;
    if (state === undefined) return skip('no poll returned a state blob (a source without state is allowed)');
    const made = await harness.fresh('state-roundtrip');
    if (made.type !== 'ok') return fail(`instantiating failed: ${describe(made, timeoutMs)}`);
    const opened = await harness.call('state-roundtrip', { op: 'open', config, state });
    if (opened.type !== 'ok') return fail(describe(opened, timeoutMs, `open(config, state of ${state.length} bytes)`));
    const out = await harness.call<PollValue>('state-roundtrip', { op: 'poll' });
    if (out.type !== 'ok') return fail(describe(out, timeoutMs, 'poll after resuming'));
    const problems = pollProblems(out.value.index, out.value.data, nowMicros());
    if (problems.length > 0) return fail(`poll after resuming: ${problems.join('; ')}`);
    return pass(`resumed from ${state.length} bytes of state; next poll returned ${countOf(out.value)} messages`);
  });

  await runner.run('close', TITLES['close'], async () => {
    const opened = await harness.opened('close', config);
    if (opened.type !== 'ok') return fail(`could not get an opened instance: ${describe(opened, timeoutMs)}`);
    const out = await harness.call('close', { op: 'close' });
    return out.type === 'ok' ? pass() : fail(describe(out, timeoutMs, 'close'));
  });

  await memoryCase(runner, harness, config, leak, { call: 'poll' });
}
