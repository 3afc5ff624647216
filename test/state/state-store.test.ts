import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore, StateStoreError } from '../../runtime/state/state-store.js';

test('state store: load before any save is undefined, then returns the last saved blob', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = new StateStore(dir);
  assert.equal(await store.load('random'), undefined);
  await store.save('random', Buffer.from('{"seq":1}'));
  await store.save('random', Buffer.from('{"seq":2}'));
  assert.equal(Buffer.from((await store.load('random'))!).toString(), '{"seq":2}');
  // Nothing but the state file is left behind (no temp files).
  assert.deepEqual(await readdir(join(dir, 'sources')), ['random.state']);
  // A second store over the same directory sees the same state (what a restart does).
  assert.equal(Buffer.from((await new StateStore(dir).load('random'))!).toString(), '{"seq":2}');
});

test('state store: a key that cannot be a file name is refused with a clear error', async () => {
  const store = new StateStore(tmpdir());
  await assert.rejects(store.save('../escape', Buffer.from('x')), (e: unknown) => e instanceof StateStoreError && /cannot name a state file/.test(e.message));
});

test('state store: a failed save raises StateStoreError and leaves no temp file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = new StateStore(dir);
  // A non-empty directory where the state file should be: the atomic rename over it fails.
  await mkdir(join(dir, 'sources', 'a.state'), { recursive: true });
  await writeFile(join(dir, 'sources', 'a.state', 'x'), 'x');
  await assert.rejects(
    store.save('a', Buffer.from('new')),
    (e: unknown) => e instanceof StateStoreError && /cannot save the state of source "a"/.test(e.message),
  );
  assert.deepEqual(await readdir(join(dir, 'sources')), ['a.state']);
});

/** A real store that counts its saves. */
class CountingStore extends StateStore {
  readonly saves: string[] = [];
  override async save(key: string, state: Uint8Array): Promise<void> {
    this.saves.push(Buffer.from(state).toString());
    await super.save(key, state);
  }
}

test('state writer: the first state is saved at once, later ones at most once per interval, and close saves the newest', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = new CountingStore(dir);
  const writer = store.writer('src', { intervalMs: 100 });
  writer.offer(Buffer.from('s0'));
  assert.deepEqual(store.saves, ['s0'], 'the first state goes out without waiting for the interval');
  const started = performance.now();
  let n = 1;
  while (performance.now() - started < 350) {
    writer.offer(Buffer.from(`s${n++}`));
    await new Promise((r) => setTimeout(r, 2));
  }
  const during = store.saves.length;
  // 350 ms at one save per 100 ms: the first one plus at most four more (timer slack included).
  assert.ok(during >= 2 && during <= 5, `${during} saves for ${n} states in 350 ms: ${store.saves.join(',')}`);
  await writer.close();
  assert.equal(store.saves.at(-1), `s${n - 1}`, 'close() saves the newest state');
  assert.equal(Buffer.from((await store.load('src'))!).toString(), `s${n - 1}`);
  assert.throws(
    () => writer.offer(Buffer.from('late')),
    (e: unknown) => e instanceof StateStoreError && /closed/.test(e.message),
  );
});

test('state writer: a failed save is raised by close() as a StateStoreError', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'sources', 'b.state'), { recursive: true });
  await writeFile(join(dir, 'sources', 'b.state', 'x'), 'x');
  const writer = new StateStore(dir).writer('b', { intervalMs: 50 });
  writer.offer(Buffer.from('one'));
  await assert.rejects(writer.close(), (e: unknown) => e instanceof StateStoreError && /cannot save the state of source "b"/.test(e.message));
});

test('state store: a state directory removed after the first save is created again', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = new StateStore(dir);
  await store.save('c', Buffer.from('1'));
  await rm(join(dir, 'sources'), { recursive: true });
  await store.save('c', Buffer.from('2'));
  assert.equal(Buffer.from((await store.load('c'))!).toString(), '2');
});
