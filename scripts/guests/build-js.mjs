// Builds the JS example guests (guest-examples/js/<name>/) into components with
// componentize-js. Incremental: a guest is skipped when the hash of its sources,
// the SDK and wit/ matches the stamp beside its .wasm. Also exports the pieces the
// fixture builder reuses.
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashInputs as hashFiles, isFresh, listFiles, markBuilt, root, snakeName } from './toolchain.mjs';

export { root, snakeName };

const jsGuests = join(root, 'guest-examples', 'js');
export const sdkDir = join(jsGuests, 'sdk');
const witDir = join(root, 'wit');
/** Where jco keeps the WASI WIT packages that match the WASI version componentize-js targets. */
const wasiWitDir = join(root, 'node_modules', '@bytecodealliance', 'jco', 'lib', 'wit', 'builtin', '0.2.12');

/** The entry file of a guest folder decides its world. */
export const ENTRIES = [
  { file: 'sink.js', world: 'sink-connector' },
  { file: 'source.js', world: 'source-connector' },
];

/** Hash of every file with one of `ext` under each of `dirs`, plus the componentize-js version. */
export async function hashInputs(dirs) {
  const pkg = JSON.parse(await readFile(join(root, 'node_modules', '@bytecodealliance', 'componentize-js', 'package.json'), 'utf8'));
  const files = [];
  for (const { dir, ext } of dirs) files.push(...(await listFiles(dir, (f) => ext.some((e) => f.endsWith(e)))));
  return hashFiles(files, [`componentize-js ${pkg.version}`]);
}

/**
 * A throw-away copy of wit/ plus `extraWorlds` (WIT text in package
 * iggy:connector) and, when asked, the WASI packages those worlds import.
 */
export async function prepareWit({ extraWorlds, withWasi = false } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'iggy-wit-'));
  for (const name of await readdir(witDir)) {
    if (!name.endsWith('.wit')) continue;
    await cp(join(witDir, name), join(dir, name));
  }
  if (extraWorlds) await writeFile(join(dir, 'zz-extra-worlds.wit'), extraWorlds);
  if (withWasi) {
    await mkdir(join(dir, 'deps'));
    for (const pkg of await readdir(wasiWitDir)) await cp(join(wasiWitDir, pkg), join(dir, 'deps', pkg), { recursive: true });
  }
  return dir;
}

let preopensSet = false;

/**
 * Runs componentize-js on one entry file. The source must sit under the project
 * root: componentize-js maps the current directory into the build sandbox, which is
 * how `../sdk/index.js` imports resolve (no bundler needed).
 */
export async function componentizeFile({ sourcePath, witPath, worldName }) {
  if (!preopensSet) {
    // preview2-shim starts without preopens and componentize-js reads its inputs
    // through it; this process only builds, so it may see the whole filesystem.
    const { _setPreopens } = await import('@bytecodealliance/preview2-shim/filesystem');
    _setPreopens({ '/': '/' });
    preopensSet = true;
  }
  const { componentize } = await import('@bytecodealliance/componentize-js');
  const previous = process.cwd();
  process.chdir(root);
  try {
    const { component } = await componentize({ sourcePath, witPath, worldName });
    return component;
  } finally {
    process.chdir(previous);
  }
}

/**
 * Builds one guest folder to `<folder>/<snake_name>.wasm` unless its stamp matches.
 * Returns 'built' or 'fresh'.
 */
export async function buildGuestFolder({ dir, entry, world, hashDirs, witPath, force, log = console.log }) {
  const output = join(dir, `${snakeName(basename(dir))}.wasm`);
  const hash = await hashInputs(hashDirs);
  if (!force && (await isFresh(output, hash))) return 'fresh';
  const started = Date.now();
  const component = await componentizeFile({ sourcePath: join(dir, entry), witPath, worldName: world });
  await writeFile(output, component);
  await markBuilt(output, hash);
  log(`  built ${relative(root, output)} (${(component.length / 1e6).toFixed(1)} MB, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return 'built';
}

/**
 * Builds a set of purpose-built guests (test fixtures): each `{ name, entry, world }` in
 * `list` is the folder `<baseDir>/<name>`, built against wit/ plus the worlds in
 * `<witDir>/<witFile>`; a change to any of those, the SDK or the guest rebuilds it.
 */
export async function buildGuestSet({ baseDir, witDir: extraWitDir, witFile, list, withWasi = false, force = false }) {
  const witPath = await prepareWit({ extraWorlds: await readFile(join(extraWitDir, witFile), 'utf8'), withWasi });
  try {
    for (const f of list) {
      const dir = join(baseDir, f.name);
      await buildGuestFolder({
        dir,
        entry: f.entry,
        world: f.world,
        witPath,
        force,
        hashDirs: [
          { dir, ext: ['.js'] },
          { dir: sdkDir, ext: ['.js'] },
          { dir: witDir, ext: ['.wit'] },
          { dir: extraWitDir, ext: ['.wit'] },
        ],
      });
    }
  } finally {
    await rm(witPath, { recursive: true, force: true });
  }
}

/** Every guest-examples/js/<name>/ holding a sink.js or source.js. */
export async function build({ force = false } = {}) {
  for (const name of (await readdir(jsGuests)).sort()) {
    const dir = join(jsGuests, name);
    const entry = ENTRIES.find((e) => existsSync(join(dir, e.file)));
    if (!entry || dir === sdkDir) continue;
    await buildGuestFolder({
      dir,
      entry: entry.file,
      world: entry.world,
      witPath: witDir,
      force,
      hashDirs: [
        { dir, ext: ['.js'] },
        { dir: sdkDir, ext: ['.js'] },
        { dir: witDir, ext: ['.wit'] },
      ],
    });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await build({ force: process.argv.includes('--force') });
}
