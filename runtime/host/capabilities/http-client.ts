// The `iggy:connector/http-client` import: validates a guest's request, checks
// its destination against allowed_hosts, and sends it through the I/O thread.
import type { CapabilityContext } from './context.js';
import { DEFAULT_TIMEOUT_MS, type Failure, type HttpResult } from './protocol.js';
import { fail } from '../wasi/fail.js';

/** The WIT record `request` as jco hands it over. */
interface WitRequest {
  method: string;
  url: string;
  headers: [string, string][];
  body: Uint8Array;
  timeoutMs: number;
}

const METHOD = /^[A-Z]{1,16}$/;
/** Answer margin over the request's own timeout before the caller gives up on the I/O thread. */
const BRIDGE_MARGIN_MS = 5_000;

export function httpClientImports(ctx: CapabilityContext) {
  const refuse = (failure: Failure): never => fail(failure);
  return {
    'iggy:connector/http-client': {
      send(req: WitRequest): HttpResult {
        let url: URL;
        try {
          url = new URL(req.url);
        } catch {
          return refuse({ tag: 'invalid-request', val: `not an absolute URL: ${JSON.stringify(req.url)}` });
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') {
          return refuse({ tag: 'invalid-request', val: `only http:// and https:// URLs are supported, got ${url.protocol}//` });
        }
        if (!METHOD.test(req.method))
          return refuse({ tag: 'invalid-request', val: `invalid HTTP method ${JSON.stringify(req.method)}; use an upper-case token like POST` });
        const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
        ctx.checkHost('http-client', url.hostname, port);
        const timeoutMs = req.timeoutMs > 0 ? req.timeoutMs : DEFAULT_TIMEOUT_MS;
        const body = req.body;
        // jco lifts the body into a buffer of its own, used by nothing after this call: it moves to the I/O thread without a copy.
        const owned = body.byteOffset === 0 && body.buffer instanceof ArrayBuffer && body.byteLength === body.buffer.byteLength && body.byteLength > 0;
        const outcome = ctx
          .bridge()
          .call(
            { op: 'http', method: req.method, url: url.href, headers: req.headers, body, timeoutMs },
            timeoutMs + BRIDGE_MARGIN_MS,
            owned ? [body.buffer] : [],
          );
        if (!outcome.ok) return refuse(outcome.failure);
        return outcome.value as HttpResult;
      },
    },
  };
}
