// One step of both pipelines: a batch's payloads checked against the stream's
// schema, or, when the connector has transforms, checked and transformed in the
// chain's single pass (the chain rejects invalid JSON itself). The caller counts
// `filtered` when it uses the result: a sink may prepare a batch before its turn.
import type { FlatBatch } from '../batch/flat-batch.js';
import { observeStage, type ConnectorStats } from './stats.js';
import type { SchemaChecker } from './schema/index.js';
import type { ChainResult, TransformChain } from './transforms/index.js';

export function checkAndTransform(chain: TransformChain, batch: FlatBatch, checker: SchemaChecker, stats: ConnectorStats): ChainResult {
  const started = performance.now();
  const result = chain.isEmpty ? { ...checker.check(batch), filtered: 0 } : chain.apply(batch);
  observeStage(stats, chain.isEmpty ? 'decode' : 'transform', (performance.now() - started) / 1000);
  return result;
}
