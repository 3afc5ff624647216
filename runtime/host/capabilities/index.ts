// Host capabilities a guest imports to reach the network (http-client, postgres),
// each call gated by the connector's permissions.allowed_hosts.
import type { Logger } from '../../log/logger.js';
import { capabilityContext } from './context.js';
import { httpClientImports } from './http-client.js';
import { postgresImports } from './postgres.js';

export { AllowedHosts } from './allowed-hosts.js';
export { CapabilityBridgeError } from './bridge.js';

export interface CapabilityImports {
  imports: Record<string, Record<string, unknown>>;
  /** Stops the I/O thread (if one was started) and its connections. */
  close(): void;
  /** Work to run on the guest's thread during the next capability call's wait (once). */
  whileWaiting(work: (() => void) | undefined): void;
}

export function capabilityImports(allowedHosts: readonly string[], logger: Logger): CapabilityImports {
  const ctx = capabilityContext(allowedHosts, logger);
  return {
    imports: { ...httpClientImports(ctx), ...postgresImports(ctx) },
    close: () => ctx.close(),
    whileWaiting: (work) => ctx.whileWaiting(work),
  };
}
