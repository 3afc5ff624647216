// Performs one HTTP request for a guest, in the I/O thread: no redirects (a
// redirect could leave allowed_hosts), a whole-request timeout, a capped body.
// node:http with keep-alive agents rather than fetch: per request it costs about
// a quarter of fetch's CPU (no WHATWG streams, no copy of the body), and a bulk
// sink's I/O thread does little else.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { IoFailure, MAX_RESULT_BYTES, type HttpCall, type HttpResult } from './protocol.js';

/** Methods fetch refuses too: CONNECT would tunnel to a destination the URL does not name. */
const REFUSED_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
/** Headers the host sets from the URL and the body itself; a guest's own would contradict them. */
const HOST_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer']);

function describe(err: unknown): string {
  const e = err as { message?: string; code?: string };
  return e.code && !(e.message ?? '').includes(e.code) ? `${e.message ?? String(err)} (${e.code})` : (e.message ?? String(err));
}

/** One keep-alive agent per scheme for the I/O thread's life: requests to the same server reuse connections. */
export class HttpAgents {
  readonly #http = new HttpAgent({ keepAlive: true });
  readonly #https = new HttpsAgent({ keepAlive: true });

  #invalid(call: HttpCall, why: string): IoFailure {
    return new IoFailure({ tag: 'invalid-request', val: `${call.method} ${call.url}: ${why}` });
  }

  /** Rejects with an IoFailure carrying the WIT error case. */
  send(call: HttpCall): Promise<HttpResult> {
    let url: URL;
    try {
      url = new URL(call.url);
    } catch {
      return Promise.reject(this.#invalid(call, 'not an absolute URL'));
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(this.#invalid(call, 'only http and https are supported'));
    if (url.username || url.password) return Promise.reject(this.#invalid(call, 'credentials in the URL are not sent; use an authorization header'));
    if (REFUSED_METHODS.has(call.method)) return Promise.reject(this.#invalid(call, `method ${call.method} is not allowed`));
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of call.headers) {
      const key = name.toLowerCase();
      if (HOST_HEADERS.has(key)) return Promise.reject(this.#invalid(call, `header ${name} is set by the host from the URL and the body`));
      const had = headers[key];
      headers[key] = had === undefined ? value : [...(Array.isArray(had) ? had : [String(had)]), value];
    }
    const withBody = call.body.byteLength > 0 && call.method !== 'GET' && call.method !== 'HEAD';
    const options: RequestOptions = {
      method: call.method,
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      headers,
      agent: url.protocol === 'https:' ? this.#https : this.#http,
    };
    return new Promise<HttpResult>((resolve, reject) => {
      let settled = false;
      const fail = (failure: IoFailure): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(failure);
        req.destroy();
      };
      let req: ReturnType<typeof httpRequest>;
      try {
        req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(options, (res) => collect(res));
      } catch (err) {
        // Node checks header names and values before anything is sent.
        reject(this.#invalid(call, describe(err)));
        return;
      }
      const timer = setTimeout(
        () => fail(new IoFailure({ tag: 'timeout', val: `${call.method} ${call.url}: no complete response within ${call.timeoutMs} ms` })),
        call.timeoutMs,
      );
      req.on('error', (err) => fail(new IoFailure({ tag: 'connection', val: `${call.method} ${call.url}: ${describe(err)}` })));
      const collect = (res: IncomingMessage): void => {
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (chunk: Buffer) => {
          total += chunk.byteLength;
          if (total > MAX_RESULT_BYTES) fail(new IoFailure({ tag: 'too-large', val: `response from ${call.url} exceeds ${MAX_RESULT_BYTES} bytes` }));
          else chunks.push(chunk);
        });
        res.on('error', (err) => fail(new IoFailure({ tag: 'connection', val: `${call.method} ${call.url}: ${describe(err)}` })));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const answer: [string, string][] = [];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) answer.push([res.rawHeaders[i].toLowerCase(), res.rawHeaders[i + 1]]);
          resolve({ status: res.statusCode ?? 0, headers: answer, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total) });
        });
      };
      if (withBody) req.end(Buffer.from(call.body.buffer, call.body.byteOffset, call.body.byteLength));
      else req.end();
    });
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}
