// Local stand-ins for the two search engines the http-sink writes to, answering in
// their documented shapes: Elasticsearch's `_bulk` (NDJSON of action and document
// lines; 200 with `errors` and one item per action, in order; whole-request errors
// as `{ error: { type, reason }, status }`) and Quickwit's `/api/v1/<index>/ingest`
// (NDJSON; `num_rejected_docs` and, with `detailed_response=true`, `parse_failures`
// quoting each rejected document). Each keeps what it accepted and every request.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  /** The `_id`s (bulk) or the `n` fields (Quickwit) of the documents in the body, in order. */
  docs: string[];
}

interface Engine {
  port: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** One request as a fake engine handles it: what was seen (recorded), and how to answer with JSON. */
interface Exchange {
  seen: SeenRequest;
  url: URL;
  body: string;
  answer: (status: number, value: unknown) => void;
}

/** An HTTP server that records every request in `requests` and lets `handle` answer it. */
function recordingServer(requests: SeenRequest[], handle: (exchange: Exchange) => void): Server {
  return createServer((req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const seen: SeenRequest = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body, status: 0, docs: [] };
      requests.push(seen);
      handle({
        seen,
        url,
        body,
        answer: (status, value) => {
          seen.status = status;
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        },
      });
    });
  });
}

export interface ItemAnswer {
  status: number;
  error?: { type: string; reason: string };
}

export interface ElasticsearchOptions {
  /** The answer for one document; `attempt` counts the times this `_id` was offered (1 = first). Default: 201. */
  item?: (doc: Record<string, unknown>, id: string, attempt: number) => ItemAnswer;
  /** A request with more documents is refused as a whole with 413. */
  maxDocs?: number;
  /** Whole-request answers for the first requests, before any document is looked at (e.g. 401). */
  refuse?: { status: number; type: string; reason: string }[];
  /** Process the first request, then answer it 502 as a proxy that lost the answer would. */
  loseFirstAnswer?: boolean;
}

export interface FakeElasticsearch extends Engine {
  /** Accepted documents by `_id`, and how many times each was written. */
  docs: Map<string, { doc: Record<string, unknown>; writes: number }>;
}

export async function startFakeElasticsearch(options: ElasticsearchOptions = {}): Promise<FakeElasticsearch> {
  const requests: SeenRequest[] = [];
  const docs = new Map<string, { doc: Record<string, unknown>; writes: number }>();
  const offered = new Map<string, number>();
  const refusals = [...(options.refuse ?? [])];
  let lose = options.loseFirstAnswer ?? false;
  const server = recordingServer(requests, ({ seen, url, body, answer }) => {
    const refusal = refusals.shift();
    if (refusal) return answer(refusal.status, { error: { type: refusal.type, reason: refusal.reason }, status: refusal.status });
    if (!body.endsWith('\n')) {
      return answer(400, { error: { type: 'illegal_argument_exception', reason: 'The bulk request must be terminated by a newline [\\n]' }, status: 400 });
    }
    const lines = body.slice(0, -1).split('\n');
    if (lines.length % 2 !== 0) return answer(400, { error: { type: 'illegal_argument_exception', reason: 'action line without a document' }, status: 400 });
    const pairs: { action: string; index: string; id: string; doc: Record<string, unknown> }[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const meta = JSON.parse(lines[i]) as Record<string, { _index?: string; _id: string }>;
      const [action, target] = Object.entries(meta)[0];
      pairs.push({ action, index: target._index ?? url.pathname.split('/')[1], id: target._id, doc: JSON.parse(lines[i + 1]) as Record<string, unknown> });
    }
    seen.docs = pairs.map((p) => p.id);
    if (options.maxDocs !== undefined && pairs.length > options.maxDocs) {
      return answer(413, { error: { type: 'content_too_long_exception', reason: `request of ${pairs.length} documents is too large` }, status: 413 });
    }
    const items = pairs.map(({ action, index, id, doc }) => {
      const attempt = (offered.get(id) ?? 0) + 1;
      offered.set(id, attempt);
      const decided = options.item?.(doc, id, attempt) ?? { status: 201 };
      let status = decided.status;
      let error = decided.error;
      if (status >= 200 && status < 300) {
        const existing = docs.get(id);
        if (existing && action === 'create') {
          status = 409;
          error = { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, document already exists` };
        } else {
          docs.set(id, { doc, writes: (existing?.writes ?? 0) + 1 });
          status = existing ? 200 : 201;
        }
      }
      const result = error
        ? { _index: index, _id: id, status, error: { ...error, index } }
        : { _index: index, _id: id, _version: docs.get(id)!.writes, result: status === 201 ? 'created' : 'updated', status };
      return { [action]: result };
    });
    if (lose) {
      lose = false;
      return answer(502, { message: 'bad gateway' });
    }
    answer(200, { took: 3, errors: items.some((i) => Object.values(i)[0].status >= 300), items });
  });
  return { port: await listen(server), requests, docs, close: closer(server) };
}

export interface QuickwitOptions {
  /** Rejects a document as Quickwit's doc mapper would (a parse failure), with this message; undefined accepts it. */
  reject?: (doc: Record<string, unknown>) => string | undefined;
  /** Whole-request answers for the first requests (e.g. 429 when the ingest queue is full). */
  refuse?: { status: number; message: string }[];
}

export interface FakeQuickwit extends Engine {
  /** Every accepted document, in arrival order. */
  accepted: Record<string, unknown>[];
}

export async function startFakeQuickwit(options: QuickwitOptions = {}): Promise<FakeQuickwit> {
  const requests: SeenRequest[] = [];
  const accepted: Record<string, unknown>[] = [];
  const refusals = [...(options.refuse ?? [])];
  const server = recordingServer(requests, ({ seen, url, body, answer }) => {
    const refusal = refusals.shift();
    if (refusal) return answer(refusal.status, { message: refusal.message });
    if (!/^\/api\/v1\/[^/]+\/ingest$/.test(url.pathname)) return answer(404, { message: `no route ${url.pathname}` });
    // Quickwit skips blank lines; every other line is one document.
    const lines = body.split('\n').filter((l) => l.trim() !== '');
    const failures: { message: string; document: string; reason: string }[] = [];
    for (const line of lines) {
      let doc: Record<string, unknown>;
      try {
        doc = JSON.parse(line) as Record<string, unknown>;
      } catch {
        failures.push({ message: 'failed to parse JSON document', document: line, reason: 'invalid_json' });
        continue;
      }
      seen.docs.push(String(doc.n));
      const why = options.reject?.(doc);
      if (why) failures.push({ message: why, document: line, reason: 'invalid_schema' });
      else accepted.push(doc);
    }
    const reply: Record<string, unknown> = {
      num_docs_for_processing: lines.length,
      num_ingested_docs: lines.length - failures.length,
      num_rejected_docs: failures.length,
    };
    if (url.searchParams.get('detailed_response') === 'true') reply.parse_failures = failures;
    answer(200, reply);
  });
  return { port: await listen(server), requests, accepted, close: closer(server) };
}
