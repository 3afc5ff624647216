// The body of `GET /stats`: the process (Iggy's field names: CPU, memory, run
// time in microseconds) and every configured connector with its counters.
import { cpus, freemem, totalmem } from 'node:os';
import type { RuntimeConfig } from '../config/index.js';
import { emptyStats } from '../supervisor/protocol.js';
import type { ConnectorStatus } from '../supervisor/supervisor.js';
import { connectorCounters, connectorEntries, connectorInfo } from './connector-view.js';

/** CPU use between two calls, as a percentage; the first call measures from the process start. */
export class CpuSampler {
  #last = { at: performance.timeOrigin, process: 0, busy: 0, total: 0 };

  sample(): { process: number; system: number } {
    const now = Date.now();
    const { user, system } = process.cpuUsage();
    const processMicros = user + system;
    let busy = 0;
    let total = 0;
    for (const cpu of cpus()) {
      const t = cpu.times;
      busy += t.user + t.nice + t.sys + t.irq;
      total += t.user + t.nice + t.sys + t.irq + t.idle;
    }
    const elapsedMicros = Math.max(1, (now - this.#last.at) * 1000);
    const processPercent = ((processMicros - this.#last.process) / elapsedMicros) * 100;
    const systemPercent = total > this.#last.total ? ((busy - this.#last.busy) / (total - this.#last.total)) * 100 : 0;
    this.#last = { at: now, process: processMicros, busy, total };
    return { process: round(processPercent), system: round(systemPercent) };
  }
}

const round = (n: number): number => Math.round(n * 100) / 100;

export function runtimeStats(version: string, config: RuntimeConfig, statuses: readonly ConnectorStatus[], cpu: CpuSampler) {
  const entries = connectorEntries(config, statuses);
  const running = (kind: 'sink' | 'source') => statuses.filter((s) => s.kind === kind && s.state === 'running').length;
  const usage = cpu.sample();
  const startMicros = Math.round(performance.timeOrigin * 1000);
  const runMicros = Math.round(performance.now() * 1000);
  return {
    connectors_runtime_version: version,
    process_id: process.pid,
    cpu_usage: usage.process,
    total_cpu_usage: usage.system,
    memory_usage: process.memoryUsage.rss(),
    total_memory: totalmem(),
    available_memory: freemem(),
    run_time: runMicros,
    start_time: startMicros,
    uptime_seconds: Math.round(runMicros / 1e4) / 100,
    sources_total: config.sources.length,
    sources_running: running('source'),
    sinks_total: config.sinks.length,
    sinks_running: running('sink'),
    connectors: entries.map((entry) => {
      const info = connectorInfo(entry);
      return {
        key: info.key,
        name: info.name,
        connector_type: entry.config.kind,
        version: info.version,
        status: info.status,
        enabled: info.enabled,
        ...connectorCounters(entry.config.kind, entry.status?.stats ?? emptyStats()),
        state: info.state,
        since: info.since,
        restarts: info.restarts,
        restart_reasons: info.restart_reasons,
        ...(info.last_error ? { last_error: info.last_error } : {}),
      };
    }),
  };
}
