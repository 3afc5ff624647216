// Entry point of a connector's capability I/O thread: runs the async HTTP and
// PostgreSQL work that guests request synchronously through IoBridge.
import { workerData } from 'node:worker_threads';
import { sendHttp } from './http-io.js';
import { PgPools } from './pg-io.js';
import { IoFailure, type IoCall, type IoReply, type IoThreadData } from './protocol.js';

const { port, signal } = workerData as IoThreadData;
const pools = new PgPools();

async function handle(call: IoCall): Promise<{ value: unknown; transfer: ArrayBuffer[] }> {
  switch (call.op) {
    case 'http': {
      const result = await sendHttp(call);
      const body = result.body;
      // Transfer the body only when it owns its whole buffer; otherwise it is copied.
      const transfer = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer ? [body.buffer] : [];
      return { value: result, transfer };
    }
    case 'pg-execute':
      return { value: await pools.execute(call), transfer: [] };
    case 'pg-query':
      return { value: await pools.query(call), transfer: [] };
    case 'close':
      await pools.close();
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
