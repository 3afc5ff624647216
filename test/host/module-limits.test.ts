// The rewrite that bounds a core module's memories and tables, checked on tiny
// modules, and a real JS guest that traps when it outgrows the memory limit while
// the same guest without a limit keeps growing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from '@bytecodealliance/jco';
import { buildBatch } from '../../runtime/batch/flat-batch.js';
import { ComponentLimitError, GuestTrapError, loadComponent } from '../../runtime/host/index.js';
import { HOST_MEMORY_EXPORT, limitComponentModules, limitModule, MAX_TABLE_ENTRIES, ModuleLimitError } from '../../runtime/host/module-limits.js';
import { wasm } from '../../runtime/host/wasm.js';
import { cache, captureLogger, fixtureGuest } from './support.js';

const capMemories = (bytes: Uint8Array, maxPages: number): Uint8Array =>
  limitModule(bytes, { memoryPages: () => maxPages, tableEntries: (min) => min + 100 }).bytes;

async function instance(wat: string, maxPages: number): Promise<Record<string, unknown>> {
  return new wasm.Instance(await wasm.compile(capMemories(await parse(wat), maxPages)), {}).exports;
}
async function growable(wat: string, maxPages: number): Promise<(pages: number) => number> {
  return (await instance(wat, maxPages)).grow as (pages: number) => number;
}

const GROW = '(func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))';

describe('limitModule', () => {
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

  it('leaves a module without memory or table unchanged and refuses one that starts above the cap', async () => {
    const plain = await parse('(module (func (export "f")))');
    assert.equal(capMemories(plain, 1), plain);
    const big = await parse('(module (memory 10))');
    assert.throws(
      () => capMemories(big, 5),
      (e: unknown) => e instanceof ModuleLimitError && /starts at 655360 bytes/.test(e.message),
    );
  });

  it('exports every defined memory under a host-only name, also in a module without an export section', async () => {
    const exports = await instance('(module (memory 1) (data (i32.const 0) "x") (func $f) (start $f))', 4);
    assert.deepEqual(Object.keys(exports), [`${HOST_MEMORY_EXPORT}0`]);
    const both = await instance('(module (memory (export "memory") 1) (func (export "f")))', 4);
    assert.deepEqual(Object.keys(both), ['memory', 'f', `${HOST_MEMORY_EXPORT}0`]);
  });

  it('gives an externref table without a maximum one: table.grow past it answers -1', async () => {
    const exports = await instance(
      '(module (table $t 0 externref) (func (export "grow") (param i32) (result i32) (table.grow $t (ref.null extern) (local.get 0))))',
      1,
    );
    const grow = exports.grow as (n: number) => number;
    assert.equal(grow(100), 0);
    assert.equal(grow(1), -1);
  });

  it('refuses what it cannot bound: shared memories, GC types', async () => {
    assert.throws(
      () => capMemories(Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 4, 1, 3, 1, 2]), 4),
      (e: unknown) => e instanceof ModuleLimitError && /shared or 64-bit/.test(e.message),
    );
    // type section with one struct type (0x5f) of no fields
    assert.throws(
      () => capMemories(Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 3, 1, 0x5f, 0]), 4),
      (e: unknown) => e instanceof ModuleLimitError && /GC structs/.test(e.message),
    );
  });
});

describe('limitComponentModules', () => {
  it('caps the sum of all memories: the largest may grow to the budget less the others, the others stay at their size', async () => {
    const a = await parse('(module (memory 4))');
    const b = await parse('(module (memory 2))');
    const c = await parse('(module (memory 1 1))');
    const all = () =>
      new Map([
        ['a', a],
        ['b', b],
        ['c', c],
      ]);
    const out = limitComponentModules(all(), 16);
    assert.deepEqual(out.get('a')!.footprint.memoryPages, [13]);
    assert.deepEqual(out.get('b')!.footprint.memoryPages, [2]);
    assert.deepEqual(out.get('c')!.footprint.memoryPages, [1]);
    assert.throws(
      () => limitComponentModules(all(), 6),
      (e: unknown) => e instanceof ModuleLimitError && /together/.test(e.message),
    );
  });

  it('shares the table budget among growable tables', async () => {
    const fixed = await parse('(module (table 10 10 funcref))');
    const open = await parse('(module (table 0 externref) (table 5 funcref))');
    const out = limitComponentModules(
      new Map([
        ['f', fixed],
        ['o', open],
      ]),
      0,
    );
    const share = Math.floor((MAX_TABLE_ENTRIES - 15) / 2);
    assert.deepEqual(out.get('f')!.footprint.tableEntries, [10]);
    assert.deepEqual(out.get('o')!.footprint.tableEntries, [share, 5 + share]);
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
      (e: unknown) => e instanceof ComponentLimitError && /cannot run within the sandbox's limits \(memoryLimitBytes 1048576\)/.test(e.message),
    );
  });
});
