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
