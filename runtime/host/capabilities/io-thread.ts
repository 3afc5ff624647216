// Entry point of a connector's capability I/O thread: runs the async HTTP and
// PostgreSQL work that guests request synchronously through IoBridge.
import { workerData } from 'node:worker_threads';
import { HttpAgents } from './http-io.js';
import type { PgPools } from './pg-io.js';
import { IoFailure, type IoCall, type IoReply, type IoThreadData } from './protocol.js';

const { port, signal } = workerData as IoThreadData;
const http = new HttpAgents();
// The PostgreSQL client is loaded on the first statement: an HTTP-only connector's thread never holds it.
let pools: Promise<PgPools> | undefined;
const pg = (): Promise<PgPools> => (pools ??= import('./pg-io.js').then((m) => new m.PgPools()));

async function handle(call: IoCall): Promise<{ value: unknown; transfer: ArrayBuffer[] }> {
  switch (call.op) {
    case 'http': {
      const result = await http.send(call);
      const body = result.body;
      // Transfer the body only when it owns its whole buffer; otherwise it is copied.
      const transfer = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer ? [body.buffer] : [];
      return { value: result, transfer };
    }
    case 'pg-execute':
      return { value: await (await pg()).execute(call), transfer: [] };
    case 'pg-query':
      return { value: await (await pg()).query(call), transfer: [] };
    case 'close':
      http.close();
      await (await pools)?.close();
      return { value: undefined, transfer: [] };
  }
}

port.on('message', async ({ id, request }: { id: number; request: IoCall }) => {
  let reply: IoReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const done = await handle(request);
    reply = { id, ok: true, value: done.value };
    transfer = done.transfer;
  } catch (err) {
    reply =
      err instanceof IoFailure
        ? { id, ok: false, failure: err.failure }
        : { id, ok: false, failure: { tag: 'connection', val: `capability I/O failed: ${(err as Error).message}` } };
  }
  port.postMessage(reply, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
  if (request.op === 'close') port.close();
});
