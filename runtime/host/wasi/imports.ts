// The import object a guest instance gets: built per instance from the connector's
// grants. Anything not granted is either absent (no preopens, no env vars) or
// answers with an error code the guest can see.
import type { Logger } from '../../log/logger.js';
import { cliImports } from './cli.js';
import { clockAndRandomImports } from './clocks-random.js';
import { deniedImports } from './denied.js';
import { filesystemImports, type PreopenGrant } from './filesystem.js';
import { ioImports } from './io.js';
import { stdioSink, type StdioMode } from './stdio.js';

export interface ImportGrants {
  preopens?: PreopenGrant[];
  env?: string[];
  stdio?: StdioMode;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

/** An import object plus what must be released when the instance goes away. */
export interface GuestImports {
  imports: Record<string, Record<string, unknown>>;
  /** What the guest wrote to stderr since the last call to this (at most 4 KiB): the explanation a trap comes with. */
  takeStderr(): string;
  /** Flushes partial stdio lines and closes files the guest left open. */
  close(): void;
}

const STDERR_KEPT_BYTES = 4096;

export function buildImports(grants: ImportGrants, logger: Logger): GuestImports {
  const guestLogger = logger.child({ origin: 'guest' });
  const stdout = stdioSink(grants.stdio ?? 'log', 'stdout', guestLogger);
  const stderr = stdioSink(grants.stdio ?? 'log', 'stderr', guestLogger);
  const environment: [string, string][] = [];
  for (const name of grants.env ?? []) {
    const value = process.env[name];
    if (value !== undefined) environment.push([name, value]);
  }
  const fs = filesystemImports(grants.preopens ?? []);
  let recentStderr: Buffer[] = [];
  let recentBytes = 0;
  const stderrWrite = (bytes: Uint8Array) => {
    if (recentBytes < STDERR_KEPT_BYTES) {
      const kept = Buffer.from(bytes.subarray(0, STDERR_KEPT_BYTES - recentBytes));
      recentStderr.push(kept);
      recentBytes += kept.length;
    }
    stderr.write(bytes);
  };
  const imports = {
    'iggy:connector/host': {
      log(level: LogLevel, message: string): void {
        (LOG_LEVELS.includes(level) ? guestLogger[level] : guestLogger.info).call(guestLogger, message);
      },
    },
    // The types interface holds only types; jco still names it in the import object.
    'iggy:connector/types': {},
    ...ioImports(),
    ...cliImports({ stdout: stdout.write, stderr: stderrWrite, environment }),
    ...clockAndRandomImports(),
    ...fs.imports,
    ...deniedImports(),
  };
  return {
    imports,
    takeStderr() {
      const text = Buffer.concat(recentStderr).toString('utf8');
      recentStderr = [];
      recentBytes = 0;
      return text;
    },
    close() {
      stdout.flush();
      stderr.flush();
      fs.files.closeAll();
    },
  };
}

/** Interface names (without version) the host can satisfy. */
export const KNOWN_IMPORTS: ReadonlySet<string> = new Set(Object.keys(buildImports({ stdio: 'discard' }, silentStub()).imports));

function silentStub(): Logger {
  const noop = () => {};
  const stub = { child: () => stub, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
  return stub as unknown as Logger;
}
