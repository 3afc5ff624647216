// The byte-level JSON validator against JSON.parse's verdict (hand-picked edge cases and
// generated mutations), UTF-8 rules JSON.parse cannot judge, and the member table.
import { isUtf8 } from 'node:buffer';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonScanner, RootKind } from '../../../runtime/pipeline/schema/json-scan.js';
import { mutatedDocument, prng } from '../../helpers/json-corpus.js';

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

const scans = (scanner: JsonScanner, bytes: Buffer, record = false): boolean => scanner.scan(bytes, 0, bytes.length, record);

const EDGE_CASES = [
  '{}',
  '[]',
  '""',
  '0',
  '-0',
  '1e5',
  '1E+5',
  '1e-5',
  '-1.5e-10',
  '0.0',
  '01',
  '-',
  '-01',
  '1.',
  '.5',
  '1e',
  '1e+',
  '+1',
  '00',
  '-0.0e0',
  '1.5E3',
  'true',
  'false',
  'null',
  'tru',
  'nul',
  'True',
  'NULL',
  'nan',
  'NaN',
  'Infinity',
  '-Infinity',
  '{"a":1,}',
  '[1,]',
  '[,1]',
  '{,}',
  '{"a"}',
  '{"a":}',
  '{"a" 1}',
  '{a:1}',
  "{'a':1}",
  '{"a":1 "b":2}',
  '[1 2]',
  '"\\u00e9"',
  '"\\u00E9"',
  '"\\uD83D\\uDE00"',
  '"\\ud800"',
  '"\\u12"',
  '"\\u12g4"',
  '"\\x41"',
  '"\\a"',
  '"\\/"',
  '"\\b\\f\\n\\r\\t"',
  '"a\tb"',
  '"a\nb"',
  '"a\u0001b"',
  '"a\u001fb"',
  '"a\u007fb"',
  '"unterminated',
  '"\\"',
  '"\\\\"',
  ' {"a" : [ 1 , 2 ] } ',
  '\t\n\r 1 \r\n',
  '',
  ' ',
  '{"a":1}}',
  '{"a":1}x',
  '[1]]',
  '[[1]',
  '{"a":{"b":[]}',
  '1 2',
  '{"a":1,"a":2}',
  '{"":""}',
  '[{},[],"",0,true,false,null]',
  '{"a":[{"b":{"c":[1,{"d":null}]}}]}',
  '\u00a01',
  '\ufeff1',
  '{"a":1,\n"b":[true,false,null]}',
  '[-]',
  '[1e309]',
  '123456789012345678901234567890',
  '{"\\u0061":1}',
];

test('agrees with JSON.parse on hand-picked edge cases', () => {
  const scanner = new JsonScanner();
  for (const text of EDGE_CASES) {
    assert.equal(scans(scanner, Buffer.from(text, 'utf8')), parses(text), `input ${JSON.stringify(text)}`);
  }
});

test('agrees with JSON.parse on 20,000 generated documents and mutations', () => {
  const scanner = new JsonScanner();
  const rand = prng(20261125);
  let valid = 0;
  let invalid = 0;
  for (let n = 0; n < 20_000; n++) {
    const text = mutatedDocument(rand);
    // Mutations can split a surrogate pair; skip texts whose UTF-8 form is not the same string.
    if (Buffer.from(text, 'utf8').toString('utf8') !== text) continue;
    const expected = parses(text);
    if (expected) valid++;
    else invalid++;
    assert.equal(scans(scanner, Buffer.from(text, 'utf8')), expected, `input ${JSON.stringify(text)}`);
  }
  assert.ok(valid > 2000 && invalid > 2000, `corpus too one-sided: ${valid} valid, ${invalid} invalid`);
});

test('agrees with UTF-8 + JSON.parse on strings of random bytes, at every alignment', () => {
  const scanner = new JsonScanner();
  const rand = prng(7);
  const interesting = [0x00, 0x01, 0x1f, 0x20, 0x21, 0x22, 0x5c, 0x7f, 0x80, 0xbf, 0xc2, 0xc3, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xff, 0x41, 0x61, 0x75, 0x30];
  for (let n = 0; n < 20_000; n++) {
    const len = Math.floor(rand() * 24);
    const inner = Buffer.alloc(len);
    for (let k = 0; k < len; k++) {
      inner[k] = rand() < 0.8 ? 0x61 + Math.floor(rand() * 26) : interesting[Math.floor(rand() * interesting.length)];
    }
    // A prefix of 0-3 bytes shifts the string across 4-byte word boundaries.
    const pad = n % 4;
    const bytes = Buffer.concat([Buffer.from(' '.repeat(pad)), Buffer.from('"'), inner, Buffer.from('"')]);
    const expected = isUtf8(bytes) && parses(bytes.toString('utf8'));
    assert.equal(scans(scanner, bytes), expected, `input bytes ${bytes.toString('hex')}`);
  }
});

test('deep nesting is validated without recursion limits', () => {
  const scanner = new JsonScanner();
  const depth = 100_000;
  const deep = '['.repeat(depth) + ']'.repeat(depth);
  assert.equal(scans(scanner, Buffer.from(deep)), true);
  assert.equal(scans(scanner, Buffer.from('['.repeat(depth) + ']'.repeat(depth - 1))), false);
  const objects = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
  assert.equal(scans(scanner, Buffer.from(objects)), true);
  assert.equal(scans(scanner, Buffer.from(objects + '}')), false);
});

test('rejects malformed UTF-8 inside strings and raw bytes outside them', () => {
  const scanner = new JsonScanner();
  const wrap = (...bytes: number[]): Buffer => Buffer.from([0x22, ...bytes, 0x22]);
  assert.equal(scans(scanner, wrap(0xc3, 0xa9)), true, 'é');
  assert.equal(scans(scanner, wrap(0xe2, 0x82, 0xac)), true, '€');
  assert.equal(scans(scanner, wrap(0xf0, 0x9f, 0x98, 0x80)), true, 'emoji');
  assert.equal(scans(scanner, wrap(0xc3)), false, 'truncated 2-byte');
  assert.equal(scans(scanner, wrap(0xc0, 0x80)), false, 'overlong NUL');
  assert.equal(scans(scanner, wrap(0xe0, 0x80, 0x80)), false, 'overlong 3-byte');
  assert.equal(scans(scanner, wrap(0xed, 0xa0, 0x80)), false, 'encoded surrogate');
  assert.equal(scans(scanner, wrap(0xf4, 0x90, 0x80, 0x80)), false, 'above U+10FFFF');
  assert.equal(scans(scanner, wrap(0xff)), false, '0xff');
  assert.equal(scans(scanner, wrap(0x80)), false, 'lone continuation');
  assert.equal(scans(scanner, Buffer.from([0xc3, 0xa9])), false, 'non-ASCII outside a string');
  assert.equal(scans(scanner, Buffer.from([0xef, 0xbb, 0xbf, 0x31])), false, 'byte order mark');
});

test('reports the byte offset and the cause of the first error', () => {
  const scanner = new JsonScanner();
  assert.equal(scans(scanner, Buffer.from('{"a":1,}')), false);
  assert.equal(scanner.errorReason, 'invalid JSON at byte 7: unexpected "}", expected a string key');
  assert.equal(scans(scanner, Buffer.from('{"a":01}')), false);
  assert.equal(scanner.errorReason, 'invalid JSON at byte 6: leading zero in number');
  assert.equal(scans(scanner, Buffer.from('')), false);
  assert.equal(scanner.errorReason, 'invalid JSON at byte 0: empty payload, expected a JSON value');
  assert.equal(scans(scanner, Buffer.from('"a\u0002"')), false);
  assert.equal(scanner.errorReason, 'invalid JSON at byte 2: control character 0x02 in string (escape it)');
});

test('scans a sub-range of a larger buffer and ignores the bytes around it', () => {
  const scanner = new JsonScanner();
  const buf = Buffer.from('xx{"a":1}yy');
  assert.equal(scanner.scan(buf, 2, 9, false), true);
  assert.equal(scanner.scan(buf, 1, 9, false), false);
  assert.equal(scanner.errorAt, 0);
});

test('records the byte ranges of top-level members', () => {
  const scanner = new JsonScanner();
  const text = ' { "a" : 1 , "b\\"c":{"x":[1,2]} ,"d":"s" } ';
  const buf = Buffer.from(text);
  assert.equal(scans(scanner, buf, true), true);
  assert.equal(scanner.rootKind, RootKind.object);
  assert.equal(text.slice(scanner.rootStart, scanner.rootEnd), '{ "a" : 1 , "b\\"c":{"x":[1,2]} ,"d":"s" }');
  const m = scanner.members;
  const got = Array.from({ length: m.count }, (_, k) => [text.slice(m.keyStart[k], m.keyEnd[k]), text.slice(m.valueStart[k], m.valueEnd[k]), m.keyEscaped[k]]);
  assert.deepEqual(got, [
    ['"a"', '1', 0],
    ['"b\\"c"', '{"x":[1,2]}', 1],
    ['"d"', '"s"', 0],
  ]);
  const many = JSON.stringify(Object.fromEntries(Array.from({ length: 100 }, (_, k) => [`k${k}`, k])));
  assert.equal(scans(scanner, Buffer.from(many), true), true);
  assert.equal(scanner.members.count, 100);
  assert.equal(many.slice(scanner.members.valueStart[99], scanner.members.valueEnd[99]), '99');
  assert.equal(scans(scanner, Buffer.from('[1,2]'), true), true);
  assert.equal(scanner.rootKind, RootKind.array);
  assert.equal(scanner.members.count, 0);
});
