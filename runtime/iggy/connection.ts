// One TCP (or TLS) connection to an Iggy server: writes request frames, reads reply frames
// and hands each to the request it answers. Knows nothing of commands or sessions.
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../log/logger.js';
import { IggyClosedError, IggyConnectionError, IggyTimeoutError, type IggyProtocolError } from './errors.js';
import { FrameReader } from './frame-reader.js';
import { Command, HEADER_SIZE, ReplyOffsets, frameCommand } from './codec/index.js';

export interface TlsOptions {
  /** PEM CA certificate(s) to trust instead of the system roots (a self-signed server). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Name checked against the server certificate; defaults to the host. */
  servername?: string;
  /** Defaults to true; false only for local experiments. */
  rejectUnauthorized?: boolean;
}

export interface ConnectionOptions {
  host: string;
  port: number;
  tls?: TlsOptions;
  connectTimeoutMs?: number;
  maxFrameSize?: number;
  logger: Logger;
  /** Called once when the connection is gone: `error` is undefined after `close()`. */
  onClose?: (error: IggyConnectionError | undefined) => void;
}

/** Bytes one socket read may return: a poll reply of 1,000 small messages in one or two reads. */
const READ_BUFFER_SIZE = 256 * 1024;

interface Pending {
  resolve: (frame: Buffer) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  what: string;
  expect: ReplyKey | undefined;
}

/** What the reply to a request carries in its header: one of these operations, and the request id. */
export interface ReplyKey {
  operations: readonly number[];
  request: bigint;
}

/**
 * Replies are matched to requests by the operation and request id their header echoes, first-in
 * first-out among requests with the same pair. A server of the 0.9 line answers in order within
 * a plane but not across planes: a ping or a poll may be answered before a SendMessages or a
 * StoreConsumerOffset written ahead of it (seen against the real server with a few requests in
 * flight). A reply that matches nothing waiting goes to the oldest request, whose owner then
 * finds it inconsistent and drops the connection; a timeout (its reply may still come) ends the
 * connection too, and every request still waiting fails with a retryable IggyConnectionError.
 */
export class IggyConnection {
  private readonly options: ConnectionOptions;
  private socket: net.Socket | undefined;
  private readonly reader: FrameReader;
  /** Requests in write order; entries before `waitingHead` are answered (cleared). */
  private waiting: Array<Pending | undefined> = [];
  private waitingHead = 0;
  private state: 'new' | 'opening' | 'open' | 'closed' = 'new';
  private closedPromise: Promise<void> | undefined;
  private corked = false;
  private readBuffer: Buffer | undefined;

  constructor(options: ConnectionOptions) {
    this.options = options;
    this.reader = new FrameReader({ maxFrameSize: options.maxFrameSize });
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.waiting.length - this.waitingHead;
  }

  /** Connects; rejects with IggyConnectionError (refused, unreachable, TLS failure, timeout). */
  async open(): Promise<void> {
    if (this.state !== 'new') throw new IggyClosedError('a connection opens once; create a new IggyConnection to reconnect');
    this.state = 'opening';
    const { host, port } = this.options;
    const where = `${host}:${port}`;
    const socket = this.options.tls
      ? tls.connect({
          host,
          port,
          ca: this.options.tls.ca,
          // SNI must not carry an IP address (RFC 6066); the certificate is then checked against the IP.
          servername: this.options.tls.servername ?? (net.isIP(host) ? undefined : host),
          rejectUnauthorized: this.options.tls.rejectUnauthorized ?? true,
        })
      : net.connect({
          host,
          port,
          // One read buffer for the connection's life: the frame reader copies every frame out.
          onread: { buffer: () => (this.readBuffer ??= Buffer.allocUnsafe(READ_BUFFER_SIZE)), callback: (n, buf) => this.onRead(n, buf) },
        });
    this.socket = socket;
    socket.setNoDelay(true);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new IggyTimeoutError(`connecting to ${where} took longer than ${this.options.connectTimeoutMs} ms; check the address and that the server is up`),
            ),
          this.options.connectTimeoutMs ?? 10_000,
        );
        const ready = this.options.tls ? 'secureConnect' : 'connect';
        const onError = (error: Error): void => {
          clearTimeout(timer);
          reject(new IggyConnectionError(`cannot connect to ${where}: ${error.message}; check the address and that the server is up`, { cause: error }));
        };
        // close() while connecting destroys the socket: 'close' without 'error'.
        const onClose = (): void => {
          clearTimeout(timer);
          reject(new IggyClosedError(`the connection to ${where} was closed while connecting`));
        };
        socket.once(ready, () => {
          clearTimeout(timer);
          socket.off('error', onError);
          socket.off('close', onClose);
          resolve();
        });
        socket.once('error', onError);
        socket.once('close', onClose);
      });
    } catch (error) {
      this.state = 'closed';
      socket.destroy();
      throw error;
    }
    if (this.state !== 'opening') {
      // close() was called the moment the socket connected.
      socket.destroy();
      throw new IggyClosedError(`the connection to ${where} was closed while connecting`);
    }
    this.state = 'open';
    socket.setKeepAlive(true, 10_000);
    this.closedPromise = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // TLS sockets hand out a fresh buffer per chunk; plain TCP reads through `onread` above.
    if (this.options.tls) socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error: Error) => this.fail(new IggyConnectionError(`connection to ${where} failed: ${error.message}`, { cause: error })));
    socket.on('close', () => this.fail(new IggyConnectionError(`connection to ${where} was closed by the server`)));
  }

  /**
   * Writes one request (its parts in order, no copy) and resolves with the whole reply frame.
   * `timeoutMs` bounds the wait for the reply; on expiry the connection is dropped.
   */
  request(parts: readonly Buffer[], timeoutMs: number, what: string, expect?: ReplyKey): Promise<Buffer> {
    const socket = this.socket;
    if (this.state !== 'open' || !socket) {
      return Promise.reject(new IggyConnectionError(`${what}: not connected to ${this.options.host}:${this.options.port}`));
    }
    return new Promise<Buffer>((resolve, reject) => {
      const pending: Pending = { resolve, reject, timer: undefined, what, expect };
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        pending.timer = setTimeout(() => {
          pending.timer = undefined;
          const error = new IggyTimeoutError(`${what}: no reply within ${timeoutMs} ms; the connection was dropped`);
          pending.reject(error);
          pending.reject = () => {};
          this.fail(new IggyConnectionError(`connection dropped: an earlier request got no reply within ${timeoutMs} ms`, { cause: error }));
        }, timeoutMs);
      }
      this.waiting.push(pending);
      // Requests issued in the same tick (a commit and the read-ahead poll after it) leave in one
      // write: a system call and a wake-up of the server per batch saved on a loopback link.
      if (!this.corked) {
        this.corked = true;
        socket.cork();
        process.nextTick(() => {
          this.corked = false;
          socket.uncork();
        });
      }
      for (const part of parts) socket.write(part);
    });
  }

  /** Ends the connection; requests still waiting fail with IggyClosedError. Resolves once the socket is closed. */
  async close(): Promise<void> {
    if (this.state === 'new') {
      this.state = 'closed';
      return;
    }
    if (this.state === 'opening') {
      this.state = 'closed';
      this.socket?.destroy();
      return;
    }
    const socket = this.socket;
    if (this.state !== 'closed') {
      this.state = 'closed';
      this.rejectAll(new IggyClosedError('the connection was closed by its owner'));
      this.options.onClose?.(undefined);
      socket?.end();
      // A peer that never acknowledges the end must not keep us waiting.
      const timer = setTimeout(() => socket?.destroy(), 1_000);
      await this.closedPromise;
      clearTimeout(timer);
    } else {
      await this.closedPromise;
    }
  }

  /**
   * Drops the connection because of `error` (e.g. a reply the owner found inconsistent): every
   * request still waiting fails with it and the owner hears of the loss, as for a lost socket.
   */
  abort(error: IggyConnectionError): void {
    this.fail(error);
  }

  /** `onread` callback: `buf` is the reused read buffer; returning false would pause the socket. */
  private onRead(n: number, buf: Uint8Array): boolean {
    if (this.state !== 'closed') this.onData(buf.subarray(0, n));
    return true;
  }

  private onData(chunk: Uint8Array): void {
    let frames: Buffer[];
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      this.fail(new IggyConnectionError(`connection dropped: ${(error as IggyProtocolError).message}`, { cause: error }));
      return;
    }
    for (const frame of frames) {
      const at = this.matchReply(frame);
      const pending = this.waiting[at];
      if (!pending) {
        this.fail(new IggyConnectionError('the server sent a reply nobody asked for; the connection was dropped'));
        return;
      }
      this.waiting[at] = undefined;
      while (this.waitingHead < this.waiting.length && this.waiting[this.waitingHead] === undefined) this.waitingHead++;
      if (this.waitingHead === this.waiting.length) {
        this.waiting = [];
        this.waitingHead = 0;
      } else if (this.waitingHead > 1024) {
        this.waiting.splice(0, this.waitingHead);
        this.waitingHead = 0;
      }
      if (pending.timer) clearTimeout(pending.timer);
      pending.resolve(frame);
    }
  }

  /** Index of the waiting request this frame answers: the oldest with its operation and request id, else the oldest of all. */
  private matchReply(frame: Buffer): number {
    if (frame.length >= HEADER_SIZE && frameCommand(frame) === Command.Reply) {
      const operation = frame[ReplyOffsets.operation]!;
      const request = frame.readBigUInt64LE(ReplyOffsets.request);
      for (let i = this.waitingHead; i < this.waiting.length; i++) {
        const expect = this.waiting[i]?.expect;
        if (expect && expect.request === request && expect.operations.includes(operation)) return i;
      }
    }
    return this.waitingHead;
  }

  /** The connection is unusable: reject everything waiting, destroy the socket, tell the owner once. */
  private fail(error: IggyConnectionError): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.options.logger.debug({ err: error, inFlight: this.inFlight }, 'iggy connection lost');
    this.rejectAll(error);
    this.reader.reset();
    this.socket?.destroy();
    this.options.onClose?.(error);
  }

  private rejectAll(error: Error): void {
    const pending = this.waiting.slice(this.waitingHead).filter((p): p is Pending => p !== undefined);
    this.waiting = [];
    this.waitingHead = 0;
    for (const p of pending) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(
        error instanceof IggyClosedError
          ? error
          : new IggyConnectionError(`${p.what}: ${error.message}; the request may or may not have been applied`, { cause: error }),
      );
    }
  }
}
