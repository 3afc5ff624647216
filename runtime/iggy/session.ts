// The session under the Iggy client: one connection at a time, the login it carries (client id,
// session, request ids), the request path with per-request timeouts, heartbeat, reconnect and
// re-login. Knows no commands beyond login, logout, tokens and ping: IggyClient (client.ts) adds them.
import { randomBytes } from 'node:crypto';
import { xxh3 } from '@node-rs/xxhash';
import type { Logger } from '../log/logger.js';
import {
  Code,
  Command,
  HEADER_SIZE,
  Operation,
  decodeEviction,
  decodeLoginReply,
  decodeReplyHeader,
  frameCommand,
  defaultVersionInfo,
  encodeCreatePersonalAccessToken,
  encodeDeletePersonalAccessToken,
  decodeRawPersonalAccessToken,
  encodeLoginRegister,
  encodeLoginRegisterWithToken,
  isPartitionOperation,
  operationForCode,
  replyBody,
  splitReplyBody,
  writeRequestHeader,
  WireError,
} from './codec/index.js';
import { IggyConnection } from './connection.js';
import { backoffDelay } from '../timing/backoff.js';
import type { ClientState, Credentials, IggyClientOptions, LoginResult, RequestOptions } from './client-options.js';
import { IggyArgumentError, IggyClosedError, IggyConnectionError, IggyError, IggyProtocolError, IggyTimeoutError, evictionStatus } from './errors.js';

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** A u128 client id, random and non-zero (what the SDK derives from a UUIDv4). */
function randomClientId(): bigint {
  const b = randomBytes(16);
  const id = b.readBigUInt64LE(0) | (b.readBigUInt64LE(8) << 64n);
  return id === 0n ? 1n : id;
}

/** The connection, session and request path of an IggyClient; commands live in client.ts. */
export abstract class IggySession {
  protected readonly options: IggyClientOptions;
  protected readonly logger: Logger;
  protected readonly requestTimeoutMs: number;
  private readonly maxInFlight: number;
  private connection: IggyConnection | undefined;
  private stateValue: ClientState = 'new';
  /** Why the client is failed (reconnect gave up, credentials refused). */
  private failure: Error | undefined;
  private credentials: Credentials | undefined;

  // Session: the SDK's ConsensusSession. A fresh client id per login; ids 1, 2, ... after it.
  private clientId = randomClientId();
  private session: bigint | undefined;
  private requestCounter = 1n;
  private registered = false;

  private readyWaiters: Waiter[] = [];
  private slotWaiters: Array<() => void> = [];
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private wakeReconnect: (() => void) | undefined;
  private reconnectLoop: Promise<void> | undefined;
  constructor(options: IggyClientOptions) {
    this.options = options;
    this.logger = options.logger;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 64);
    this.credentials = options.credentials;
  }

  get state(): ClientState {
    return this.stateValue;
  }

  /** The session the server handed out at the last login; undefined before one. */
  get currentSession(): bigint | undefined {
    return this.session;
  }

  /** Opens the connection and, with credentials in the options, logs in. */
  async connect(): Promise<void> {
    if (this.stateValue !== 'new') throw new IggyClosedError(`connect() is called once; the client is ${this.stateValue}`);
    this.stateValue = 'connecting';
    try {
      await this.establish();
    } catch (error) {
      // close() during connect() leaves the client closed, not failed.
      if (this.stateValue === 'connecting') {
        this.stateValue = 'failed';
        this.failure = error as Error;
      }
      this.connection?.close().catch(() => {});
      throw error;
    }
    if (this.stateValue !== 'connecting') {
      await this.connection?.close();
      throw new IggyClosedError('the client was closed while connecting');
    }
    this.setReady();
    this.scheduleHeartbeat();
  }

  /** Logs in with a username and password; remembered for re-login after a reconnect. */
  async login(username: string, password: string): Promise<LoginResult> {
    await this.whenReady(this.requestTimeoutMs, 'login');
    const result = await this.loginOn(this.connection!, { username, password });
    this.credentials = { username, password };
    return result;
  }

  /** Logs in with a personal access token; remembered for re-login after a reconnect. */
  async loginWithToken(token: string): Promise<LoginResult> {
    await this.whenReady(this.requestTimeoutMs, 'login with token');
    const result = await this.loginOn(this.connection!, { token });
    this.credentials = { token };
    return result;
  }

  /** Ends the session on the server; the connection stays open (NonReplicated reads still work, e.g. ping). */
  async logout(options?: RequestOptions): Promise<void> {
    await this.call(Code.LogoutUser, [], 'logout', options);
    this.credentials = undefined;
    this.session = undefined;
  }

  /**
   * Creates a personal access token for the logged-in user and returns the raw token (the server
   * shows it only once). `expiry` is the token's lifetime in µs; 0 (the default) never expires.
   */
  async createPersonalAccessToken(name: string, expiry = 0n, options?: RequestOptions): Promise<string> {
    const what = `createPersonalAccessToken(${name})`;
    const body = this.encode(what, () => encodeCreatePersonalAccessToken({ name, expiry }));
    return this.decode(what, await this.call(Code.CreatePersonalAccessToken, [body], what, options), decodeRawPersonalAccessToken);
  }

  async deletePersonalAccessToken(name: string, options?: RequestOptions): Promise<void> {
    const what = `deletePersonalAccessToken(${name})`;
    await this.call(Code.DeletePersonalAccessToken, [this.encode(what, () => encodeDeletePersonalAccessToken(name))], what, options);
  }

  async ping(options?: RequestOptions): Promise<void> {
    await this.call(Code.Ping, [], 'ping', options);
  }

  /** Stops reconnecting, fails waiting requests with IggyClosedError, closes the socket. */
  async close(): Promise<void> {
    if (this.stateValue === 'closed') return;
    this.stateValue = 'closed';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    // A reconnect loop sleeping in its backoff wakes up, sees the state and ends.
    this.wakeReconnect?.();
    const closed = new IggyClosedError('the client was closed');
    for (const w of this.readyWaiters.splice(0)) w.reject(closed);
    for (const wake of this.slotWaiters.splice(0)) wake();
    const connection = this.connection;
    this.connection = undefined;
    await connection?.close();
    await this.reconnectLoop;
  }

  // ---- request path ----------------------------------------------------------------------

  /**
   * Sends one command and resolves with the reply payload (result section stripped). Waits for a
   * reconnect in progress, bounded by the request timeout.
   */
  protected async call(code: number, body: readonly Buffer[], what: string, options?: RequestOptions, headroom = false): Promise<Buffer> {
    const timeoutMs = options?.timeoutMs ?? this.requestTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    await this.whenReady(timeoutMs, what);
    while (this.connection && this.connection.inFlight >= this.maxInFlight) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
      if (this.stateValue === 'closed') throw new IggyClosedError(`${what}: the client was closed`);
      await this.whenReady(Math.max(1, deadline - Date.now()), what);
    }
    const connection = this.connection;
    if (!connection) throw new IggyConnectionError(`${what}: not connected`);
    try {
      return await this.exchange(connection, code, body, what, Math.max(1, deadline - Date.now()), headroom);
    } finally {
      this.slotWaiters.shift()?.();
    }
  }

  /** Frames and writes one request on `connection`, then decodes its reply. */
  protected async exchange(
    connection: IggyConnection,
    code: number,
    body: readonly Buffer[],
    what: string,
    timeoutMs: number,
    headroom = false,
  ): Promise<Buffer> {
    // With `headroom`, body[0] starts with HEADER_SIZE free bytes where the header is written in place.
    let bodyLength = headroom ? -HEADER_SIZE : 0;
    for (const part of body) bodyLength += part.length;
    const operation = operationForCode(code);
    let request: bigint;
    let session: bigint;
    if (operation === Operation.Register) {
      // As the SDK's begin_register: the first login keeps the client id (a ping before it used
      // the same one), every later login starts a fresh session under a fresh client id.
      if (this.registered) this.clientId = randomClientId();
      this.registered = true;
      this.session = undefined;
      this.requestCounter = 1n;
      request = 0n;
      session = 0n;
    } else if (operation === Operation.NonReplicated) {
      request = this.requestCounter;
      session = this.session ?? 0n;
    } else {
      if (this.session === undefined) {
        throw IggyError.fromStatus(40, `${what}: log in first (no session)`);
      }
      request = this.requestCounter++;
      session = this.session;
    }
    // The SDK stamps metadata and session ops with XXH3-64 of the body; partition ops and reads with 0.
    let requestChecksum = 0n;
    if (operation !== Operation.NonReplicated && !isPartitionOperation(operation)) {
      const parts = headroom ? [body[0]!.subarray(HEADER_SIZE), ...body.slice(1)] : body;
      requestChecksum = xxh3.xxh64(parts.length === 1 ? parts[0]! : Buffer.concat(parts as Buffer[], bodyLength));
    }
    const fields = { client: this.clientId, request, session, code, requestChecksum };
    // CreateTopic and CreatePartitions are answered under their "with assignments" operations.
    const expect = {
      operations:
        operation === Operation.CreateTopic
          ? [operation, Operation.CreateTopicWithAssignments]
          : operation === Operation.CreatePartitions
            ? [operation, Operation.CreatePartitionsWithAssignments]
            : [operation],
      request,
    };
    let frame: Buffer;
    if (headroom) {
      writeRequestHeader(body[0]!, 0, fields, bodyLength);
      frame = await connection.request(body, timeoutMs, what, expect);
    } else {
      const header = Buffer.allocUnsafe(HEADER_SIZE);
      writeRequestHeader(header, 0, fields, bodyLength);
      frame = await connection.request([header, ...body], timeoutMs, what, expect);
    }
    return this.decodeReply(frame, code, operation, what, connection);
  }

  private decodeReply(frame: Buffer, code: number, operation: number, what: string, connection: IggyConnection): Buffer {
    const command = frameCommand(frame);
    if (command === Command.Eviction) {
      const eviction = decodeEviction(frame);
      const status = evictionStatus(eviction.reason, eviction.serverProtocolVersion, eviction.serverProtocolVersionMin);
      // An eviction ends the session; the server closes the connection after it.
      this.session = undefined;
      throw IggyError.fromStatus(status, `${what}: the server evicted the session (reason ${eviction.reason})`);
    }
    if (command !== Command.Reply) {
      throw this.broken(connection, new IggyProtocolError(`${what}: the server answered with frame command ${command}; expected a reply (${Command.Reply})`));
    }
    let header;
    try {
      header = decodeReplyHeader(frame);
    } catch (error) {
      throw this.broken(connection, new IggyProtocolError(`${what}: malformed reply header: ${(error as Error).message}`, { cause: error }));
    }
    if (header.status !== 0) throw IggyError.fromStatus(header.status, what);
    if (
      header.operation !== operation &&
      !(operation === Operation.CreateTopic && header.operation === Operation.CreateTopicWithAssignments) &&
      !(operation === Operation.CreatePartitions && header.operation === Operation.CreatePartitionsWithAssignments)
    ) {
      // The reply answers another request: the in-order pairing is broken, the connection is unusable.
      throw this.broken(connection, new IggyProtocolError(`${what} (code ${code}) got a reply for operation ${header.operation}; expected ${operation}`));
    }
    let outcome;
    try {
      outcome = splitReplyBody(header.operation, replyBody(frame, header));
    } catch (error) {
      throw new IggyProtocolError(`${what}: malformed reply body: ${(error as Error).message}`, { cause: error });
    }
    if (outcome.status !== 0) throw IggyError.fromStatus(outcome.status, what);
    return outcome.payload;
  }

  /** Drops a connection whose replies cannot be trusted any more (the client then reconnects); returns `error`. */
  private broken(connection: IggyConnection, error: IggyProtocolError): IggyProtocolError {
    connection.abort(new IggyConnectionError(`connection dropped: ${error.message}`, { cause: error }));
    return error;
  }

  /** Decodes a reply payload with a codec function; its WireError becomes an IggyProtocolError. */
  protected decode<T>(what: string, payload: Buffer, decoder: (payload: Buffer) => T): T {
    try {
      return decoder(payload);
    } catch (error) {
      if (error instanceof WireError) throw new IggyProtocolError(`${what}: malformed reply: ${error.message}`, { cause: error });
      throw error;
    }
  }

  /** Logs in on `connection` (a Register); binds the session the reply hands out. */
  private async loginOn(connection: IggyConnection, credentials: Credentials): Promise<LoginResult> {
    const version = this.options.version ?? defaultVersionInfo();
    const [code, body, what] =
      'token' in credentials
        ? [Code.LoginRegisterWithPat, encodeLoginRegisterWithToken({ version, token: credentials.token }), 'login with token']
        : [
            Code.LoginRegister,
            encodeLoginRegister({ version, username: credentials.username, password: credentials.password }),
            `login as ${credentials.username}`,
          ];
    const payload = await this.exchange(connection, code, [body], what, this.requestTimeoutMs);
    const reply = this.decode(what, payload, decodeLoginReply);
    if (reply.session === 0n) throw new IggyProtocolError(`${what}: the server handed out session 0`);
    this.session = reply.session;
    this.requestCounter = 1n;
    return { userId: reply.userId, serverVersion: reply.serverVersion, serverProtocolVersion: reply.serverProtocolVersion };
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** Opens a connection, logs in with the remembered credentials, joins the remembered groups. */
  private async establish(): Promise<void> {
    const connection = new IggyConnection({
      host: this.options.host,
      port: this.options.port,
      tls: this.options.tls,
      connectTimeoutMs: this.options.connectTimeoutMs,
      maxFrameSize: this.options.maxFrameSize,
      logger: this.logger,
      onClose: (error) => this.onConnectionClosed(connection, error),
    });
    this.connection = connection;
    await connection.open();
    this.session = undefined;
    if (this.credentials) await this.loginOn(connection, this.credentials);
    await this.afterLogin(connection);
  }

  /** Runs on every new connection once logged in, before any request waiting for it (the client rejoins its groups). */
  protected async afterLogin(connection: IggyConnection): Promise<void> {
    void connection;
  }

  /** Runs after every heartbeat that got an answer. */
  protected afterHeartbeat(): void {}

  private scheduleHeartbeat(): void {
    const every = this.options.heartbeatIntervalMs ?? 5_000;
    if (every <= 0 || this.stateValue === 'closed' || this.stateValue === 'failed') return;
    this.heartbeatTimer = setTimeout(() => void this.heartbeat(), every);
  }

  /** One beat, then the next one is scheduled: never two at a time. */
  private async heartbeat(): Promise<void> {
    this.heartbeatTimer = undefined;
    if (this.stateValue === 'ready') {
      try {
        await this.ping();
        this.afterHeartbeat();
      } catch (error) {
        // A lost connection is handled by the reconnect; the beat itself has nothing to add.
        this.logger.debug({ err: error }, 'iggy heartbeat failed');
      }
    }
    this.scheduleHeartbeat();
  }

  private setReady(): void {
    this.stateValue = 'ready';
    for (const w of this.readyWaiters.splice(0)) w.resolve();
  }

  private whenReady(timeoutMs: number, what: string): Promise<void> {
    switch (this.stateValue) {
      case 'ready':
        return Promise.resolve();
      case 'closed':
        return Promise.reject(new IggyClosedError(`${what}: the client is closed`));
      case 'new':
        return Promise.reject(new IggyConnectionError(`${what}: call connect() first`));
      case 'failed':
        return Promise.reject(this.failure ?? new IggyConnectionError(`${what}: the client failed`));
      default:
        break;
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        const i = this.readyWaiters.indexOf(waiter);
        if (i >= 0) this.readyWaiters.splice(i, 1);
        reject(new IggyTimeoutError(`${what}: still reconnecting to ${this.options.host}:${this.options.port} after ${timeoutMs} ms`));
      }, timeoutMs);
      this.readyWaiters.push(waiter);
    });
  }

  private onConnectionClosed(connection: IggyConnection, error: IggyConnectionError | undefined): void {
    if (connection !== this.connection) return;
    for (const wake of this.slotWaiters.splice(0)) wake();
    if (this.stateValue !== 'ready' || error === undefined) return;
    this.session = undefined;
    if (this.options.reconnect?.enabled === false) {
      this.stateValue = 'failed';
      this.failure = error;
      this.logger.warn({ err: error }, 'iggy connection lost; reconnect is disabled');
      return;
    }
    this.stateValue = 'reconnecting';
    this.logger.warn({ err: error }, 'iggy connection lost; reconnecting');
    this.reconnectLoop = this.reconnect();
  }

  private async reconnect(): Promise<void> {
    const initial = this.options.reconnect?.initialDelayMs ?? 100;
    const max = this.options.reconnect?.maxDelayMs ?? 5_000;
    const maxAttempts = this.options.reconnect?.maxAttempts ?? Number.POSITIVE_INFINITY;
    for (let attempt = 1; ; attempt++) {
      const delay = backoffDelay(attempt - 1, initial, max);
      // backoffDelay's jitter keeps many clients from reconnecting in lock step after a broker restart.
      await new Promise<void>((resolve) => {
        this.wakeReconnect = resolve;
        this.reconnectTimer = setTimeout(resolve, delay);
      });
      this.reconnectTimer = undefined;
      this.wakeReconnect = undefined;
      if (this.stateValue !== 'reconnecting') return;
      try {
        await this.establish();
        if (this.stateValue !== 'reconnecting') {
          await this.connection?.close();
          return;
        }
        this.logger.info({ attempt }, 'iggy connection re-established');
        this.setReady();
        return;
      } catch (error) {
        void this.connection?.close();
        if (this.stateValue !== 'reconnecting') return;
        const refused = error instanceof IggyError && !error.retryable;
        if (refused || attempt >= maxAttempts) {
          // Refused credentials do not become valid by retrying; neither does a full attempt budget.
          this.stateValue = 'failed';
          this.failure = error as Error;
          this.logger.error({ err: error, attempt }, 'iggy reconnect gave up');
          for (const w of this.readyWaiters.splice(0)) w.reject(error as Error);
          return;
        }
        this.logger.debug({ err: error, attempt }, 'iggy reconnect attempt failed');
      }
    }
  }

  /** Runs a body encoder; its WireError (a bad name, a number out of range) is the caller's mistake. */
  protected encode(what: string, encoder: () => Buffer): Buffer {
    try {
      return encoder();
    } catch (error) {
      if (error instanceof WireError) throw new IggyArgumentError(`${what}: ${error.message}`, { cause: error });
      throw error;
    }
  }
}
