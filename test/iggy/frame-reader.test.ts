// The incremental frame reader: whole frames out of arbitrarily cut chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { FrameReader, FRAME_HEADER_SIZE, SIZE_FIELD_OFFSET } from '../../runtime/iggy/frame-reader.js';
import { IggyProtocolError } from '../../runtime/iggy/errors.js';

/** A frame with a random header (size field set) and a random body; byte 0 tags it. */
function frame(bodyLength: number, tag: number): Buffer {
  const f = randomBytes(FRAME_HEADER_SIZE + bodyLength);
  f.writeUInt32LE(f.length, SIZE_FIELD_OFFSET);
  f[0] = tag;
  return f;
}

test('a frame in one chunk comes out as one frame, copied: the chunk may be reused at once', () => {
  const reader = new FrameReader();
  const f = frame(100, 1);
  const chunk = Buffer.from(f);
  const out = reader.push(chunk);
  chunk.fill(0); // the connection reads the next bytes into the same buffer
  assert.equal(out.length, 1);
  assert.deepEqual(out[0], f);
  assert.equal(reader.pendingBytes, 0);
});

test('a frame that ends inside a reused chunk keeps its bytes when the chunk is overwritten', () => {
  const reader = new FrameReader();
  const frames = [frame(500, 1), frame(40, 2)];
  const all = Buffer.concat(frames);
  const readBuffer = Buffer.alloc(64);
  const out: Buffer[] = [];
  for (let at = 0; at < all.length; at += readBuffer.length) {
    const n = all.copy(readBuffer, 0, at, at + readBuffer.length);
    out.push(...reader.push(readBuffer.subarray(0, n)));
    readBuffer.fill(0xee);
  }
  assert.deepEqual(out, frames);
});

test('a header-only frame (size 256) is a whole frame', () => {
  const reader = new FrameReader();
  const f = frame(0, 7);
  assert.deepEqual(reader.push(f), [f]);
});

test('several frames in one chunk come out in order', () => {
  const reader = new FrameReader();
  const frames = [frame(0, 1), frame(10, 2), frame(1000, 3)];
  const out = reader.push(Buffer.concat(frames));
  assert.deepEqual(out, frames);
});

test('frames cut at every possible byte boundary are reassembled', () => {
  const frames = [frame(3, 1), frame(0, 2), frame(300, 3)];
  const all = Buffer.concat(frames);
  for (let cut = 1; cut < all.length; cut++) {
    const reader = new FrameReader();
    const out = [...reader.push(all.subarray(0, cut)), ...reader.push(all.subarray(cut))];
    assert.deepEqual(out, frames, `cut at ${cut}`);
    assert.equal(reader.pendingBytes, 0, `cut at ${cut}`);
  }
});

test('frames fed one byte at a time are reassembled (size field split over chunks)', () => {
  const frames = [frame(5, 1), frame(70, 2)];
  const all = Buffer.concat(frames);
  const reader = new FrameReader();
  const out: Buffer[] = [];
  for (let i = 0; i < all.length; i++) out.push(...reader.push(all.subarray(i, i + 1)));
  assert.deepEqual(out, frames);
});

test('random chunking of many frames keeps every byte', () => {
  const frames = Array.from({ length: 200 }, (_, i) => frame(Math.floor(Math.random() * 5000), i & 0xff));
  const all = Buffer.concat(frames);
  const reader = new FrameReader();
  const out: Buffer[] = [];
  for (let at = 0; at < all.length;) {
    const n = 1 + Math.floor(Math.random() * 3000);
    out.push(...reader.push(all.subarray(at, at + n)));
    at += n;
  }
  assert.equal(out.length, frames.length);
  assert.ok(Buffer.concat(out).equals(all));
});

test('a size below the header length is refused and the reader stays failed', () => {
  const reader = new FrameReader();
  const bad = Buffer.alloc(FRAME_HEADER_SIZE);
  bad.writeUInt32LE(255, SIZE_FIELD_OFFSET);
  assert.throws(
    () => reader.push(bad),
    (e: unknown) => e instanceof IggyProtocolError && /size 255/.test(e.message),
  );
  assert.throws(() => reader.push(frame(0, 1)), IggyProtocolError);
});

test('a size above maxFrameSize is refused before its body arrives', () => {
  const reader = new FrameReader({ maxFrameSize: 1024 });
  const header = Buffer.alloc(SIZE_FIELD_OFFSET + 4);
  header.writeUInt32LE(1025, SIZE_FIELD_OFFSET);
  assert.throws(
    () => reader.push(header),
    (e: unknown) => e instanceof IggyProtocolError && e.code === 'IGGY_PROTOCOL',
  );
});

test('a partial frame waits for the rest and reports its pending bytes', () => {
  const reader = new FrameReader();
  const f = frame(500, 9);
  assert.deepEqual(reader.push(f.subarray(0, 600)), []);
  assert.equal(reader.pendingBytes, 600);
  assert.deepEqual(reader.push(f.subarray(600)), [f]);
});
