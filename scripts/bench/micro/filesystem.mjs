// Micro-benchmark (not a test) of a guest's file calls: each wasi:filesystem operation on its
// own, and the Rust file sink consuming batches through the real component, against a
// baseline build in the same run (alternating rounds), reporting µs per call. Run after
// `npx tsc -p tsconfig.json` and `node scripts/build-guests.mjs`:
//   node scripts/bench/micro/filesystem.mjs [baseline-dist] [ms-per-round] [case-name-filter]
// baseline-dist is another build's dist/ (e.g. of a checkout from before a change); without it
// both sides are the current build, which shows the noise floor. It needs node_modules reachable
// from it. A build whose filesystem.js runs the calls in-thread (no file-link.js) is driven as such.
import { existsSync, truncateSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const here = new URL('../../../dist/', import.meta.url);
const baseDir = process.argv[2] ? pathToFileURL(resolve(process.argv[2]) + '/') : here;
const ROUND_MS = Number(process.argv[3] ?? 200);
// The machine is shared: many short alternating rounds and the median keep load spikes out.
const ROUNDS = 15;
const ONLY = process.argv[4] ?? '';
const FILE_SINK = join(root, 'guest-examples/rust/file-sink/file_sink.wasm');

const silent = { child: () => silent, trace() {}, debug() {}, info() {}, warn() {}, error() {}, level: 'silent' };
const DISPOSE = Symbol.dispose ?? Symbol.for('dispose');

async function load(dist) {
  const m = (p) => import(new URL(p, dist).href);
  const fsMod = await m('runtime/host/wasi/filesystem.js');
  const linked = existsSync(fileURLToPath(new URL('runtime/host/wasi/file-link.js', dist)));
  const link = linked ? await m('runtime/host/wasi/file-link.js') : undefined;
  const thread = link ? new link.FileThread() : undefined;
  return {
    label: linked ? 'file I/O thread' : 'in-thread',
    host: await m('runtime/host/index.js'),
    flat: await m('runtime/batch/flat-batch.js'),
    /** Preopens `dir` read-write; returns the root descriptor and a close. */
    grant(dir) {
      const grants = [{ hostPath: dir, guestPath: '/data', readOnly: false }];
      const fs = linked ? fsMod.filesystemImports(grants, { block: thread.block, exclusive: false }, { budgetMs: 30_000, deadline: () => Date.now() + 30_000 }) : fsMod.filesystemImports(grants);
      const root = fs.imports['wasi:filesystem/preopens'].getDirectories()[0][0];
      return { root, close: () => (linked ? fs.close() : fs.files.closeAll()) };
    },
    close: () => thread?.close(2000),
  };
}

function time(fn) {
  let n = 0;
  const t0 = process.hrtime.bigint();
  const limit = t0 + BigInt(ROUND_MS) * 1_000_000n;
  let t = t0;
  while (t < limit) {
    for (let k = 0; k < 10; k++) fn();
    n += 10;
    t = process.hrtime.bigint();
  }
  return Number(t - t0) / n / 1000; // µs per call
}

const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

function compare(name, makeBase, makeCur, unit = 'call', perCall = 1) {
  if (!name.includes(ONLY)) return;
  const fb = makeBase();
  const fc = makeCur();
  const nb = [];
  const nc = [];
  // Which side runs first alternates: the second of two writers meets the first one's dirty pages.
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      nb.push(time(fb));
      nc.push(time(fc));
    } else {
      nc.push(time(fc));
      nb.push(time(fb));
    }
  }
  const b = med(nb) / perCall;
  const c = med(nc) / perCall;
  const f = (x) => (x < 10 ? x.toFixed(2) : x.toFixed(1)).padStart(7);
  console.log(`${name.padEnd(46)} baseline ${f(b)} µs/${unit}  current ${f(c)} µs/${unit}  (+${f(c - b)} µs, ${(c / b).toFixed(2)}x)`);
}

const base = await load(baseDir);
const cur = await load(here);
console.log(`baseline: ${base.label} (${fileURLToPath(baseDir)}), current: ${cur.label}; ${ROUNDS} rounds of ${ROUND_MS} ms, median`);

const dir = await mkdtemp(join(tmpdir(), 'fs-bench-'));
try {
  await mkdir(join(dir, 'a', 'b'), { recursive: true });
  await writeFile(join(dir, 'a', 'b', 'file.txt'), Buffer.alloc(4096, 7));
  await mkdir(join(dir, 'list'));
  for (let i = 0; i < 100; i++) await writeFile(join(dir, 'list', `entry-${i}`), '');
  const gb = base.grant(dir);
  const gc = cur.grant(dir);
  const open = (root) => () => root.openAt({ symlinkFollow: true }, 'a/b/file.txt', {}, { read: true });
  const both = (make) => [() => make(gb.root, 'base'), () => make(gc.root, 'cur')];

  compare('openAt a/b/file.txt + drop', ...both((root) => () => open(root)()[DISPOSE]()));
  compare('statAt a/b/file.txt', ...both((root) => () => root.statAt({ symlinkFollow: true }, 'a/b/file.txt')));
  compare('read 4 KiB (open descriptor)', ...both((root) => { const f = open(root)(); return () => f.read(4096n, 0n); }));
  compare('stat (open descriptor)', ...both((root) => { const f = open(root)(); return () => f.stat(); }));
  const writer = (root, side) => root.openAt({ symlinkFollow: true }, `w-${side}.bin`, { create: true }, { read: true, write: true });
  const small = new Uint8Array(100);
  compare('write 100 B at offset 0', ...both((root, side) => { const f = writer(root, side); return () => f.write(small, 0n); }));
  const chunk = new Uint8Array(64 * 1024);
  compare('append 64 KiB through a stream', ...both((root, side) => { const f = writer(root, side); f.setSize(0n); const s = f.appendViaStream(); let n = 0; return () => { if (++n % 256 === 0) f.setSize(0n); s.blockingWriteAndFlush(chunk); }; }));
  compare('readDirectory of 100 entries', ...both((root) => { const d = root.openAt({ symlinkFollow: true }, 'list', { directory: true }, { read: true }); return () => { const s = d.readDirectory(); while (s.readDirectoryEntry()); }; }));
  gb.close();
  gc.close();

  // What a call on a descriptor costs when its file is not on a local file system (FUSE, NFS, ...):
  // one round trip to the file I/O thread. Here on a local file, through the same path.
  if (cur.label === 'file I/O thread' && 'fstat through the file I/O thread (non-local files)'.includes(ONLY)) {
    const link = await import(new URL('runtime/host/wasi/file-link.js', here).href);
    const thread = new link.FileThread();
    const client = new link.FileClient(thread.block, { budgetMs: 30_000, deadline: () => Date.now() + 30_000 });
    const [root] = client.call({ op: 'begin', session: client.session, what: 'bench', hostPaths: [dir], closeOthers: false }).value;
    const file = client.call({ op: 'open', session: client.session, what: 'bench', dir: root, path: 'a/b/file.txt', follow: true, open: {}, flags: { read: true } }).value;
    const fstat = () => client.call({ op: 'fstat', session: client.session, what: 'bench', fd: file.fd });
    const read = () => client.call({ op: 'read', session: client.session, what: 'bench', fd: file.fd, length: 4096, offset: 0 });
    for (const [name, fn] of [
      ['fstat through the file I/O thread (non-local files)', fstat],
      ['read 4 KiB through the file I/O thread', read],
    ]) {
      const rounds = Array.from({ length: ROUNDS }, () => time(fn));
      console.log(`${name.padEnd(46)} current ${med(rounds).toFixed(1).padStart(7)} µs/call (min round ${Math.min(...rounds).toFixed(1)})`);
    }
    client.call({ op: 'end', session: client.session, what: 'bench' });
    await thread.close(2000);
  }

  // The real Rust file sink: one append per batch, the whole consume path (guest + host).
  if (existsSync(FILE_SINK)) {
    for (const [count, size] of [
      [1000, 130],
      [10, 130],
    ]) {
      const label = `file sink consume, ${count} × ${size} B messages`;
      if (!label.includes(ONLY)) continue;
      const make = async (side, impl) => {
        const out = join(dir, `sink-${side}-${count}`);
        await mkdir(out);
        const component = await impl.host.loadComponent(FILE_SINK, { logger: silent, grants: { preopens: [{ hostPath: out, guestPath: '/out', readOnly: false }] } });
        const sink = await component.instantiateSink();
        sink.open(JSON.stringify({ path: '/out/messages.ndjson' }));
        const batch = impl.flat.buildBatch(Array.from({ length: count }, (_, i) => ({ offset: BigInt(i), payload: Buffer.alloc(size, 97) })));
        const meta = { partitionId: 0, currentOffset: 0n, schema: 'raw', messageCount: count };
        // The file is cut now and then from outside (the sink appends at the end, wherever it is), to bound the disk used.
        const file = join(out, 'messages.ndjson');
        let n = 0;
        return () => {
          if (++n % 100 === 0) truncateSync(file, 0);
          sink.consume({ stream: 's', topic: 't' }, meta, batch);
        };
      };
      const fb = await make('base', base);
      const fc = await make('cur', cur);
      compare(label, () => fb, () => fc, 'batch');
      const nb = time(fb);
      const nc = time(fc);
      console.log(`${''.padEnd(46)} ≈ ${((count / nb) * 1e6).toFixed(0).padStart(9)} msgs/s baseline, ${((count / nc) * 1e6).toFixed(0).padStart(9)} msgs/s current (one round)`);
    }
  } else {
    console.log(`file sink cases skipped: ${FILE_SINK} is not built (node scripts/build-guests.mjs)`);
  }
} finally {
  await base.close();
  await cur.close();
  await rm(dir, { recursive: true, force: true });
}
