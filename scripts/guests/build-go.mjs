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
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  crateSource, ensureCargoTool, hashInputs, isFresh, listFiles, log, probe, root, run, sizeText, snakeName, toolEnv, witDir, markBuilt,
} from './toolchain.mjs';
import { componentToolsVersion, embedWit, newComponent } from './component-tools.mjs';

const guestsDir = join(root, 'guest-examples', 'go');
const sdkDir = join(guestsDir, 'sdk');
const buildRoot = join(guestsDir, 'target');

const bindingsRoot = join(sdkDir, '_bindings');

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
async function toolchain() {
  if ((await probe('go', ['version'])) === undefined) throw new Error('go not found: install Go 1.21 or newer (it downloads the toolchain it needs)');
  const bindingsPkg = join(await crateSource('wit-bindgen-go', WIT_BINDGEN.version), 'src', 'pkg');
  const adapter = join(await crateSource(ADAPTER.crate, ADAPTER.version), 'artefacts', 'wasi_snapshot_preview1.reactor.wasm');
  if (!existsSync(adapter)) throw new Error(`reactor adapter not found at ${adapter}`);
  return { bindingsPkg, adapter };
}

/** What the bindings of every world are made from: the WIT files and the generator's version. */
async function witHash() {
  return hashInputs(await listFiles(witDir, (f) => f.endsWith('.wit')), [`wit-bindgen ${WIT_BINDGEN.version}`]);
}

/**
 * The bindings of `world`, kept in the SDK; made again with wit-bindgen (installed on first use)
 * when the WIT changed since they were made.
 */
async function bindingsFor(world, expected) {
  const dir = join(bindingsRoot, world);
  const stampFile = join(dir, 'WIT_HASH');
  const stamp = existsSync(stampFile) ? (await readFile(stampFile, 'utf8')).trim() : undefined;
  if (stamp === expected) return dir;
  const witBindgen = await ensureCargoTool(WIT_BINDGEN);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await run(witBindgen, ['go', '--world', world, '--out-dir', dir, witDir]);
  await writeFile(stampFile, `${expected}\n`);
  log(`made the Go bindings of ${world} again in ${relative(root, dir)} (wit/ changed): commit them`);
  return dir;
}

async function buildOne(guest, tools, hash) {
  const work = join(buildRoot, guest.name);
  const output = join(guest.dir, `${snakeName(guest.name)}.wasm`);
  const env = toolEnv({ GOTOOLCHAIN: GO_TOOLCHAIN, GOOS: 'wasip1', GOARCH: 'wasm', GOFLAGS: '-mod=mod' });
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await cp(await bindingsFor(guest.world, tools.witHash), work, { recursive: true, filter: (src) => !src.endsWith('WIT_HASH') });
  for (const file of await readdir(guest.dir)) {
    if (file.endsWith('.go') && !file.endsWith('_test.go')) await copyFile(join(guest.dir, file), join(work, file));
  }
  await cp(join(sdkDir, '_glue', guest.glue), work, { recursive: true });
  await run('go', ['mod', 'edit', `-replace=go.bytecodealliance.org/pkg=${tools.bindingsPkg}`, '-require=iggyconnector/sdk@v0.0.0', `-replace=iggyconnector/sdk=${sdkDir}`], { cwd: work, env });
  await run('go', ['mod', 'tidy'], { cwd: work, env });
  // -checklinkname=0: the bindings' runtime links to runtime.sbrk.
  await run('go', ['build', '-buildmode=c-shared', '-trimpath', '-ldflags=-checklinkname=0 -s -w', '-o', 'core.wasm', '.'], { cwd: work, env });
  await embedWit({ coreModule: join(work, 'core.wasm'), witDir, world: guest.world, output: join(work, 'embedded.wasm') });
  await newComponent({ embedded: join(work, 'embedded.wasm'), adapter: tools.adapter, output });
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
  const tools = { ...(await toolchain()), witHash: await witHash() };
  for (const { guest, hash } of stale) {
    const started = Date.now();
    await buildOne(guest, tools, hash);
    log(`${guest.name} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await build({ force: process.argv.includes('--force') });
}
