// The development broker: a TEST FIXTURE that speaks Iggy's binary protocol (0.11.0) over TCP
// so tests, CI and the quickstart can run without an Iggy server. NOT a production server: one
// root user, no permissions, no retention, no replication. See docs/iggy-protocol.md.
export { startDevBroker, type DevBroker, type DevBrokerOptions } from './server.js';
export { BrokerError, BrokerStorageError } from './broker-error.js';
export { ROOT_USER, SERVER_VERSION } from './session-commands.js';
