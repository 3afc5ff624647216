// Wraps a connector's own functions into the shape componentize-js exports for the
// `sink` and `source` interfaces, so a connector file holds only its logic.
import { messages, messageCount } from './batch.js';

/** Text for a thrown value that is not an Error; JSON where it has one, so `{ reason }` does not read `[object Object]`. */
function describe(value) {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Runs a handler. A thrown connector error is the call's `err`; anything else thrown is a
 * crash: the host discards the instance and explains it with the value's own message
 * (componentize-js prints it while failing to convert it to a connector-error). An Error
 * is printed here with its stack first, since only the guest knows where it came from;
 * another value becomes an Error whose message is that value.
 * @template T @param {string} call @param {() => T} run @returns {T}
 */
function guarded(call, run) {
  try {
    return run();
  } catch (e) {
    if (e !== null && typeof e === 'object' && 'payload' in e) throw e;
    const error = e instanceof Error ? e : new Error(describe(e));
    console.error(`${call}() threw ${error.name}: ${error.message}${error.stack ? `\n${error.stack}` : ''}`);
    throw error;
  }
}

/**
 * @typedef {object} Batch what a sink's consume receives: iterable messages plus the raw buffers
 * @property {number} count
 * @property {Uint8Array} index
 * @property {Uint8Array} data
 * @property {() => Generator<import('./batch.js').Message>} [Symbol.iterator]
 */

/**
 * @typedef {object} SinkHandlers
 * @property {(config: string) => void} [open] receives the config JSON text (use parseConfig)
 * @property {(topic: { streamName: string, topicName: string }, metadata: { partitionId: number, currentOffset: bigint, schema: string, messageCount: number }, batch: Batch) => void} consume
 * @property {() => void} [close]
 */

/**
 * The `sink` export. Throw invalidConfig/transient/permanent for a connector error;
 * anything else thrown is a crash (the host logs its message and starts a new instance).
 * @param {SinkHandlers} handlers
 */
export function sinkConnector(handlers) {
  return {
    /** @param {string} config */
    open(config) { guarded('open', () => handlers.open?.(config)); },
    /** @param {any} topic @param {any} metadata @param {{ index: Uint8Array, data: Uint8Array }} raw */
    consume(topic, metadata, raw) {
      /** @type {Batch} */
      const batch = {
        count: messageCount(raw),
        index: raw.index,
        data: raw.data,
        [Symbol.iterator]: () => messages(raw),
      };
      guarded('consume', () => handlers.consume(topic, metadata, batch));
    },
    close() { guarded('close', () => handlers.close?.()); },
  };
}

/**
 * @typedef {object} SourceHandlers
 * @property {(config: string, state: Uint8Array | undefined) => void} [open] state: the last persisted blob, or undefined on a first start
 * @property {() => { batch: import('./batch.js').BatchBuilder | { index: Uint8Array, data: Uint8Array }, state?: Uint8Array | string }} poll
 * @property {() => void} [close]
 */

const utf8 = new TextEncoder();

/**
 * The `source` export. `poll` returns a BatchBuilder (or built buffers) and an
 * optional state, as bytes or text (sent as UTF-8). Errors as for `sinkConnector`.
 * @param {SourceHandlers} handlers
 */
export function sourceConnector(handlers) {
  return {
    /** @param {string} config @param {Uint8Array | undefined | null} state */
    open(config, state) { guarded('open', () => handlers.open?.(config, state ?? undefined)); },
    poll() {
      return guarded('poll', () => {
        const { batch, state } = handlers.poll();
        const messages = 'build' in batch ? batch.build() : batch;
        return { messages, state: typeof state === 'string' ? utf8.encode(state) : state };
      });
    },
    close() { guarded('close', () => handlers.close?.()); },
  };
}
