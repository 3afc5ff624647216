// The kit passes every example guest (JS, Rust, Go): a conformance kit that fails
// correct connectors would be useless in their authors' CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformance } from '../../runtime/conformance/index.js';
import { guestPath } from '../helpers/paths.js';
import { caseOf, failed, summary } from './support.js';

const SINK_PASSES = [
  'world',
  'imports',
  'open',
  'open-invalid-config',
  'consume-empty',
  'consume-one',
  'consume-10000',
  'consume-1mib',
  'consume-non-utf8',
  'consume-header-kinds',
  'consume-unicode-keys',
  'close',
  'memory-growth',
  'call-timeout',
  'no-trap',
];
const SOURCE_PASSES = [
  'world',
  'imports',
  'open',
  'open-invalid-config',
  'poll-shape',
  'poll-count',
  'poll-sendable',
  'state-roundtrip',
  'close',
  'memory-growth',
  'call-timeout',
  'no-trap',
];

for (const lang of ['js', 'rust', 'go'] as const) {
  test(`${lang} stdout-sink passes every sink case`, async () => {
    const report = await runConformance({ path: guestPath(lang, 'stdout-sink'), config: '{}', callTimeoutMs: 10_000 });
    assert.equal(report.kind, 'sink');
    assert.deepEqual(failed(report), [], summary(report));
    assert.deepEqual(
      report.cases.map((c) => c.name),
      SINK_PASSES,
      summary(report),
    );
    assert.ok(
      report.cases.every((c) => c.status === 'pass'),
      summary(report),
    );
    assert.match(
      caseOf(report, 'memory-growth').reason,
      /^grew [\d.]+ MiB over 1000 calls after 100 warm-up calls, [\d.]+ MiB of it in the last 500 \(MiB after each tenth: ([\d.]+ ){9}[\d.]+\)$/,
    );
  });

  test(`${lang} random-source passes every source case, count and state included`, async () => {
    const report = await runConformance({ path: guestPath(lang, 'random-source'), config: '{"count":7}', callTimeoutMs: 10_000 });
    assert.equal(report.kind, 'source');
    assert.deepEqual(
      report.cases.map((c) => c.name),
      SOURCE_PASSES,
      summary(report),
    );
    assert.ok(
      report.cases.every((c) => c.status === 'pass'),
      summary(report),
    );
    assert.match(caseOf(report, 'poll-count').reason, /7, 7, 7, 7, 7 messages with count = 7/);
    assert.match(caseOf(report, 'state-roundtrip').reason, /^resumed from \d+ bytes of state; next poll returned 7 messages$/);
  });
}

for (const lang of ['rust', 'go'] as const) {
  test(`${lang} file-sink passes with a granted directory and its path in the config`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kit-file-sink-'));
    try {
      const report = await runConformance({
        path: guestPath(lang, 'file-sink'),
        config: JSON.stringify({ path: '/out/sink.txt' }),
        callTimeoutMs: 10_000,
        grants: { preopens: [{ hostPath: dir, guestPath: '/out', readOnly: false }] },
      });
      assert.ok(
        report.cases.every((c) => c.status === 'pass'),
        summary(report),
      );
      // The probes really went through: the 10,000-message batch is in the file.
      const written = await readFile(join(dir, 'sink.txt'), 'utf8');
      assert.ok(written.includes('{"n":9999}\n'), `file holds ${written.length} chars without the last of the 10,000 messages`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('a file-sink without its config fails open and skips the cases that need an open instance', async () => {
  const report = await runConformance({ path: guestPath('rust', 'file-sink'), config: '{}', callTimeoutMs: 10_000 });
  assert.deepEqual(
    failed(report).map((c) => c.name),
    ['open'],
    summary(report),
  );
  assert.match(caseOf(report, 'open').reason, /^open\(\{\}\) returned invalid-config\(.*path.*\); pass a working config with --config$/);
  assert.equal(caseOf(report, 'consume-one').status, 'skip');
  assert.equal(caseOf(report, 'open-invalid-config').status, 'pass');
});

test('--kind source on a sink fails the world case and runs nothing else', async () => {
  const report = await runConformance({ path: guestPath('rust', 'stdout-sink'), kind: 'source', config: '{}', callTimeoutMs: 10_000 });
  assert.equal(report.kind, undefined);
  assert.equal(caseOf(report, 'world').status, 'fail');
  assert.match(caseOf(report, 'world').reason, /does not export iggy:connector\/source@0\.1\.0, so it cannot run as a source/);
  assert.deepEqual(
    failed(report).map((c) => c.name),
    ['world'],
  );
});

test('a file that is not a component fails `world` with what it is', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kit-garbage-'));
  try {
    const core = join(dir, 'core.wasm');
    // The 8-byte header of a core module: a component build step was skipped.
    await writeFile(core, Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    const report = await runConformance({ path: core, config: '{}', callTimeoutMs: 10_000 });
    assert.deepEqual(
      failed(report).map((c) => c.name),
      ['world'],
      summary(report),
    );
    assert.match(caseOf(report, 'world').reason, /is a core WebAssembly module, not a component/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
