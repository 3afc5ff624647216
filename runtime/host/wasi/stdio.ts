// Where a guest's stdout/stderr bytes go: split into lines and logged with the
// connector through its GuestLog (default), passed to the process's own streams, or dropped.
import type { Logger } from '../../log/logger.js';
import { GuestLog } from './guest-log.js';
import type { WriteSink } from './io.js';

export type StdioMode = 'log' | 'inherit' | 'discard';

/** A sink plus the flush that the owner calls on close (a last line without "\n"). */
export interface StdioSink {
  write: WriteSink;
  flush(): void;
}

const NEWLINE = 10;

/**
 * `log` carries the rate limit and line cap shared with host.log; without one, a
 * GuestLog with the default limits is made for this sink alone.
 */
export function stdioSink(mode: StdioMode, stream: 'stdout' | 'stderr', logger: Logger, log?: GuestLog): StdioSink {
  if (mode === 'discard') return { write: () => {}, flush: () => {} };
  if (mode === 'inherit') {
    // Copied: the guest's memory is reused once the call returns, and the stream may write later.
    return { write: (bytes) => void process[stream].write(Buffer.from(bytes)), flush: () => {} };
  }
  const guestLog = log ?? new GuestLog(logger);
  const level = stream === 'stdout' ? 'info' : 'warn';
  const fields = { stream };
  // A line that has not ended yet. Kept to maxLineBytes (the rest only counted), so a
  // guest writing megabytes without "\n" holds at most that much host memory.
  const max = guestLog.limits.maxLineBytes;
  let pending: Buffer | undefined;
  let pendingBytes = 0;
  let cutBytes = 0;
  const keep = (piece: Buffer) => {
    pending ??= Buffer.allocUnsafe(max);
    const n = Math.min(max - pendingBytes, piece.length);
    piece.copy(pending, pendingBytes, 0, n);
    pendingBytes += n;
    cutBytes += piece.length - n;
  };
  const emitPending = () => {
    guestLog.line(level, pending!.subarray(0, pendingBytes), fields, cutBytes);
    pendingBytes = 0;
    cutBytes = 0;
  };
  return {
    write(bytes) {
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let start = 0;
      for (let nl = buf.indexOf(NEWLINE, start); nl !== -1; nl = buf.indexOf(NEWLINE, start)) {
        if (pendingBytes > 0 || cutBytes > 0) {
          keep(buf.subarray(start, nl));
          emitPending();
        } else {
          guestLog.line(level, buf.subarray(start, nl), fields);
        }
        start = nl + 1;
      }
      // The guest's memory is reused after the call returns: keep a copy of the unfinished line.
      if (start < buf.length) keep(buf.subarray(start));
    },
    flush() {
      if (pendingBytes > 0 || cutBytes > 0) emitPending();
    },
  };
}
