// What an IggyClient is configured with, and the shapes its session hands back.
import type { Logger } from '../log/logger.js';
import type { ClientVersionInfo } from './codec/index.js';
import type { TlsOptions } from './connection.js';

export type Credentials = { username: string; password: string } | { token: string };

export interface ReconnectOptions {
  /** Defaults to true. */
  enabled?: boolean;
  /** First delay; doubles per failed attempt up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Attempts before giving up; unlimited by default. */
  maxAttempts?: number;
}

export interface IggyClientOptions {
  host: string;
  port: number;
  tls?: TlsOptions;
  /** Logged in with on `connect()` and again after every reconnect. */
  credentials?: Credentials;
  /** Bound on every request's wait for its reply (and for a reconnect it waits on). Default 30 s. */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  reconnect?: ReconnectOptions;
  /**
   * A ping every this many ms while connected (the SDK's heartbeat, default 5 s; 0 turns it off).
   * It keeps the server from dropping an idle client and finds a dead connection; each beat
   * also lets the next consumer-group poll re-learn its partitions.
   */
  heartbeatIntervalMs?: number;
  /** Requests written before their replies arrive (the server answers in order). Default 64. */
  maxInFlight?: number;
  maxFrameSize?: number;
  logger: Logger;
  version?: ClientVersionInfo;
}

export type ClientState = 'new' | 'connecting' | 'ready' | 'reconnecting' | 'failed' | 'closed';

export interface LoginResult {
  userId: number;
  serverVersion: string;
  serverProtocolVersion: number;
}

/** Per-call options. */
export interface RequestOptions {
  timeoutMs?: number;
}
