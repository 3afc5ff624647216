// The projects `iggy-connectors new` writes build from their own directory, outside this
// repository, and pass the conformance kit: scaffold with the real CLI, `npm install`
// (the runtime as a link to this checkout), `npm run build`, `npm test`, as an author would.
// Builds reuse the machine's caches (cargo registry and a shared target directory, the
// guest tools in ~/.cache/iggy-connectors, Go's module and build caches), so only the
// first run on a machine pays for compiling dependencies or installing tools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT } from '../helpers/paths.js';
import { runCommand, shown } from './run-command.js';

const CACHE = process.env.IGGY_CONNECTORS_CACHE ?? join(homedir(), '.cache', 'iggy-connectors');
/** A generous safety net per step: a cold Go build installs two cargo tools first. */
const STEP_MS = 40 * 60_000;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The cases the kit runs per kind (docs/conformance.md). */
const CASES = { sink: 15, source: 12 };

async function scaffoldBuildAndCheck(kind: 'sink' | 'source', lang: 'rust' | 'go' | 'js'): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `iggy-new-${lang}-${kind}-`));
  try {
    const name = `scaffolded-${lang}-${kind}`;
    const project = join(dir, name);
    const made = await runCommand(process.execPath, [CLI, 'new', kind, '--lang', lang, name, '--runtime', `file:${ROOT}`], { cwd: dir, timeoutMs: 60_000 });
    assert.equal(made.code, 0, shown(made));

    // The example guests' target dir (scripts/guests/build-rust.mjs): the scaffolded project pins the same
    // dependency versions and profile, so a fresh machine compiles them once for both.
    const env = { ...process.env, CARGO_TARGET_DIR: join(CACHE, 'cargo', 'guests'), npm_config_update_notifier: 'false' };
    const install = await runCommand(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--install-links=false'], {
      cwd: project,
      env,
      timeoutMs: STEP_MS,
    });
    assert.equal(install.code, 0, shown(install));
    const build = await runCommand(npm, ['run', 'build'], { cwd: project, env, timeoutMs: STEP_MS });
    assert.equal(build.code, 0, shown(build));
    const component = join(project, 'build', `${name.replaceAll('-', '_')}.wasm`);
    assert.ok(existsSync(component), `the build wrote no ${component}\n${shown(build)}`);

    const kit = await runCommand(npm, ['test', '--', '--reporter', 'tap'], { cwd: project, env, timeoutMs: STEP_MS });
    assert.equal(kit.code, 0, shown(kit));
    const lines = kit.stdout.split('\n');
    assert.ok(lines.includes(`1..${CASES[kind]}`), shown(kit));
    assert.equal(lines.filter((l) => l.startsWith('ok ')).length, CASES[kind], shown(kit));
    assert.ok(!lines.some((l) => l.startsWith('not ok')), shown(kit));
    // Nothing skipped: the project's conformance.json gives the source a `count` and its polls return state,
    // so poll-count and state-roundtrip run too.
    assert.ok(!lines.some((l) => l.includes('# SKIP')), shown(kit));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const options = { timeout: 3 * STEP_MS };
test('a Rust sink builds and passes the conformance kit', options, () => scaffoldBuildAndCheck('sink', 'rust'));
test('a Rust source builds and passes the conformance kit', options, () => scaffoldBuildAndCheck('source', 'rust'));
test('a Go sink builds and passes the conformance kit', options, () => scaffoldBuildAndCheck('sink', 'go'));
test('a Go source builds and passes the conformance kit', options, () => scaffoldBuildAndCheck('source', 'go'));
test('a JS sink builds and passes the conformance kit', options, () => scaffoldBuildAndCheck('sink', 'js'));
test('a JS source builds and passes the conformance kit', options, () => scaffoldBuildAndCheck('source', 'js'));
