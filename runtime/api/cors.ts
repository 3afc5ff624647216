// CORS for the HTTP API: the origins of `[http.cors].allowed_origins` ("*" for
// any) may call it from a browser; preflight requests are answered here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_KEY_HEADER } from './auth.js';

const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const ALLOWED_HEADERS = `content-type, ${API_KEY_HEADER}`;

/** Adds the CORS headers a request from an allowed origin needs; returns whether it was allowed. */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin || allowedOrigins.length === 0) return false;
  const any = allowedOrigins.includes('*');
  if (!any && !allowedOrigins.includes(origin)) return false;
  res.setHeader('access-control-allow-origin', any ? '*' : origin);
  if (!any) res.setHeader('vary', 'Origin');
  return true;
}

/** A browser's preflight (OPTIONS with Access-Control-Request-Method); it carries no api-key, so it is answered before auth. */
export function isPreflight(req: IncomingMessage): boolean {
  return req.method === 'OPTIONS' && typeof req.headers['access-control-request-method'] === 'string';
}

export function answerPreflight(res: ServerResponse): void {
  res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
  res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
  res.setHeader('access-control-max-age', '600');
  res.writeHead(204).end();
}
