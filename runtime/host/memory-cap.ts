// A hard memory limit for a guest: rewrites the maximum of every memory a core
// module defines, before it is compiled, so that memory.grow past the limit fails
// inside the guest (its allocator then fails and the guest traps) instead of the
// host noticing after the call.

export const WASM_PAGE = 65536;

/** The limit is not enforceable: the module starts larger, or uses a memory kind we do not rewrite. */
export class MemoryCapError extends Error {}

function readLeb(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let next = at;
  for (;;) {
    const b = bytes[next++];
    if (b === undefined) throw new MemoryCapError('truncated LEB128 in the module');
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { value, next };
    shift += 7;
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

const MEMORY_SECTION = 5;

/**
 * Returns the module with each defined 32-bit memory's maximum set to at most
 * `maxPages`, or the input unchanged when it defines no memory. Throws
 * MemoryCapError when a memory's initial size already exceeds the cap.
 */
export function capMemories(module: Uint8Array, maxPages: number): Uint8Array {
  let at = 8;
  while (at < module.length) {
    const id = module[at];
    const size = readLeb(module, at + 1);
    const start = size.next;
    const end = start + size.value;
    if (id !== MEMORY_SECTION) {
      at = end;
      continue;
    }
    const count = readLeb(module, start);
    const body: number[] = [...writeLeb(count.value)];
    let p = count.next;
    for (let i = 0; i < count.value; i++) {
      const flags = module[p++];
      if (flags !== 0 && flags !== 1) throw new MemoryCapError(`memory ${i} has limits flags ${flags} (shared or 64-bit); cannot cap it`);
      const min = readLeb(module, p);
      p = min.next;
      let max = maxPages;
      if (flags === 1) {
        const declared = readLeb(module, p);
        p = declared.next;
        max = Math.min(max, declared.value);
      }
      if (min.value > maxPages) {
        throw new MemoryCapError(`memory ${i} starts at ${min.value * WASM_PAGE} bytes, above the limit of ${maxPages * WASM_PAGE} bytes`);
      }
      body.push(1, ...writeLeb(min.value), ...writeLeb(max));
    }
    const section = [MEMORY_SECTION, ...writeLeb(body.length), ...body];
    const out = new Uint8Array(at + section.length + (module.length - end));
    out.set(module.subarray(0, at), 0);
    out.set(section, at);
    out.set(module.subarray(end), at + section.length);
    return out;
  }
  return module;
}
