// Builds the Rust example guests (guest-examples/rust/<name>/, one cargo
// workspace) into components with `cargo build --target wasm32-wasip2`, which
// emits a component directly. Incremental: a guest is skipped when the hash of
// its sources, the SDK, the workspace manifests, wit/ and rustc's version
// matches the stamp beside its .wasm.
import { copyFile, readdir, readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cacheRoot,
  ensureRustTarget,
  hashInputs,
  isFresh,
  listFiles,
  log,
  markBuilt,
  probe,
  root,
  run,
  sizeText,
  snakeName,
  toolEnv,
  witDir,
} from './toolchain.mjs';

const TARGET = 'wasm32-wasip2';
const workspace = join(root, 'guest-examples', 'rust');
/** Outside the work tree, so dependencies compiled once serve every clone. */
const targetDir = join(cacheRoot, 'cargo', 'guests');

/** Workspace members that build a component (a cdylib), by folder name. */
async function guestFolders() {
  const out = [];
  for (const name of (await readdir(workspace)).sort()) {
    const manifest = join(workspace, name, 'Cargo.toml');
    if (existsSync(manifest) && /crate-type\s*=\s*\[\s*"cdylib"\s*\]/.test(await readFile(manifest, 'utf8'))) out.push(name);
  }
  return out;
}

export async function build({ force = false } = {}) {
  const rustc = await probe('rustc', ['--version']);
  if (rustc === undefined) throw new Error('rustc not found: install Rust with rustup (https://rustup.rs) first');
  const shared = [
    join(workspace, 'Cargo.toml'),
    ...(await listFiles(join(workspace, 'sdk'), (f) => f.endsWith('.rs') || f.endsWith('.toml'))),
    ...(await listFiles(witDir, (f) => f.endsWith('.wit'))),
  ].filter(existsSync);

  const stale = [];
  for (const name of await guestFolders()) {
    const dir = join(workspace, name);
    const output = join(dir, `${snakeName(name)}.wasm`);
    const files = await listFiles(dir, (f) => f.endsWith('.rs') || f.endsWith('.toml'));
    const hash = await hashInputs([...shared, ...files], [rustc.trim(), TARGET]);
    if (force || !(await isFresh(output, hash))) stale.push({ name, output, hash });
  }
  if (stale.length === 0) {
    log('rust guests up to date');
    return;
  }

  await ensureRustTarget(TARGET);
  // One cargo invocation for all stale guests: shared dependencies build once.
  const started = Date.now();
  await run('cargo', ['build', '--release', '--target', TARGET, ...stale.flatMap((g) => ['-p', g.name])], {
    cwd: workspace,
    env: toolEnv({ CARGO_TARGET_DIR: targetDir }),
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  for (const { name, output, hash } of stale) {
    await copyFile(join(targetDir, TARGET, 'release', `${snakeName(name)}.wasm`), output);
    await markBuilt(output, hash);
    log(`built ${relative(root, output)} (${sizeText((await stat(output)).size)})`);
  }
  log(`cargo build of ${stale.length} rust guest(s) took ${seconds} s`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await build({ force: process.argv.includes('--force') });
}
