// Reading and building the flat batch (wit/README.md, "Flat batch"): a 64-byte
// index entry per message pointing into one data buffer. Readers get lazy views,
// so a connector that only needs payload lengths never decodes ids or headers.
import { headerCount, headerMap } from './headers.js';

export const INDEX_ENTRY_SIZE = 64;

/** One message of a batch. Fields are read from the index on access; `payload` and `headers` are views into `batch.data`. */
export class Message {
  /** @param {DataView} index @param {Uint8Array} data @param {number} base byte offset of the entry */
  constructor(index, data, base) {
    this._index = index;
    this._data = data;
    this._base = base;
  }
  /** Offset in the partition. @returns {bigint} */
  get offset() { return this._index.getBigUint64(this._base, true); }
  /** Message id (u128). @returns {bigint} */
  get id() {
    return this._index.getBigUint64(this._base + 8, true) | (this._index.getBigUint64(this._base + 16, true) << 64n);
  }
  /** Server timestamp, µs since the epoch. @returns {bigint} */
  get timestamp() { return this._index.getBigUint64(this._base + 24, true); }
  /** Producer timestamp, µs since the epoch. @returns {bigint} */
  get originTimestamp() { return this._index.getBigUint64(this._base + 32, true); }
  /** @returns {bigint} */
  get checksum() { return this._index.getBigUint64(this._base + 40, true); }
  /** @returns {Uint8Array} */
  get payload() {
    const start = this._index.getUint32(this._base + 48, true);
    return this._data.subarray(start, start + this._index.getUint32(this._base + 52, true));
  }
  /** Payload length without making a view. @returns {number} */
  get payloadLength() { return this._index.getUint32(this._base + 52, true); }
  /** The user-header bytes in Iggy's encoding (empty when none). @returns {Uint8Array} */
  get headers() {
    const start = this._index.getUint32(this._base + 56, true);
    return this._data.subarray(start, start + this._index.getUint32(this._base + 60, true));
  }
  /** Number of header key/value pairs. */
  headerCount() { return headerCount(this.headers); }
  /** Headers decoded into a Map (see headers.js). */
  headerMap() { return headerMap(this.headers); }
}

/**
 * The messages of a flat batch, in offset order.
 * @param {{ index: Uint8Array, data: Uint8Array }} batch
 * @returns {Generator<Message>}
 */
export function* messages(batch) {
  const index = new DataView(batch.index.buffer, batch.index.byteOffset, batch.index.byteLength);
  const count = Math.floor(batch.index.length / INDEX_ENTRY_SIZE);
  for (let i = 0; i < count; i++) yield new Message(index, batch.data, i * INDEX_ENTRY_SIZE);
}

/** Number of messages in a flat batch. @param {{ index: Uint8Array }} batch */
export const messageCount = (batch) => Math.floor(batch.index.length / INDEX_ENTRY_SIZE);

const utf8 = new TextEncoder();

/**
 * @typedef {object} OutgoingMessage
 * @property {Uint8Array | string} payload bytes, or text sent as UTF-8
 * @property {bigint} [id] 0 (default) lets the host assign an id
 * @property {bigint} [originTimestamp] µs since the epoch; 0 (default) lets the host stamp it
 * @property {Uint8Array} [headers] encoded with encodeHeaders()
 */

/** Collects a source's messages and lays them out as one flat batch. */
export class BatchBuilder {
  constructor() {
    /** @type {{ payload: Uint8Array, id: bigint, originTimestamp: bigint, headers: Uint8Array | undefined }[]} */
    this._pending = [];
    this._dataLength = 0;
  }

  /** Number of messages added so far. */
  get count() { return this._pending.length; }

  /** @param {OutgoingMessage} message @returns {this} */
  add({ payload, id = 0n, originTimestamp = 0n, headers }) {
    const bytes = typeof payload === 'string' ? utf8.encode(payload) : payload;
    this._pending.push({ payload: bytes, id, originTimestamp, headers });
    this._dataLength += bytes.length + (headers ? headers.length : 0);
    return this;
  }

  /**
   * Lays out payloads and headers back to back and fills the index. The two
   * buffers are allocated once.
   * @returns {{ index: Uint8Array, data: Uint8Array }}
   */
  build() {
    const index = new Uint8Array(this._pending.length * INDEX_ENTRY_SIZE);
    const data = new Uint8Array(this._dataLength);
    const view = new DataView(index.buffer);
    let at = 0;
    this._pending.forEach((m, i) => {
      const base = i * INDEX_ENTRY_SIZE;
      view.setBigUint64(base + 8, BigInt.asUintN(64, m.id), true);
      view.setBigUint64(base + 16, BigInt.asUintN(64, m.id >> 64n), true);
      view.setBigUint64(base + 32, m.originTimestamp, true);
      data.set(m.payload, at);
      view.setUint32(base + 48, at, true);
      view.setUint32(base + 52, m.payload.length, true);
      at += m.payload.length;
      const headers = m.headers;
      view.setUint32(base + 56, at, true);
      if (headers) {
        data.set(headers, at);
        view.setUint32(base + 60, headers.length, true);
        at += headers.length;
      }
    });
    return { index, data };
  }
}
