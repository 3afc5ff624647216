// What the sink and source pipelines do alike around their guest: load the
// component with the connector's grants and memory cap, open it (a permanent
// refusal stops the connector), close it without letting a failing close hide
// the run's outcome, and make sure the topics it writes to exist.
import type { Logger } from 'pino';
import type { ErrorPolicy, SinkConfig, SourceConfig } from '../config/index.js';
import { loadComponent, ConnectorCallError, type LoadedComponent } from '../host/index.js';
import type { GuestWatch } from './guest-watch.js';
import { ConnectorStoppedError } from './failure.js';
import type { PipelineIggy } from './iggy-port.js';
import { retryIggy } from './iggy-retry.js';

/** `files`: the block of the connector's file I/O thread (the supervisor's), for a connector with preopens. */
export function loadConnectorComponent(
  config: SinkConfig | SourceConfig,
  logger: Logger,
  cacheDir: string | undefined,
  files: SharedArrayBuffer | undefined,
): Promise<LoadedComponent> {
  return loadComponent(config.path, {
    kind: config.kind,
    grants: config.permissions,
    memoryLimitBytes: config.limits.memoryLimitBytes,
    callTimeoutMs: config.limits.callTimeoutMs,
    logger,
    ...(cacheDir ? { cacheDir } : {}),
    ...(files ? { fileLink: files } : {}),
  });
}

/** Calls the guest's open; `permanent` becomes ConnectorStoppedError (a restart would be refused the same way). */
export function openOrStop(watch: GuestWatch, config: SinkConfig | SourceConfig, open: () => void): void {
  try {
    watch.call('open', open);
  } catch (error) {
    if (error instanceof ConnectorCallError && error.kind === 'permanent') {
      throw new ConnectorStoppedError(`${config.kind} "${config.key}" refused to open: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** Calls the guest's close; a failure is logged, not thrown, since the run is over either way. */
export function closeQuietly(watch: GuestWatch, config: SinkConfig | SourceConfig, close: () => void, logger: Logger): void {
  try {
    watch.call('close', close);
  } catch (error) {
    logger.warn({ err: error }, `${config.kind} close() failed`);
  }
}

export interface TopicTarget {
  stream: string;
  topic: string;
  /** What the topic is for, in log lines ("route", "dead-letter topic", ...). */
  role: string;
}

/** The dead-letter topic when the policy sends rejected messages there. */
export function deadLetterTarget(errors: ErrorPolicy): TopicTarget[] {
  const target = errors.onPermanent === 'dead_letter' ? errors.deadLetter : undefined;
  return target ? [{ ...target, role: 'dead-letter topic' }] : [];
}

/** Creates each target topic that is missing; false when `signal` aborted first. */
export async function ensureTopics(client: PipelineIggy, targets: readonly TopicTarget[], signal: AbortSignal, logger: Logger): Promise<boolean> {
  for (const t of targets) {
    const ready = await retryIggy(() => client.ensureTopic(t.stream, t.topic), { signal, logger, what: `open ${t.role} ${t.stream}/${t.topic}` });
    if (ready === undefined) return false;
  }
  return true;
}
