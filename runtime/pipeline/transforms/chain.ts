// Runs a compiled transform chain over a flat batch: one validating scan per payload (by the
// WebAssembly indexer, with the JavaScript scanner for whatever it does not take),
// the edits of every transform in order, then one write into a data buffer sized once.
import { Field, INDEX_ENTRY_SIZE, type FlatBatch } from '../../batch/flat-batch.js';
import { StaticValue, computedValue, type Clock, type FieldValueSource } from './computed.js';
import { ObjectEdit, copyRun, fieldKey, kindName, viewOf, type FieldKey } from './json-edit.js';
import type { RouteTarget, TransformOptions, UpdateCondition } from './options.js';
import { decodeString, keyMatches, keyMatchesRaw, valueMatches, type Pattern } from './patterns.js';
import { WasmJsonValidator } from '../schema/json-validator.js';

export interface ChainResult {
  /** The surviving messages, in order; the input batch itself when nothing changed. */
  batch: FlatBatch;
  /** Dropped on purpose by `filter`. */
  filtered: number;
  /** entry = index in the INPUT batch (invalid JSON, not an object, ...); for the dead-letter topic. */
  rejected: { entry: number; reason: string }[];
  /** Per output message: index into the chain's routeTargets, -1 = the connector's own destination (source `route` only). */
  routes?: Int32Array;
}

export interface TransformChain {
  readonly isEmpty: boolean;
  readonly routeTargets: RouteTarget[];
  apply(batch: FlatBatch): ChainResult;
}

interface SetField {
  key: FieldKey;
  value: FieldValueSource;
  condition: UpdateCondition;
}

type Op =
  | { kind: 'set'; fields: SetField[] }
  | { kind: 'delete'; keys: FieldKey[] }
  | { kind: 'filter_fields'; keep: Set<string>; patterns: Pattern[]; include: boolean }
  | { kind: 'filter'; drop: boolean; all: boolean; patterns: Pattern[] }
  | { kind: 'unwrap'; path: FieldKey[] }
  | { kind: 'route'; path: FieldKey[]; table: Map<string, number>; fallback: number };

/** A compiled transform: what it does and where it was configured (for rejection reasons). */
export interface CompiledTransform {
  options: TransformOptions;
  path: string;
}

const OK = 0;
const DROP = 1;
const REJECT = 2;

/** Turns parsed transform options into the ops a chain runs; all per-config work happens here. */
export function buildChain(transforms: readonly CompiledTransform[], clock: Clock): Chain {
  const routeTargets: RouteTarget[] = [];
  const values: FieldValueSource[] = [];
  const targetIndex = (t: RouteTarget): number => {
    const found = routeTargets.findIndex((r) => r.stream === t.stream && r.topic === t.topic);
    if (found >= 0) return found;
    routeTargets.push({ stream: t.stream, topic: t.topic });
    return routeTargets.length - 1;
  };
  const compileOp = (o: TransformOptions): Op => {
    switch (o.name) {
      case 'add_fields':
      case 'update_fields':
        return {
          kind: 'set',
          fields: o.fields.map((f) => {
            const value = 'static' in f.value ? new StaticValue(f.value.static) : computedValue(f.value.computed);
            values.push(value);
            return { key: fieldKey(f.key), value, condition: f.condition };
          }),
        };
      case 'delete_fields':
        return { kind: 'delete', keys: o.fields.map(fieldKey) };
      case 'filter_fields':
        return { kind: 'filter_fields', keep: new Set(o.keepFields), patterns: o.patterns, include: o.includeMatching };
      case 'filter':
        return { kind: 'filter', drop: o.mode === 'drop', all: o.match === 'all', patterns: o.patterns };
      case 'unwrap_envelope':
        return { kind: 'unwrap', path: o.path.map(fieldKey) };
      case 'route': {
        const table = new Map<string, number>();
        for (const [value, target] of o.routes) table.set(value, targetIndex(target));
        return { kind: 'route', path: o.path.map(fieldKey), table, fallback: o.fallback ? targetIndex(o.fallback) : -1 };
      }
    }
  };
  const ops = transforms.map((t) => compileOp(t.options));
  const labels = transforms.map((t) => `${t.options.name} (${t.path})`);
  return new Chain(ops, labels, values, routeTargets, clock);
}

export class Chain implements TransformChain {
  readonly isEmpty: boolean;
  private readonly hasRoute: boolean;
  private readonly growth: number;
  private readonly edit = new ObjectEdit();
  private route = -1;
  private rejectReason = '';
  /** The WebAssembly indexer, made on the first batch (null: not tried yet; undefined: unavailable). */
  private fast: WasmJsonValidator | undefined | null = null;

  constructor(
    private readonly ops: readonly Op[],
    private readonly labels: readonly string[],
    private readonly values: readonly FieldValueSource[],
    readonly routeTargets: RouteTarget[],
    private readonly clock: Clock,
  ) {
    this.isEmpty = ops.length === 0;
    this.hasRoute = ops.some((op) => op.kind === 'route');
    this.growth = growthPerMessage(ops);
  }

  apply(batch: FlatBatch): ChainResult {
    if (this.isEmpty || batch.count === 0) return { batch, filtered: 0, rejected: [], ...(this.hasRoute ? { routes: new Int32Array(0) } : {}) };
    const { count, index, data } = batch;
    const iv = viewOf(index);
    let bound = 0;
    for (let i = 0; i < count; i++) {
      const base = i * INDEX_ENTRY_SIZE;
      bound += iv.getUint32(base + Field.payloadLength, true) + iv.getUint32(base + Field.headersLength, true);
    }
    bound += count * this.growth;
    const now = this.values.length > 0 ? this.clock() : 0;
    for (const v of this.values) v.prepare(count, now);

    const out = Buffer.allocUnsafe(bound);
    const ov = viewOf(out);
    const dv = viewOf(data);
    const outIndex = Buffer.allocUnsafe(count * INDEX_ENTRY_SIZE);
    index.copy(outIndex, 0, 0, count * INDEX_ENTRY_SIZE);
    const oiv = viewOf(outIndex);
    const routes = this.hasRoute ? new Int32Array(count) : undefined;
    const rejected: { entry: number; reason: string }[] = [];
    const edit = this.edit;
    if (this.fast === null) this.fast = WasmJsonValidator.create();
    const fast = this.fast?.loadData(data) ? this.fast : undefined;
    let filtered = 0;
    let changed = false;
    let kept = 0;
    let at = 0;
    for (let i = 0; i < count; i++) {
      const base = i * INDEX_ENTRY_SIZE;
      const ps = iv.getUint32(base + Field.payloadStart, true);
      const pe = ps + iv.getUint32(base + Field.payloadLength, true);
      // The fast path indexes valid objects; anything else is the scanner's to judge and explain.
      if (fast !== undefined && fast.scanObject(ps, pe) >= 0) edit.loadIndexed(data, ps, pe, fast.members);
      else if (!edit.load(data, ps, pe)) {
        rejected.push({ entry: i, reason: edit.errorReason });
        continue;
      }
      this.route = -1;
      const verdict = this.run(i);
      if (verdict !== OK) {
        if (verdict === DROP) filtered++;
        else rejected.push({ entry: i, reason: this.rejectReason });
        continue;
      }
      const o = kept * INDEX_ENTRY_SIZE;
      if (kept !== i) copyRun(index, iv, base, base + Field.payloadStart, outIndex, oiv, o);
      oiv.setUint32(o + Field.payloadStart, at, true);
      const payloadAt = at;
      at = edit.emit(out, ov, at);
      oiv.setUint32(o + Field.payloadLength, at - payloadAt, true);
      if (edit.changed) changed = true;
      const hs = iv.getUint32(base + Field.headersStart, true);
      const hl = iv.getUint32(base + Field.headersLength, true);
      oiv.setUint32(o + Field.headersStart, at, true);
      at = copyRun(data, dv, hs, hs + hl, out, ov, at);
      if (routes !== undefined) routes[kept] = this.route;
      kept++;
    }
    edit.release();
    const result: ChainResult =
      !changed && kept === count
        ? { batch, filtered, rejected }
        : { batch: { count: kept, index: outIndex.subarray(0, kept * INDEX_ENTRY_SIZE), data: out.subarray(0, at) }, filtered, rejected };
    if (routes !== undefined) result.routes = routes.subarray(0, kept);
    return result;
  }

  /** Applies every op to the loaded payload of message `k`. */
  private run(k: number): number {
    const edit = this.edit;
    for (let t = 0; t < this.ops.length; t++) {
      const op = this.ops[t];
      if (!edit.isObject && op.kind !== 'route') {
        this.rejectReason = `payload is ${kindName(edit.kind)}, not a JSON object; ${this.labels[t]} needs an object`;
        return REJECT;
      }
      switch (op.kind) {
        case 'set':
          for (const f of op.fields) {
            const existing = edit.find(f.key);
            if (f.condition === 'key_exists' ? existing < 0 : f.condition === 'key_not_exists' ? existing >= 0 : false) continue;
            const v = f.value;
            const s = k * v.stride;
            edit.set(f.key, v.buf, v.view, s, s + v.length, existing);
          }
          break;
        case 'delete':
          for (const key of op.keys) edit.remove(key);
          break;
        case 'filter_fields':
          filterFields(edit, op.keep, op.patterns, op.include);
          break;
        case 'filter':
          if (matchesMessage(edit, op.patterns, op.all) === op.drop) return DROP;
          break;
        case 'unwrap':
          edit.unwrap(op.path);
          break;
        case 'route':
          this.route = op.fallback;
          if (edit.lookup(op.path)) {
            const target = op.table.get(routeKey(edit.foundBuf, edit.foundStart, edit.foundEnd) ?? '');
            if (target !== undefined) this.route = target;
          }
          break;
      }
    }
    return OK;
  }
}

/** Upper bound of the bytes one message can grow by: every set field appended as `,"key":value`. */
function growthPerMessage(ops: readonly Op[]): number {
  let grow = 0;
  for (const op of ops) {
    if (op.kind === 'set') for (const f of op.fields) grow += 1 + f.key.member.length + f.value.maxLength;
  }
  return grow;
}

/** The text a route value is matched by: a string's content, or a number or boolean as written. */
function routeKey(buf: Buffer, s: number, e: number): string | undefined {
  const c = buf[s];
  if (c === 0x22) return decodeString(buf, s, e);
  if (c === 0x7b || c === 0x5b || c === 0x6e) return undefined;
  return buf.toString('latin1', s, e);
}

function memberMatches(edit: ObjectEdit, m: number, p: Pattern, key: string | undefined): boolean {
  if (p.key !== undefined) {
    const raw = key === undefined && edit.rawKey(m) ? keyMatchesRaw(p.key, edit.buf, edit.rawKeyStart, edit.rawKeyEnd) : undefined;
    if (!(raw ?? keyMatches(p.key, key ?? edit.keyText(m)))) return false;
  }
  return p.value === undefined || valueMatches(p.value, edit.valueBuf(m), edit.valueStart(m), edit.valueEnd(m));
}

/** Iggy's filter_fields: keep_fields always stay; others stay when (matched XOR exclude). */
function filterFields(edit: ObjectEdit, keep: Set<string>, patterns: Pattern[], include: boolean): void {
  if (keep.size === 0 && patterns.length === 0) return;
  for (let m = 0; m < edit.memberCount; m++) {
    if (edit.isDeleted(m)) continue;
    const key = edit.keyText(m);
    if (keep.has(key)) continue;
    const matched = patterns.some((p) => memberMatches(edit, m, p, key));
    if (matched !== include) edit.delete(m);
  }
}

/** A pattern matches a message when some top-level member matches it; `all` needs every pattern to. */
function matchesMessage(edit: ObjectEdit, patterns: Pattern[], all: boolean): boolean {
  for (const p of patterns) {
    let hit = false;
    for (let m = 0; m < edit.memberCount && !hit; m++) {
      hit = !edit.isDeleted(m) && memberMatches(edit, m, p, undefined);
    }
    if (hit !== all) return hit;
  }
  return all;
}
