// Test helpers: build a chain from TOML-shaped options and run payload strings through it.
import { buildBatch, payloadOf, type FlatBatch } from '../../../runtime/batch/flat-batch.js';
import { compileTransforms, type ChainResult, type TransformChain, type TransformSpec } from '../../../runtime/pipeline/transforms/index.js';

export const FIXED_MS = 1_732_500_000_123; // 2024-11-25T02:00:00.123Z

export function spec(name: string, options: Record<string, unknown>, connector = 'sinks.test'): TransformSpec {
  return { name, enabled: true, options, path: `${connector}.transforms.${name}` };
}

export function chainOf(specs: TransformSpec[], direction: 'sink' | 'source' = 'sink', clock = (): number => FIXED_MS): TransformChain {
  return compileTransforms(specs, { direction, schema: 'json', clock });
}

export const batchOf = (payloads: readonly (string | Buffer)[]): FlatBatch =>
  buildBatch(payloads.map((p, i) => ({ offset: BigInt(100 + i), payload: typeof p === 'string' ? Buffer.from(p, 'utf8') : p })));

export const payloads = (batch: FlatBatch): string[] => Array.from({ length: batch.count }, (_, i) => payloadOf(batch, i).toString('utf8'));

export interface Run {
  result: ChainResult;
  out: string[];
}

export function run(specs: TransformSpec[], input: readonly string[], direction: 'sink' | 'source' = 'sink'): Run {
  const result = chainOf(specs, direction).apply(batchOf(input));
  return { result, out: payloads(result.batch) };
}

/** Runs one payload through the chain and returns the single output payload (fails if it was dropped or rejected). */
export function one(specs: TransformSpec[], input: string): string {
  const { result, out } = run(specs, [input]);
  if (result.rejected.length > 0) throw new Error(`rejected: ${result.rejected[0].reason} (input ${input})`);
  if (out.length !== 1) throw new Error(`expected one output for ${input}, got ${out.length}`);
  return out[0];
}

export const add = (fields: { key: string; value: Record<string, unknown>; condition?: string }[]): TransformSpec => spec('add_fields', { fields });
