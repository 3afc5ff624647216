// Wraps a connector's own functions into the shape componentize-js exports for the
// `sink` and `source` interfaces, so a connector file holds only its logic.
import { messages, messageCount } from './batch.js';

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
 * anything else thrown is a trap.
 * @param {SinkHandlers} handlers
 */
export function sinkConnector(handlers) {
  return {
    /** @param {string} config */
    open(config) { handlers.open?.(config); },
    /** @param {any} topic @param {any} metadata @param {{ index: Uint8Array, data: Uint8Array }} raw */
    consume(topic, metadata, raw) {
      /** @type {Batch} */
      const batch = {
        count: messageCount(raw),
        index: raw.index,
        data: raw.data,
        [Symbol.iterator]: () => messages(raw),
      };
      handlers.consume(topic, metadata, batch);
    },
    close() { handlers.close?.(); },
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
 * optional state, as bytes or text (sent as UTF-8).
 * @param {SourceHandlers} handlers
 */
export function sourceConnector(handlers) {
  return {
    /** @param {string} config @param {Uint8Array | undefined | null} state */
    open(config, state) { handlers.open?.(config, state ?? undefined); },
    poll() {
      const { batch, state } = handlers.poll();
      const messages = 'build' in batch ? batch.build() : batch;
      return { messages, state: typeof state === 'string' ? utf8.encode(state) : state };
    },
    close() { handlers.close?.(); },
  };
}
