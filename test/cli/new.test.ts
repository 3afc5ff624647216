// `iggy-connectors new`: what it writes and what it refuses. No builds here; the
// generated projects are built and checked by the kit in new-build.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT } from '../helpers/paths.js';
import { runCommand, shown, type Ran } from './run-command.js';

const cli = (args: string[], cwd: string): Promise<Ran> => runCommand(process.execPath, [CLI, ...args], { cwd, timeoutMs: 60_000 });

async function inTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'iggy-new-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a Go source project: connector, vendored SDK without its tests, WIT, build, test script, README and CI workflow', () =>
  inTemp(async (dir) => {
    const r = await cli(['new', 'source', '--lang', 'go', 'my-source'], dir);
    assert.equal(r.code, 0, shown(r));
    const project = join(dir, 'my-source');
    assert.match(r.stdout, /created the source my-source \(go\) in my-source/);
    for (const file of [
      'source.go',
      'sdk/go.mod',
      'sdk/connector.go',
      'sdk/_glue/source/export_iggy_connector_source/glue.go',
      'wit/source.wit',
      'wit/types.wit',
      'scripts/build.mjs',
      'README.md',
      '.gitignore',
      '.github/workflows/ci.yml',
      'conformance.json',
    ]) {
      assert.ok(existsSync(join(project, file)), `${file} missing`);
    }
    assert.ok(!existsSync(join(project, 'sdk', 'sdk_test.go')), 'the SDK tests stay in the runtime repository');
    assert.deepEqual(await readdir(join(project, 'wit')), (await readdir(join(ROOT, 'wit'))).sort());
    assert.equal(await readFile(join(project, 'wit', 'source.wit'), 'utf8'), await readFile(join(ROOT, 'wit', 'source.wit'), 'utf8'));

    const pkg = JSON.parse(await readFile(join(project, 'package.json'), 'utf8'));
    assert.equal(pkg.name, 'my-source');
    assert.equal(pkg.scripts.test, 'iggy-connectors test build/my_source.wasm --kind source --config conformance.json');
    assert.equal(pkg.devDependencies['iggy-connectors'], '^0.1.0');
    const build = await readFile(join(project, 'scripts', 'build.mjs'), 'utf8');
    assert.match(build, /world: 'source-connector'/);
    assert.match(build, /build', 'my_source\.wasm'/);
    const ci = await readFile(join(project, '.github', 'workflows', 'ci.yml'), 'utf8');
    assert.match(ci, /run: npm run build\n/);
    assert.match(ci, /run: npm test -- --reporter junit --output conformance\.xml/);
    const readme = await readFile(join(project, 'README.md'), 'utf8');
    assert.match(readme, /^# my-source\n/);
    assert.match(readme, /\[sources\.my_source\]/);
    assert.doesNotMatch(readme + build + ci, /%%/, 'every placeholder is filled');
  }));

test('a Rust sink project points its SDK at the vendored wit/ and pins what the repository pins', () =>
  inTemp(async (dir) => {
    const r = await cli(['new', 'sink', 'my_sink', '--lang', 'rust', '--dir', 'out/x', '--runtime', 'file:../runtime.tgz'], dir);
    assert.equal(r.code, 0, shown(r));
    const project = join(dir, 'out', 'x');
    const bindings = await readFile(join(project, 'sdk', 'src', 'bindings.rs'), 'utf8');
    assert.match(bindings, /path: "\.\.\/wit"/);
    assert.doesNotMatch(bindings, /\.\.\/\.\.\/\.\.\/wit/);
    const manifest = await readFile(join(project, 'Cargo.toml'), 'utf8');
    assert.match(manifest, /^name = "my_sink"$/m);
    assert.match(manifest, /crate-type = \["cdylib"\]/);
    const pins = (await readFile(join(ROOT, 'guest-examples', 'rust', 'Cargo.toml'), 'utf8')).match(/^wit-bindgen = .*$/m);
    assert.ok(pins && manifest.includes(pins[0]), 'the wit-bindgen pin of the repository workspace');
    assert.match(await readFile(join(project, 'src', 'lib.rs'), 'utf8'), /export_sink!\(ConnectorSink\);/);
    const pkg = JSON.parse(await readFile(join(project, 'package.json'), 'utf8'));
    assert.equal(pkg.devDependencies['iggy-connectors'], 'file:../runtime.tgz');
  }));

test('a JS project depends on the componentize-js and preview2-shim versions the repository builds with', () =>
  inTemp(async (dir) => {
    const r = await cli(['new', 'sink', '--lang', 'js', 'js-sink'], dir);
    assert.equal(r.code, 0, shown(r));
    const own = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
    const pkg = JSON.parse(await readFile(join(dir, 'js-sink', 'package.json'), 'utf8'));
    for (const dep of ['@bytecodealliance/componentize-js', '@bytecodealliance/preview2-shim']) {
      assert.equal(pkg.devDependencies[dep], own.devDependencies[dep], dep);
    }
    assert.match(await readFile(join(dir, 'js-sink', 'src', 'sink.js'), 'utf8'), /from '\.\.\/sdk\/index\.js'/);
    assert.ok(existsSync(join(dir, 'js-sink', 'sdk', 'index.js')));
  }));

test('bad input is refused with a message that says what to fix, and nothing is written', () =>
  inTemp(async (dir) => {
    const cases: [string[], RegExp][] = [
      [['new', 'pipe', '--lang', 'rust', 'x'], /\[NEW_KIND\]: unknown connector kind "pipe": use sink or source/],
      [['new', 'sink', '--lang', 'cobol', 'x'], /\[NEW_LANG\]: unknown language "cobol": use --lang rust, go or js/],
      [['new', 'sink', 'x'], /new: --lang rust\|go\|js is required/],
      [['new', 'sink', '--lang', 'go'], /new: give the kind and the name/],
      [['new', 'sink', '--lang', 'go', 'My-Sink'], /\[NEW_NAME\]: invalid connector name "My-Sink" for --lang go: use lowercase letters/],
      [['new', 'sink', '--lang', 'js', '9lives'], /\[NEW_NAME\]: invalid connector name "9lives"/],
      [['new', 'sink', '--lang', 'js', 'a--b'], /\[NEW_NAME\]/],
      [['new', 'sink', '--lang', 'js', '../escape'], /\[NEW_NAME\]/],
      [['new', 'sink', '--lang', 'rust', 'fn'], /"fn" is a Rust keyword/],
      [['new', 'sink', '--lang', 'rust', 'serde'], /a dependency of the SDK/],
      [['new', 'sink', '--lang', 'js', 'http'], /Node\.js built-in module names/],
      [['new', 'sink', '--lang', 'go', 'iggy-connectors'], /depends on the package iggy-connectors/],
      [['new', 'sink', '--lang', 'go', 'x', '--verbose'], /new: Unknown option '--verbose'/],
    ];
    for (const [args, expected] of cases) {
      const r = await cli(args, dir);
      assert.equal(r.code, 1, `${args.join(' ')}: ${shown(r)}`);
      assert.match(r.stderr, expected, args.join(' '));
    }
    // The same names are fine where the language allows them.
    assert.equal((await cli(['new', 'sink', '--lang', 'go', 'fn'], dir)).code, 0);
    assert.deepEqual(await readdir(dir), ['fn']);
  }));

test('an existing non-empty directory is refused and left as it was; an empty one is used', () =>
  inTemp(async (dir) => {
    await mkdir(join(dir, 'taken'));
    await writeFile(join(dir, 'taken', 'notes.txt'), 'mine');
    const r = await cli(['new', 'sink', '--lang', 'rust', 'my-sink', '--dir', 'taken'], dir);
    assert.equal(r.code, 1, shown(r));
    assert.match(r.stderr, /\[NEW_TARGET_EXISTS\]: .*taken is not empty \(1 entries, e\.g\. notes\.txt\); pick another --dir or remove it/);
    assert.deepEqual(await readdir(join(dir, 'taken')), ['notes.txt']);

    await writeFile(join(dir, 'a-file'), '');
    const onFile = await cli(['new', 'sink', '--lang', 'rust', 'my-sink', '--dir', 'a-file'], dir);
    assert.equal(onFile.code, 1, shown(onFile));
    assert.match(onFile.stderr, /a-file exists and is not a directory/);

    await mkdir(join(dir, 'empty'));
    const ok = await cli(['new', 'sink', '--lang', 'rust', 'my-sink', '--dir', 'empty'], dir);
    assert.equal(ok.code, 0, shown(ok));
    assert.ok(existsSync(join(dir, 'empty', 'src', 'lib.rs')));
  }));

test('new --help documents the options; the command list shows new', async () => {
  const help = await cli(['new', '--help'], ROOT);
  assert.equal(help.code, 0, shown(help));
  assert.match(help.stdout, /Usage: iggy-connectors new sink\|source --lang rust\|go\|js <name>/);
  assert.match(help.stdout, /--runtime <spec>/);
  const list = await cli(['--help'], ROOT);
  assert.match(list.stdout, /^ {2}new {2,}write a new connector project/m);
});
