// The HTTP API's public surface: start the server next to the supervisor.
export { startApiServer, ApiListenError, type ApiServer, type ApiServerOptions } from './server.js';
export type { ConnectorControl } from './routes.js';
export { ApiError } from './errors.js';
