// The one door through which a guest's words reach the runtime's log (host.log and
// stdout/stderr lines): token buckets per instance (lines and bytes), a cap on line
// length, and one summary line per interval counting what the buckets dropped.
import type { Logger } from '../../log/logger.js';

export type GuestLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface GuestLogLimits {
  /** Lines per second the line bucket refills. */
  linesPerSecond: number;
  /** Lines a quiet guest may log at once. */
  burst: number;
  /** Bytes per second the byte bucket refills: bounds what the log's buffers hold while a call runs. */
  bytesPerSecond: number;
  /** Bytes a quiet guest may log at once. */
  burstBytes: number;
  /** Longer lines are cut (on the byte count) and marked. */
  maxLineBytes: number;
  /** At most one "dropped" summary per interval. */
  summaryIntervalMs: number;
}

/**
 * A connector that prints a line per message (the stdout sink) gets a 10,000-message
 * batch through in one go; a guest looping on host.log is cut to 1000 lines/s.
 */
export const DEFAULT_GUEST_LOG_LIMITS: Readonly<GuestLogLimits> = {
  linesPerSecond: 1000,
  burst: 10_000,
  bytesPerSecond: 1024 * 1024,
  burstBytes: 8 * 1024 * 1024,
  maxLineBytes: 8 * 1024,
  summaryIntervalMs: 10_000,
};

export class GuestLog {
  readonly #lines: Logger;
  readonly #host: Logger;
  readonly #limits: GuestLogLimits;
  readonly #now: () => number;
  #tokens: number;
  #byteTokens: number;
  #refilledAt: number;
  #dropped = 0;
  #summaryAt: number;
  /** Started at the first drop only, so a polite guest costs no timer. */
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /**
   * `logger` is the connector's; guest lines get `origin: "guest"`, the summary is the
   * host's own line. `now` (ms, monotonic) is there for tests.
   */
  constructor(logger: Logger, limits: Partial<GuestLogLimits> = {}, now: () => number = () => performance.now()) {
    this.#host = logger;
    this.#lines = logger.child({ origin: 'guest' });
    this.#limits = { ...DEFAULT_GUEST_LOG_LIMITS, ...limits };
    this.#now = now;
    this.#tokens = this.#limits.burst;
    this.#byteTokens = this.#limits.burstBytes;
    this.#refilledAt = now();
    this.#summaryAt = this.#refilledAt;
  }

  get limits(): Readonly<GuestLogLimits> {
    return this.#limits;
  }

  /**
   * Logs one line if both buckets allow it, cut to maxLineBytes. `cutBytes` counts
   * bytes the caller already discarded from this line (a stdout line that never ended).
   * The budget is checked before any formatting, so a dropped line costs a few compares.
   */
  line(level: GuestLogLevel, line: string | Uint8Array, fields?: Record<string, unknown>, cutBytes = 0): void {
    if (this.#closed) return;
    const now = this.#now();
    this.#refill(now);
    // A string's length in UTF-16 units stands in for its bytes: close enough for a budget, and free.
    const cost = Math.min(line.length, this.#limits.maxLineBytes);
    if (this.#tokens < 1 || this.#byteTokens < cost) {
      this.#dropped += 1;
      this.#startTimer();
      if (now - this.#summaryAt >= this.#limits.summaryIntervalMs) this.summarize();
      return;
    }
    this.#tokens -= 1;
    this.#byteTokens -= cost;
    if (this.#dropped > 0 && now - this.#summaryAt >= this.#limits.summaryIntervalMs) this.summarize();
    const text = this.#cut(line, cutBytes);
    if (fields) this.#lines[level](fields, text);
    else this.#lines[level](text);
  }

  /** Logs how many lines were dropped since the last summary, if any. */
  summarize(): void {
    this.#summaryAt = this.#now();
    if (this.#dropped === 0) return;
    const { linesPerSecond, burst, bytesPerSecond, burstBytes } = this.#limits;
    this.#host.warn(
      { dropped: this.#dropped, linesPerSecond, burst, bytesPerSecond, burstBytes },
      `${this.#dropped} log lines from guest dropped (over ${linesPerSecond} lines/s or ${bytesPerSecond} bytes/s, after a burst of ${burst} lines or ${burstBytes} bytes)`,
    );
    this.#dropped = 0;
  }

  /** Reports the last drops and stops the timer; later lines are ignored. */
  close(): void {
    if (this.#closed) return;
    this.summarize();
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #refill(now: number): void {
    const { linesPerSecond, burst, bytesPerSecond, burstBytes } = this.#limits;
    const seconds = (now - this.#refilledAt) / 1000;
    this.#tokens = Math.min(burst, this.#tokens + seconds * linesPerSecond);
    this.#byteTokens = Math.min(burstBytes, this.#byteTokens + seconds * bytesPerSecond);
    this.#refilledAt = now;
  }

  #startTimer(): void {
    if (this.#timer !== undefined) return;
    // Reports drops once the guest has gone quiet (a guest stuck in one call blocks timers; line() covers that case).
    this.#timer = setInterval(() => this.summarize(), this.#limits.summaryIntervalMs);
    this.#timer.unref();
  }

  #cut(line: string | Uint8Array, cutBytes: number): string {
    const max = this.#limits.maxLineBytes;
    let bytes: Buffer | undefined;
    if (typeof line === 'string') {
      // Most lines are short: only measure when the characters could exceed the cap.
      if (line.length * 3 <= max && cutBytes === 0) return line;
      bytes = Buffer.from(line.length > max ? line.slice(0, max) : line, 'utf8');
      cutBytes += Buffer.byteLength(line, 'utf8') - bytes.length;
    } else {
      bytes = Buffer.from(line.buffer, line.byteOffset, line.byteLength);
    }
    if (bytes.length > max) {
      cutBytes += bytes.length - max;
      bytes = bytes.subarray(0, max);
    }
    const text = bytes.toString('utf8');
    return cutBytes > 0 ? `${text}… [${cutBytes} more bytes cut: guest log lines are capped at ${max} bytes]` : text;
  }
}
