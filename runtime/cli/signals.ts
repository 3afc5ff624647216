// Waits for SIGINT/SIGTERM once; a second signal exits at once, for an operator
// who does not want to wait for a graceful drain.
import type { Logger } from 'pino';

export function onShutdownSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down: finishing in-flight batches (send the signal again to exit at once)');
      process.off('SIGINT', first);
      process.off('SIGTERM', first);
      const again = (): void => {
        logger.warn('second signal: exiting without draining');
        process.exit(130);
      };
      process.once('SIGINT', again);
      process.once('SIGTERM', again);
      resolve(signal);
    };
    process.on('SIGINT', first);
    process.on('SIGTERM', first);
  });
}
