// A local HTTP server for connector tests: records every request and answers
// with statuses the test queues (429 with Retry-After, 500, ...), then 200.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the server answered. */
  status: number;
}

export interface PlannedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer only after this long (to trip the client's timeout). */
  delayMs?: number;
}

export interface HttpRecorder {
  port: number;
  requests: RecordedRequest[];
  /** Answers for the next requests, in order; after them every request gets `fallback`. */
  plan(answers: PlannedAnswer[]): void;
  close(): Promise<void>;
}

export async function startHttpRecorder(fallback: (body: string) => PlannedAnswer = () => ({ status: 200, body: '{}' })): Promise<HttpRecorder> {
  const requests: RecordedRequest[] = [];
  let planned: PlannedAnswer[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const answer = planned.shift() ?? fallback(body);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, status: answer.status });
      const respond = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body ?? '{}');
      };
      if (answer.delayMs) {
        const timer = setTimeout(respond, answer.delayMs);
        res.on('close', () => clearTimeout(timer));
      } else {
        respond();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    plan(answers) {
      planned = [...answers];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
