// Field values for add_fields/update_fields, encoded as JSON bytes once per batch:
// message k's value is `buf[k * stride, k * stride + length)` (stride 0 = one value for all).
import { randomFillSync } from 'node:crypto';

export const COMPUTED_KINDS = ['date_time', 'timestamp_nanos', 'timestamp_micros', 'timestamp_millis', 'timestamp_seconds', 'uuid_v4', 'uuid_v7'] as const;
export type ComputedKind = (typeof COMPUTED_KINDS)[number];

/** Wall-clock time in milliseconds since the Unix epoch. */
export type Clock = () => number;

export interface FieldValueSource {
  buf: Buffer;
  /** A view of `buf`, kept in step with it, for word-wise copying. */
  view: DataView;
  stride: number;
  length: number;
  /** The most bytes one message's value can take; sizes the output buffer. */
  readonly maxLength: number;
  /** Produces the values for a batch of `count` messages at time `nowMs`. */
  prepare(count: number, nowMs: number): void;
}

const viewOf = (buf: Buffer): DataView => new DataView(buf.buffer, buf.byteOffset, buf.byteLength);

export class StaticValue implements FieldValueSource {
  buf: Buffer;
  view: DataView;
  stride = 0;
  length: number;
  readonly maxLength: number;

  constructor(json: string) {
    this.buf = Buffer.from(json, 'utf8');
    this.view = viewOf(this.buf);
    this.length = this.maxLength = this.buf.length;
  }

  prepare(): void {}
}

/** chrono's `to_rfc3339()` form, as Iggy writes `date_time`: fraction only when non-zero, `+00:00` offset. */
export function formatDateTime(ms: number): string {
  const iso = new Date(Math.floor(ms)).toISOString(); // 2026-11-25T07:33:17.123Z
  const fraction = iso.slice(19, 23) === '.000' ? '' : iso.slice(19, 23);
  return `${iso.slice(0, 19)}${fraction}+00:00`;
}

/** Integer timestamps and `date_time`: one value shared by the whole batch (one clock read per batch). */
export class TimeValue implements FieldValueSource {
  buf = Buffer.alloc(40);
  view = viewOf(this.buf);
  stride = 0;
  length = 0;
  readonly maxLength = 40;

  constructor(private readonly kind: Exclude<ComputedKind, 'uuid_v4' | 'uuid_v7'>) {}

  prepare(_count: number, nowMs: number): void {
    const ms = Math.floor(nowMs);
    let text: string;
    switch (this.kind) {
      case 'date_time':
        text = `"${formatDateTime(ms)}"`;
        break;
      case 'timestamp_nanos':
        text = (BigInt(ms) * 1_000_000n).toString();
        break;
      case 'timestamp_micros':
        text = String(ms * 1000);
        break;
      case 'timestamp_millis':
        text = String(ms);
        break;
      case 'timestamp_seconds':
        text = String(Math.floor(ms / 1000));
        break;
    }
    this.length = this.buf.write(text, 0, 'latin1');
  }
}

const HEX_PAIRS = new Uint8Array(512);
for (let b = 0; b < 256; b++) {
  const hex = b.toString(16).padStart(2, '0');
  HEX_PAIRS[b * 2] = hex.charCodeAt(0);
  HEX_PAIRS[b * 2 + 1] = hex.charCodeAt(1);
}
const UUID_TEXT = 38; // quotes + 36 characters

/** Writes 16 bytes as a quoted, lower-case, hyphenated UUID at `at`. */
function writeUuid(src: Uint8Array, from: number, out: Uint8Array, at: number): void {
  out[at++] = 0x22;
  for (let b = 0; b < 16; b++) {
    if (b === 4 || b === 6 || b === 8 || b === 10) out[at++] = 0x2d;
    const v = src[from + b] * 2;
    out[at++] = HEX_PAIRS[v];
    out[at++] = HEX_PAIRS[v + 1];
  }
  out[at] = 0x22;
}

/** UUIDv4 and UUIDv7: one `randomFillSync` per batch, formatted through a lookup table. */
export class UuidValue implements FieldValueSource {
  buf = Buffer.alloc(0);
  view = viewOf(this.buf);
  stride = UUID_TEXT;
  length = UUID_TEXT;
  readonly maxLength = UUID_TEXT;
  private random = Buffer.alloc(0);
  // UUIDv7 monotonicity across batches of this chain: last millisecond and 42-bit counter used.
  private lastMs = -1;
  private counter = 0;

  constructor(private readonly version: 4 | 7) {}

  prepare(count: number, nowMs: number): void {
    if (this.buf.length < count * UUID_TEXT) {
      this.buf = Buffer.allocUnsafe(count * UUID_TEXT);
      this.view = viewOf(this.buf);
      this.random = Buffer.allocUnsafe(count * 16);
    }
    const rnd = this.random;
    if (count === 0) return;
    randomFillSync(rnd, 0, count * 16);
    if (this.version === 4) {
      for (let k = 0; k < count; k++) {
        const o = k * 16;
        rnd[o + 6] = (rnd[o + 6] & 0x0f) | 0x40;
        rnd[o + 8] = (rnd[o + 8] & 0x3f) | 0x80;
        writeUuid(rnd, o, this.buf, k * UUID_TEXT);
      }
      return;
    }
    // RFC 9562 method 1: 48-bit ms timestamp, then a 42-bit counter (12 bits in rand_a,
    // 30 at the top of rand_b) seeded randomly each new millisecond, then 32 random bits.
    let ms = Math.floor(nowMs);
    let counter: number;
    if (ms > this.lastMs) {
      counter = rnd[0] * 2 ** 33 + rnd[1] * 2 ** 25 + rnd[2] * 2 ** 17 + rnd[3] * 2 ** 9 + (rnd[4] << 1); // < 2^41
    } else {
      ms = this.lastMs;
      counter = this.counter + 1;
    }
    for (let k = 0; k < count; k++) {
      if (counter >= 2 ** 42) {
        ms++; // counter overflow: borrow the next millisecond, as the RFC allows
        counter = 0;
      }
      const o = k * 16;
      // Timestamp, big-endian, 6 bytes.
      const high = Math.floor(ms / 2 ** 16);
      rnd[o] = (high >>> 24) & 0xff;
      rnd[o + 1] = (high >>> 16) & 0xff;
      rnd[o + 2] = (high >>> 8) & 0xff;
      rnd[o + 3] = high & 0xff;
      rnd[o + 4] = (ms >>> 8) & 0xff;
      rnd[o + 5] = ms & 0xff;
      const top12 = Math.floor(counter / 2 ** 30);
      const low30 = counter % 2 ** 30;
      rnd[o + 6] = 0x70 | (top12 >>> 8);
      rnd[o + 7] = top12 & 0xff;
      rnd[o + 8] = 0x80 | (low30 >>> 24);
      rnd[o + 9] = (low30 >>> 16) & 0xff;
      rnd[o + 10] = (low30 >>> 8) & 0xff;
      rnd[o + 11] = low30 & 0xff;
      writeUuid(rnd, o, this.buf, k * UUID_TEXT);
      counter++;
    }
    this.lastMs = ms;
    this.counter = counter - 1;
  }
}

export function computedValue(kind: ComputedKind): FieldValueSource {
  if (kind === 'uuid_v4') return new UuidValue(4);
  if (kind === 'uuid_v7') return new UuidValue(7);
  return new TimeValue(kind);
}
