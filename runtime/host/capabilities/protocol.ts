// Messages between a connector's thread and its capability I/O thread, and the
// guest-visible failure shapes (the WIT `http-error` / `pg-error` variants).
import type { MessagePort } from 'node:worker_threads';

export const DEFAULT_TIMEOUT_MS = 30_000;
/** Largest HTTP response body or PostgreSQL result handed to a guest. */
export const MAX_RESULT_BYTES = 16 * 1024 * 1024;

export interface HttpCall {
  op: 'http';
  method: string;
  url: string;
  headers: [string, string][];
  body: Uint8Array;
  timeoutMs: number;
}

export interface HttpResult {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

/** The PostgreSQL server and credentials, already checked against allowed_hosts. */
export interface PgTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  ssl: 'disable' | 'require' | 'verify-full';
}

export interface PgStatement {
  sql: string;
  params: (string | null)[];
}

export interface PgExecuteCall {
  op: 'pg-execute';
  target: PgTarget;
  statements: PgStatement[];
  timeoutMs: number;
}

export interface PgQueryCall {
  op: 'pg-query';
  target: PgTarget;
  statement: PgStatement;
  timeoutMs: number;
}

export interface CloseCall {
  op: 'close';
}

export type IoCall = HttpCall | PgExecuteCall | PgQueryCall | CloseCall;

/** A WIT variant case as jco lowers it: `{ tag, val }`. */
export type Failure =
  { tag: 'denied' | 'invalid-request' | 'connection' | 'timeout' | 'too-large'; val: string } | { tag: 'database'; val: { sqlstate: string; message: string } };

export type IoReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; failure: Failure };

/** Thrown inside the I/O thread to answer with a specific failure case. */
export class IoFailure extends Error {
  readonly failure: Failure;
  constructor(failure: Failure) {
    super(typeof failure.val === 'string' ? failure.val : failure.val.message);
    this.failure = failure;
  }
}

/** What the I/O thread is started with. */
export interface IoThreadData {
  port: MessagePort;
  /** Int32 counter, incremented after each reply is posted. */
  signal: Int32Array;
}
