// `iggy-connectors run`: loads the config and supervises every enabled connector until a signal.
import { ConfigError } from '../../config/index.js';
import type { DevBroker } from '../../broker/index.js';
import { createLogger, logWritten } from '../../log/logger.js';
import { Supervisor } from '../../supervisor/supervisor.js';
import { parseCommandArgs, CliUsageError, type Command } from '../command.js';
import { onShutdownSignal } from '../signals.js';
import { loadRuntimeConfig } from './load.js';
import { startSummaryLog } from '../summary.js';
import type { ApiServer } from '../../api/index.js';
import { VERSION } from '../version.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'run the connectors of a config file',
  help: `Usage: iggy-connectors run --config <file> [options]

Options:
  -c, --config <file>          the runtime config (TOML)
      --with-dev-broker        also start the development broker on [iggy].address
                               (for the quickstart; a test fixture, not for production)
      --log-level <level>      trace|debug|info|warn|error (default info, or IGGY_CONNECTORS_LOG_LEVEL)
      --log-format <json|pretty>  default: pretty on a TTY, JSON otherwise
      --summary-interval <s>   seconds between per-connector summary lines (0 = off, default 10)

SIGINT/SIGTERM: every connector finishes its in-flight batch, commits and
closes; a second signal exits at once.`,
  async run(args) {
    const { values } = parseCommandArgs('run', args, {
      config: { type: 'string', short: 'c' },
      'with-dev-broker': { type: 'boolean', default: false },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      'summary-interval': { type: 'string', default: '10' },
    });
    if (!values.config) throw new CliUsageError('run: --config <file> is required');
    const format = values['log-format'];
    if (format !== undefined && format !== 'json' && format !== 'pretty') throw new CliUsageError(`run: --log-format must be json or pretty, got "${format}"`);
    const summarySeconds = Number(values['summary-interval']);
    if (!Number.isFinite(summarySeconds) || summarySeconds < 0)
      throw new CliUsageError(`run: --summary-interval must be a number of seconds, got "${values['summary-interval']}"`);
    const pretty = format === undefined ? process.stdout.isTTY === true : format === 'pretty';
    const logger = createLogger({ pretty, ...(values['log-level'] ? { level: values['log-level'] as 'info' } : {}) });

    let config;
    try {
      config = await loadRuntimeConfig(values.config);
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`${error.message}\n`);
        return 1;
      }
      throw error;
    }

    const enabled = [...config.sinks, ...config.sources].filter((c) => c.enabled).length;
    if (enabled === 0 && !config.http.enabled) {
      logger.warn({ config: values.config }, 'no enabled connector and [http] is off: nothing to run; enable a connector (enabled = true)');
      return 0;
    }

    // The broker and the HTTP API are loaded only when used: each module graph costs memory in a long-lived process.
    let broker: DevBroker | undefined;
    if (values['with-dev-broker']) {
      const { startDevBroker } = await import('../../broker/index.js');
      broker = await startDevBroker({ host: config.iggy.host, port: config.iggy.port, logger: logger.child({ component: 'dev-broker' }) });
      logger.info({ address: `${config.iggy.host}:${broker.port}` }, 'development broker started (test fixture, not a production server)');
    }

    const supervisor = new Supervisor(config, { logger, logLevel: logger.level, prettyLogs: pretty });
    let api: ApiServer | undefined;
    if (config.http.enabled) {
      // Bound before any connector starts, so a busy port fails the run cleanly.
      const { startApiServer } = await import('../../api/index.js');
      api = await startApiServer({ config, supervisor, logger, version: VERSION }).catch(async (error: unknown) => {
        await broker?.close();
        throw error;
      });
    }
    supervisor.start();
    const stopSummary = startSummaryLog(supervisor, logger, summarySeconds * 1000);
    await onShutdownSignal(logger);
    stopSummary();
    // The API stays up while the connectors drain, so their "stopping" state can be watched.
    await supervisor.stop();
    await api?.close();
    await broker?.close();
    if (supervisor.abandonedWorkers > 0) {
      // A thread blocked in a system call keeps the process from exiting by any normal
      // means (process.exit waits for it): everything else is drained and saved, so end it.
      const written = logWritten(logger, 1000);
      logger.error({ workers: supervisor.abandonedWorkers }, 'stopped, but worker threads blocked in system calls remain; killing the process');
      // The log is written asynchronously: a line still in flight would die with the process.
      await written;
      process.kill(process.pid, 'SIGKILL');
    }
    logger.info('stopped');
    return 0;
  },
};
