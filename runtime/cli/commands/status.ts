// `iggy-connectors status`: asks a running runtime's HTTP API for /stats and
// prints its connectors as a table.
import { RuntimeError } from '../../errors.js';
import { parseCommandArgs, CliUsageError, type Command } from '../command.js';

const DEFAULT_URL = 'http://127.0.0.1:8081';
const TIMEOUT_MS = 5_000;

export class StatusRequestError extends RuntimeError {}

/** The part of the `/stats` body the table shows. */
interface StatsBody {
  connectors_runtime_version: string;
  process_id: number;
  uptime_seconds: number;
  memory_usage: number;
  cpu_usage: number;
  connectors: {
    key: string;
    connector_type: 'sink' | 'source';
    enabled: boolean;
    state: string;
    messages_consumed?: number;
    messages_processed?: number;
    messages_produced?: number;
    messages_sent?: number;
    lag?: number;
    errors: number;
    restarts: number;
    last_error?: { message: string; code?: string; action?: string };
  }[];
}

export const statusCommand: Command = {
  name: 'status',
  summary: "show a running runtime's connectors (through its HTTP API)",
  help: `Usage: iggy-connectors status [options]

Options:
      --url <url>        the runtime's HTTP API (default ${DEFAULT_URL})
      --api-key <key>    the [http].api_key of that runtime (default: IGGY_CONNECTORS_HTTP_API_KEY)
      --json             print the /stats answer as JSON instead of a table

Exit code 0 when the runtime answered, 1 otherwise.`,
  async run(args) {
    const { values } = parseCommandArgs('status', args, {
      url: { type: 'string', default: DEFAULT_URL },
      'api-key': { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    let base: URL;
    try {
      base = new URL(values.url);
    } catch {
      throw new CliUsageError(`status: --url must be a URL such as ${DEFAULT_URL}, got "${values.url}"`);
    }
    const apiKey = values['api-key'] ?? process.env.IGGY_CONNECTORS_HTTP_API_KEY;
    const stats = await fetchStats(base, apiKey);
    process.stdout.write(values.json ? `${JSON.stringify(stats, null, 2)}\n` : formatStatus(stats as StatsBody));
    return 0;
  },
};

async function fetchStats(base: URL, apiKey: string | undefined): Promise<unknown> {
  const url = new URL('stats', base.href.endsWith('/') ? base : `${base.href}/`);
  let res: Response;
  try {
    res = await fetch(url, { headers: apiKey ? { 'api-key': apiKey } : {}, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new StatusRequestError(
      'STATUS_UNREACHABLE',
      `no runtime answered at ${base.href} (${describe(error)}); is it running with [http] enabled = true on that address?`,
      { cause: error },
    );
  }
  if (res.status === 401) {
    throw new StatusRequestError('STATUS_UNAUTHORIZED', `the runtime at ${base.href} refused the API key; pass its [http].api_key with --api-key`);
  }
  if (!res.ok) throw new StatusRequestError('STATUS_FAILED', `GET ${url.href} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  if (cause?.code) return cause.code;
  return (error as Error).name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS} ms` : (error as Error).message;
}

const num = (n: number | undefined): string => (n === undefined ? '-' : String(n));

export function formatStatus(stats: StatsBody): string {
  const header = ['KIND', 'KEY', 'STATE', 'IN', 'OUT', 'LAG', 'ERRORS', 'RESTARTS', 'LAST ERROR'];
  const rows = stats.connectors.map((c) => [
    c.connector_type,
    c.key,
    c.enabled ? c.state : 'disabled',
    num(c.connector_type === 'sink' ? c.messages_consumed : c.messages_produced),
    num(c.connector_type === 'sink' ? c.messages_processed : c.messages_sent),
    c.connector_type === 'sink' ? num(c.lag) : '-',
    num(c.errors),
    num(c.restarts),
    c.last_error ? `${c.last_error.code ? `[${c.last_error.code}] ` : ''}${c.last_error.message}`.replace(/\s+/g, ' ').slice(0, 120) : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const mib = (stats.memory_usage / 1048576).toFixed(1);
  const head = `iggy-connectors ${stats.connectors_runtime_version} · pid ${stats.process_id} · up ${Math.round(stats.uptime_seconds)} s · RSS ${mib} MiB · CPU ${stats.cpu_usage}%`;
  const body = rows.length > 0 ? [line(header), ...rows.map(line)] : ['no connectors configured'];
  // A failed connector stays down until someone acts: say what to do, in full, under the table.
  const advice = stats.connectors
    .filter((c) => c.enabled && c.state === 'failed' && c.last_error)
    .map(
      (c) =>
        `${c.connector_type} ${c.key} failed: ${c.last_error!.message.replace(/\s+/g, ' ').slice(0, 500)}${c.last_error!.action ? `\n  what to do: ${c.last_error!.action}` : ''}`,
    );
  return `${head}\n${[...body, ...(advice.length > 0 ? ['', ...advice] : [])].join('\n')}\n`;
}
