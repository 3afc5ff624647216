// A TCP proxy for tests that records every frame a client sends and every frame the server
// answers, per connection, so vectors can be taken from the official Iggy peers.
import net from 'node:net';
import { FrameReader } from '../../runtime/iggy/frame-reader.js';

export interface RecordedConnection {
  /** Request frames, whole, in the order the client sent them. */
  requests: Buffer[];
  /** Reply / eviction frames, in the order the server sent them. */
  replies: Buffer[];
}

export interface RecordingProxy {
  port: number;
  connections: RecordedConnection[];
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0) and forwards each connection to `target`. */
export async function startRecordingProxy(target: { host: string; port: number }): Promise<RecordingProxy> {
  const connections: RecordedConnection[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const recorded: RecordedConnection = { requests: [], replies: [] };
    connections.push(recorded);
    const upstream = net.connect(target);
    sockets.add(client);
    sockets.add(upstream);
    const fromClient = new FrameReader();
    const fromServer = new FrameReader();
    client.on('data', (chunk: Buffer) => {
      // Copies: the recorded frames must outlive the socket's buffers.
      for (const f of fromClient.push(Buffer.from(chunk))) recorded.requests.push(f);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      for (const f of fromServer.push(Buffer.from(chunk))) recorded.replies.push(f);
      client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
