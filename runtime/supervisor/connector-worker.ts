// Entry point of a connector's worker thread: connects to Iggy, loads the guest
// in this thread's own sandbox, runs the sink or source pipeline until the
// supervisor asks it to stop, and reports stats and failures back.
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../log/logger.js';
import { connectIggy } from '../pipeline/iggy-connect.js';
import { runSinkPipeline } from '../pipeline/sink-pipeline.js';
import { runSourcePipeline } from '../pipeline/source-pipeline.js';
import { isRestartable } from '../pipeline/failure.js';
import { StateStore } from '../state/state-store.js';
import { emptyStats, serializeError, type SupervisorCommand, type WorkerEvent, type WorkerInit } from './protocol.js';

const STATS_INTERVAL_MS = 500;

async function main(init: WorkerInit): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('connector-worker must run in a worker thread');
  const post = (event: WorkerEvent): void => port.postMessage(event);
  const { connector } = init;
  // JSON lines go to the main thread as messages: the worker's stdout stream drains only when its event loop is free.
  const destination = init.prettyLogs ? {} : { destination: { write: (line: string) => post({ type: 'log', line }) } };
  const logger = createLogger({ level: init.logLevel as 'info', pretty: init.prettyLogs, ...destination }).child({ connector: connector.key, kind: connector.kind });
  const stats = emptyStats();
  const stop = new AbortController();
  port.on('message', (command: SupervisorCommand) => {
    if (command.type === 'stop') stop.abort();
  });
  const statsTimer = setInterval(() => post({ type: 'stats', stats }), STATS_INTERVAL_MS);

  const client = await connectIggy(init.iggy, logger, stop.signal).catch((error: unknown) => {
    clearInterval(statsTimer);
    throw error;
  });
  try {
    const common = {
      client,
      logger,
      stats,
      control: init.control,
      signal: stop.signal,
      onRunning: () => post({ type: 'running' }),
      ...(init.cacheDir ? { cacheDir: init.cacheDir } : {}),
    };
    if (connector.kind === 'sink') {
      await runSinkPipeline({ ...common, config: connector });
    } else {
      await runSourcePipeline({ ...common, config: connector, stateStore: new StateStore(init.statePath) });
    }
    post({ type: 'stopped', stats });
  } catch (error) {
    stats.errors += 1;
    stats.lastError = (error as Error).message;
    post({ type: 'stats', stats });
    post({ type: 'failed', error: serializeError(error), restart: isRestartable(error) });
    logger.error({ err: error }, 'connector pipeline failed');
    process.exitCode = 1;
  } finally {
    clearInterval(statsTimer);
    await client.close().catch(() => {});
  }
}

// The supervisor's message port keeps the thread alive, so the worker ends itself
// explicitly once the pipeline is over (messages already posted are still delivered).
main(workerData as WorkerInit)
  .catch((error: unknown) => {
    parentPort?.postMessage({ type: 'failed', error: serializeError(error), restart: isRestartable(error) } satisfies WorkerEvent);
    process.exitCode = 1;
  })
  .finally(() => {
    parentPort?.close();
    setImmediate(() => process.exit());
  });
