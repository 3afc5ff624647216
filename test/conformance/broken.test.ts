// Each broken fixture breaks one rule; the kit must fail it in the right case with
// a reason that names the fault, and pass the cases the fixture does not break.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runConformance } from '../../runtime/conformance/index.js';
import { fixturePath } from '../helpers/paths.js';
import { brokenPath, caseOf, failed, summary } from './support.js';

const failedNames = (report: Awaited<ReturnType<typeof runConformance>>) => failed(report).map((c) => c.name);

test('wrong-world: fails `world`, naming what it exports', async () => {
  const report = await runConformance({ path: brokenPath('wrong-world'), config: '{}', callTimeoutMs: 5000 });
  assert.deepEqual(failedNames(report), ['world'], summary(report));
  assert.match(caseOf(report, 'world').reason, /exports neither iggy:connector\/sink@0\.1\.0 nor iggy:connector\/source@0\.1\.0; it exports greeter/);
  assert.equal(caseOf(report, 'imports').status, 'skip');
});

test('unknown-import-sink: fails `imports`, listing the unknown import by name', async () => {
  const report = await runConformance({ path: brokenPath('unknown-import-sink'), config: '{}', callTimeoutMs: 5000 });
  assert.equal(caseOf(report, 'world').status, 'pass', summary(report));
  assert.deepEqual(failedNames(report), ['imports'], summary(report));
  assert.equal(
    caseOf(report, 'imports').reason,
    "imports what the runtime does not provide: iggy:connector/vault@0.1.0; remove them from the component's world",
  );
});

test("trap-on-empty-sink: fails `consume-empty` and `no-trap` with the guest's message, passes the other batches", async () => {
  const report = await runConformance({ path: brokenPath('trap-on-empty-sink'), config: '{}', callTimeoutMs: 5000 });
  assert.deepEqual(failedNames(report), ['consume-empty', 'no-trap'], summary(report));
  assert.match(caseOf(report, 'consume-empty').reason, /^consume trapped: .*trap-on-empty-sink: no messages to handle/);
  assert.match(caseOf(report, 'no-trap').reason, /^consume-empty: consume\(\) trapped: .*no messages to handle/);
  // A fresh instance after the trap takes the next batches.
  assert.equal(caseOf(report, 'consume-one').status, 'pass');
});

test('permanent-config-sink: fails `open-invalid-config`, saying it returned permanent', async () => {
  const report = await runConformance({ path: brokenPath('permanent-config-sink'), config: '{}', callTimeoutMs: 5000 });
  assert.deepEqual(failedNames(report), ['open-invalid-config'], summary(report));
  assert.equal(caseOf(report, 'open-invalid-config').reason, 'open([]) returned permanent("config must be an object"); expected err(invalid-config(...))');
});

test('trap-config-sink: fails `open-invalid-config` and `no-trap` when open traps on an invalid config', async () => {
  const report = await runConformance({ path: brokenPath('trap-config-sink'), config: '{}', callTimeoutMs: 5000 });
  assert.deepEqual(failedNames(report), ['open-invalid-config', 'no-trap'], summary(report));
  assert.match(caseOf(report, 'open-invalid-config').reason, /^open\(\[\]\) trapped: .*expected an object, got an array.*; expected err\(invalid-config/);
});

test('leaky-sink: fails `memory-growth` and reports the growth', async () => {
  const report = await runConformance({ path: brokenPath('leaky-sink'), config: '{}', callTimeoutMs: 5000 });
  assert.deepEqual(failedNames(report), ['memory-growth'], summary(report));
  const reason = caseOf(report, 'memory-growth').reason;
  const grew =
    /^grew ([\d.]+) MiB over 1000 calls after 100 warm-up calls, ([\d.]+) MiB of it in the last 500 \(.*\); over the 8\.00 MiB allowed in the last 500 calls/.exec(
      reason,
    );
  assert.ok(grew, reason);
  // 64 KiB kept per call: about 62.5 MiB over 1,000 calls, half of it in the second half.
  assert.ok(Number(grew[1]) > 50, reason);
  assert.ok(Number(grew[2]) > 25, reason);
});

test('hang-sink: the kit terminates the hung guest, fails each hanging case and `call-timeout`, and goes on', async () => {
  const started = Date.now();
  const report = await runConformance({ path: brokenPath('hang-sink'), config: '{}', callTimeoutMs: 1000 });
  assert.deepEqual(
    failedNames(report),
    ['consume-one', 'consume-10000', 'consume-1mib', 'consume-non-utf8', 'consume-header-kinds', 'consume-unicode-keys', 'memory-growth', 'call-timeout'],
    summary(report),
  );
  assert.match(caseOf(report, 'consume-one').reason, /^consume did not return within 1000 ms \(consume\(\) ran \d+ ms\); the guest was terminated$/);
  assert.match(caseOf(report, 'call-timeout').reason, /^consume-one: consume\(\) did not return within 1000 ms/);
  // The empty batch returns at once, and cases after a hang run on a fresh worker.
  assert.equal(caseOf(report, 'consume-empty').status, 'pass');
  assert.equal(caseOf(report, 'close').status, 'pass');
  assert.ok(Date.now() - started < 60_000, `took ${Date.now() - started} ms`);
});

test('bad-poll-source: fails `poll-shape` for a millisecond timestamp and a header of kind 0', async () => {
  const report = await runConformance({ path: brokenPath('bad-poll-source'), config: '{}', callTimeoutMs: 5000 });
  assert.deepEqual(failedNames(report), ['poll-shape'], summary(report));
  const reason = caseOf(report, 'poll-shape').reason;
  assert.match(reason, /message 0: origin timestamp \d+ is not µs since the Unix epoch/);
  assert.match(reason, /message 0: headers: kind 0 \(reserved\) at offset 6/);
  assert.equal(caseOf(report, 'state-roundtrip').status, 'skip');
});

test('a source returning an index entry past its data fails `poll-shape` (host fixture bad-batch-source)', async () => {
  const report = await runConformance({ path: fixturePath('bad-batch-source'), config: '{}', callTimeoutMs: 5000 });
  // It also ignores its config entirely, so `[]` is accepted.
  assert.deepEqual(failedNames(report), ['open-invalid-config', 'poll-shape', 'memory-growth'], summary(report));
  assert.equal(
    caseOf(report, 'poll-shape').reason,
    'poll 1 was refused by the host [MALFORMED_BATCH]: poll returned a malformed batch: index entry 1: payload range 2+100 exceeds data length 4',
  );
  assert.equal(caseOf(report, 'open-invalid-config').reason, 'open([]) returned ok; a config that is not a JSON object must be refused with invalid-config');
});
