// Every endpoint of the HTTP API, on a Router. Paths follow Iggy's connectors
// runtime (`/stats`, `/sinks/{key}/restart`, ...) so its tools keep working.
import { redactConfig, type RuntimeConfig } from '../config/index.js';
import type { RuntimeMetrics } from '../metrics/runtime-metrics.js';
import { emptyStats } from '../supervisor/protocol.js';
import type { ConnectorStatus } from '../supervisor/supervisor.js';
import { connectorCounters, connectorEntries, connectorInfo, findEntry, streamsOf, type ConnectorEntry } from './connector-view.js';
import { ApiError } from './errors.js';
import { Router, type Reply } from './router.js';
import { CpuSampler, runtimeStats } from './runtime-stats.js';

/** What the API needs from the supervisor. */
export interface ConnectorControl {
  status(): ConnectorStatus[];
  /** Resolves false when the connector is unknown to the supervisor or the runtime is stopping. */
  restart(kind: 'sink' | 'source', key: string): Promise<boolean>;
}

export interface RouteContext {
  name: string;
  version: string;
  config: RuntimeConfig;
  supervisor: ConnectorControl;
  metrics: RuntimeMetrics;
  /** The status page, served as is. */
  uiPage: Buffer;
}

const json = (body: unknown, status = 200): Reply => ({ status, body });

export function buildRoutes(ctx: RouteContext): Router {
  const { config, supervisor } = ctx;
  const cpu = new CpuSampler();
  const router = new Router()
    .add('GET', '/', () => json({ name: ctx.name, version: ctx.version }))
    .add('GET', '/health', () => json({ status: 'healthy' }))
    .add('GET', '/stats', () => json(runtimeStats(ctx.version, config, supervisor.status(), cpu)))
    .add('GET', '/metrics', async () => ({ status: 200, text: await ctx.metrics.render(), contentType: ctx.metrics.contentType }))
    .add('GET', '/ui', () => ({
      status: 200,
      text: ctx.uiPage.toString('utf8'),
      contentType: 'text/html; charset=utf-8',
      headers: {
        'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
      },
    }));

  for (const kind of ['sink', 'source'] as const) {
    const plural = `/${kind}s`;
    const entry = (key: string): ConnectorEntry => {
      const found = findEntry(config, supervisor.status(), kind, key);
      if (!found) throw ApiError.connectorNotFound(kind, key);
      return found;
    };
    router
      .add('GET', plural, () => json(connectorEntries(config, supervisor.status(), kind).map(connectorInfo)))
      .add('GET', `${plural}/{key}`, ({ key }) => {
        const e = entry(key!);
        return json({ ...connectorInfo(e), streams: streamsOf(e.config), stats: connectorCounters(kind, e.status?.stats ?? emptyStats()) });
      })
      .add('GET', `${plural}/{key}/configs`, ({ key }) => json([{ ...redactedConnector(config, kind, entry(key!)), active: true }]))
      .add('GET', `${plural}/{key}/configs/active`, ({ key }) => json({ ...redactedConnector(config, kind, entry(key!)), active: true }))
      .add('GET', `${plural}/{key}/transforms`, ({ key }) =>
        json(entry(key!).config.transforms.map((t) => ({ type: t.name, enabled: t.enabled, config: t.options }))),
      )
      .add('POST', `${plural}/{key}/restart`, async ({ key }) => {
        const e = entry(key!);
        if (!e.config.enabled) throw ApiError.connectorDisabled(kind, e.config.key);
        if (!(await supervisor.restart(kind, e.config.key))) throw ApiError.shuttingDown();
        return { status: 204 };
      });
  }
  return router;
}

/** The connector's config as `redactConfig` shows it: credentials and secret-looking keys masked. */
function redactedConnector(config: RuntimeConfig, kind: 'sink' | 'source', entry: ConnectorEntry): Record<string, unknown> {
  const redacted = redactConfig(config) as Record<'sinks' | 'sources', Record<string, unknown>[]>;
  const found = redacted[`${kind}s`][entry.id - 1];
  if (!found || found.key !== entry.config.key) throw ApiError.connectorNotFound(kind, entry.config.key);
  return found;
}
