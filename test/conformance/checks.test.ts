// The kit's own checks, on bytes: the header TLV validator accepts what the kit
// sends and what Iggy accepts, refuses what Iggy refuses; poll checks catch
// timestamps in the wrong unit; the sink probes hold what their names promise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageAt, INDEX_ENTRY_SIZE, buildBatch } from '../../runtime/batch/flat-batch.js';
import { everyKindHeaders, sinkProbes, unicodeKeyHeaders, encodeHeaders, HeaderKind } from '../../runtime/conformance/batches.js';
import { headerProblem, pollProblems } from '../../runtime/conformance/poll-checks.js';
import { encodeStringHeaders } from '../../runtime/pipeline/headers.js';

test('the headers the kit sends are valid TLV, one pair per kind 1..15', () => {
  const every = everyKindHeaders();
  assert.equal(headerProblem(every), undefined);
  assert.equal(headerProblem(unicodeKeyHeaders()), undefined);
  const kinds: number[] = [];
  for (let at = 0; at < every.length;) {
    at += 5 + every.readUInt32LE(at + 1);
    kinds.push(every[at]);
    at += 5 + every.readUInt32LE(at + 1);
  }
  assert.deepEqual(
    kinds,
    Array.from({ length: 15 }, (_, i) => i + 1),
  );
});

test("headers encoded by the runtime's own pipeline pass the validator", () => {
  assert.equal(
    headerProblem(
      encodeStringHeaders([
        ['a', 'b'],
        ['ключ', 'значение'],
      ]),
    ),
    undefined,
  );
});

test('the header validator names each way a TLV can be broken', () => {
  const good = encodeHeaders([{ key: 'k', kind: HeaderKind.uint8, value: Buffer.from([1]) }]);
  const cases: [string, Buffer, RegExp][] = [
    ['truncated header', good.subarray(0, 3), /truncated length at offset 1/],
    ['key without value', good.subarray(0, 6), /odd number of entries \(1\)/],
    ['kind 16', Buffer.from([...good.subarray(0, 6), 16, ...good.subarray(7)]), /pair 0: value kind 16 is outside 1\.\.15/],
    ['kind 0 key', Buffer.from([0, ...good.subarray(1)]), /kind 0 \(reserved\) at offset 0/],
    ['length 0', Buffer.from([2, 0, 0, 0, 0, 9, 1, 0, 0, 0, 1]), /field length 0 at offset 1 is outside 1\.\.255/],
    ['length 256', encodeHeaders([{ key: 'k', kind: HeaderKind.raw, value: Buffer.alloc(256) }]), /field length 256 at offset 7 is outside 1\.\.255/],
    ['value past the end', good.subarray(0, good.length - 1), /field of 1 bytes at offset 11 runs past the block/],
    ['trailing byte', Buffer.concat([good, Buffer.from([2])]), /truncated length at offset 13/],
  ];
  for (const [name, bytes, expected] of cases) assert.match(headerProblem(bytes) ?? 'valid', expected, name);
});

test('poll checks accept µs or 0 origin timestamps and refuse ms and ns', () => {
  const now = BigInt(Date.now()) * 1000n;
  const batch = (originTimestamp: bigint) => buildBatch([{ payload: Buffer.from('x'), originTimestamp }]);
  assert.deepEqual(pollProblems(batch(now).index, batch(now).data, now), []);
  assert.deepEqual(pollProblems(batch(0n).index, batch(0n).data, now), []);
  const ms = batch(now / 1000n);
  assert.match(pollProblems(ms.index, ms.data, now)[0] ?? '', /message 0: origin timestamp \d+ is not µs/);
  const ns = batch(now * 1000n);
  assert.match(pollProblems(ns.index, ns.data, now)[0] ?? '', /message 0: origin timestamp/);
  assert.match(pollProblems(new Uint8Array(65), new Uint8Array(0), now)[0] ?? '', /index length 65 is not a multiple of 64/);
});

test('the sink probes hold what their names promise', () => {
  const probes = new Map(sinkProbes().map((p) => [p.name, p]));
  assert.equal(probes.get('consume-empty')?.batch.count, 0);
  assert.equal(probes.get('consume-one')?.batch.count, 1);
  const many = probes.get('consume-10000')!.batch;
  assert.equal(many.count, 10_000);
  assert.equal(many.index.length, 10_000 * INDEX_ENTRY_SIZE);
  assert.equal(messageAt(many, 9_999).payload.toString(), '{"n":9999}');
  assert.equal(messageAt(probes.get('consume-1mib')!.batch, 0).payload.length, 1024 * 1024);
  const raw = messageAt(probes.get('consume-non-utf8')!.batch, 0).payload;
  assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(raw));
  assert.equal(messageAt(probes.get('consume-header-kinds')!.batch, 0).headers.length, everyKindHeaders().length);
  // Offsets keep increasing from one probe to the next, as in a partition.
  let next = 0n;
  for (const p of sinkProbes()) {
    assert.equal(p.firstOffset, next, p.name);
    if (p.batch.count > 0) assert.equal(messageAt(p.batch, 0).offset, p.firstOffset, p.name);
    next += BigInt(p.batch.count);
  }
});
