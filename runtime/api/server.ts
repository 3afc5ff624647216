// The runtime's HTTP API server (node:http): CORS, then the api-key check, then
// the route table; every error leaves as `{ code, message }` JSON.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { parseAddress, type RuntimeConfig } from '../config/index.js';
import { RuntimeError } from '../errors.js';
import { createRuntimeMetrics } from '../metrics/runtime-metrics.js';
import { API_KEY_HEADER, PUBLIC_PATHS, apiKeyMatches } from './auth.js';
import { answerPreflight, applyCors, isPreflight } from './cors.js';
import { ApiError, errorBody } from './errors.js';
import type { Reply, Router } from './router.js';
import { buildRoutes, type ConnectorControl } from './routes.js';
import { readUiPage } from './ui-page.js';

export interface ApiServerOptions {
  config: RuntimeConfig;
  supervisor: ConnectorControl;
  logger: Logger;
  /** The runtime's version, shown by `GET /` and `GET /stats`. */
  version: string;
  /** Overrides `[http].address` (tests listen on port 0). */
  address?: string;
}

export interface ApiServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, closes open connections and resolves once the socket is closed. */
  close(): Promise<void>;
}

export class ApiListenError extends RuntimeError {
  constructor(address: string, options?: { cause?: unknown }) {
    const reason = (options?.cause as NodeJS.ErrnoException | undefined)?.code ?? 'error';
    super('API_LISTEN', `the HTTP API could not listen on ${address} (${reason}); change [http].address or free the port`, options);
  }
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { config, logger } = options;
  const address = options.address ?? config.http.address;
  const where = parseAddress(address);
  if (!where) throw new ApiListenError(address);
  const metrics = createRuntimeMetrics({
    status: () => options.supervisor.status(),
    configured: () => ({ sinks: config.sinks.length, sources: config.sources.length }),
  });
  const router = buildRoutes({
    name: 'iggy-connectors',
    version: options.version,
    config,
    supervisor: options.supervisor,
    metrics,
    uiPage: await readUiPage(),
  });
  const log = logger.child({ component: 'http-api' });
  const server = createServer((req, res) => {
    handle(req, res, router, config.http, log).catch((error: unknown) => {
      log.error({ err: error }, 'HTTP API request failed');
      if (!res.headersSent) send(res, { status: 500, body: { code: 'API_INTERNAL', message: 'the request failed inside the runtime; see its log' } });
      else res.destroy();
    });
  });
  await listen(server, where.host, where.port, address);
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const url = `http://${host}:${bound.port}`;
  log.info({ url, auth: config.http.apiKey ? 'api-key' : 'none' }, 'HTTP API listening');
  return {
    url,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, host: string, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(new ApiListenError(address, { cause: error }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, router: Router, http: RuntimeConfig['http'], log: Logger): Promise<void> {
  req.resume(); // no endpoint reads a body; drain it so keep-alive works
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const corsAllowed = applyCors(req, res, http.corsOrigins);
  if (corsAllowed && isPreflight(req)) return answerPreflight(res);
  try {
    if (http.apiKey !== undefined && http.apiKey !== '' && !PUBLIC_PATHS.has(path) && !apiKeyMatches(http.apiKey, req.headers[API_KEY_HEADER])) {
      throw ApiError.unauthorized();
    }
    const match = router.match(req.method ?? 'GET', path);
    if (match.kind === 'none') throw ApiError.notFound(path);
    if (match.kind === 'wrong-method') {
      res.setHeader('allow', match.allowed.join(', '));
      throw ApiError.methodNotAllowed(req.method ?? '', path, match.allowed);
    }
    const reply = await match.handler(match.params);
    if (req.method === 'POST') log.info({ path, status: reply.status }, 'HTTP API action');
    send(res, reply);
  } catch (error) {
    if (error instanceof ApiError) return send(res, { status: error.status, body: errorBody(error) });
    if (error instanceof RuntimeError) return send(res, { status: 500, body: { code: error.code, message: error.message } });
    throw error;
  }
}

function send(res: ServerResponse, reply: Reply): void {
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-content-type-options', 'nosniff');
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.status === 204) {
    res.writeHead(204).end();
    return;
  }
  const text = reply.text ?? JSON.stringify(reply.body ?? null);
  res.writeHead(reply.status, {
    'content-type': reply.contentType ?? 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
