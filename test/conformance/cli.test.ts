// `iggy-connectors test` as a CI job runs it: exit codes, reporters, --output,
// TOML configs and directory grants, usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, guestPath } from '../helpers/paths.js';
import { brokenPath } from './support.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'test', ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test('a conforming sink exits 0 with a TAP report whose every point is ok', async () => {
  const run = await cli([guestPath('rust', 'stdout-sink'), '--reporter', 'tap']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const lines = run.stdout.split('\n');
  assert.equal(lines[0], 'TAP version 13');
  assert.ok(lines.includes('1..15'), run.stdout);
  assert.equal(lines.filter((l) => l.startsWith('ok ')).length, 15, run.stdout);
  assert.ok(!run.stdout.includes('not ok'), run.stdout);
  assert.ok(lines.includes('ok 5 - consume-empty: consume accepts an empty batch'), run.stdout);
});

test('a broken sink exits 1; --output gets the JUnit XML and stdout the spec summary', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kit-cli-'));
  try {
    const out = join(dir, 'report.xml');
    const run = await cli([brokenPath('trap-on-empty-sink'), '--reporter', 'junit', '--output', out]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /✖ consume-empty: consume accepts an empty batch/);
    assert.match(run.stdout, /13 passed, 2 failed, 0 skipped/);
    const xml = await readFile(out, 'utf8');
    assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites /);
    assert.match(xml, /<testsuite name="[^"]*trap_on_empty_sink\.wasm" tests="15" failures="2" errors="0" skipped="0"/);
    const failures = [...xml.matchAll(/<testcase name="([^"]+)"[^>]*>\s*<failure message="([^"]*)"/g)].map((m) => m[1].split(':')[0]);
    assert.deepEqual(failures, ['consume-empty', 'no-trap']);
    assert.match(xml, /<failure message="consume trapped: [^"]*trap-on-empty-sink: no messages to handle/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a TOML config and a --dir grant let the file sink pass', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kit-cli-'));
  try {
    const config = join(dir, 'sink.toml');
    await writeFile(config, 'path = "/granted/out.txt"\n');
    const granted = join(dir, 'granted');
    await mkdir(granted);
    const run = await cli([guestPath('rust', 'file-sink'), '--config', config, '--dir', `${granted}=/granted`, '--kind', 'sink']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /15 passed, 0 failed, 0 skipped/);
    assert.ok((await readFile(join(granted, 'out.txt'), 'utf8')).includes('{"conformance":"one"}\n'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('usage errors name the option and exit 1 without running anything', async () => {
  const reporter = await cli([guestPath('rust', 'stdout-sink'), '--reporter', 'xml']);
  assert.equal(reporter.code, 1);
  assert.match(reporter.stderr, /--reporter must be spec, tap or junit, got "xml"/);
  const timeout = await cli([guestPath('rust', 'stdout-sink'), '--call-timeout', 'soon']);
  assert.equal(timeout.code, 1);
  assert.match(timeout.stderr, /--call-timeout must be a positive duration/);
  const none = await cli([]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /give exactly one component file/);
});

test('a config file that is not an object is refused with CONFORMANCE_CONFIG', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kit-cli-'));
  try {
    const config = join(dir, 'c.json');
    await writeFile(config, '[1, 2]');
    const run = await cli([guestPath('rust', 'stdout-sink'), '--config', config]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /\[CONFORMANCE_CONFIG\].*must hold an object \(the connector's config table\), not an array/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
