// A minimal client for broker tests, built on the codec alone (the project's client is tested
// elsewhere): one socket, one request at a time, SDK-like request ids and session.
import { connect, type Socket } from 'node:net';
import {
  Code,
  Command,
  PROTOCOL_VERSION,
  decodeEviction,
  decodeLoginReply,
  decodeReplyHeader,
  encodeLoginRegister,
  encodeRequest,
  frameCommand,
  replyBody,
  splitReplyBody,
  type EvictionHeader,
  type ReplyHeader,
  operationForCode,
  Operation,
} from '../../runtime/iggy/codec/index.js';
import { FrameSplitter } from '../../runtime/broker/frame-splitter.js';

export interface Answer {
  frame: Buffer;
  header?: ReplyHeader;
  eviction?: EvictionHeader;
  /** Reply status: the header's, else the result section's. */
  status: number;
  /** Payload past any result section. */
  payload: Buffer;
}

export class WireClient {
  session = 0n;
  private requestCounter = 1n;
  readonly clientId = BigInt(Math.floor(Math.random() * 2 ** 48) + 1) << 64n;
  private readonly splitter = new FrameSplitter(512 * 1024 * 1024);
  private queue: Buffer[] = [];
  private waiter: ((frame: Buffer) => void) | undefined;
  private closedWaiters: Array<() => void> = [];
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.splitter.push(chunk)) {
        if (this.waiter) {
          const w = this.waiter;
          this.waiter = undefined;
          w(f);
        } else this.queue.push(f);
      }
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.closedWaiters) w();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new WireClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Writes raw bytes (for malformed-frame tests). */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  nextFrame(timeoutMs = 5000): Promise<Buffer> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no frame within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (f) => {
        clearTimeout(timer);
        resolve(f);
      };
    });
  }

  /** Resolves when the broker closes the connection (or rejects after the timeout). */
  waitClosed(timeoutMs = 5000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connection still open')), timeoutMs);
      this.closedWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  static answer(frame: Buffer): Answer {
    if (frameCommand(frame) === Command.Eviction) {
      return { frame, eviction: decodeEviction(frame), status: -1, payload: Buffer.alloc(0) };
    }
    const header = decodeReplyHeader(frame);
    if (header.status !== 0) return { frame, header, status: header.status, payload: Buffer.alloc(0) };
    const { status, payload } = splitReplyBody(header.operation, replyBody(frame, header));
    return { frame, header, status, payload };
  }

  async request(code: number, body: Buffer = Buffer.alloc(0)): Promise<Answer> {
    const operation = operationForCode(code);
    let request: bigint;
    if (operation === Operation.Register) request = 0n;
    else if (operation === Operation.NonReplicated) request = this.requestCounter;
    else request = this.requestCounter++;
    const session = operation === Operation.Register ? 0n : this.session;
    this.socket.write(encodeRequest({ client: this.clientId, request, session, code }, body));
    return WireClient.answer(await this.nextFrame());
  }

  async login(username = 'iggy', password = 'iggy', protocolVersion = PROTOCOL_VERSION): Promise<Answer> {
    const a = await this.request(
      Code.LoginRegister,
      encodeLoginRegister({ version: { protocolVersion, sdkName: 'broker-test', sdkVersion: '0.0.1' }, username, password }),
    );
    if (a.status === 0 && a.payload.length > 0) this.session = decodeLoginReply(a.payload).session;
    return a;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.closedWaiters.push(resolve));
    this.socket.end();
    this.socket.destroy();
    return done;
  }
}
