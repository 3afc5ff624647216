// Where a guest's stdout/stderr bytes go: split into lines and logged with the
// connector (default), passed to the process's own streams, or dropped.
import type { Logger } from '../../log/logger.js';
import type { WriteSink } from './io.js';

export type StdioMode = 'log' | 'inherit' | 'discard';

/** A sink plus the flush that the owner calls on close (a last line without "\n"). */
export interface StdioSink {
  write: WriteSink;
  flush(): void;
}

/** Longest line kept before it is logged in pieces, so a guest cannot grow host memory without bound. */
const MAX_LINE_BYTES = 1 << 20;

export function stdioSink(mode: StdioMode, stream: 'stdout' | 'stderr', logger: Logger): StdioSink {
  if (mode === 'discard') return { write: () => {}, flush: () => {} };
  if (mode === 'inherit') {
    // Copied: the guest's memory is reused once the call returns, and the stream may write later.
    return { write: (bytes) => void process[stream].write(Buffer.from(bytes)), flush: () => {} };
  }
  const log = stream === 'stdout' ? (line: string) => logger.info({ stream }, line) : (line: string) => logger.warn({ stream }, line);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const emit = (bytes: Buffer) => log(bytes.toString('utf8'));
  return {
    write(bytes) {
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
        const piece = buf.subarray(start, nl);
        if (pendingBytes > 0) {
          emit(Buffer.concat([...pending, piece]));
          pending = [];
          pendingBytes = 0;
        } else {
          emit(piece);
        }
        start = nl + 1;
      }
      if (start < buf.length) {
        // The guest's memory is reused after the call returns: keep a copy.
        const rest = Buffer.from(buf.subarray(start));
        pending.push(rest);
        pendingBytes += rest.length;
        if (pendingBytes >= MAX_LINE_BYTES) this.flush();
      }
    },
    flush() {
      if (pendingBytes === 0) return;
      emit(Buffer.concat(pending));
      pending = [];
      pendingBytes = 0;
    },
  };
}
