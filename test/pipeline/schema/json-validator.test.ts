// The JSON check's WebAssembly fast path: built from the committed sources, and never calling
// valid what the JavaScript scanner refuses (nor, for documents within its depth, the reverse).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { buildBatch } from '../../../runtime/batch/flat-batch.js';
import { JsonScanner } from '../../../runtime/pipeline/schema/json-scan.js';
import { FAST_PATH_MAX_BYTES, WasmJsonValidator } from '../../../runtime/pipeline/schema/json-validator.js';
import { SchemaChecker } from '../../../runtime/pipeline/schema/index.js';
import { mutatedDocument, prng } from '../../helpers/json-corpus.js';

const batchOf = (payloads: Buffer[]) => buildBatch(payloads.map((payload, i) => ({ offset: BigInt(i), payload })));

function verdicts(validator: WasmJsonValidator, payloads: Buffer[]): boolean[] {
  const result = validator.validate(batchOf(payloads));
  assert.ok(result, 'a small batch takes the fast path');
  const out = Array.from(result.verdicts, (v) => v === 1);
  assert.equal(result.invalid, out.filter((v) => !v).length, 'the count of invalid messages matches the verdicts');
  return out;
}

function assertAgrees(payloads: Buffer[]): { valid: number; invalid: number } {
  const validator = WasmJsonValidator.create();
  assert.ok(validator, 'Node runs WebAssembly SIMD');
  const scanner = new JsonScanner();
  const fast = verdicts(validator, payloads);
  payloads.forEach((p, i) => assert.equal(fast[i], scanner.scan(p, 0, p.length, false), `input bytes ${p.toString('hex')} (${JSON.stringify(p.toString())})`));
  return { valid: fast.filter(Boolean).length, invalid: fast.filter((v) => !v).length };
}

test('agrees with the JavaScript scanner on 20,000 generated documents and mutations', () => {
  const rand = prng(20261204);
  const payloads: Buffer[] = [];
  for (let n = 0; n < 20_000; n++) payloads.push(Buffer.from(mutatedDocument(rand), 'utf8'));
  const { valid, invalid } = assertAgrees(payloads);
  assert.ok(valid > 2000 && invalid > 2000, `corpus too one-sided: ${valid} valid, ${invalid} invalid`);
});

test('agrees on strings of random bytes at every alignment of a 16-byte step', () => {
  const rand = prng(16);
  const interesting = [0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x5c, 0x7f, 0x80, 0xbf, 0xc2, 0xc3, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xff, 0x41, 0x61, 0x75, 0x30];
  const payloads: Buffer[] = [];
  for (let n = 0; n < 20_000; n++) {
    const inner = Buffer.alloc(Math.floor(rand() * 48));
    for (let k = 0; k < inner.length; k++) inner[k] = rand() < 0.85 ? 0x61 + Math.floor(rand() * 26) : interesting[Math.floor(rand() * interesting.length)];
    payloads.push(Buffer.concat([Buffer.from(' '.repeat(n % 16)), Buffer.from('"'), inner, Buffer.from('"')]));
  }
  const { valid, invalid } = assertAgrees(payloads);
  assert.ok(valid > 1000 && invalid > 1000, `corpus too one-sided: ${valid} valid, ${invalid} invalid`);
  assert.ok(
    payloads.some((p) => !isUtf8(p)),
    'the corpus holds malformed UTF-8',
  );
});

test('nesting deeper than its stack is left to the scanner, which accepts it', () => {
  const validator = WasmJsonValidator.create()!;
  const deep = Buffer.from('['.repeat(1000) + ']'.repeat(1000));
  assert.deepEqual(verdicts(validator, [deep, Buffer.from('[[1]]')]), [false, true]);
  const checked = new SchemaChecker('json').check(batchOf([deep, Buffer.from('[[1]')]));
  assert.deepEqual(
    checked.rejected.map((r) => r.entry),
    [1],
  );
});

test('a batch above the fast path bound is checked by the scanner alone, and the module memory stays bounded', () => {
  const validator = WasmJsonValidator.create()!;
  const big = Buffer.from(`"${'x'.repeat(FAST_PATH_MAX_BYTES)}"`);
  assert.equal(validator.validate(batchOf([big])), undefined);
  const checked = new SchemaChecker('json').check(batchOf([big, Buffer.from('{"a":}')]));
  assert.deepEqual(
    checked.rejected.map((r) => [r.entry, r.reason]),
    [[1, 'invalid JSON at byte 5: unexpected "}", expected a value']],
  );
  const nearLimit = Buffer.from(`"${'y'.repeat(FAST_PATH_MAX_BYTES - 4096)}"`);
  assert.deepEqual(verdicts(validator, [nearLimit]), [true]);
});

test('scanObject records the same top-level members as the scanner, and leaves every other payload to it', () => {
  const validator = WasmJsonValidator.create()!;
  const scanner = new JsonScanner();
  const rand = prng(17);
  const docs: string[] = [
    '{}',
    ' { "a" : 1 , "a":[{"x":{}}] } ',
    '{"k\\"ey":"v\\u00e9","":null}',
    '{"many":1' + ',"m":2'.repeat(300) + '}',
    '[1]',
    '"s"',
    '{"a":1',
  ];
  for (let n = 0; n < 5_000; n++) docs.push(`{"lead":${mutatedDocument(rand)},"tail":"t"}`);
  // One buffer, payloads at odd offsets inside it, as a poll reply lays them out.
  const parts = docs.map((d) => Buffer.from(`#${d}`, 'utf8'));
  const data = Buffer.concat(parts);
  assert.ok(validator.loadData(data));
  let indexed = 0;
  let at = 0;
  for (const part of parts) {
    const start = at + 1;
    const end = at + part.length;
    at = end;
    const n = validator.scanObject(start, end);
    const ok = scanner.scan(data, start, end, true);
    const isObject = ok && data[scanner.rootStart] === 0x7b;
    const what = `payload ${JSON.stringify(data.toString('utf8', start, end))}`;
    if (n < 0) {
      // Only what the scanner refuses, what is not an object, or more members than the table holds.
      assert.ok(!isObject || scanner.members.count > 256, what);
      continue;
    }
    indexed++;
    assert.ok(isObject, what);
    const m = scanner.members;
    const f = validator.members;
    assert.equal(n, m.count, what);
    for (let k = 0; k < n; k++) {
      assert.deepEqual(
        [f.keyStart[k], f.keyEnd[k], f.valueStart[k], f.valueEnd[k], f.keyEscaped[k]],
        [m.keyStart[k], m.keyEnd[k], m.valueStart[k], m.valueEnd[k], m.keyEscaped[k]],
        `${what}, member ${k}`,
      );
    }
  }
  assert.ok(indexed > 1000, `only ${indexed} payloads indexed`);
});
