// What every capability import shares for one guest instance: the allowed_hosts
// gate (which logs refusals with the connector's key), the lazily started I/O thread,
// and the work the instance's owner hands over for the time a call waits.
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

/** What the owner of the instance sets: work to do on the guest's thread while a capability call waits. */
export interface IdleWork {
  /** Runs `work` (once) during the next capability call's wait; undefined clears it. */
  whileWaiting(work: (() => void) | undefined): void;
}

export function capabilityContext(allowedHosts: readonly string[], logger: Logger): CapabilityContext & IdleWork & { close(): void } {
  const allowed = new AllowedHosts(allowedHosts);
  let bridge: IoBridge | undefined;
  let idle: (() => void) | undefined;
  const takeIdle = (): (() => void) | undefined => {
    const work = idle;
    idle = undefined;
    return work;
  };
  return {
    checkHost(capability, host, port) {
      if (allowed.allows(host, port)) return;
      const message = allowed.denial(host, port);
      logger.warn({ capability, host, port, allowedHosts: allowed.entries }, `network access denied: ${message}`);
      fail({ tag: 'denied', val: message });
    },
    bridge() {
      bridge ??= new IoBridge(takeIdle);
      return bridge;
    },
    whileWaiting(work) {
      idle = work;
    },
    close() {
      bridge?.close();
      bridge = undefined;
    },
  };
}
