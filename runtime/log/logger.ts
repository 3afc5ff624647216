// One pino logger for the process, created by the CLI and passed down;
// components derive children (`logger.child({ connector })`), never a global.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Pretty, human-readable lines; defaults to true when stdout is a TTY. */
  pretty?: boolean;
  /** Where JSON lines go instead of stdout (a worker posts them to the main thread). */
  destination?: { write(line: string): void };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? (process.env.IGGY_CONNECTORS_LOG_LEVEL as LevelWithSilent | undefined) ?? 'info';
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  if (pretty) {
    return pino({ level, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return options.destination ? pino({ level }, options.destination) : pino({ level });
}

/** A logger that drops everything; for tests and tools that want silence. */
export const silentLogger = (): Logger => pino({ level: 'silent' });

/**
 * Resolves once the lines logged so far are written (at most `timeoutMs`), for a process
 * about to end without running its exit handlers. pino's own `flush(cb)` answers at
 * once when lines go out as they come (its default), even while the last write is in
 * flight; the destination says `drain` when that write is done.
 */
export function logWritten(logger: Logger, timeoutMs: number): Promise<void> {
  const stream = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as
    { once?(event: 'drain', listener: () => void): unknown; removeListener?(event: 'drain', listener: () => void): unknown } | undefined;
  return new Promise((resolve) => {
    if (typeof stream?.once !== 'function') return resolve();
    const done = (): void => {
      clearTimeout(timer);
      stream.removeListener?.('drain', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    stream.once('drain', done);
  });
}
