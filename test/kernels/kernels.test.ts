// The host's WebAssembly batch kernels: the embedded module is the one its sources build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KERNELS_SOURCE_SHA256 } from '../../runtime/kernels/kernels-wasm.js';
import { KERNEL_MAX_BYTES, KernelInstance } from '../../runtime/kernels/instance.js';
import { FrameChecksums } from '../../runtime/kernels/frame-checksums.js';
import { BATCH_HEADER_SIZE, encodeBatch } from '../../runtime/iggy/codec/batch.js';
import { encodeUserHeaders } from '../../runtime/iggy/codec/user-headers.js';
import { ROOT } from '../helpers/paths.js';

test('the embedded module was built from the kernel sources in the tree', async () => {
  // The build script's own hashing, so the test and the build cannot drift apart.
  const sources = (await import(pathToFileURL(join(ROOT, 'scripts', 'kernel-sources.mjs')).href)) as { kernelSourceHash(): Promise<string> };
  assert.equal(KERNELS_SOURCE_SHA256, await sources.kernelSourceHash(), 'the Rust sources changed: run node scripts/build-kernels.mjs');
});

test('every owner gets an instance of its own: one instance writing does not touch another', () => {
  const a = KernelInstance.create()!;
  const b = KernelInstance.create()!;
  new Uint8Array(a.reserve(a.base + 16), a.base, 16).fill(7);
  assert.deepEqual([...new Uint8Array(b.reserve(b.base + 16), b.base, 16)], new Array(16).fill(0));
});

test('frame checksums in one call are the bytes the per-frame encoder writes, for every frame size', () => {
  const checksums = FrameChecksums.create();
  assert.ok(checksums);
  // XXH3 takes different paths by input length (0-16, 17-128, 129-240, longer, several stripes).
  const sizes = [0, 1, 3, 8, 16, 17, 64, 128, 129, 200, 240, 241, 1000, 1024, 4096, 10_000];
  const inputs = sizes.map((n, i) => ({
    id: BigInt(i + 1),
    payload: Buffer.alloc(n, 0x41 + (i % 26)),
    headers: i % 3 === 0 ? encodeUserHeaders([{ key: 'k', value: `v${i}` }]) : undefined,
  }));
  const now = 1_732_500_000_000_000n;
  const plain = encodeBatch(inputs, { now });
  const fast = encodeBatch(inputs, { now, checksums });
  assert.equal(fast.toString('hex'), plain.toString('hex'));
});

test('frames above what an instance may hold are hashed one by one, with the same result', () => {
  const checksums = FrameChecksums.create()!;
  const inputs = [{ id: 1n, payload: Buffer.alloc(KERNEL_MAX_BYTES, 0x61) }];
  const starts = new Uint32Array([BATCH_HEADER_SIZE]);
  const record = encodeBatch(inputs, { now: 1n });
  assert.equal(checksums.write(record, starts, 1, record.length), false, 'refused, nothing copied into the instance');
  assert.equal(encodeBatch(inputs, { now: 1n, checksums }).equals(record), true);
});
