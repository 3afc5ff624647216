// Guest stdout/stderr in 'log' mode: bytes split into lines across writes, a last
// line without "\n" logged at close, UTF-8 split between writes kept intact.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stdioSink } from '../../runtime/host/wasi/stdio.js';
import { captureLogger } from './support.js';

describe('stdio sink (log mode)', () => {
  it('logs whole lines, joining pieces from separate writes', () => {
    const { logger, records } = captureLogger();
    const out = stdioSink('log', 'stdout', logger);
    const euro = Buffer.from('€');
    out.write(Buffer.from('first\nsec'));
    out.write(Buffer.concat([Buffer.from('ond '), euro.subarray(0, 1)]));
    out.write(Buffer.concat([euro.subarray(1), Buffer.from('\n\nlast')]));
    assert.deepEqual(
      records.map((r) => r.msg),
      ['first', 'second €', ''],
    );
    out.flush();
    assert.deepEqual(
      records.map((r) => [r.msg, r.stream, r.level]),
      [
        ['first', 'stdout', 30],
        ['second €', 'stdout', 30],
        ['', 'stdout', 30],
        ['last', 'stdout', 30],
      ],
    );
  });

  it('logs stderr at warn and drops everything in discard mode', () => {
    const { logger, records } = captureLogger();
    stdioSink('log', 'stderr', logger).write(Buffer.from('oops\n'));
    stdioSink('discard', 'stdout', logger).write(Buffer.from('dropped\n'));
    assert.deepEqual(
      records.map((r) => [r.msg, r.stream, r.level]),
      [['oops', 'stderr', 40]],
    );
  });
});
