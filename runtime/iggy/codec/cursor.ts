// Bounds-checked little-endian reading and writing over Buffers, shared by every body codec.
// Reads never run past the buffer: a short buffer is a WireError naming the field.
import { WireError } from './wire-error.js';

const U64_MAX = 0xffff_ffff_ffff_ffffn;

export class WireReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new WireError(`truncated ${what}: need ${n} bytes at offset ${this.pos}, have ${Math.max(0, this.end - this.pos)}`);
    }
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(what = 'u64'): bigint {
    this.need(8, what);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  f32(what = 'f32'): number {
    this.need(4, what);
    const v = this.buf.readFloatLE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A view (no copy) of the next n bytes. */
  bytes(n: number, what = 'bytes'): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  utf8(n: number, what = 'string'): string {
    return this.bytes(n, what).toString('utf8');
  }

  /** `WireName`: u8 length 1..255, then UTF-8. */
  name(what = 'name'): string {
    const len = this.u8(`${what} length`);
    if (len === 0) throw new WireError(`${what} is empty; a name is 1..255 bytes`);
    return this.utf8(len, what);
  }

  /** u32 length then UTF-8 (used by stats and cluster metadata). */
  longString(what = 'string'): string {
    return this.utf8(this.u32(`${what} length`), what);
  }

  /** Views the rest of the bounded range. */
  rest(): Buffer {
    const v = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return v;
  }
}

/** A growable writer for cold-path bodies (metadata); hot paths size their buffer exactly instead. */
export class WireWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.pos;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.room(2);
    this.pos = this.buf.writeUInt16LE(v, this.pos);
    return this;
  }

  u32(v: number): this {
    this.room(4);
    this.pos = this.buf.writeUInt32LE(v >>> 0, this.pos);
    return this;
  }

  u64(v: bigint | number): this {
    this.room(8);
    this.pos = this.buf.writeBigUInt64LE(BigInt(v) & U64_MAX, this.pos);
    return this;
  }

  f32(v: number): this {
    this.room(4);
    this.pos = this.buf.writeFloatLE(v, this.pos);
    return this;
  }

  bytes(v: Uint8Array): this {
    this.room(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
    return this;
  }

  /** `WireName`: u8 length 1..255, then UTF-8. */
  name(v: string, what = 'name'): this {
    const b = Buffer.from(v, 'utf8');
    if (b.length < 1 || b.length > 255) throw new WireError(`${what} "${v}" is ${b.length} bytes; it must be 1..255 bytes of UTF-8`);
    return this.u8(b.length).bytes(b);
  }

  longString(v: string): this {
    const b = Buffer.from(v, 'utf8');
    return this.u32(b.length).bytes(b);
  }

  /** The written bytes (a view of the internal buffer; the writer must not be reused). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
