// Message transforms on flat batches (add_fields, update_fields, delete_fields,
// filter_fields, filter, unwrap_envelope, route), applied in the order configured.
//
// Contract with the pipeline: a non-empty chain validates every payload as JSON in the
// same byte scan that finds its top-level members, so `compileTransforms(...).apply`
// rejects invalid JSON itself and checkSchema (../schema) runs only when the chain is empty.
// Payloads are edited as bytes: no JSON.parse/JSON.stringify per message.
import { RuntimeError } from '../../errors.js';
import { Chain, type TransformChain } from './chain.js';
import type { Clock } from './computed.js';
import { parseTransform } from './options.js';
import type { ConfigProblem, Schema, TransformSpec } from './types.js';

export type { ChainResult, TransformChain } from './chain.js';
export type { RouteTarget } from './options.js';
export type { ConfigProblem, Schema, TransformSpec } from './types.js';
export type { Clock } from './computed.js';

/** A transform config that validateTransform would have refused; `problems` lists each with its path. */
export class TransformConfigError extends RuntimeError {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super('CONFIG_INVALID', `invalid transform configuration:\n${problems.map((p) => `${p.path}: ${p.message}`).join('\n')}`);
    this.problems = problems;
  }
}

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

/** Builds the chain for a connector's enabled transforms, in order. Throws TransformConfigError on bad options. */
export function compileTransforms(specs: TransformSpec[], options: CompileOptions): TransformChain {
  const problems: ConfigProblem[] = [];
  const compiled = [];
  let routes = 0;
  for (const spec of specs) {
    if (!spec.enabled) continue;
    const parsed = parseTransform(spec.name, spec.options, spec.path, options.schema, options.direction);
    problems.push(...parsed.problems);
    if (parsed.options) compiled.push({ options: parsed.options, path: spec.path });
    if (spec.name === 'route' && ++routes === 2) problems.push({ path: spec.path, message: 'only one route transform is allowed per connector' });
  }
  if (problems.length > 0) throw new TransformConfigError(problems);
  return new Chain(compiled, options.clock ?? Date.now);
}
