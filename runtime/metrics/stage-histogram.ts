// The `iggy_connector_stage_duration_seconds` histogram, exported from the
// bucket counts the workers keep (StageHistogram) rather than observed here.
import { Histogram, type MetricType } from 'prom-client';
import { STAGE_BUCKETS, STAGES, type StageHistogram } from '../pipeline/stats.js';
import type { ConnectorStatus } from '../supervisor/supervisor.js';
import { connectorLabels, type ConnectorLabel } from './labels.js';

type StageLabel = ConnectorLabel | 'stage';

/** One labelled histogram value as prom-client renders it (`_bucket`, `_sum`, `_count` lines). */
interface HistogramSample {
  labels: Partial<Record<StageLabel | 'le', string | number>>;
  value: number;
  metricName: string;
}

/** prom-client's typings declare `type` as an enum its JavaScript never exports; the registry reads this string. */
const HISTOGRAM_TYPE = 'histogram' as unknown as MetricType;
const noCollect = (): void => {};

/**
 * A prom-client Histogram whose values come from the connectors' own bucket
 * counts at scrape time. prom-client has no way to set a histogram's counts,
 * so both export methods (`get` for JSON, `getForPromString` for the text the
 * registry renders) are replaced.
 */
export class StageDurationHistogram extends Histogram<StageLabel> {
  readonly #read: () => readonly ConnectorStatus[];
  readonly #name: string;
  readonly #help: string;

  constructor(name: string, help: string, read: () => readonly ConnectorStatus[]) {
    super({ name, help, labelNames: ['connector_key', 'connector_type', 'stage'], buckets: [...STAGE_BUCKETS], registers: [] });
    this.#name = name;
    this.#help = help;
    this.#read = read;
  }

  override async get() {
    return this.#export();
  }

  async getForPromString() {
    return this.#export();
  }

  #export() {
    const values: HistogramSample[] = [];
    for (const status of this.#read()) {
      for (const stage of STAGES) appendHistogram(values, this.#name, { ...connectorLabels(status), stage }, status.stats.stages[stage]);
    }
    return { name: this.#name, help: this.#help, type: HISTOGRAM_TYPE, aggregator: 'sum' as const, collect: noCollect, values };
  }
}

/** Worker buckets count each observation once; Prometheus buckets are cumulative (`le`). */
export function appendHistogram(out: HistogramSample[], name: string, labels: HistogramSample['labels'], h: StageHistogram): void {
  let cumulative = 0;
  for (let i = 0; i < STAGE_BUCKETS.length; i++) {
    cumulative += h.buckets[i] ?? 0;
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: STAGE_BUCKETS[i]! }, value: cumulative });
  }
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: h.count });
  out.push({ metricName: `${name}_sum`, labels, value: h.sumSeconds });
  out.push({ metricName: `${name}_count`, labels, value: h.count });
}
