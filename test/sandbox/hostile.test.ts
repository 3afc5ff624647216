// Hostile guests through the real `iggy-connectors run`, all in one runtime beside a
// well-behaved pipeline (JS random source → topic → Rust file sink into a granted
// directory): a guest that loops forever, one that allocates without bound, one that
// traps, one that floods the log, probes for files, env and sockets without grants, and
// a source returning a malformed batch. The runtime must stay up, the good pipeline
// must deliver every message, each hostile event must be logged with its connector's
// key, and /metrics must count the restarts by reason.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { messages } from '../../runtime/batch/flat-batch.js';
import { DEFAULT_GUEST_LOG_LIMITS } from '../../runtime/host/wasi/guest-log.js';
import { Polling } from '../../runtime/iggy/codec/index.js';
import { brokerWithClient } from '../helpers/iggy.js';
import { fixturePath } from '../helpers/paths.js';
import { eventually, startRuntime, runtimeHeader } from '../helpers/runtime-process.js';
import { hostileSinkToml, neighbourDelivered, neighbourPipelineToml } from './neighbour-pipeline.js';

const TOTAL = 2000;
const SECRET = 'hostile-suite-secret';

const hostileSink = (key: string, fixture: string, extra: string): string => hostileSinkToml(key, fixturePath(fixture), extra);

function runtimeToml(dir: string, port: number): string {
  return `
${runtimeHeader(port, dir)}
[http]
enabled = true
address = "127.0.0.1:0"

${neighbourPipelineToml(dir, { total: TOTAL, perPoll: 100, sinkBatch: 200 })}

${hostileSink('hang', 'hang-sink', `[sinks.hang.config]\nhang_after = 0\n[sinks.hang.limits]\ncall_timeout = "500ms"`)}
${hostileSink('hog', 'memory-hog-sink', `[sinks.hog.config]\nmib = 32\n[sinks.hog.limits]\nmemory_limit = "48 MiB"`)}
${hostileSink('trap', 'trap-sink', '')}
${hostileSink('flood', 'log-flood-sink', `[sinks.flood.config]\nlines = 200000\nlong_line_kib = 512\nstdout_mib = 8`)}
${hostileSink('files', 'file-reader-sink', `[sinks.files.config]\nread = ["/out/messages.ndjson", "/../etc/passwd"]\nwrite = "/tmp/escaped.txt"`)}
${hostileSink('env', 'env-reader-sink', '')}
${hostileSink('net', 'net-probe-sink', '')}

[sources.bad_source]
path = "${fixturePath('bad-batch-source')}"
poll_interval = "50ms"
[[sources.bad_source.streams]]
stream = "hostile"
topic = "bad"
schema = "json"
[sources.bad_source.restart]
initial_delay = "200ms"
max_restarts = 2
`;
}

/** The value of one sample of /metrics, or undefined when the series is absent. */
function sample(metrics: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.indexOf('}'));
    const got = Object.fromEntries(body.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), JSON.parse(kv.slice(kv.indexOf('=') + 1)) as string]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

const restarts = (metrics: string, key: string, type: string, reason: string) =>
  sample(metrics, 'iggy_connector_restarts_total', { connector_key: key, connector_type: type, reason }) ?? 0;

const failed = (metrics: string, key: string, type: string) =>
  sample(metrics, 'iggy_connector_state', { connector_key: key, connector_type: type, state: 'failed' }) === 1;

test(
  'hostile guests beside a good pipeline: the runtime stays up, the pipeline delivers everything, each abuse is logged and counted',
  { timeout: 150_000 },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'hostile-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, 'out'));
    const { broker, client } = await brokerWithClient(t);
    await client.createStream('hostile');
    await client.createTopic('hostile', 'in', { partitions: 1 });
    await client.sendMessages(
      'hostile',
      'in',
      { kind: 'partition', id: 0 },
      Array.from({ length: 10 }, (_, i) => ({ payload: Buffer.from(JSON.stringify({ i })) })),
    );

    const started = Date.now();
    const runtime = await startRuntime(dir, runtimeToml(dir, broker.port), { IGGY_TEST_SECRET: SECRET });
    t.after(() => runtime.stop('SIGKILL').then(() => undefined));
    const listening = await runtime.waitForLog((l) => l.msg === 'HTTP API listening', 30_000, 'the HTTP API');
    const url = String(listening.url);

    // The good pipeline delivers every sequence number while the hostile guests misbehave.
    const lines = await neighbourDelivered(dir, TOTAL, 90_000, () => runtime.tail());
    const seqs = new Set(lines.map((line) => (JSON.parse(line) as { seq: number }).seq));
    const missing = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => !seqs.has(i));
    assert.deepEqual(missing, [], 'every message reached the file');

    // Each abuse is logged with the connector it came from.
    await runtime.waitForLog((l) => l.connector === 'hang' && /over limits.call_timeout/.test(String(l.msg)), 30_000, 'the hang timeout');
    await runtime.waitForLog(
      (l) => l.connector === 'hog' && /restarting it/.test(String(l.msg)) && /memory/i.test(JSON.stringify(l)),
      30_000,
      'the memory hog restart',
    );
    await runtime.waitForLog((l) => l.connector === 'trap' && /deliberate crash/.test(JSON.stringify(l)), 30_000, 'the trap');
    await runtime.waitForLog((l) => l.connector === 'bad_source' && /malformed batch/.test(JSON.stringify(l)), 30_000, 'the malformed source batch');
    const files = await runtime.waitForLog((l) => l.connector === 'files' && /preopens=/.test(JSON.stringify(l)), 30_000, 'the file probe report');
    const env = await runtime.waitForLog((l) => l.connector === 'env' && /IGGY_TEST_SECRET=/.test(JSON.stringify(l)), 30_000, 'the env probe report');
    const net = await runtime.waitForLog((l) => l.connector === 'net' && /tcp4=/.test(JSON.stringify(l)), 30_000, 'the net probe report');
    const dropped = await runtime.waitForLog(
      (l) => l.connector === 'flood' && / log lines from guest dropped/.test(String(l.msg)),
      45_000,
      'the flood summary',
    );

    const filesText = JSON.stringify(files);
    assert.match(filesText, /preopens=\[\]/, 'no directory without a grant');
    assert.match(filesText, /read \/out\/messages.ndjson => no-preopen/, "another connector's grant is not this one's");
    assert.match(filesText, /write \/tmp\/escaped.txt => no-preopen/);
    const envText = JSON.stringify(env);
    assert.match(envText, /IGGY_TEST_SECRET=<unset>/);
    assert.ok(!envText.includes(SECRET), 'the secret never reaches the guest');
    assert.match(JSON.stringify(net), /tcp4=err:/, 'no socket without a grant');

    // The flood: its burst got through, the rest was counted, no line is longer than the cap.
    assert.ok(Number(dropped.dropped) > 0, `dropped ${String(dropped.dropped)}`);
    const floodLines = runtime.logs.filter((l) => l.connector === 'flood' && l.origin === 'guest');
    const seconds = (Date.now() - started) / 1000;
    const { burst, linesPerSecond } = DEFAULT_GUEST_LOG_LIMITS;
    assert.ok(floodLines.length <= burst + linesPerSecond * seconds + 10, `${floodLines.length} flood lines logged in ${seconds} s`);
    for (const l of floodLines)
      assert.ok(Buffer.byteLength(String(l.msg)) < 8192 + 200, `a ${Buffer.byteLength(String(l.msg))}-byte guest line reached the log`);

    // /metrics counts the restarts by reason, and none for the good connectors.
    let lastMetrics = '';
    const metrics = await eventually(
      async () => {
        const text = (lastMetrics = await (await fetch(`${url}/metrics`)).text());
        return restarts(text, 'hang', 'sink', 'timeout') >= 1 && restarts(text, 'trap', 'sink', 'trap') >= 1 && failed(text, 'bad_source', 'source')
          ? text
          : undefined;
      },
      30_000,
      'restart counts in /metrics',
      () =>
        lastMetrics
          .split('\n')
          .filter((l) => /^iggy_connector_(restarts_total|state)\{/.test(l) && !l.endsWith(' 0'))
          .join('\n'),
    );
    assert.ok(restarts(metrics, 'hog', 'sink', 'memory') + restarts(metrics, 'hog', 'sink', 'trap') >= 1, 'the memory hog restart is counted');
    // A permanent error (the probes' reports from open, the malformed batch) stops a connector for good: no restart, state failed.
    for (const key of ['files', 'env', 'net']) assert.ok(failed(metrics, key, 'sink'), `${key} is marked failed`);
    for (const [key, type] of [
      ['file', 'sink'],
      ['numbers', 'source'],
      ['files', 'sink'],
      ['bad_source', 'source'],
    ] as const) {
      for (const reason of ['trap', 'timeout', 'memory', 'crash', 'error'])
        assert.equal(restarts(metrics, key, type, reason), 0, `${key} restarted for ${reason}`);
    }
    // The flood's long calls block its worker's event loop, which widens a race in the Iggy client
    // (a heartbeat clearing group assignments during a sync) that can end in an `error` restart;
    // the flood itself must never trap, time out or run out of memory.
    for (const reason of ['trap', 'timeout', 'memory', 'crash']) assert.equal(restarts(metrics, 'flood', 'sink', reason), 0, `flood restarted for ${reason}`);

    // Nothing the malformed source returned reached Iggy.
    const bad = await client
      .pollMessages('hostile', 'bad', { consumer: 'inspect', partitionId: 0, strategy: Polling.first(), count: 10 })
      .catch(() => undefined);
    assert.equal(bad ? [...messages(bad.batch)].length : 0, 0, 'no message from the malformed batch');

    // The JS guest's uncaught Error reaches /stats as its own message, not as componentize-js's failed conversion.
    const trapStats = ((await (await fetch(`${url}/stats`)).json()) as { connectors: { key: string; last_error?: { message: string } }[] }).connectors.find(
      (c) => c.key === 'trap',
    );
    assert.match(
      trapStats?.last_error?.message ?? '',
      /^the guest threw Error: trap-sink: deliberate crash at offset \d+ \(uncaught/,
      JSON.stringify(trapStats),
    );

    assert.equal(runtime.child.exitCode, null, `the runtime is still running\n${runtime.tail()}`);
    assert.equal(await runtime.stop('SIGTERM'), 0, runtime.tail());
  },
);
