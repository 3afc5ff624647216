// Builds the Go example guests (guest-examples/go/<name>/, package main with a
// sink.go or source.go) into components: the `wit-bindgen go` bindings + the SDK's
// glue in a scratch module, `go build` to a wasip1 reactor, then jco (wasm-tools
// inside) embeds the WIT and adapts preview1 to a component. Incremental: a guest is
// skipped when the hash of its sources, the SDK, wit/ and the tool versions
// matches the stamp beside its .wasm.
//
// The bindings are generated code kept in guest-examples/go/sdk/_bindings/<world>/ with
// the hash of the WIT they came from: building wit-bindgen-cli takes minutes on a fresh
// machine, so it is installed only when wit/ changed and the bindings must be made again.
import { cp, mkdir, readdir, readFile, rm, stat, copyFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  crateSource,
  ensureCargoTool,
  hashInputs,
  isFresh,
  listFiles,
  log,
  probe,
  root,
  run,
  sizeText,
  snakeName,
  toolEnv,
  witDir,
  markBuilt,
} from './toolchain.mjs';
import { componentToolsVersion, embedWit, newComponent } from './component-tools.mjs';

const guestsDir = join(root, 'guest-examples', 'go');
const sdkDir = join(guestsDir, 'sdk');
const buildRoot = join(guestsDir, 'target');

// Exact versions: these are the ones checked to work together (docs/guests-go.md).
// Only the generator the Go build uses (`wit-bindgen go`).
const WIT_BINDGEN = { crate: 'wit-bindgen-cli', version: '0.63.0', bin: 'wit-bindgen', features: ['go'] };
const ADAPTER = { crate: 'wasi-preview1-component-adapter-provider', version: '50.0.1' };
// The bindings' runtime module declares go 1.27.1; the Go command fetches this toolchain itself.
const GO_TOOLCHAIN = 'go1.27.3';

/** The entry file of a guest folder decides its world. */
const ENTRIES = [
  { file: 'sink.go', world: 'sink-connector', glue: 'sink' },
  { file: 'source.go', world: 'source-connector', glue: 'source' },
];

async function guests() {
  const out = [];
  for (const name of (await readdir(guestsDir)).sort()) {
    const dir = join(guestsDir, name);
    const entry = ENTRIES.find((e) => existsSync(join(dir, e.file)));
    if (entry && dir !== sdkDir) out.push({ name, dir, ...entry });
  }
  return out;
}

/** Installs or locates every tool; returns their paths and what identifies their versions. */
export async function toolchain() {
  if ((await probe('go', ['version'])) === undefined) throw new Error('go not found: install Go 1.21 or newer (it downloads the toolchain it needs)');
  const bindingsPkg = join(await crateSource('wit-bindgen-go', WIT_BINDGEN.version), 'src', 'pkg');
  const adapter = join(await crateSource(ADAPTER.crate, ADAPTER.version), 'artefacts', 'wasi_snapshot_preview1.reactor.wasm');
  if (!existsSync(adapter)) throw new Error(`reactor adapter not found at ${adapter}`);
  return { bindingsPkg, adapter };
}

/**
 * What the bindings of every world are made from: the WIT files (by their paths inside `wit`, so a
 * project with a copy of the same WIT elsewhere gets the same hash) and the generator's version.
 */
async function witHash(wit) {
  const hash = createHash('sha256').update(`wit-bindgen ${WIT_BINDGEN.version}\0`);
  for (const file of await listFiles(wit, (f) => f.endsWith('.wit')))
    hash
      .update(relative(wit, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  return hash.digest('hex');
}

/**
 * The bindings of `world`, kept in the SDK (`<sdk>/_bindings/<world>/`); made again with
 * wit-bindgen (installed on first use) when the WIT changed since they were made.
 */
async function bindingsFor(world, sdk, wit) {
  const expected = await witHash(wit);
  const dir = join(sdk, '_bindings', world);
  const stampFile = join(dir, 'WIT_HASH');
  const stamp = existsSync(stampFile) ? (await readFile(stampFile, 'utf8')).trim() : undefined;
  if (stamp === expected) return dir;
  const witBindgen = await ensureCargoTool(WIT_BINDGEN);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await run(witBindgen, ['go', '--world', world, '--out-dir', dir, wit]);
  await writeFile(stampFile, `${expected}\n`);
  log(`made the Go bindings of ${world} again in ${relative(root, dir)} (the WIT changed): commit them`);
  return dir;
}

/**
 * The build steps for one connector: the `.go` files of `sourceDir` (package main), the SDK's
 * glue for `glue` ('sink' or 'source') and the bindings of `world` meet in `workDir`, which is
 * emptied first; the component goes to `output`. Also the build entry of scaffolded Go
 * projects (`iggy-connectors new`), which pass their own vendored `sdk` and `wit`.
 */
export async function buildComponent({ sourceDir, world, glue, tools, workDir, output, sdk = sdkDir, wit = witDir }) {
  const env = toolEnv({ GOTOOLCHAIN: GO_TOOLCHAIN, GOOS: 'wasip1', GOARCH: 'wasm', GOFLAGS: '-mod=mod' });
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  await mkdir(dirname(output), { recursive: true });
  await cp(await bindingsFor(world, sdk, wit), workDir, { recursive: true, filter: (src) => !src.endsWith('WIT_HASH') });
  for (const file of await readdir(sourceDir)) {
    if (file.endsWith('.go') && !file.endsWith('_test.go')) await copyFile(join(sourceDir, file), join(workDir, file));
  }
  await cp(join(sdk, '_glue', glue), workDir, { recursive: true });
  await run(
    'go',
    ['mod', 'edit', `-replace=go.bytecodealliance.org/pkg=${tools.bindingsPkg}`, '-require=iggyconnector/sdk@v0.0.0', `-replace=iggyconnector/sdk=${sdk}`],
    { cwd: workDir, env },
  );
  await run('go', ['mod', 'tidy'], { cwd: workDir, env });
  // -checklinkname=0: the bindings' runtime links to runtime.sbrk.
  await run('go', ['build', '-buildmode=c-shared', '-trimpath', '-ldflags=-checklinkname=0 -s -w', '-o', 'core.wasm', '.'], { cwd: workDir, env });
  await embedWit({ coreModule: join(workDir, 'core.wasm'), witDir: wit, world, output: join(workDir, 'embedded.wasm') });
  await newComponent({ embedded: join(workDir, 'embedded.wasm'), adapter: tools.adapter, output });
}

async function buildOne(guest, tools, hash) {
  const output = join(guest.dir, `${snakeName(guest.name)}.wasm`);
  await buildComponent({ sourceDir: guest.dir, world: guest.world, glue: guest.glue, tools, workDir: join(buildRoot, guest.name), output });
  await markBuilt(output, hash);
  log(`built ${relative(root, output)} (${sizeText((await stat(output)).size)})`);
}

export async function build({ force = false } = {}) {
  const all = await guests();
  const shared = [...(await listFiles(sdkDir, (f) => f.endsWith('.go') || f.endsWith('go.mod'))), ...(await listFiles(witDir, (f) => f.endsWith('.wit')))];
  const labels = [`wit-bindgen ${WIT_BINDGEN.version}`, `jco ${await componentToolsVersion(root)}`, `adapter ${ADAPTER.version}`, GO_TOOLCHAIN];
  const stale = [];
  for (const guest of all) {
    const files = await listFiles(guest.dir, (f) => f.endsWith('.go'));
    const hash = await hashInputs([...shared, ...files], labels);
    if (force || !(await isFresh(join(guest.dir, `${snakeName(guest.name)}.wasm`), hash))) stale.push({ guest, hash });
  }
  if (stale.length === 0) {
    log('go guests up to date');
    return;
  }
  const tools = await toolchain();
  for (const { guest, hash } of stale) {
    const started = Date.now();
    await buildOne(guest, tools, hash);
    log(`${guest.name} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await build({ force: process.argv.includes('--force') });
}
