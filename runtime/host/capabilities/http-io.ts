// Performs one HTTP request for a guest, in the I/O thread: no redirects (a
// redirect could leave allowed_hosts), a whole-request timeout, a capped body.
import { IoFailure, MAX_RESULT_BYTES, type HttpCall, type HttpResult } from './protocol.js';

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message ?? String(err)} (${cause})` : (e.message ?? String(err));
}

async function readCapped(response: Response, url: string): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > MAX_RESULT_BYTES) {
      throw new IoFailure({ tag: 'too-large', val: `response from ${url} exceeds ${MAX_RESULT_BYTES} bytes` });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function sendHttp(call: HttpCall): Promise<HttpResult> {
  let headers: Headers;
  try {
    headers = new Headers(call.headers);
  } catch (err) {
    throw new IoFailure({ tag: 'invalid-request', val: `${call.method} ${call.url}: ${describe(err)}` });
  }
  const timeout = AbortSignal.timeout(call.timeoutMs);
  try {
    const response = await fetch(call.url, {
      method: call.method,
      headers,
      body: call.body.byteLength > 0 && call.method !== 'GET' && call.method !== 'HEAD' ? call.body : undefined,
      redirect: 'manual',
      signal: timeout,
    });
    const answer: [string, string][] = [];
    response.headers.forEach((value, name) => answer.push([name, value]));
    const body = await readCapped(response, call.url);
    return { status: response.status, headers: answer, body };
  } catch (err) {
    if (err instanceof IoFailure) throw err;
    const name = (err as Error).name;
    if (timeout.aborted || name === 'TimeoutError' || name === 'AbortError') {
      throw new IoFailure({ tag: 'timeout', val: `${call.method} ${call.url}: no complete response within ${call.timeoutMs} ms` });
    }
    // fetch reports network trouble as "fetch failed" with the socket error as cause; a TypeError without one is about the request itself.
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause !== undefined || (err as { code?: string }).code !== undefined) {
      throw new IoFailure({ tag: 'connection', val: `${call.method} ${call.url}: ${describe(err)}` });
    }
    throw new IoFailure({ tag: 'invalid-request', val: `${call.method} ${call.url}: ${describe(err)}` });
  }
}
