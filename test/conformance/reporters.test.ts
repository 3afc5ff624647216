// The three report formats on a report with awkward text: what CI parsers choke on
// (XML metacharacters, control bytes, `#` in TAP descriptions, multi-line reasons).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReport, reportPassed, type ConformanceReport } from '../../runtime/conformance/index.js';

const awkward = 'consume trapped: <panic> & "quoted" \'single\' #hash\nsecond line \u0001';

const report: ConformanceReport = {
  component: 'dir/my_sink.wasm',
  kind: 'sink',
  durationMs: 1234,
  cases: [
    { name: 'world', title: 'exports the sink-connector world', status: 'pass', reason: 'exports iggy:connector/sink@0.1.0', durationMs: 1 },
    { name: 'consume-empty', title: 'consume accepts an empty batch', status: 'fail', reason: awkward, durationMs: 12.5 },
    {
      name: 'poll-count',
      title: 'poll returns at most `count` # messages',
      status: 'skip',
      reason: 'the config has no positive integer `count`',
      durationMs: 0,
    },
  ],
};

test('a skipped case does not fail a report; a failed one does', () => {
  assert.equal(reportPassed(report), false);
  assert.equal(reportPassed({ ...report, cases: report.cases.filter((c) => c.status !== 'fail') }), true);
});

test('TAP: plan, one point per case, SKIP directive, YAML message that round-trips', () => {
  const lines = formatReport(report, 'tap').split('\n');
  assert.equal(lines[0], 'TAP version 13');
  assert.equal(lines[2], '1..3');
  assert.equal(lines[3], 'ok 1 - world: exports the sink-connector world');
  assert.ok(lines.includes('not ok 2 - consume-empty: consume accepts an empty batch'));
  assert.ok(lines.includes('ok 3 - poll-count: poll returns at most `count` \\# messages # SKIP the config has no positive integer `count`'), lines.join('\n'));
  const message = lines.find((l) => l.startsWith('  message: '));
  assert.ok(message);
  assert.equal(JSON.parse(message.slice('  message: '.length)), awkward);
});

test('JUnit: counts, escaped attributes, no raw control bytes', () => {
  const xml = formatReport(report, 'junit');
  assert.match(xml, /<testsuite name="iggy-connectors test dir\/my_sink\.wasm" tests="3" failures="1" errors="0" skipped="1" time="1\.234">/);
  assert.match(
    xml,
    /<failure message="consume trapped: &lt;panic&gt; &amp; &quot;quoted&quot; &apos;single&apos; #hash&#10;second line " type="consume-empty">/,
  );
  assert.match(xml, /<skipped message="the config has no positive integer `count`"\/>/);
  assert.ok(!xml.includes('\u0001'));
  // Every element that opens is closed (a cheap well-formedness check without an XML parser).
  const opened = [...xml.matchAll(/<(testsuites|testsuite|testcase)[\s>]/g)].length;
  const closed = [...xml.matchAll(/<\/(testsuites|testsuite|testcase)>|<testcase [^>]*\/>/g)].length;
  assert.equal(opened, closed);
});

test('spec: a line per case, the failure reason under it, and the tally', () => {
  const text = formatReport(report, 'spec');
  assert.match(text, /^dir\/my_sink\.wasm \(sink\)\n/);
  assert.match(text, /✔ world: exports the sink-connector world \(1 ms\) - exports iggy:connector\/sink@0\.1\.0\n/);
  assert.match(text, /✖ consume-empty: consume accepts an empty batch \(13 ms\)\n {6}consume trapped: <panic>/);
  assert.match(text, /- poll-count: .* \(skipped: the config has no positive integer `count`\)\n/);
  assert.match(text, /\n1 passed, 1 failed, 1 skipped in 1\.2 s\n$/);
});
