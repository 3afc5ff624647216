// The dev broker's TCP side: accepts connections, cuts frames, answers them in order, and
// owns every socket and file it opens; close() ends them all.
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { Catalog } from './catalog.js';
import type { BrokerContext, Connection } from './context.js';
import { UnanswerableFrameError, handleFrame } from './dispatch.js';
import { FrameSplitter, FrameTooLargeError } from './frame-splitter.js';
import { leaveAllGroups } from './group-commands.js';

export interface DevBrokerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Keep data in append-only files here (survives a restart); in memory when absent. */
  dataDir?: string;
  logger: Logger;
  /** Largest request frame accepted (default 64 MiB); a bigger announced size closes the connection. */
  maxFrameSize?: number;
}

export interface DevBroker {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

const DEFAULT_MAX_FRAME = 64 * 1024 * 1024;

export async function startDevBroker(options: DevBrokerOptions): Promise<DevBroker> {
  const logger = options.logger;
  const catalog = options.dataDir === undefined ? Catalog.inMemory() : Catalog.open(options.dataDir);
  const connections = new Map<number, Connection>();
  const sockets = new Set<Socket>();
  let nextClientId = 1;
  let lastSession = BigInt(Date.now());
  let port = options.port;
  const advertisedHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const ctx: BrokerContext = {
    catalog,
    logger,
    connections,
    advertised: () => ({ host: advertisedHost, port }),
    startedAt: BigInt(Date.now()) * 1000n,
    nextSession: () => ++lastSession,
    commit: 0n,
  };
  const maxFrame = options.maxFrameSize ?? DEFAULT_MAX_FRAME;

  const server: Server = createServer((socket) => {
    const conn: Connection = {
      id: nextClientId++,
      address: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`,
      userId: undefined,
      session: 0n,
      vsrClient: 0n,
      memberships: [],
      groupCursor: new Map(),
    };
    connections.set(conn.id, conn);
    sockets.add(socket);
    socket.setNoDelay(true);
    const splitter = new FrameSplitter(maxFrame);
    logger.debug({ client: conn.id, address: conn.address }, 'client connected');
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = splitter.push(chunk);
      } catch (error) {
        logger.warn({ client: conn.id, reason: error instanceof FrameTooLargeError ? error.message : String(error) }, 'closing connection: malformed frame');
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        if (socket.destroyed) return;
        try {
          socket.write(handleFrame(ctx, conn, frame));
        } catch (error) {
          // A bad header cannot be answered; anything else is a broker bug. Either way only this
          // connection ends: the broker keeps serving the others.
          if (error instanceof UnanswerableFrameError) logger.warn({ client: conn.id, reason: error.message }, 'closing connection: malformed request header');
          else logger.error({ client: conn.id, err: error }, 'closing connection: the dev broker failed to answer');
          socket.destroy();
          return;
        }
      }
    });
    socket.on('error', (error) => logger.debug({ client: conn.id, err: error }, 'client socket error'));
    socket.on('close', () => {
      leaveAllGroups(ctx, conn);
      connections.delete(conn.id);
      sockets.delete(socket);
      logger.debug({ client: conn.id }, 'client disconnected');
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    catalog.close();
    throw error;
  });
  const address = server.address();
  if (address && typeof address === 'object') port = address.port;
  server.on('error', (error) => logger.error({ err: error }, 'dev broker server error'));

  let closing: Promise<void> | undefined;
  return {
    port,
    host: options.host,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          catalog.close();
          resolve();
        });
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}
