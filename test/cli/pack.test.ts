// The package installs like any npm package: `npm pack`, then a global install (into a
// temp prefix here), and the installed command works from a directory that is not
// this checkout: --help, validate, test, and new (whose templates and SDKs must ship).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guestPath, ROOT } from '../helpers/paths.js';
import { runCommand, shown } from './run-command.js';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const STEP_MS = 15 * 60_000;

test('npm pack gives a tarball that installs globally and runs --help, validate, test and new from any directory', { timeout: 3 * STEP_MS }, async () => {
  const component = guestPath('rust', 'stdout-sink');
  assert.ok(existsSync(component), `${component} is missing: build the example guests first (node scripts/build-guests.mjs)`);
  const dir = await mkdtemp(join(tmpdir(), 'iggy-pack-'));
  try {
    // dist/ is built already (the tests run from it); rebuilding it under the other test files would race them.
    const env = { ...process.env, npm_config_update_notifier: 'false' };
    const pack = await runCommand(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, env, timeoutMs: STEP_MS });
    assert.equal(pack.code, 0, shown(pack));
    const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    assert.equal(packed.filename, 'iggy-connectors-0.1.0.tgz');

    const paths = packed.files.map((f) => f.path);
    for (const needed of [
      'package.json',
      'README.md',
      'dist/runtime/cli/main.js',
      'dist/runtime/cli/commands/new.js',
      'dist/runtime/conformance/guest-worker.js',
      'dist/runtime/supervisor/connector-worker.js',
      'runtime/api/ui/index.html',
      'wit/sink.wit',
      'wit/source.wit',
      'templates/rust/sink.rs',
      'templates/go/build.mjs',
      'templates/js/source.js',
      'templates/common/gitignore',
      'guest-examples/rust/Cargo.toml',
      'guest-examples/rust/sdk/src/lib.rs',
      'guest-examples/go/sdk/_glue/sink/export_iggy_connector_sink/glue.go',
      'guest-examples/js/sdk/index.js',
      'scripts/guests/build-go.mjs',
      'scripts/guests/toolchain.mjs',
    ]) {
      assert.ok(paths.includes(needed), `${needed} is not in the tarball`);
    }
    const unwanted = paths.filter((p) => /^(test|dist\/test|node_modules|\.cache|\.ci)\/|\.(wasm|stamp|map|ts)$|_test\.go$|\/(target|bindings)\//.test(p));
    assert.deepEqual(unwanted, [], 'no tests, caches, build outputs or sources of dist in the tarball');
    const guests = paths.filter((p) => p.startsWith('guest-examples/') && !/^guest-examples\/(rust|go|js)\/sdk\/|^guest-examples\/rust\/Cargo\.toml$/.test(p));
    assert.deepEqual(guests, [], 'of the examples, only the SDKs (and the Rust workspace pins) ship');

    const prefix = join(dir, 'prefix');
    const install = await runCommand(
      npm,
      ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', join(dir, packed.filename)],
      {
        cwd: dir,
        env,
        timeoutMs: STEP_MS,
      },
    );
    assert.equal(install.code, 0, shown(install));
    const bin = join(prefix, 'bin', 'iggy-connectors');
    assert.ok(existsSync(bin), `no ${bin} after the install\n${shown(install)}`);

    // A directory of the user's own, nowhere near this checkout or the install.
    const work = join(dir, 'work');
    await mkdir(work);
    const cli = (...args: string[]) => runCommand(bin, args, { cwd: work, env, timeoutMs: STEP_MS });

    const help = await cli('--help');
    assert.equal(help.code, 0, shown(help));
    assert.match(help.stdout, /^iggy-connectors 0\.1\.0: /);
    for (const command of ['run', 'validate', 'test', 'new']) assert.match(help.stdout, new RegExp(`^ {2}${command} `, 'm'));

    await copyFile(component, join(work, 'stdout_sink.wasm'));
    await writeFile(
      join(work, 'connectors.toml'),
      [
        '[iggy]',
        'address = "127.0.0.1:8090"',
        '',
        '[sinks.stdout]',
        'path = "stdout_sink.wasm"',
        '',
        '[[sinks.stdout.streams]]',
        'stream = "s"',
        'topics = ["t"]',
        'schema = "json"',
        'consumer_group = "g"',
        '',
      ].join('\n'),
    );
    const valid = await cli('validate', '--config', 'connectors.toml');
    assert.equal(valid.code, 0, shown(valid));
    assert.match(valid.stdout, /connectors\.toml: valid \(1 sink\(s\), 0 source\(s\), 1 enabled\)/);
    await writeFile(join(work, 'broken.toml'), '[sinks.stdout]\npath = "missing.wasm"\n');
    const invalid = await cli('validate', '--config', 'broken.toml');
    assert.equal(invalid.code, 1, shown(invalid));
    assert.match(invalid.stderr, /component not found: .*missing\.wasm/);

    const kit = await cli('test', 'stdout_sink.wasm', '--reporter', 'tap');
    assert.equal(kit.code, 0, shown(kit));
    assert.ok(kit.stdout.split('\n').includes('1..15'), shown(kit));
    assert.ok(!kit.stdout.includes('not ok'), shown(kit));

    const made = await cli('new', 'sink', '--lang', 'go', 'from-the-tarball');
    assert.equal(made.code, 0, shown(made));
    for (const file of [
      'sink.go',
      'sdk/connector.go',
      'sdk/_glue/sink/export_iggy_connector_sink/glue.go',
      'wit/sink.wit',
      'scripts/build.mjs',
      '.github/workflows/ci.yml',
    ]) {
      assert.ok(existsSync(join(work, 'from-the-tarball', file)), `${file} missing from a project the installed CLI wrote`);
    }
    assert.match(await readFile(join(work, 'from-the-tarball', '.gitignore'), 'utf8'), /^build\/$/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
