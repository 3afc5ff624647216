// Issue 16, in process: each hand-written hostile guest (test/fixtures/wat/) against
// the host alone, checking the bound itself (the table and memory maxima, the host
// allocation, the string cut) and that the process survives it. The same guests run
// through a real runtime beside a good pipeline in bounded-guests.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ComponentWorldError, ConnectorCallError, GuestTrapError, loadComponent } from '../../runtime/host/index.js';
import { MAX_GUEST_TEXT } from '../../runtime/host/guest.js';
import { MAX_RANDOM_BYTES } from '../../runtime/host/wasi/clocks-random.js';
import { cache, captureLogger } from '../host/support.js';
import { watGuest } from './wat-guests.js';

const MiB = 1024 * 1024;
const { logger } = captureLogger();
const rssMiB = () => Math.round(process.memoryUsage.rss() / MiB);

describe('hostile WAT guests against the host', () => {
  it('table.grow on externref and funcref tables stops at the host bound; the process lives', async () => {
    const before = rssMiB();
    const guest = await (await loadComponent(await watGuest('table-grow-sink'), { logger, cache, memoryLimitBytes: 16 * MiB })).instantiateSink();
    assert.throws(
      () => guest.open('{}'),
      (e: unknown) => e instanceof ConnectorCallError && e.kind === 'permanent' && /table.grow was refused/.test(e.message),
    );
    // 1M entries in all: a few tens of MiB at most (unbounded, eight tables reach 80M entries and abort V8).
    assert.ok(rssMiB() - before < 200, `RSS grew from ${before} to ${rssMiB()} MiB`);
  });

  it('the memory cap covers every memory of the component, and memoryBytes reports all of them', async () => {
    const limit = 32 * MiB;
    const before = rssMiB();
    const guest = await (await loadComponent(await watGuest('many-memories-sink'), { logger, cache, memoryLimitBytes: limit })).instantiateSink();
    guest.open('{}');
    // 16 memories: the main one may grow to the limit less the 15 others' page each; none of the others grew.
    assert.equal(guest.memoryBytes(), 16 * 65536, `reported ${guest.memoryBytes()} bytes`);
    assert.ok(rssMiB() - before < 100, `RSS grew from ${before} to ${rssMiB()} MiB`);
    guest.close();
  });

  it('a 100 MiB invalid-config message is cut where it enters the host, with its length', async () => {
    const guest = await (await loadComponent(await watGuest('huge-error-sink'), { logger, cache, memoryLimitBytes: 256 * MiB })).instantiateSink();
    assert.throws(
      () => guest.open('{}'),
      (e: unknown) =>
        e instanceof ConnectorCallError &&
        e.kind === 'invalid-config' &&
        e.message.startsWith('x'.repeat(100)) &&
        e.message.length < MAX_GUEST_TEXT + 200 &&
        /was 104857600 characters/.test(e.message),
    );
  });

  it('a component exporting the sink interface by name with other types is refused at load, naming the difference', async () => {
    await assert.rejects(
      loadComponent(await watGuest('wrong-types-sink'), { logger, cache }),
      (e: unknown) =>
        e instanceof ComponentWorldError &&
        e.message.includes('with types that differ from this host') &&
        e.message.includes('expected `export function open(config: string): void;`, found `export function open(config: number): void;`'),
    );
  });

  it('unbounded recursion is reported as a stack overflow, and the instance is discarded', async () => {
    const guest = await (await loadComponent(await watGuest('recursion-sink'), { logger, cache })).instantiateSink();
    assert.throws(
      () => guest.open('{}'),
      (e: unknown) => e instanceof GuestTrapError && /^stack overflow: the guest recursed too deep/.test(e.message),
    );
    assert.throws(
      () => guest.open('{}'),
      (e: unknown) => e instanceof GuestTrapError && /trapped earlier/.test(e.message),
    );
  });

  it('wasi:random get-random-bytes of 2 GiB traps with a message naming the limit, without allocating it', async () => {
    const before = rssMiB();
    const guest = await (await loadComponent(await watGuest('random-hog-sink'), { logger, cache, memoryLimitBytes: 64 * MiB })).instantiateSink();
    assert.throws(
      () => guest.open('{}'),
      (e: unknown) =>
        e instanceof GuestTrapError && e.message.includes(`get-random-bytes asked for 2147483648 bytes, above the host's limit of ${MAX_RANDOM_BYTES}`),
    );
    assert.ok(rssMiB() - before < 100, `RSS grew from ${before} to ${rssMiB()} MiB`);
  });
});
