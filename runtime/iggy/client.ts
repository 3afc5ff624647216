// The Iggy client: commands as typed promises over one connection, with the session
// (client id, session, request ids), per-request timeouts, reconnect and re-login.
import { randomBytes } from 'node:crypto';
import { xxh3, xxh32 } from '@node-rs/xxhash';
import { FrameChecksums } from '../kernels/frame-checksums.js';
import { Field, INDEX_ENTRY_SIZE, emptyBatch, readU128, writeU128, type FlatBatch, type MessageInput } from '../batch/flat-batch.js';
import type { Logger } from '../log/logger.js';
import {
  Code,
  Command,
  EvictionReason,
  HEADER_SIZE,
  Operation,
  decodeClientInfo,
  decodeConsumerOffsetInfo,
  decodeEviction,
  decodeGroupAssignment,
  decodeGroupDetails,
  decodeGroups,
  decodeLoginReply,
  decodeOptions,
  decodePollReply,
  decodeSendReply,
  decodeReplyHeader,
  decodeStats,
  decodeStreamDetails,
  decodeStreams,
  decodeTopicDetails,
  decodeTopics,
  frameCommand,
  defaultVersionInfo,
  encodeCreateConsumerGroup,
  encodeCreatePersonalAccessToken,
  encodeDeletePersonalAccessToken,
  decodeRawPersonalAccessToken,
  encodeCreateStream,
  encodeCreateTopic,
  encodeDeleteConsumerOffset,
  encodeGetConsumerOffset,
  encodeGroupRef,
  encodeLoginRegister,
  encodeLoginRegisterWithToken,
  encodeOptions,
  encodePollMessages,
  encodeSendMessages,
  encodeStoreConsumerOffset,
  encodeStreamRef,
  encodeTopicOptions,
  encodeTopicRef,
  isPartitionOperation,
  operationForCode,
  Polling,
  replyBody,
  splitReplyBody,
  writeRequestHeader,
  WireError,
  type ClientInfo,
  type ClientVersionInfo,
  type Consumer,
  type ConsumerGroupDetails,
  type ConsumerGroupInfo,
  type ConsumerOffsetInfo,
  type GroupAssignment,
  type Identifier,
  type PolledMessages,
  type PollingStrategy,
  type SendConfirmation,
  type Stats,
  type StreamDetails,
  type StreamInfo,
  type TopicDetails,
  type TopicInfo,
  type TopicOptions,
} from './codec/index.js';
import { IggyConnection, type TlsOptions } from './connection.js';
import { backoffDelay, sleep } from '../timing/backoff.js';
import { IggyArgumentError, IggyClosedError, IggyConnectionError, IggyError, IggyProtocolError, IggyTimeoutError } from './errors.js';

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

interface Waiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Eviction reason → Iggy status, as iggy_common's `eviction_reason_to_error` maps them. */
function evictionStatus(reason: number, windowMax: number, windowMin: number): number {
  switch (reason) {
    case EvictionReason.InvalidCredentials:
      return 42;
    case EvictionReason.InvalidToken:
      return 53;
    case EvictionReason.StaleClient:
      return 30;
    case EvictionReason.MalformedLogin:
      return 4;
    case EvictionReason.IncompatibleProtocol:
      return windowMin === 0 || windowMax < windowMin ? 40 : 14003;
    case EvictionReason.NoSession:
    case EvictionReason.UserInactive:
    case EvictionReason.SessionError:
    case 7: // SessionTooLow
    case 8: // SessionReleaseMismatch
      return 40;
    default:
      return 3;
  }
}

/** A u128 client id, random and non-zero (what the SDK derives from a UUIDv4). */
function randomClientId(): bigint {
  const b = randomBytes(16);
  const id = b.readBigUInt64LE(0) | (b.readBigUInt64LE(8) << 64n);
  return id === 0n ? 1n : id;
}

export class IggyClient {
  private readonly options: IggyClientOptions;
  private readonly logger: Logger;
  private readonly requestTimeoutMs: number;
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
  /** Consumer groups joined through this client: joined again after a reconnect. */
  private readonly joinedGroups = new Map<string, { stream: Identifier; topic: Identifier; group: Identifier }>();
  /** Partitions assigned to this member per group, and the round-robin cursor over them (as the SDK polls). */
  private readonly assignments = new Map<string, { partitions: number[]; cursor: number }>();
  /** Partition counts per topic, for client-side balanced and key partitioning. */
  private readonly partitionCounts = new Map<string, number>();
  private readonly balancedCursors = new Map<string, number>();
  /** The send path's frame checksums in one call per batch; made on the first send (null: not yet). */
  private checksums: FrameChecksums | undefined | null = null;

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
  private async exchange(
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
    this.assignments.clear();
    for (const [key, g] of [...this.joinedGroups]) {
      const body = encodeGroupRef({ streamId: g.stream, topicId: g.topic, groupId: g.group });
      const what = `rejoin consumer group ${g.group} of ${g.stream}/${g.topic}`;
      try {
        await this.exchange(connection, Code.JoinConsumerGroup, [body], what, this.requestTimeoutMs);
      } catch (error) {
        // A group deleted meanwhile must not keep the whole client offline: forget it, say so.
        if (!(error instanceof IggyError)) throw error;
        this.joinedGroups.delete(key);
        this.logger.warn({ err: error, stream: g.stream, topic: g.topic, group: g.group }, 'consumer group could not be rejoined after a reconnect; forgotten');
      }
    }
  }

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
        // Assignments may have moved (members joined or left): the next group poll syncs again.
        this.assignments.clear();
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
      // Jitter keeps many clients from reconnecting in lock step after a broker restart.
      await new Promise<void>((resolve) => {
        this.wakeReconnect = resolve;
        this.reconnectTimer = setTimeout(resolve, delay / 2 + Math.random() * (delay / 2));
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

  // ---- system ----------------------------------------------------------------------------

  async getStats(options?: RequestOptions): Promise<Stats> {
    return this.decode('getStats', await this.call(Code.GetStats, [], 'getStats', options), decodeStats);
  }

  /** This connection as the server sees it (client id, user, joined groups). */
  async getMe(options?: RequestOptions): Promise<ClientInfo> {
    return this.decode('getMe', await this.call(Code.GetMe, [], 'getMe', options), decodeClientInfo);
  }

  // ---- streams ---------------------------------------------------------------------------

  async createStream(name: string, options?: RequestOptions): Promise<StreamDetails> {
    const what = `createStream(${name})`;
    return this.decode(what, await this.call(Code.CreateStream, [this.encode(what, () => encodeCreateStream({ name }))], what, options), decodeStreamDetails);
  }

  /** The stream, or undefined when it does not exist. */
  async getStream(stream: Identifier, options?: RequestOptions): Promise<StreamDetails | undefined> {
    const what = `getStream(${stream})`;
    const payload = await this.call(Code.GetStream, [this.encode(what, () => encodeStreamRef(stream))], what, options);
    return payload.length === 0 ? undefined : this.decode(what, payload, decodeStreamDetails);
  }

  async getStreams(options?: RequestOptions): Promise<StreamInfo[]> {
    return this.decode('getStreams', await this.call(Code.GetStreams, [], 'getStreams', options), decodeStreams);
  }

  async deleteStream(stream: Identifier, options?: RequestOptions): Promise<void> {
    const what = `deleteStream(${stream})`;
    await this.call(Code.DeleteStream, [this.encode(what, () => encodeStreamRef(stream))], what, options);
  }

  // ---- topics ----------------------------------------------------------------------------

  /** Creates a topic with `partitions` partitions (default 1, ids 0..n-1). */
  async createTopic(stream: Identifier, name: string, topic: CreateTopicOptions = {}, options?: RequestOptions): Promise<TopicDetails> {
    const what = `createTopic(${stream}, ${name})`;
    const block = this.encode(what, () => topicOptionsBlock(topic.options));
    const body = this.encode(what, () => encodeCreateTopic({ streamId: stream, name, partitionsCount: topic.partitions ?? 1, options: block }));
    let reply: Buffer;
    try {
      reply = await this.call(Code.CreateTopic, [body], what, options);
    } catch (error) {
      throw error instanceof IggyError && error.status === 4041 ? unsupportedOptionError(error, block) : error;
    }
    const details = this.decode(what, reply, decodeTopicDetails);
    this.partitionCounts.delete(topicKey(stream, name));
    return details;
  }

  /** The topic, or undefined when it (or its stream) does not exist. */
  async getTopic(stream: Identifier, topic: Identifier, options?: RequestOptions): Promise<TopicDetails | undefined> {
    const what = `getTopic(${stream}, ${topic})`;
    const payload = await this.call(Code.GetTopic, [this.encode(what, () => encodeTopicRef(stream, topic))], what, options);
    if (payload.length === 0) return undefined;
    const details = this.decode(what, payload, decodeTopicDetails);
    this.partitionCounts.set(topicKey(stream, topic), details.topic.partitionsCount);
    return details;
  }

  async getTopics(stream: Identifier, options?: RequestOptions): Promise<TopicInfo[]> {
    const what = `getTopics(${stream})`;
    return this.decode(what, await this.call(Code.GetTopics, [this.encode(what, () => encodeStreamRef(stream))], what, options), decodeTopics);
  }

  async deleteTopic(stream: Identifier, topic: Identifier, options?: RequestOptions): Promise<void> {
    const what = `deleteTopic(${stream}, ${topic})`;
    await this.call(Code.DeleteTopic, [this.encode(what, () => encodeTopicRef(stream, topic))], what, options);
    this.partitionCounts.delete(topicKey(stream, topic));
  }

  // ---- messages --------------------------------------------------------------------------

  private frameChecksums(): FrameChecksums | undefined {
    if (this.checksums === null) this.checksums = FrameChecksums.create();
    return this.checksums;
  }

  /**
   * Sends a batch and resolves once the server accepted every message. Balanced and key
   * partitioning are resolved here, as the 0.11 SDK does (the server routes explicit partitions):
   * balanced goes round-robin over the topic's partitions, a key to `xxh32(key) % partitions`.
   * Messages with id 0 get a random id. Encoded into one buffer, header included.
   */
  async sendMessages(
    stream: Identifier,
    topic: Identifier,
    partitioning: SendPartitioning,
    messages: FlatBatch | readonly MessageInput[],
    options?: RequestOptions,
  ): Promise<SendConfirmation[]> {
    const what = `sendMessages(${stream}, ${topic})`;
    const partitionId = await this.resolvePartition(stream, topic, partitioning, what, options);
    const source = withIds(messages);
    const frame = this.encode(what, () =>
      encodeSendMessages(
        { streamId: stream, topicId: topic, partitioning: { kind: 'partition', id: partitionId }, messages: source },
        { headroom: HEADER_SIZE, checksums: this.frameChecksums() },
      ),
    );
    const payload = await this.call(Code.SendMessages, [frame], what, options, true);
    return this.decode(what, payload, decodeSendReply);
  }

  /**
   * Polls messages. The batch's `data` is the reply itself (no payload copies). A consumer-group
   * poll without `partitionId` goes to the partitions the server assigned to this member, in turn.
   */
  async pollMessages(stream: Identifier, topic: Identifier, poll: PollOptions, options?: RequestOptions): Promise<PolledMessages> {
    const strategy = poll.strategy ?? Polling.next();
    return this.pollWith(stream, topic, poll, () => strategy, options);
  }

  /**
   * Messages as an async iterator: each step polls and yields a non-empty batch, waiting
   * `idleMs` between empty polls. Pulling is the back-pressure; `return()` (leaving a
   * `for await`) or `signal` ends it. Without auto-commit the position is kept here, per
   * partition (the next poll asks for the offset after the last one yielded).
   */
  async *consume(stream: Identifier, topic: Identifier, consume: ConsumeOptions, options?: RequestOptions): AsyncGenerator<PolledMessages, void, undefined> {
    const start = consume.start ?? Polling.next();
    const positions = new Map<number, bigint>();
    const strategyFor = (partition: number): PollingStrategy => {
      const next = positions.get(partition);
      return next === undefined || consume.autoCommit ? start : Polling.offset(next);
    };
    const idleMs = consume.idleMs ?? 100;
    while (!consume.signal?.aborted) {
      const polled = await this.pollWith(stream, topic, consume, strategyFor, options);
      const count = polled.batch.count;
      if (count === 0) {
        await sleep(idleMs, consume.signal);
        continue;
      }
      const last = polled.batch.index.readBigUInt64LE((count - 1) * INDEX_ENTRY_SIZE + Field.offset);
      positions.set(polled.partitionId, last + 1n);
      yield polled;
    }
  }

  private async pollWith(
    stream: Identifier,
    topic: Identifier,
    poll: PollOptions,
    strategyFor: (partition: number) => PollingStrategy,
    options?: RequestOptions,
  ): Promise<PolledMessages> {
    const consumer = toConsumer(poll.consumer);
    const what = `pollMessages(${stream}, ${topic}, ${describeConsumer(poll.consumer)}, partition ${poll.partitionId ?? 'assigned'})`;
    if (consumer.kind === 'group' && poll.partitionId === undefined) return this.pollAssigned(stream, topic, consumer, poll, strategyFor, what, options);
    // A plain consumer without a partition reads partition 0 on the server (as the SDK asks for it).
    return this.pollPartition(stream, topic, consumer, poll.partitionId, strategyFor(poll.partitionId ?? 0), poll, what, options);
  }

  private async pollPartition(
    stream: Identifier,
    topic: Identifier,
    consumer: Consumer,
    partitionId: number | undefined,
    strategy: PollingStrategy,
    poll: PollOptions,
    what: string,
    options?: RequestOptions,
  ): Promise<PolledMessages> {
    const body = this.encode(what, () =>
      encodePollMessages({ consumer, streamId: stream, topicId: topic, partitionId, strategy, count: poll.count, autoCommit: poll.autoCommit ?? false }),
    );
    return this.decode(what, await this.call(Code.PollMessages, [body], what, options), decodePollReply);
  }

  private async pollAssigned(
    stream: Identifier,
    topic: Identifier,
    consumer: Consumer,
    poll: PollOptions,
    strategyFor: (partition: number) => PollingStrategy,
    what: string,
    options?: RequestOptions,
  ): Promise<PolledMessages> {
    const key = groupKey(stream, topic, consumer.id);
    for (let attempt = 0; attempt < 2; attempt++) {
      let assignment = this.assignments.get(key);
      if (!assignment) {
        const synced = await this.syncConsumerGroup(stream, topic, consumer.id, options);
        if (!synced) throw IggyError.fromStatus(5006, `${what}: this client is not a member of the group`);
        // Not read back from the map: a heartbeat may clear it between the sync and this line.
        assignment = this.assignments.get(key) ?? { partitions: synced.partitions, cursor: 0 };
        this.assignments.set(key, assignment);
      }
      if (assignment.partitions.length === 0) {
        return { partitionId: NO_ASSIGNED_PARTITION, currentOffset: 0n, batch: emptyBatch() };
      }
      const partitionId = assignment.partitions[assignment.cursor++ % assignment.partitions.length]!;
      try {
        const polled = await this.pollPartition(stream, topic, consumer, partitionId, strategyFor(partitionId), poll, what, options);
        if (polled.batch.count === 0 && polled.partitionId === RESYNC_REQUIRED_PARTITION) {
          this.assignments.delete(key);
          continue;
        }
        return polled;
      } catch (error) {
        // A rebalance moved the partition away: learn the new assignment and try once more.
        if (error instanceof IggyError && error.status === 5009) {
          this.assignments.delete(key);
          continue;
        }
        throw error;
      }
    }
    return { partitionId: NO_ASSIGNED_PARTITION, currentOffset: 0n, batch: emptyBatch() };
  }

  private async resolvePartition(
    stream: Identifier,
    topic: Identifier,
    partitioning: SendPartitioning,
    what: string,
    options?: RequestOptions,
  ): Promise<number> {
    if (partitioning.kind === 'partition') return partitioning.id;
    const key = topicKey(stream, topic);
    let count = this.partitionCounts.get(key);
    if (count === undefined) {
      const details = await this.getTopic(stream, topic, options);
      if (!details) throw IggyError.fromStatus(2010, `${what}: the topic does not exist`);
      count = details.topic.partitionsCount;
    }
    if (count === 0) throw IggyError.fromStatus(3008, `${what}: the topic has no partitions`);
    if (partitioning.kind === 'key') {
      if (partitioning.key.length < 1 || partitioning.key.length > 255)
        throw new IggyArgumentError(`${what}: a message key is 1..255 bytes, got ${partitioning.key.length}`);
      return xxh32(partitioning.key, 0) % count;
    }
    const cursor = this.balancedCursors.get(key) ?? 0;
    this.balancedCursors.set(key, cursor + 1);
    return cursor % count;
  }

  // ---- consumer offsets ------------------------------------------------------------------

  /** Stores `offset` (the last message handled) for the consumer on a partition. */
  async storeConsumerOffset(
    stream: Identifier,
    topic: Identifier,
    consumer: ConsumerArg,
    partitionId: number | undefined,
    offset: bigint,
    options?: RequestOptions,
  ): Promise<void> {
    const what = `storeConsumerOffset(${stream}, ${topic}, ${describeConsumer(consumer)}, ${partitionId}, ${offset})`;
    const body = this.encode(what, () => encodeStoreConsumerOffset({ consumer: toConsumer(consumer), streamId: stream, topicId: topic, partitionId, offset }));
    await this.call(Code.StoreConsumerOffset, [body], what, options);
  }

  /** The stored offset, or undefined when none is stored. */
  async getConsumerOffset(
    stream: Identifier,
    topic: Identifier,
    consumer: ConsumerArg,
    partitionId?: number,
    options?: RequestOptions,
  ): Promise<ConsumerOffsetInfo | undefined> {
    const what = `getConsumerOffset(${stream}, ${topic}, ${describeConsumer(consumer)}, ${partitionId})`;
    const body = this.encode(what, () => encodeGetConsumerOffset({ consumer: toConsumer(consumer), streamId: stream, topicId: topic, partitionId }));
    return this.decode(what, await this.call(Code.GetConsumerOffset, [body], what, options), decodeConsumerOffsetInfo);
  }

  async deleteConsumerOffset(stream: Identifier, topic: Identifier, consumer: ConsumerArg, partitionId?: number, options?: RequestOptions): Promise<void> {
    const what = `deleteConsumerOffset(${stream}, ${topic}, ${describeConsumer(consumer)}, ${partitionId})`;
    const body = this.encode(what, () => encodeDeleteConsumerOffset({ consumer: toConsumer(consumer), streamId: stream, topicId: topic, partitionId }));
    await this.call(Code.DeleteConsumerOffset, [body], what, options);
  }

  // ---- consumer groups -------------------------------------------------------------------

  async createConsumerGroup(stream: Identifier, topic: Identifier, name: string, options?: RequestOptions): Promise<ConsumerGroupDetails> {
    const what = `createConsumerGroup(${stream}, ${topic}, ${name})`;
    const body = this.encode(what, () => encodeCreateConsumerGroup({ streamId: stream, topicId: topic, name }));
    return this.decode(what, await this.call(Code.CreateConsumerGroup, [body], what, options), decodeGroupDetails);
  }

  /** The group, or undefined when it does not exist. */
  async getConsumerGroup(stream: Identifier, topic: Identifier, group: Identifier, options?: RequestOptions): Promise<ConsumerGroupDetails | undefined> {
    const what = `getConsumerGroup(${stream}, ${topic}, ${group})`;
    const body = this.encode(what, () => encodeGroupRef({ streamId: stream, topicId: topic, groupId: group }));
    const payload = await this.call(Code.GetConsumerGroup, [body], what, options);
    return payload.length === 0 ? undefined : this.decode(what, payload, decodeGroupDetails);
  }

  async getConsumerGroups(stream: Identifier, topic: Identifier, options?: RequestOptions): Promise<ConsumerGroupInfo[]> {
    const what = `getConsumerGroups(${stream}, ${topic})`;
    return this.decode(what, await this.call(Code.GetConsumerGroups, [this.encode(what, () => encodeTopicRef(stream, topic))], what, options), decodeGroups);
  }

  async deleteConsumerGroup(stream: Identifier, topic: Identifier, group: Identifier, options?: RequestOptions): Promise<void> {
    const what = `deleteConsumerGroup(${stream}, ${topic}, ${group})`;
    await this.call(Code.DeleteConsumerGroup, [this.encode(what, () => encodeGroupRef({ streamId: stream, topicId: topic, groupId: group }))], what, options);
    this.forgetGroup(stream, topic, group);
  }

  /** Joins the group; the client joins it again after every reconnect until `leaveConsumerGroup`. */
  async joinConsumerGroup(stream: Identifier, topic: Identifier, group: Identifier, options?: RequestOptions): Promise<void> {
    const what = `joinConsumerGroup(${stream}, ${topic}, ${group})`;
    await this.call(Code.JoinConsumerGroup, [this.encode(what, () => encodeGroupRef({ streamId: stream, topicId: topic, groupId: group }))], what, options);
    const key = groupKey(stream, topic, group);
    this.joinedGroups.set(key, { stream, topic, group });
    this.assignments.delete(key);
  }

  async leaveConsumerGroup(stream: Identifier, topic: Identifier, group: Identifier, options?: RequestOptions): Promise<void> {
    const what = `leaveConsumerGroup(${stream}, ${topic}, ${group})`;
    this.forgetGroup(stream, topic, group);
    await this.call(Code.LeaveConsumerGroup, [this.encode(what, () => encodeGroupRef({ streamId: stream, topicId: topic, groupId: group }))], what, options);
  }

  /** The partitions the server assigned to this member (SyncConsumerGroup); undefined when not a member. */
  async syncConsumerGroup(stream: Identifier, topic: Identifier, group: Identifier, options?: RequestOptions): Promise<GroupAssignment | undefined> {
    const what = `syncConsumerGroup(${stream}, ${topic}, ${group})`;
    const payload = await this.call(
      Code.SyncConsumerGroup,
      [this.encode(what, () => encodeGroupRef({ streamId: stream, topicId: topic, groupId: group }))],
      what,
      options,
    );
    const assignment = this.decode(what, payload, decodeGroupAssignment);
    const key = groupKey(stream, topic, group);
    if (assignment) this.assignments.set(key, { partitions: assignment.partitions, cursor: 0 });
    else this.assignments.delete(key);
    return assignment;
  }

  private forgetGroup(stream: Identifier, topic: Identifier, group: Identifier): void {
    const key = groupKey(stream, topic, group);
    this.joinedGroups.delete(key);
    this.assignments.delete(key);
  }

  /** Runs a body encoder; its WireError (a bad name, a number out of range) is the caller's mistake. */
  private encode(what: string, encoder: () => Buffer): Buffer {
    try {
      return encoder();
    } catch (error) {
      if (error instanceof WireError) throw new IggyArgumentError(`${what}: ${error.message}`, { cause: error });
      throw error;
    }
  }
}

/** Where a send goes: round-robin over the partitions, one 0-based partition, or by message key. */
export type SendPartitioning = { kind: 'balanced' } | { kind: 'partition'; id: number } | { kind: 'key'; key: Buffer };

export interface PollOptions {
  /** A plain consumer id/name, or `{ kind: 'group', id }`. */
  consumer: ConsumerArg;
  /** 0-based partition; omit for a consumer group to poll its assigned partitions in turn. */
  partitionId?: number;
  /** Default `next` (after the consumer's stored offset). */
  strategy?: PollingStrategy;
  count: number;
  /** Store the offset of the last returned message on the server. Default false. */
  autoCommit?: boolean;
}

export interface ConsumeOptions extends Omit<PollOptions, 'strategy'> {
  /** Where to begin on a partition not read yet by this iterator. Default `next`. */
  start?: PollingStrategy;
  /** Wait between empty polls. Default 100 ms. */
  idleMs?: number;
  /** Ends the iteration (checked between polls; an idle wait ends at once). */
  signal?: AbortSignal;
}

/** Partition id of an empty group poll when this member holds no partition (iggy_common NO_ASSIGNED_PARTITION). */
export const NO_ASSIGNED_PARTITION = 0xffff_fffe;
/** Partition id of an empty group poll that asks the member to re-sync its assignment. */
const RESYNC_REQUIRED_PARTITION = 0xffff_ffff;

/** Fills id 0 with a random UUIDv4-like id (the SDK mints these before the checksum covers them); copies only what it changes. */
function withIds(messages: FlatBatch | readonly MessageInput[]): FlatBatch | readonly MessageInput[] {
  if (Array.isArray(messages)) {
    const inputs = messages as readonly MessageInput[];
    if (inputs.every((m) => m.id !== undefined && m.id !== 0n)) return inputs;
    return inputs.map((m) => (m.id === undefined || m.id === 0n ? { ...m, id: randomUuid() } : m));
  }
  const batch = messages as FlatBatch;
  let index: Buffer | undefined;
  for (let i = 0; i < batch.count; i++) {
    const at = i * INDEX_ENTRY_SIZE + Field.id;
    if (batch.index.readBigUInt64LE(at) !== 0n || batch.index.readBigUInt64LE(at + 8) !== 0n) continue;
    index ??= Buffer.from(batch.index);
    writeU128(index, at, randomUuid());
  }
  return index ? { count: batch.count, index, data: batch.data } : batch;
}

function randomUuid(): bigint {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return readU128(b, 0);
}

/**
 * The options block: only what the caller set (empty by default, as Iggy's own CLI sends it), entries
 * sorted by key bytes (the SDK keeps them in a BTreeMap keyed by the header key). Servers of the 0.9
 * line refuse keys they do not know (4041), among them the 0.11 SDK's `durability` defaults.
 */
function topicOptionsBlock(options: TopicOptions = {}): Buffer {
  const entries = decodeOptions(encodeTopicOptions(options));
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.key, 'utf8'), Buffer.from(b.key, 'utf8')));
  return encodeOptions(entries);
}

/** Topic option keys servers of the 0.9 line know (their `core/common/src/types/options`); the 0.11 protocol adds the durability keys. */
const KEYS_OF_THE_09_LINE =
  'compression_algorithm, message_expiry, max_topic_size, segment_size, enforce_fsync, messages_required_to_save, size_of_messages_required_to_save, preallocate_segments';

/** A 4041 reply names no key: say which keys this client sent and what to change. */
function unsupportedOptionError(error: IggyError, block: Buffer): IggyError {
  const sent = decodeOptions(block).map((e) => e.key);
  const detail =
    sent.length === 0
      ? 'this client sent no topic options, so the server refused something else in the request; check that the server is of the 0.9.x line'
      : `this client sent the topic option key(s) ${sent.join(', ')}; the server does not know at least one of them (servers of the 0.9.x line know ${KEYS_OF_THE_09_LINE}; the server's log names the key). Remove that key from CreateTopicOptions.options, or use a server that knows it`;
  return new IggyError(error.status, error.statusName, `${error.message.replace(/; the server does not know an option key.*$/, '')}: ${detail}`, {
    cause: error,
  });
}

export interface CreateTopicOptions {
  /** Partitions to create, ids 0..n-1. Default 1. */
  partitions?: number;
  options?: TopicOptions;
}

/** A plain consumer by id or name, or `{ kind, id }` for a consumer group. */
export type ConsumerArg = Identifier | Consumer;

const toConsumer = (c: ConsumerArg): Consumer => (typeof c === 'object' ? c : { kind: 'consumer', id: c });
const describeConsumer = (c: ConsumerArg): string => (typeof c === 'object' ? `${c.kind} ${c.id}` : `consumer ${c}`);
const idKey = (id: Identifier): string => (typeof id === 'number' ? `#${id}` : `"${id}"`);
const topicKey = (stream: Identifier, topic: Identifier): string => `${idKey(stream)}|${idKey(topic)}`;
const groupKey = (stream: Identifier, topic: Identifier, group: Identifier): string => `${topicKey(stream, topic)}|${idKey(group)}`;
