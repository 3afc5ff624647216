// The kit learns what the runtime refuses at run time (issue 16, class 11): a source
// whose messages Iggy would refuse fails `poll-sendable` naming the message; a sink
// that wrongly accepts the invalid config still gets its batch cases on an instance
// opened with the user's config; and a reason of any length is cut in every report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReport, REPORTERS, runConformance } from '../../runtime/conformance/index.js';
import { MAX_REASON_CHARS, type ConformanceReport } from '../../runtime/conformance/report.js';
import { watGuest } from '../sandbox/wat-guests.js';
import { caseOf, failed, summary } from './support.js';

test("oversized-source: fails `poll-sendable`, naming the payload above Iggy's limit", async () => {
  const report = await runConformance({ path: await watGuest('oversized-source'), config: '{}', callTimeoutMs: 20_000 });
  const sendable = caseOf(report, 'poll-sendable');
  assert.equal(sendable.status, 'fail', summary(report));
  assert.match(sendable.reason, /poll 1, message 1: payload of 64000001 bytes, above Iggy's limit of 64000000/);
  assert.equal(caseOf(report, 'poll-shape').status, 'pass', summary(report));
});

test("accept-any-config-sink: fails only `open-invalid-config`; the batch cases run on an instance opened with the user's config", async () => {
  const report = await runConformance({ path: await watGuest('accept-any-config-sink'), config: '{}', callTimeoutMs: 5000 });
  assert.deepEqual(
    failed(report).map((c) => c.name),
    ['open-invalid-config'],
    summary(report),
  );
  assert.equal(caseOf(report, 'consume-one').status, 'pass', summary(report));
});

test('a 32 MiB reason is cut in the spec, TAP and JUnit reports', () => {
  const huge = 'y'.repeat(32 * 1024 * 1024);
  const report: ConformanceReport = {
    component: 'huge.wasm',
    kind: 'sink',
    durationMs: 1,
    cases: [{ name: 'consume-one', title: 'one message', status: 'fail', reason: huge, durationMs: 1 }],
  };
  for (const name of Object.keys(REPORTERS) as (keyof typeof REPORTERS)[]) {
    const text = formatReport(report, name);
    assert.ok(text.length < 3 * MAX_REASON_CHARS + 2000, `${name} report is ${text.length} characters`);
    assert.match(text, /cut: 33554432 characters in all/, name);
  }
});
