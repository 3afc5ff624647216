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
  await assert.rejects(store.save('a', Buffer.from('new')), (e: unknown) => e instanceof StateStoreError && /cannot save the state of source "a"/.test(e.message));
  assert.deepEqual(await readdir(join(dir, 'sources')), ['a.state']);
});
