// Attacks on the filesystem grant: `..` chains (also through directories that do not
// exist), absolute paths, symlinks to outside in every position, a symlink swapped in
// while the guest opens (a concurrent process racing the lookups), a symlinked
// preopen re-pointed after the grant, and descriptors used after they were dropped.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConnectorCallError, FileThread, loadComponent } from '../../runtime/host/index.js';
import { filesystemImports, MAX_OPEN_FILES, type Descriptor, type PreopenGrant } from '../../runtime/host/wasi/filesystem.js';
import { cache, captureLogger, fixtureGuest } from '../host/support.js';

/** What the guest would see: `ok:<content>` or `err:<wasi error-code>`. */
function attempt(fn: () => string): string {
  try {
    return `ok:${fn()}`;
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'payload' in err) return `err:${String((err as { payload: unknown }).payload)}`;
    throw err;
  }
}

/** The file I/O thread the direct tests' calls run on, as a connector's do. */
let files: FileThread | undefined;
after(() => files?.close(2000));

function grant(preopens: PreopenGrant[]): { root: Descriptor; close: () => void } {
  files ??= new FileThread();
  const fs = filesystemImports(preopens, { block: files.block, exclusive: false }, { budgetMs: 10_000, deadline: () => Date.now() + 10_000 });
  const preopen = fs.imports['wasi:filesystem/preopens'] as { getDirectories(): [Descriptor, string][] };
  return { root: preopen.getDirectories()[0]![0], close: () => fs.close() };
}

const DISPOSE = (Symbol as unknown as { dispose?: symbol }).dispose ?? Symbol.for('dispose');
/** What jco does when the guest drops its handle. */
const drop = (d: Descriptor) => (d as unknown as Record<symbol, () => void>)[DISPOSE]!.call(d);

function readAt(dir: Descriptor, path: string, follow = true): string {
  return attempt(() => {
    const file = dir.openAt({ symlinkFollow: follow }, path, {}, { read: true });
    try {
      return Buffer.from(file.read(4096n, 0n)[0]).toString().trim();
    } finally {
      drop(file);
    }
  });
}

function writeAt(dir: Descriptor, path: string): string {
  return attempt(() => {
    const file = dir.openAt({ symlinkFollow: true }, path, { create: true, truncate: true }, { write: true });
    try {
      file.write(Buffer.from('pwned'), 0n);
      return 'written';
    } finally {
      drop(file);
    }
  });
}

describe('filesystem hardening', () => {
  let top: string;
  let jail: string;
  let outside: string;
  before(async () => {
    top = await mkdtemp(join(tmpdir(), 'sandbox-fs-'));
    jail = join(top, 'jail');
    outside = join(top, 'outside');
    await mkdir(join(jail, 'sub', 'deeper'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(jail, 'hello.txt'), 'inside');
    await writeFile(join(jail, 'sub', 'deeper', 'note.txt'), 'deep inside');
    await writeFile(join(outside, 'secret.txt'), 'outside');
    await symlink(outside, join(jail, 'abs-out'));
    await symlink('../outside', join(jail, 'rel-out'));
    await symlink('../../outside/secret.txt', join(jail, 'sub', 'file-out'));
    await symlink(join(outside, 'planted.txt'), join(jail, 'dangling-out'));
    await symlink('sub/deeper', join(jail, 'in-link'));
    await symlink('..', join(jail, 'sub', 'up'));
    await symlink('loop-b', join(jail, 'loop-a'));
    await symlink('loop-a', join(jail, 'loop-b'));
  });
  after(() => rm(top, { recursive: true, force: true }));

  it('refuses `..` chains and absolute paths, also through directories that do not exist', () => {
    const { root, close } = grant([{ hostPath: jail, guestPath: '/data', readOnly: false }]);
    try {
      const cases: Record<string, string> = {
        'hello.txt': 'ok:inside',
        'sub/../hello.txt': 'ok:inside',
        'sub/deeper/../../hello.txt': 'ok:inside',
        '../outside/secret.txt': 'err:not-permitted',
        'sub/../../outside/secret.txt': 'err:not-permitted',
        'sub/deeper/../../../outside/secret.txt': 'err:not-permitted',
        // Resolved by name, "nope/.." would be "." and the chain would climb out.
        'nope/../../outside/secret.txt': 'err:no-entry',
        'nope/../hello.txt': 'err:no-entry',
        [join(outside, 'secret.txt')]: 'err:not-permitted',
        '/hello.txt': 'err:not-permitted',
        'hello.txt\0.png': 'err:not-permitted',
      };
      for (const [path, expected] of Object.entries(cases)) assert.equal(readAt(root, path), expected, `read ${JSON.stringify(path)}`);
      assert.equal(writeAt(root, '../outside/new.txt'), 'err:not-permitted');
      assert.equal(writeAt(root, 'nope/../../outside/new.txt'), 'err:no-entry');
      assert.equal(existsSync(join(outside, 'new.txt')), false, 'nothing created outside');
    } finally {
      close();
    }
  });

  it('follows symlinks only while they stay inside, in any position, and never creates through one', async () => {
    const { root, close } = grant([{ hostPath: jail, guestPath: '/data', readOnly: false }]);
    try {
      const cases: Record<string, string> = {
        'in-link/note.txt': 'ok:deep inside',
        'sub/up/hello.txt': 'ok:inside',
        'abs-out/secret.txt': 'err:not-permitted',
        'rel-out/secret.txt': 'err:not-permitted',
        'sub/file-out': 'err:not-permitted',
        'sub/up/../outside/secret.txt': 'err:not-permitted',
        'loop-a': 'err:loop',
      };
      for (const [path, expected] of Object.entries(cases)) assert.equal(readAt(root, path), expected, `read ${JSON.stringify(path)}`);
      assert.equal(readAt(root, 'sub/file-out', false), 'err:loop', 'no-follow open of a symlink');
      assert.equal(writeAt(root, 'dangling-out'), 'err:not-permitted');
      assert.equal(writeAt(root, 'rel-out/new.txt'), 'err:not-permitted');
      assert.equal(
        attempt(() => (root.createDirectoryAt('abs-out/made'), 'made')),
        'err:not-permitted',
      );
      assert.equal(
        attempt(() => (root.unlinkFileAt('rel-out/secret.txt'), 'gone')),
        'err:not-permitted',
      );
      assert.equal(
        attempt(() => (root.renameAt('rel-out/secret.txt', root, 'stolen.txt'), 'moved')),
        'err:not-permitted',
      );
      assert.deepEqual((await readdir(outside)).sort(), ['secret.txt'], 'outside is untouched');
      const stat = attempt(() => root.statAt({ symlinkFollow: true }, 'abs-out').type);
      assert.equal(stat, 'err:not-permitted', 'not even metadata of what a symlink points to outside');
      assert.equal(
        attempt(() => root.statAt({ symlinkFollow: false }, 'abs-out').type),
        'ok:symbolic-link',
      );
    } finally {
      close();
    }
  });

  // `invalid` is readlink's answer when the symlink turned back into a directory between lstat and readlink.
  it('stays inside while another process swaps a directory for a symlink to outside, in a loop', async () => {
    const race = join(jail, 'race');
    await mkdir(join(race, 'swap'), { recursive: true });
    await writeFile(join(race, 'swap', 'secret.txt'), 'inside');
    // The swapper alternates race/swap between the real directory and a symlink to `outside`.
    const swapper = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('node:fs'); const [race, outside] = process.argv.slice(1);
         const swap = race + '/swap', parked = race + '/parked', link = race + '/link';
         for (;;) {
           fs.renameSync(swap, parked);
           try { fs.unlinkSync(link); } catch {}
           fs.symlinkSync(outside, link);
           fs.renameSync(link, swap);
           fs.renameSync(swap, link);
           fs.renameSync(parked, swap);
         }`,
        race,
        outside,
      ],
      { stdio: 'ignore' },
    );
    const { root, close } = grant([{ hostPath: jail, guestPath: '/data', readOnly: false }]);
    const outcomes = new Map<string, number>();
    try {
      const deadline = Date.now() + 1500;
      while (Date.now() < deadline) {
        for (const result of [readAt(root, 'race/swap/secret.txt'), writeAt(root, 'race/swap/planted.txt'), readAt(root, 'race/swap/../swap/secret.txt')]) {
          outcomes.set(result, (outcomes.get(result) ?? 0) + 1);
        }
      }
    } finally {
      swapper.kill('SIGKILL');
      close();
    }
    const seen = [...outcomes.keys()].sort();
    assert.ok(!seen.includes('ok:outside'), `read outside through the swapped symlink: ${JSON.stringify([...outcomes])}`);
    assert.equal(existsSync(join(outside, 'planted.txt')), false, `a file was created outside: ${JSON.stringify([...outcomes])}`);
    assert.ok(outcomes.get('ok:inside'), `the race never let a read through, so it proved nothing: ${JSON.stringify([...outcomes])}`);
    for (const result of seen)
      assert.match(result, /^(ok:inside|ok:written|err:(no-entry|not-permitted|not-directory|loop|invalid))$/, `unexpected outcome ${result}`);
  });

  it('pins a symlinked preopen to the directory it named when the instance started', async () => {
    const link = join(top, 'preopen-link');
    await symlink(jail, link);
    const { root, close } = grant([{ hostPath: link, guestPath: '/data', readOnly: true }]);
    try {
      assert.equal(readAt(root, 'hello.txt'), 'ok:inside');
      await unlink(link);
      await symlink(outside, link);
      assert.equal(readAt(root, 'hello.txt'), 'ok:inside', 'still the granted directory');
      assert.equal(readAt(root, 'secret.txt'), 'err:no-entry', 'the re-pointed symlink is not followed');
      assert.equal(readAt(root, '../outside/secret.txt'), 'err:not-permitted');
      assert.equal(readAt(root, '..'), 'err:not-permitted');
    } finally {
      close();
    }
  });

  it('keeps a held directory descriptor on its directory after the path is swapped', async () => {
    const moving = join(jail, 'moving');
    await mkdir(moving);
    const { root, close } = grant([{ hostPath: jail, guestPath: '/data', readOnly: false }]);
    try {
      const dir = root.openAt({ symlinkFollow: true }, 'moving', { directory: true }, { read: true });
      await rm(moving, { recursive: true });
      await symlink(outside, moving);
      assert.equal(readAt(dir, 'secret.txt'), 'err:no-entry', 'the descriptor still means the (now removed) directory');
      assert.equal(readAt(root, 'moving/secret.txt'), 'err:not-permitted');
      assert.equal(readAt(dir, '..'), 'err:not-permitted', '`..` never climbs above the descriptor it starts from');
    } finally {
      close();
    }
  });

  it('refuses a descriptor after it was dropped or the instance closed its files', () => {
    const { root, close } = grant([{ hostPath: jail, guestPath: '/data', readOnly: true }]);
    const file = root.openAt({ symlinkFollow: true }, 'hello.txt', {}, { read: true });
    drop(file);
    assert.equal(
      attempt(() => Buffer.from(file.read(10n, 0n)[0]).toString()),
      'err:bad-descriptor',
    );
    drop(root);
    assert.equal(readAt(root, 'hello.txt'), 'ok:inside', 'a preopen outlives the guest dropping its handle');
    close();
    assert.equal(readAt(root, 'hello.txt'), 'err:bad-descriptor');
  });

  it('allocates at most 1 MiB for a read, whatever length the guest asks for', () => {
    const { root, close } = grant([{ hostPath: jail, guestPath: '/data', readOnly: true }]);
    try {
      const file = root.openAt({ symlinkFollow: true }, 'hello.txt', {}, { read: true });
      const [bytes, end] = file.read(1n << 40n, 0n);
      assert.equal(Buffer.from(bytes).toString(), 'inside');
      assert.equal(end, true);
    } finally {
      close();
    }
  });

  it('caps the descriptors one instance holds, since file descriptors are shared by the whole process', () => {
    const { root, close } = grant([{ hostPath: jail, guestPath: '/data', readOnly: true }]);
    try {
      const held: Descriptor[] = [];
      let refused = '';
      for (let i = 0; i < MAX_OPEN_FILES + 10 && !refused; i++) {
        const r = attempt(() => {
          held.push(root.openAt({ symlinkFollow: true }, 'hello.txt', {}, { read: true }));
          return 'opened';
        });
        if (r !== 'ok:opened') refused = r;
      }
      assert.equal(refused, 'err:insufficient-memory');
      assert.equal(held.length, MAX_OPEN_FILES - 1, 'the preopen holds one');
      drop(held.pop()!);
      assert.equal(readAt(root, 'hello.txt'), 'ok:inside', 'a dropped descriptor frees its slot');
    } finally {
      close();
    }
  });

  it('holds through a real guest: the probe fixture reads only inside its grant', async () => {
    const { logger } = captureLogger();
    const read = [
      '/data/hello.txt',
      '/data/in-link/note.txt',
      '/data/nope/../../outside/secret.txt',
      '/data/sub/up/../outside/secret.txt',
      '/data/rel-out/secret.txt',
    ];
    const component = await loadComponent(fixtureGuest('file-reader-sink'), {
      logger,
      cache,
      grants: { preopens: [{ hostPath: jail, guestPath: '/data', readOnly: false }] },
    });
    const sink = await component.instantiateSink();
    let report = '';
    try {
      sink.open(JSON.stringify({ read, write: '/data/dangling-out' }));
    } catch (err) {
      assert.ok(err instanceof ConnectorCallError, String(err));
      report = err.message;
    } finally {
      sink.close();
    }
    assert.equal(
      report,
      [
        'preopens=[/data]',
        'read /etc/hostname => no-preopen',
        'read /data/hello.txt => ok:inside',
        'read /data/in-link/note.txt => ok:deep inside',
        'read /data/nope/../../outside/secret.txt => err:"no-entry"',
        'read /data/sub/up/../outside/secret.txt => err:"not-permitted"',
        'read /data/rel-out/secret.txt => err:"not-permitted"',
        'write /data/dangling-out => err:"not-permitted"',
      ].join('\n'),
    );
    assert.equal(existsSync(join(outside, 'planted.txt')), false);
  });
});
