// Message transforms on flat batches (add_fields, update_fields, delete_fields,
// filter_fields, filter, unwrap_envelope, route), applied in the order configured.
//
// Contract with the pipeline: a non-empty chain validates every payload as JSON in the
// same byte scan that finds its top-level members, so `compileTransforms(...).apply`
// rejects invalid JSON itself and checkSchema (../schema) runs only when the chain is empty.
// Payloads are edited as bytes: no JSON.parse/JSON.stringify per message.
import { ConfigError } from '../../config/errors.js';
import type { ConfigProblem, Schema, TransformSpec } from '../../config/index.js';
import { buildChain, type CompiledTransform, type TransformChain } from './chain.js';
import type { Clock } from './computed.js';
import { parseTransform } from './options.js';

export type { ChainResult, TransformChain } from './chain.js';
export type { RouteTarget } from './options.js';
export type { ConfigProblem, Schema, TransformSpec } from '../../config/index.js';
export type { Clock } from './computed.js';

/**
 * Every problem with one transform's TOML table (`table` may still hold `enabled`).
 * The direction for `route` is read from the path ("sinks." or "sources.").
 */
export function validateTransform(name: string, table: Record<string, unknown>, path: string, schema: Schema): ConfigProblem[] {
  return parseTransform(name, table, path, schema).problems;
}

export interface CompileOptions {
  direction: 'sink' | 'source';
  schema: Schema;
  /** Wall clock in ms since the epoch for computed timestamps and UUIDv7; Date.now by default. */
  clock?: Clock;
}

/**
 * Builds the chain for a connector's enabled transforms, in order. Throws ConfigError
 * (code CONFIG_INVALID) listing every problem, for configs validateTransform would refuse.
 */
export function compileTransforms(specs: TransformSpec[], options: CompileOptions): TransformChain {
  const problems: ConfigProblem[] = [];
  const compiled: CompiledTransform[] = [];
  let routes = 0;
  for (const spec of specs) {
    if (!spec.enabled) continue;
    const parsed = parseTransform(spec.name, spec.options, spec.path, options.schema, options.direction);
    problems.push(...parsed.problems);
    if (parsed.options) compiled.push({ options: parsed.options, path: spec.path });
    if (spec.name === 'route' && ++routes === 2) problems.push({ path: spec.path, message: 'only one route transform is allowed per connector' });
  }
  if (problems.length > 0) throw new ConfigError('CONFIG_INVALID', problems);
  return buildChain(compiled, options.clock ?? Date.now);
}
