// The hard memory limit: the rewrite of a core module's memory maximum, checked on
// a tiny module, and a real JS guest that traps when it outgrows the limit while
// the same guest without a limit keeps growing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from '@bytecodealliance/jco';
import { buildBatch } from '../../runtime/batch/flat-batch.js';
import { GrantError, GuestTrapError, loadComponent } from '../../runtime/host/index.js';
import { capMemories, MemoryCapError } from '../../runtime/host/memory-cap.js';
import { wasm } from '../../runtime/host/wasm.js';
import { cache, captureLogger, fixtureGuest } from './support.js';

async function growable(wat: string, maxPages: number): Promise<(pages: number) => number> {
  const module = await wasm.compile(capMemories(await parse(wat), maxPages));
  const instance = new wasm.Instance(module, {});
  return instance.exports.grow as (pages: number) => number;
}

const GROW = '(func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))';

describe('capMemories', () => {
  it('lets memory grow up to the cap and no further', async () => {
    const grow = await growable(`(module (memory (export "memory") 1) ${GROW})`, 4);
    assert.equal(grow(3), 1);
    assert.equal(grow(1), -1);
  });

  it('keeps a declared maximum that is already lower', async () => {
    const grow = await growable(`(module (memory 1 2) ${GROW})`, 100);
    assert.equal(grow(1), 1);
    assert.equal(grow(1), -1);
  });

  it('leaves a module without memory unchanged and refuses one that starts above the cap', async () => {
    const plain = await parse('(module (func (export "f")))');
    assert.equal(capMemories(plain, 1), plain);
    const big = await parse('(module (memory 10))');
    assert.throws(() => capMemories(big, 5), (e: unknown) => e instanceof MemoryCapError && /starts at 655360 bytes/.test(e.message));
  });
});

describe('memoryLimitBytes on a real guest', () => {
  const topic = { stream: 's', topic: 't' };
  const meta = { partitionId: 0, currentOffset: 0n, schema: 'raw' as const, messageCount: 0 };
  const { logger } = captureLogger();

  it('traps the guest that outgrows the limit; without a limit it grows past it', async () => {
    const limit = 48 * 1024 * 1024;
    const capped = await (await loadComponent(fixtureGuest('memory-hog-sink'), { logger, cache, memoryLimitBytes: limit })).instantiateSink();
    capped.open('{"mib":8}');
    assert.throws(() => {
      for (let i = 0; i < 10; i++) capped.consume(topic, meta, buildBatch([]));
    }, GuestTrapError);
    assert.ok(capped.memoryBytes() <= limit, `capped guest reached ${capped.memoryBytes()} bytes`);

    const free = await (await loadComponent(fixtureGuest('memory-hog-sink'), { logger, cache })).instantiateSink();
    free.open('{"mib":8}');
    for (let i = 0; i < 10; i++) free.consume(topic, meta, buildBatch([]));
    assert.ok(free.memoryBytes() > limit, `uncapped guest stayed at ${free.memoryBytes()} bytes`);
    free.close();
  });

  it('refuses a limit below the guest’s initial memory at load', async () => {
    await assert.rejects(
      loadComponent(fixtureGuest('memory-hog-sink'), { logger, cache, memoryLimitBytes: 1024 * 1024 }),
      (e: unknown) => e instanceof GrantError && /cannot run within memoryLimitBytes/.test(e.message),
    );
  });
});
