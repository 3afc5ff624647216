// Builds the Go example guests (guest-examples/go/<name>/, package main with a
// sink.go or source.go) into components: `wit-bindgen go` bindings + the SDK's
// glue in a scratch module, `go build` to a wasip1 reactor, then wasm-tools
// embeds the WIT and adapts preview1 to a component. Incremental: a guest is
// skipped when the hash of its sources, the SDK, wit/ and the tool versions
// matches the stamp beside its .wasm.
import { cp, mkdir, readdir, rm, stat, copyFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  crateSource, ensureCargoTool, hashInputs, isFresh, listFiles, log, probe, root, run, sizeText, snakeName, toolEnv, witDir, markBuilt,
} from './toolchain.mjs';

const guestsDir = join(root, 'guest-examples', 'go');
const sdkDir = join(guestsDir, 'sdk');
const buildRoot = join(guestsDir, 'target');

// Exact versions: these are the ones checked to work together (docs/guests-go.md).
// Only the generators and subcommands the Go build uses: `wit-bindgen go`, `wasm-tools component embed/new`.
const WIT_BINDGEN = { crate: 'wit-bindgen-cli', version: '0.63.0', bin: 'wit-bindgen', features: ['go'] };
const WASM_TOOLS = { crate: 'wasm-tools', version: '1.263.0', bin: 'wasm-tools', features: ['component'] };
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
  const witBindgen = await ensureCargoTool(WIT_BINDGEN);
  const wasmTools = await ensureCargoTool(WASM_TOOLS);
  const bindingsPkg = join(await crateSource('wit-bindgen-go', WIT_BINDGEN.version), 'src', 'pkg');
  const adapter = join(await crateSource(ADAPTER.crate, ADAPTER.version), 'artefacts', 'wasi_snapshot_preview1.reactor.wasm');
  if (!existsSync(adapter)) throw new Error(`reactor adapter not found at ${adapter}`);
  return { witBindgen, wasmTools, bindingsPkg, adapter };
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
  // Generated bindings are build outputs: made here, never committed.
  await run(tools.witBindgen, ['go', '--world', world, '--out-dir', workDir, wit]);
  for (const file of await readdir(sourceDir)) {
    if (file.endsWith('.go') && !file.endsWith('_test.go')) await copyFile(join(sourceDir, file), join(workDir, file));
  }
  await cp(join(sdk, '_glue', glue), workDir, { recursive: true });
  await run('go', ['mod', 'edit', `-replace=go.bytecodealliance.org/pkg=${tools.bindingsPkg}`, '-require=iggyconnector/sdk@v0.0.0', `-replace=iggyconnector/sdk=${sdk}`], { cwd: workDir, env });
  await run('go', ['mod', 'tidy'], { cwd: workDir, env });
  // -checklinkname=0: the bindings' runtime links to runtime.sbrk.
  await run('go', ['build', '-buildmode=c-shared', '-trimpath', '-ldflags=-checklinkname=0 -s -w', '-o', 'core.wasm', '.'], { cwd: workDir, env });
  await run(tools.wasmTools, ['component', 'embed', wit, '--world', world, 'core.wasm', '-o', 'embedded.wasm'], { cwd: workDir });
  await run(tools.wasmTools, ['component', 'new', 'embedded.wasm', '--adapt', `wasi_snapshot_preview1=${tools.adapter}`, '-o', output], { cwd: workDir });
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
  const labels = [`wit-bindgen ${WIT_BINDGEN.version}`, `wasm-tools ${WASM_TOOLS.version}`, `adapter ${ADAPTER.version}`, GO_TOOLCHAIN];
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
