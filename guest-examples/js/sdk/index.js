// The JS guest SDK: everything a connector imports, from one place.
export { messages, messageCount, Message, BatchBuilder, INDEX_ENTRY_SIZE } from './batch.js';
export { encodeHeaders, headerCount, headerMap, decodeHeaderValue, HeaderKind } from './headers.js';
export { ConnectorError, invalidConfig, transient, permanent } from './errors.js';
export { parseConfig } from './config.js';
export { sinkConnector, sourceConnector } from './connector.js';
