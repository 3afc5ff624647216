// Host-call abuse through the log: token buckets per instance, a summary of dropped
// lines, a cap on line length, and bounded memory for stdout without newlines; first
// on the GuestLog itself (with a hand-driven clock), then through a real flooding guest.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildBatch } from '../../runtime/batch/flat-batch.js';
import { loadComponent } from '../../runtime/host/index.js';
import { DEFAULT_GUEST_LOG_LIMITS, GuestLog } from '../../runtime/host/wasi/guest-log.js';
import { stdioSink } from '../../runtime/host/wasi/stdio.js';
import { cache, captureLogger, fixtureGuest, type LogRecord } from '../host/support.js';

const guestLines = (records: LogRecord[]) => records.filter((r) => r.origin === 'guest');
const summaries = (records: LogRecord[]) => records.filter((r) => / log lines from guest dropped/.test(r.msg));

describe('guest log budget', () => {
  it('passes a burst, then refills at the rate and reports the drops in one summary per interval', () => {
    const { logger, records } = captureLogger();
    let now = 0;
    const log = new GuestLog(logger, { linesPerSecond: 100, burst: 1000, summaryIntervalMs: 10_000 }, () => now);
    for (let i = 0; i < 5000; i++) log.line('info', `line ${i}`);
    assert.equal(guestLines(records).length, 1000, 'the burst passes');
    assert.equal(guestLines(records).at(-1)?.msg, 'line 999');
    assert.equal(summaries(records).length, 0, 'no summary before the interval is over');
    now = 2000;
    for (let i = 0; i < 1000; i++) log.line('info', `later ${i}`);
    assert.equal(guestLines(records).length, 1200, '2 s at 100 lines/s refill 200 lines');
    now = 10_000;
    log.line('info', 'after the interval');
    const [summary] = summaries(records);
    assert.ok(summary, 'a summary once the interval passed');
    assert.match(summary.msg, /^4800 log lines from guest dropped \(over 100 lines\/s or \d+ bytes\/s, after a burst of 1000 lines/);
    assert.equal(summary.dropped, 4800);
    assert.notEqual(summary.origin, 'guest', 'the summary is the host speaking');
    // 8 s refilled 800 lines, one went to "after the interval".
    for (let i = 0; i < 1000; i++) log.line('info', 'x');
    assert.equal(summaries(records).length, 1, 'one summary per interval');
    log.close();
    assert.equal(summaries(records).length, 2, 'close reports the drops left over');
    assert.equal(summaries(records)[1]?.dropped, 201);
    log.line('error', 'after close');
    assert.equal(records.at(-1)?.msg, summaries(records)[1]?.msg, 'nothing is logged after close');
  });

  it('also budgets bytes, so long lines run out before the line count does', () => {
    const { logger, records } = captureLogger();
    let now = 0;
    const log = new GuestLog(logger, { burstBytes: 64 * 1024, bytesPerSecond: 8 * 1024, maxLineBytes: 8192 }, () => now);
    for (let i = 0; i < 20; i++) log.line('info', 'b'.repeat(8192));
    assert.equal(guestLines(records).length, 8, '64 KiB of burst holds eight 8 KiB lines');
    now = 1000;
    log.line('info', 'b'.repeat(8192));
    log.line('info', 'b'.repeat(8192));
    assert.equal(guestLines(records).length, 9, 'one second refills 8 KiB');
    log.close();
    assert.equal(summaries(records)[0]?.dropped, 13);
  });

  it('cuts long lines at maxLineBytes and says how much was cut', () => {
    const { logger, records } = captureLogger();
    const log = new GuestLog(logger, { maxLineBytes: 8192 });
    log.line('warn', 'é'.repeat(1 << 20));
    const [line] = guestLines(records);
    assert.ok(line);
    const kept = line.msg.slice(0, line.msg.indexOf('…'));
    assert.ok(Buffer.byteLength(kept) <= 8192, `kept ${Buffer.byteLength(kept)} bytes`);
    assert.match(line.msg, new RegExp(`… \\[${2 * (1 << 20) - 8192} more bytes cut: guest log lines are capped at 8192 bytes\\]$`));
    log.line('info', 'short');
    assert.equal(guestLines(records)[1]?.msg, 'short');
    log.close();
  });

  it('holds at most one capped line of a stdout stream that never ends its line', () => {
    const { logger, records } = captureLogger();
    const out = stdioSink('log', 'stdout', logger, new GuestLog(logger, { maxLineBytes: 8192 }));
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 4096; i++) out.write(chunk); // 256 MiB
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 16 * 1024 * 1024, `host buffers grew by ${grown} bytes for an unfinished line`);
    assert.equal(records.length, 0, 'nothing logged before the line ends');
    out.write(Buffer.from('tail\nnext'));
    out.flush();
    const lines = guestLines(records).map((r) => r.msg);
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, new RegExp(`^x{8192}… \\[${4096 * 64 * 1024 + 4 - 8192} more bytes cut`));
    assert.equal(lines[1], 'next');
  });
});

describe('a real guest flooding the log', () => {
  it('gets its burst through, loses the rest to a counted summary, and its long line is cut', async () => {
    const { logger, records } = captureLogger();
    const component = await loadComponent(fixtureGuest('log-flood-sink'), { logger, cache, grants: {} });
    const sink = await component.instantiateSink();
    sink.open(JSON.stringify({ lines: 100_000, long_line_kib: 1024, stdout_mib: 16 }));
    const batch = buildBatch([{ payload: Buffer.from('{}') }]);
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    sink.consume({ stream: 's', topic: 't' }, { partitionId: 0, currentOffset: 0n, schema: 'json', messageCount: 1 }, batch);
    const elapsedMs = performance.now() - started;
    const grown = process.memoryUsage().arrayBuffers - before;
    sink.close();
    const lines = guestLines(records);
    const { burst, linesPerSecond } = DEFAULT_GUEST_LOG_LIMITS;
    assert.ok(
      lines.length >= burst && lines.length <= burst + Math.ceil((elapsedMs / 1000) * linesPerSecond) + 2,
      `${lines.length} guest lines logged in ${elapsedMs} ms`,
    );
    assert.equal(lines[0]?.msg, 'flood 1.0');
    const dropped = summaries(records).reduce((n, r) => n + Number(r.dropped), 0);
    assert.equal(
      dropped +
        lines.filter((l) => l.msg.startsWith('flood ')).length +
        (lines.some((l) => l.msg.startsWith('LLLL')) ? 1 : 0) +
        lines.filter((l) => l.stream === 'stdout').length,
      100_002,
      'every line is either logged or counted as dropped',
    );
    for (const l of lines) assert.ok(Buffer.byteLength(l.msg) < 8192 + 200, `a ${Buffer.byteLength(l.msg)}-byte line got through`);
    assert.ok(grown < 64 * 1024 * 1024, `host buffers grew by ${grown} bytes during the flood`);
  });
});
