// The import object a guest instance gets: built per instance from the connector's
// grants. Anything not granted is either absent (no preopens, no env vars) or
// answers with an error code the guest can see.
import type { Logger } from '../../log/logger.js';
import { capabilityImports } from '../capabilities/index.js';
import { SinkResults } from '../sink-results.js';
import { cliImports } from './cli.js';
import { clockAndRandomImports } from './clocks-random.js';
import { deniedImports } from './denied.js';
import { filesystemImports, type FileLink, type PreopenGrant } from './filesystem.js';
import { GuestLog, type GuestLogLimits } from './guest-log.js';
import { ioImports } from './io.js';
import { stdioSink, type StdioMode } from './stdio.js';

export interface ImportGrants {
  preopens?: PreopenGrant[];
  env?: string[];
  stdio?: StdioMode;
  /** Rate limit and line cap for everything the guest logs (host.log and stdio lines); defaults in guest-log.ts. */
  logLimits?: Partial<GuestLogLimits>;
  /** Destinations the network capabilities (http-client, postgres) may reach; none by default. */
  allowedHosts?: string[];
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

/** How the instance's host calls are run and bounded. */
export interface ImportOptions {
  /** The file I/O thread the guest's filesystem calls run on; required with preopens. */
  files?: FileLink;
  /** The connector's limits.call_timeout: bounds each file operation (fileBudgetMs), counted from the guest call's start. */
  callTimeoutMs?: number;
}

/** The call timeout a host without a configuration applies (limits.call_timeout's default). */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/**
 * How long a file operation may wait for its file I/O thread, counted from the start of
 * the guest call: the call's timeout less a margin, so the operation gives up (with a
 * message that names the path) before the watchdog ends the whole thread for the call.
 */
export function fileBudgetMs(callTimeoutMs: number): number {
  return Math.max(1, callTimeoutMs - Math.min(callTimeoutMs / 4, 2_000));
}

/** An import object plus what must be released when the instance goes away. */
export interface GuestImports {
  imports: Record<string, Record<string, unknown>>;
  /** Marks the start and end of a guest call: host calls inside it share its deadline. */
  beginCall(): void;
  endCall(): void;
  /** A host failure that ended the instance (a file operation that did not answer, the file I/O thread gone), if one did. */
  hostFailure(): Error | undefined;
  /** Where a sink's `sink-results.fail-messages` calls land during `consume`. */
  sinkResults: SinkResults;
  /** Work to run on the guest's thread during its next capability call's wait (once). */
  whileWaiting(work: (() => void) | undefined): void;
  /** What the guest wrote to stderr since the last call to this (at most 4 KiB): the explanation a trap comes with. */
  takeStderr(): string;
  /** Flushes partial stdio lines and closes files the guest left open. */
  close(): void;
}

const STDERR_KEPT_BYTES = 4096;

export function buildImports(grants: ImportGrants, logger: Logger, options: ImportOptions = {}): GuestImports {
  // One budget per instance for host.log and stdio together: a flooding guest loses its
  // own lines, never another connector's, and cannot grow the log's buffers without bound.
  const guestLog = new GuestLog(logger, grants.logLimits);
  const stdout = stdioSink(grants.stdio ?? 'log', 'stdout', logger, guestLog);
  const stderr = stdioSink(grants.stdio ?? 'log', 'stderr', logger, guestLog);
  const environment: [string, string][] = [];
  for (const name of grants.env ?? []) {
    const value = process.env[name];
    if (value !== undefined) environment.push([name, value]);
  }
  const budgetMs = fileBudgetMs(options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
  let callStartedAt: number | undefined;
  const fs = filesystemImports(grants.preopens ?? [], options.files, { budgetMs, deadline: () => (callStartedAt ?? Date.now()) + budgetMs });
  const capabilities = capabilityImports(grants.allowedHosts ?? [], logger);
  const sinkResults = new SinkResults();
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
        guestLog.line(LOG_LEVELS.includes(level) ? level : 'info', message);
      },
    },
    // The types interface holds only types; jco still names it in the import object.
    'iggy:connector/types': {},
    ...ioImports(),
    ...cliImports({ stdout: stdout.write, stderr: stderrWrite, environment }),
    ...clockAndRandomImports(),
    ...fs.imports,
    ...deniedImports(),
    ...capabilities.imports,
    ...sinkResults.imports,
  };
  return {
    imports,
    beginCall() {
      callStartedAt = Date.now();
    },
    endCall() {
      callStartedAt = undefined;
    },
    hostFailure: () => fs.failure(),
    sinkResults,
    whileWaiting: (work) => capabilities.whileWaiting(work),
    takeStderr() {
      const text = Buffer.concat(recentStderr).toString('utf8');
      recentStderr = [];
      recentBytes = 0;
      return text;
    },
    close() {
      stdout.flush();
      stderr.flush();
      guestLog.close();
      fs.close();
      capabilities.close();
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
