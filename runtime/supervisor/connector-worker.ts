// Entry point of a connector worker thread. The thread hosts one or several
// connectors (the supervisor decides which, see worker-groups.ts): for each
// `start` it connects a connector's own Iggy client, loads its guest in its own
// instance, runs the sink or source pipeline until asked to stop, and reports
// stats and failures back, per connector. One connector's failure ends only its
// own run; the thread lives on for the others until the supervisor says `exit`.
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger, type Logger } from '../log/logger.js';
import { connectIggy } from '../pipeline/iggy-connect.js';
import { runSinkPipeline } from '../pipeline/sink-pipeline.js';
import { runSourcePipeline } from '../pipeline/source-pipeline.js';
import { isRestartable } from '../pipeline/failure.js';
import { StateStore } from '../state/state-store.js';
import { connectorId, emptyStats, serializeError, type ConnectorConfig, type SupervisorCommand, type WorkerEvent, type WorkerInit } from './protocol.js';

const STATS_INTERVAL_MS = 500;

async function runConnector(
  init: WorkerInit,
  connector: ConnectorConfig,
  control: SharedArrayBuffer,
  files: SharedArrayBuffer | undefined,
  root: Logger,
  post: (event: WorkerEvent) => void,
  stop: AbortSignal,
): Promise<void> {
  const id = connectorId(connector);
  // `verbose` (as in Iggy's connector files): this connector logs at debug, a line per batch among them.
  const logger = root.child({ connector: connector.key, kind: connector.kind }, connector.verbose ? { level: 'debug' } : undefined);
  const stats = emptyStats();
  const statsTimer = setInterval(() => post({ id, type: 'stats', stats }), STATS_INTERVAL_MS);
  let client: Awaited<ReturnType<typeof connectIggy>> | undefined;
  try {
    client = await connectIggy(init.iggy, logger, stop);
    const common = {
      client,
      logger,
      stats,
      control,
      signal: stop,
      onRunning: () => post({ id, type: 'running' }),
      ...(init.cacheDir ? { cacheDir: init.cacheDir } : {}),
      ...(files ? { files } : {}),
    };
    if (connector.kind === 'sink') {
      await runSinkPipeline({ ...common, config: connector });
    } else {
      await runSourcePipeline({ ...common, config: connector, stateStore: new StateStore(init.statePath) });
    }
    post({ id, type: 'stopped', stats });
  } catch (error) {
    stats.errors += 1;
    stats.lastError = (error as Error).message;
    post({ id, type: 'stats', stats });
    post({ id, type: 'failed', error: serializeError(error), restart: isRestartable(error) });
    logger.error({ err: error }, 'connector pipeline failed');
  } finally {
    clearInterval(statsTimer);
    // Closed before `ended`: a restarted connector must not meet its own old connection in its consumer group.
    await client?.close().catch(() => {});
  }
}

function main(init: WorkerInit): void {
  const port = parentPort;
  if (!port) throw new Error('connector-worker must run in a worker thread');
  const post = (event: WorkerEvent): void => port.postMessage(event);
  // One logger per thread, shared by the connectors it hosts (each logs through its own child).
  // JSON lines go to the main thread as messages: the worker's stdout stream drains only when its event loop is free.
  const destination = init.prettyLogs ? {} : { destination: { write: (line: string) => post({ type: 'log', line }) } };
  const logger = createLogger({ level: init.logLevel as 'info', pretty: init.prettyLogs, ...destination });
  const running = new Map<string, AbortController>();
  port.on('message', (command: SupervisorCommand) => {
    switch (command.type) {
      case 'start': {
        const id = connectorId(command.connector);
        if (running.has(id)) return; // the supervisor starts a connector again only after its `ended`
        const stop = new AbortController();
        running.set(id, stop);
        void runConnector(init, command.connector, command.control, command.files, logger, post, stop.signal).finally(() => {
          running.delete(id);
          post({ id, type: 'ended' });
        });
        break;
      }
      case 'stop':
        running.get(command.id)?.abort();
        break;
      case 'exit':
        // The supervisor's message port keeps the thread alive, so the worker ends itself
        // explicitly (messages already posted are still delivered).
        for (const stop of running.values()) stop.abort();
        port.close();
        setImmediate(() => process.exit());
        break;
    }
  });
}

main(workerData as WorkerInit);
