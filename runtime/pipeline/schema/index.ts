// Payload schema checks for batches that no transform touches: json (a WebAssembly fast
// path, then the byte-level scanner for whatever it did not pass), text (UTF-8), and
// pass-through for raw and the binary schemas.
//
// Contract with the pipeline: when a connector's transform chain is not empty, the
// chain validates JSON itself in the same pass as its edits (compileTransforms(...).apply
// rejects invalid JSON), so checkSchema is called only when the chain is empty.
// proto, avro and flatbuffer payloads pass through unchecked for now: the runtime has
// no schema registry to check them against.
import { isUtf8 } from 'node:buffer';
import { Field, INDEX_ENTRY_SIZE, type FlatBatch } from '../../batch/flat-batch.js';
import type { Schema } from '../../config/index.js';
import { JsonScanner } from './json-scan.js';
import { WasmJsonValidator } from './json-validator.js';

export { JsonScanner, RootKind, TopLevelMembers } from './json-scan.js';

export interface SchemaCheckResult {
  /** The messages that passed, in order; the input batch itself when all passed. */
  batch: FlatBatch;
  /** entry = index in the input batch. */
  rejected: { entry: number; reason: string }[];
}

/**
 * A stream's payload check, owned by one topic loop: keeps the JSON scanner and the WebAssembly
 * fast path (instantiated on the first JSON batch) from batch to batch.
 */
export class SchemaChecker {
  readonly schema: Schema;
  private readonly scanner = new JsonScanner();
  private fast: WasmJsonValidator | undefined;
  private fastTried = false;

  constructor(schema: Schema) {
    this.schema = schema;
  }

  check(batch: FlatBatch): SchemaCheckResult {
    switch (this.schema) {
      case 'json':
        return this.checkJson(batch);
      case 'text':
        return checkText(batch);
      case 'raw':
      case 'proto':
      case 'avro':
      case 'flatbuffer':
        return { batch, rejected: [] };
    }
  }

  private checkJson(batch: FlatBatch): SchemaCheckResult {
    if (!this.fastTried) {
      this.fastTried = true;
      this.fast = WasmJsonValidator.create();
    }
    const fast = this.fast?.validate(batch);
    if (fast?.invalid === 0) return { batch, rejected: [] };
    const scanner = this.scanner;
    const { index, data, count } = batch;
    const iv = new DataView(index.buffer, index.byteOffset, index.byteLength);
    let rejected: { entry: number; reason: string }[] | undefined;
    for (let i = 0; i < count; i++) {
      // The fast path's "valid" is final; anything else is decided (and explained) by the scanner.
      if (fast?.verdicts[i] === 1) continue;
      const base = i * INDEX_ENTRY_SIZE;
      const start = iv.getUint32(base + Field.payloadStart, true);
      const end = start + iv.getUint32(base + Field.payloadLength, true);
      if (!scanner.scan(data, start, end, false)) {
        (rejected ??= []).push({ entry: i, reason: scanner.errorReason });
      }
    }
    scanner.release();
    return rejected === undefined ? { batch, rejected: [] } : { batch: without(batch, rejected), rejected };
  }
}

/** One batch checked with a checker of its own (tests, tools); pipelines keep a SchemaChecker per topic loop. */
export function checkSchema(batch: FlatBatch, schema: Schema): SchemaCheckResult {
  return new SchemaChecker(schema).check(batch);
}

function checkText(batch: FlatBatch): SchemaCheckResult {
  const { index, data, count } = batch;
  let rejected: { entry: number; reason: string }[] | undefined;
  for (let i = 0; i < count; i++) {
    const base = i * INDEX_ENTRY_SIZE;
    const start = index.readUInt32LE(base + Field.payloadStart);
    const end = start + index.readUInt32LE(base + Field.payloadLength);
    if (!isUtf8(data.subarray(start, end))) {
      (rejected ??= []).push({ entry: i, reason: 'payload is not valid UTF-8 text' });
    }
  }
  return rejected === undefined ? { batch, rejected: [] } : { batch: without(batch, rejected), rejected };
}

/** A batch over the same data without the rejected entries: only the index is rebuilt. */
export function without(batch: FlatBatch, rejected: readonly { entry: number }[]): FlatBatch {
  const kept = batch.count - rejected.length;
  const index = Buffer.allocUnsafe(kept * INDEX_ENTRY_SIZE);
  let from = 0;
  let at = 0;
  for (const { entry } of rejected) {
    at += batch.index.copy(index, at, from * INDEX_ENTRY_SIZE, entry * INDEX_ENTRY_SIZE);
    from = entry + 1;
  }
  batch.index.copy(index, at, from * INDEX_ENTRY_SIZE, batch.count * INDEX_ENTRY_SIZE);
  return { count: kept, index, data: batch.data };
}
