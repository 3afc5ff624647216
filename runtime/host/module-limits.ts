// Bounds what a guest's core modules can grow outside the host's view, by rewriting
// each module before it is compiled: every memory and every table the module defines
// gets a maximum, and every defined memory is also exported under a host-only name so
// the host can measure all of them (not only the one the canonical ABI uses).
// Tables live on the worker's JS heap, not in linear memory: without a maximum,
// table.grow can take the heap past V8's limit, which aborts the whole process.
// What cannot be bounded this way (shared or 64-bit memories, 64-bit tables, tables
// of GC reference types, GC struct/array types) is refused with ModuleLimitError.

export const WASM_PAGE = 65536;

/** Most table entries one guest instance may hold, summed over every table its core instances define. */
export const MAX_TABLE_ENTRIES = 1_000_000;
/** A module's exports that name its memories for the host (a guest cannot import them: only the host sees core exports). */
export const HOST_MEMORY_EXPORT = '__iggy_host_memory_';

/** A limit is not enforceable: the module starts larger, or uses a kind we cannot bound. */
export class ModuleLimitError extends Error {}

interface Leb {
  value: number;
  next: number;
}

function readLeb(bytes: Uint8Array, at: number): Leb {
  let value = 0;
  let shift = 0;
  let next = at;
  for (;;) {
    const b = bytes[next++];
    if (b === undefined) throw new ModuleLimitError('truncated LEB128 in the module');
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { value, next };
    shift += 7;
    if (shift > 35) throw new ModuleLimitError('LEB128 longer than 5 bytes in the module');
  }
}

function writeLeb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) b |= 0x80;
    out.push(b);
  } while (value > 0);
  return out;
}

function writeName(name: string): number[] {
  const bytes = [...new TextEncoder().encode(name)];
  return [...writeLeb(bytes.length), ...bytes];
}

const SECTION = { type: 1, import: 2, table: 4, memory: 5, export: 7 } as const;
/** Section ids in the order a module must list them (custom sections, id 0, may sit anywhere). */
const SECTION_ORDER = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];
const rank = (id: number): number => SECTION_ORDER.indexOf(id);

const FUNCREF = 0x70;
const EXTERNREF = 0x6f;
const VALTYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, FUNCREF, EXTERNREF]);

interface Section {
  id: number;
  /** Offset of the id byte. */
  at: number;
  /** Payload start and end. */
  start: number;
  end: number;
}

function sections(module: Uint8Array): Section[] {
  const out: Section[] = [];
  let at = 8;
  while (at < module.length) {
    const id = module[at];
    const size = readLeb(module, at + 1);
    const end = size.next + size.value;
    if (end > module.length) throw new ModuleLimitError('a section runs past the end of the module');
    out.push({ id, at, start: size.next, end });
    at = end;
  }
  return out;
}

interface Limits {
  flags: number;
  min: number;
  max: number | undefined;
  next: number;
}

function readLimits(bytes: Uint8Array, at: number): Limits {
  const flags = bytes[at];
  const min = readLeb(bytes, at + 1);
  if ((flags & 1) === 0) return { flags, min: min.value, max: undefined, next: min.next };
  const max = readLeb(bytes, min.next);
  return { flags, min: min.value, max: max.value, next: max.next };
}

/** The defined memories and tables of one module, with the maxima the rewrite gave them. */
export interface ModuleFootprint {
  /** Maximum pages of each defined memory. */
  memoryPages: number[];
  /** Maximum entries of each defined table. */
  tableEntries: number[];
}

export interface LimitedModule {
  bytes: Uint8Array;
  footprint: ModuleFootprint;
}

interface Parsed {
  importedMemories: number;
  importedTables: number;
  memories: { min: number; max: number | undefined }[];
  tables: { min: number; max: number | undefined; reftype: number }[];
}

function checkValtype(byte: number | undefined, where: string): void {
  if (byte === undefined || !VALTYPES.has(byte)) {
    throw new ModuleLimitError(`${where} has value type 0x${(byte ?? 0).toString(16)} (a GC or other proposal type the host cannot bound)`);
  }
}

function parse(module: Uint8Array, list: Section[]): Parsed {
  const parsed: Parsed = { importedMemories: 0, importedTables: 0, memories: [], tables: [] };
  for (const s of list) {
    if (s.id === SECTION.type) {
      const count = readLeb(module, s.start);
      let p = count.next;
      for (let i = 0; i < count.value; i++) {
        if (module[p] !== 0x60)
          throw new ModuleLimitError(
            `type ${i} is not a function type (0x${module[p].toString(16)}): GC structs and arrays live on the host's heap, outside any limit`,
          );
        p++;
        for (let k = 0; k < 2; k++) {
          const n = readLeb(module, p);
          p = n.next;
          for (let j = 0; j < n.value; j++) checkValtype(module[p++], `type ${i}`);
        }
      }
    } else if (s.id === SECTION.import) {
      const count = readLeb(module, s.start);
      let p = count.next;
      for (let i = 0; i < count.value; i++) {
        for (let k = 0; k < 2; k++) {
          const len = readLeb(module, p);
          p = len.next + len.value;
        }
        const kind = module[p++];
        if (kind === 0x00) p = readLeb(module, p).next;
        else if (kind === 0x01) {
          p = readLimits(module, p + 1).next;
          parsed.importedTables++;
        } else if (kind === 0x02) {
          p = readLimits(module, p).next;
          parsed.importedMemories++;
        } else if (kind === 0x03) {
          checkValtype(module[p], `imported global ${i}`);
          p += 2;
        } else if (kind === 0x04) p = readLeb(module, p + 1).next;
        else throw new ModuleLimitError(`import ${i} has an unknown kind ${kind}`);
      }
    } else if (s.id === SECTION.table) {
      const count = readLeb(module, s.start);
      let p = count.next;
      for (let i = 0; i < count.value; i++) {
        const reftype = module[p];
        if (reftype !== FUNCREF && reftype !== EXTERNREF) {
          throw new ModuleLimitError(
            `table ${i} has element type 0x${reftype.toString(16)} (an initializer or a GC reference type); only funcref and externref tables can be bounded`,
          );
        }
        const limits = readLimits(module, p + 1);
        if (limits.flags > 1) throw new ModuleLimitError(`table ${i} has limits flags ${limits.flags} (64-bit or shared); cannot bound it`);
        parsed.tables.push({ min: limits.min, max: limits.max, reftype });
        p = limits.next;
      }
    } else if (s.id === SECTION.memory) {
      const count = readLeb(module, s.start);
      let p = count.next;
      for (let i = 0; i < count.value; i++) {
        const limits = readLimits(module, p);
        if (limits.flags > 1) throw new ModuleLimitError(`memory ${i} has limits flags ${limits.flags} (shared or 64-bit); cannot cap it`);
        parsed.memories.push({ min: limits.min, max: limits.max });
        p = limits.next;
      }
    }
  }
  return parsed;
}

/** The defined memories and tables of a module as declared (before any rewrite). */
export function declaredFootprint(module: Uint8Array): {
  memories: { min: number; max: number | undefined }[];
  tables: { min: number; max: number | undefined }[];
} {
  const parsed = parse(module, sections(module));
  return { memories: parsed.memories, tables: parsed.tables.map(({ min, max }) => ({ min, max })) };
}

export interface ModuleCaps {
  /** The maximum pages of each defined memory, in order; 0 = leave the memory uncapped. */
  memoryPages: (min: number, index: number) => number;
  /** The maximum entries of each defined table. */
  tableEntries: (min: number, index: number) => number;
}

/**
 * Rewrites a module: each defined memory and table gets the maximum `caps` gives it
 * (never above what the module declared, never below its initial size: a module that
 * starts above its cap is refused), and each defined memory is exported as
 * `HOST_MEMORY_EXPORT<n>`. Returns the rewritten bytes and the resulting maxima.
 */
export function limitModule(module: Uint8Array, caps: ModuleCaps): LimitedModule {
  const list = sections(module);
  const parsed = parse(module, list);
  const footprint: ModuleFootprint = { memoryPages: [], tableEntries: [] };
  const replaced = new Map<number, number[]>();

  if (parsed.tables.length > 0) {
    const body: number[] = [...writeLeb(parsed.tables.length)];
    parsed.tables.forEach((t, i) => {
      const cap = caps.tableEntries(t.min, i);
      if (t.min > cap) throw new ModuleLimitError(`table ${i} starts with ${t.min} entries, above the limit of ${cap}`);
      const max = Math.min(cap, t.max ?? cap);
      footprint.tableEntries.push(max);
      body.push(t.reftype, 1, ...writeLeb(t.min), ...writeLeb(max));
    });
    replaced.set(SECTION.table, body);
  }
  if (parsed.memories.length > 0) {
    const body: number[] = [...writeLeb(parsed.memories.length)];
    parsed.memories.forEach((m, i) => {
      const cap = caps.memoryPages(m.min, i);
      if (cap === 0) {
        footprint.memoryPages.push(m.max ?? 65536);
        body.push(m.max === undefined ? 0 : 1, ...writeLeb(m.min), ...(m.max === undefined ? [] : writeLeb(m.max)));
        return;
      }
      if (m.min > cap) throw new ModuleLimitError(`memory ${i} starts at ${m.min * WASM_PAGE} bytes, above the limit of ${cap * WASM_PAGE} bytes`);
      const max = Math.min(cap, m.max ?? cap);
      footprint.memoryPages.push(max);
      body.push(1, ...writeLeb(m.min), ...writeLeb(max));
    });
    replaced.set(SECTION.memory, body);

    // The host-only exports: appended to the export section, or a new one.
    const exportSection = list.find((s) => s.id === SECTION.export);
    let count = 0;
    let entries: Uint8Array = new Uint8Array();
    if (exportSection) {
      const c = readLeb(module, exportSection.start);
      count = c.value;
      entries = module.subarray(c.next, exportSection.end);
    }
    const added: number[] = [];
    parsed.memories.forEach((_, i) => added.push(...writeName(`${HOST_MEMORY_EXPORT}${i}`), 0x02, ...writeLeb(parsed.importedMemories + i)));
    replaced.set(SECTION.export, [...writeLeb(count + parsed.memories.length), ...entries, ...added]);
  }
  if (replaced.size === 0) return { bytes: module, footprint };

  const parts: Uint8Array[] = [module.subarray(0, 8)];
  const emit = (id: number, body: number[]) => parts.push(Uint8Array.from([id, ...writeLeb(body.length), ...body]));
  let exportWritten = !replaced.has(SECTION.export) || list.some((s) => s.id === SECTION.export);
  for (const s of list) {
    // A module without an export section gets one just before the first section that must follow it.
    if (!exportWritten && s.id !== 0 && rank(s.id) > rank(SECTION.export)) {
      emit(SECTION.export, replaced.get(SECTION.export)!);
      exportWritten = true;
    }
    const body = replaced.get(s.id);
    if (body) emit(s.id, body);
    else parts.push(module.subarray(s.at, s.end));
  }
  if (!exportWritten) emit(SECTION.export, replaced.get(SECTION.export)!);
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return { bytes: out, footprint };
}

const footprints = new WeakMap<object, ModuleFootprint>();

/** Remembers the footprint of a compiled module, for the instantiation check. */
export function recordFootprint(compiled: object, footprint: ModuleFootprint): void {
  footprints.set(compiled, footprint);
}

/** Maxima of the memories and tables a compiled module defines; undefined for a module this host did not rewrite. */
export function footprintOf(compiled: object): ModuleFootprint | undefined {
  return footprints.get(compiled);
}

/**
 * Rewrites every core module of one component so that, summed over all of them, the
 * memories they define can hold at most `maxMemoryPages` pages (0 = no memory cap) and
 * their tables at most MAX_TABLE_ENTRIES entries. The largest memory (by initial size)
 * is the one that may grow, up to the budget less the initial sizes of the others; the
 * others keep their initial size. Growable tables share the table budget left after the
 * fixed ones. Each module counts once: `InstanceBudget` refuses a second instance of a
 * module that defines memories or tables.
 */
export function limitComponentModules(coreBytes: Map<string, Uint8Array>, maxMemoryPages: number): Map<string, LimitedModule> {
  const declared = new Map<string, ReturnType<typeof declaredFootprint>>();
  for (const [name, bytes] of coreBytes) {
    try {
      declared.set(name, declaredFootprint(bytes));
    } catch (err) {
      throw new ModuleLimitError(`core module ${name}: ${(err as Error).message}`);
    }
  }
  // The memory that may grow.
  let primary: { name: string; index: number; min: number } | undefined;
  let memoryMins = 0;
  for (const [name, fp] of declared) {
    fp.memories.forEach((m, index) => {
      memoryMins += m.min;
      if (!primary || m.min > primary.min) primary = { name, index, min: m.min };
    });
  }
  if (maxMemoryPages > 0 && memoryMins > maxMemoryPages) {
    throw new ModuleLimitError(`its memories start at ${memoryMins * WASM_PAGE} bytes together, above the limit of ${maxMemoryPages * WASM_PAGE} bytes`);
  }
  // Tables: fixed ones (max <= min) cost their size; growable ones share the rest.
  let fixedEntries = 0;
  let growable = 0;
  for (const fp of declared.values()) {
    for (const t of fp.tables) {
      if (t.max !== undefined && t.max <= t.min) fixedEntries += t.max;
      else {
        fixedEntries += t.min;
        growable++;
      }
    }
  }
  if (fixedEntries > MAX_TABLE_ENTRIES) {
    throw new ModuleLimitError(`its tables start with ${fixedEntries} entries together, above the limit of ${MAX_TABLE_ENTRIES}`);
  }
  const share = growable > 0 ? Math.floor((MAX_TABLE_ENTRIES - fixedEntries) / growable) : 0;

  const out = new Map<string, LimitedModule>();
  for (const [name, bytes] of coreBytes) {
    try {
      out.set(
        name,
        limitModule(bytes, {
          memoryPages: (min, index) => {
            if (maxMemoryPages === 0) return 0;
            return primary && primary.name === name && primary.index === index ? maxMemoryPages - (memoryMins - min) : min;
          },
          tableEntries: (min) => min + share,
        }),
      );
    } catch (err) {
      throw new ModuleLimitError(`core module ${name}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Counts what one guest instance's core instances define, and refuses what would exceed the budgets. */
export class InstanceBudget {
  #seen = new Set<object>();
  readonly #maxMemoryPages: number;

  constructor(maxMemoryPages: number) {
    this.#maxMemoryPages = maxMemoryPages;
  }

  /** Call before instantiating `compiled`; throws ModuleLimitError when a second instance of a module would break the budgets. */
  admit(compiled: object): void {
    const fp = footprintOf(compiled);
    if (!fp || (fp.memoryPages.length === 0 && fp.tableEntries.length === 0)) return;
    if (this.#seen.has(compiled)) {
      throw new ModuleLimitError(
        `the component instantiates a core module that defines ${fp.memoryPages.length} memories and ${fp.tableEntries.length} tables more than once; ` +
          `the host bounds memories (${this.#maxMemoryPages * WASM_PAGE} bytes) and tables (${MAX_TABLE_ENTRIES} entries) per component, so it refuses that`,
      );
    }
    this.#seen.add(compiled);
  }
}
