// `iggy-connectors dev-broker`: the Iggy-protocol test broker, for tests, CI and the quickstart.
import { startDevBroker } from '../../broker/index.js';
import { createLogger } from '../../log/logger.js';
import { parseCommandArgs, CliUsageError, type Command } from '../command.js';
import { onShutdownSignal } from '../signals.js';

export const devBrokerCommand: Command = {
  name: 'dev-broker',
  summary: 'start the development broker (an Iggy-protocol server for tests; not for production)',
  help: `Usage: iggy-connectors dev-broker [--port 8090] [--host 127.0.0.1] [--data-dir DIR]

Starts an Iggy-protocol server for tests, CI and the quickstart. It is a test
fixture, NOT a production server: point production connectors at Apache Iggy.
Root user iggy/iggy. Data is in memory unless --data-dir is given, in which
case it is kept in append-only files that survive a restart.`,
  async run(args) {
    const { values } = parseCommandArgs('dev-broker', args, {
      port: { type: 'string', short: 'p', default: '8090' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
    });
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliUsageError(`dev-broker: --port must be 0-65535, got "${values.port}"`);
    const logger = createLogger();
    const broker = await startDevBroker({
      host: values.host ?? '127.0.0.1',
      port,
      ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
      logger,
    });
    logger.info(
      { address: `${values.host}:${broker.port}`, dataDir: values['data-dir'] ?? null },
      'development broker listening (a test fixture, not a production server)',
    );
    await onShutdownSignal(logger);
    await broker.close();
    return 0;
  },
};
