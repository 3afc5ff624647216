// What every capability import shares for one guest instance: the allowed_hosts
// gate (which logs refusals with the connector's key) and the lazily started I/O thread.
import type { Logger } from '../../log/logger.js';
import { fail } from '../wasi/fail.js';
import { AllowedHosts } from './allowed-hosts.js';
import { IoBridge } from './bridge.js';

export interface CapabilityContext {
  /** Returns normally when allowed; otherwise logs and fails the import call with `denied`. */
  checkHost(capability: string, host: string, port: number): void;
  /** The I/O thread's bridge, started on first use. */
  bridge(): IoBridge;
}

export function capabilityContext(allowedHosts: readonly string[], logger: Logger): CapabilityContext & { close(): void } {
  const allowed = new AllowedHosts(allowedHosts);
  let bridge: IoBridge | undefined;
  return {
    checkHost(capability, host, port) {
      if (allowed.allows(host, port)) return;
      const message = allowed.denial(host, port);
      logger.warn({ capability, host, port, allowedHosts: allowed.entries }, `network access denied: ${message}`);
      fail({ tag: 'denied', val: message });
    },
    bridge() {
      bridge ??= new IoBridge();
      return bridge;
    },
    close() {
      bridge?.close();
      bridge = undefined;
    },
  };
}
