// A byte-level JSON validator (RFC 8259, UTF-8) that can also record where the
// members of a top-level object sit, so transforms edit payloads without parsing them.

/** What the root value of a scanned document is, from its first byte. */
export const RootKind = {
  object: 1,
  array: 2,
  string: 3,
  number: 4,
  literal: 5,
} as const;
export type RootKindValue = (typeof RootKind)[keyof typeof RootKind];

/**
 * Byte ranges of the members of the top-level object of the last scan.
 * `keyStart` is the opening quote, `keyEnd` is just past the closing quote;
 * `valueStart`/`valueEnd` bound the value without surrounding whitespace.
 */
export class TopLevelMembers {
  count = 0;
  keyStart = new Int32Array(0);
  keyEnd = new Int32Array(0);
  valueStart = new Int32Array(0);
  valueEnd = new Int32Array(0);
  /** 1 when the raw key contains a backslash escape, so bytes alone cannot be compared. */
  keyEscaped = new Uint8Array(0);

  ensure(capacity: number): void {
    if (capacity <= this.keyStart.length) return;
    const size = Math.max(16, capacity, this.keyStart.length * 2);
    const grow = <T extends Int32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.keyStart = grow(this.keyStart, (n) => new Int32Array(n));
    this.keyEnd = grow(this.keyEnd, (n) => new Int32Array(n));
    this.valueStart = grow(this.valueStart, (n) => new Int32Array(n));
    this.valueEnd = grow(this.valueEnd, (n) => new Int32Array(n));
    this.keyEscaped = grow(this.keyEscaped, (n) => new Uint8Array(n));
  }
}

const OBJ = 1;
const ARR = 2;

const S_VALUE = 0;
const S_AFTER = 1;
const S_KEY = 2;

// 1 = byte that may appear unescaped in a string and needs no further check (ASCII, not `"` or `\`).
const PLAIN = new Uint8Array(256);
for (let c = 0x20; c < 0x80; c++) PLAIN[c] = c === 0x22 || c === 0x5c ? 0 : 1;
const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;

/** Length of the well-formed UTF-8 sequence starting at `i` (a byte >= 0x80), or 0 when it is malformed. */
function utf8SequenceLength(buf: Uint8Array, i: number, end: number): number {
  const b0 = buf[i];
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    return i + 1 < end && (buf[i + 1] & 0xc0) === 0x80 ? 2 : 0;
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    if (i + 2 >= end) return 0;
    const b1 = buf[i + 1];
    // E0 must not be overlong, ED must not encode a surrogate.
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf;
    return b1 >= lo && b1 <= hi && (buf[i + 2] & 0xc0) === 0x80 ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (i + 3 >= end) return 0;
    const b1 = buf[i + 1];
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    return b1 >= lo && b1 <= hi && (buf[i + 2] & 0xc0) === 0x80 && (buf[i + 3] & 0xc0) === 0x80 ? 4 : 0;
  }
  return 0;
}

/**
 * True when none of the 4 bytes of `w` needs attention inside a string: no `"`, no `\\`,
 * no control character, no byte >= 0x80 (SWAR zero-byte tests; exact for "any", which is all we need).
 */
function plainWord(w: number): boolean {
  const quote = w ^ 0x22222222;
  const slash = w ^ 0x5c5c5c5c;
  return ((w | ((w - 0x20202020) & ~w) | ((quote - 0x01010101) & ~quote) | ((slash - 0x01010101) & ~slash)) & 0x80808080) === 0;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/**
 * Index of the first non-digit at or after `i` (or `end`). Long integers (ids, epoch
 * timestamps) are common in events, so past two bytes four are tested at once: every high nibble 3
 * and every low nibble below 10 (adding 6 must not carry into the high nibble).
 */
function skipDigits(buf: Uint8Array, view: DataView<ArrayBufferLike>, i: number, end: number): number {
  // Short numbers are as common: the first two bytes are tested alone, before any word.
  if (i >= end || !isDigit(buf[i])) return i;
  if (++i >= end || !isDigit(buf[i])) return i;
  i++;
  while (i + 4 <= end) {
    const w = view.getInt32(i, true);
    // Only an all-0x3_ word reaches the addition, so it stays below 2^31.
    if ((w & 0xf0f0f0f0) !== 0x30303030 || ((w + 0x06060606) & 0xf0f0f0f0) !== 0x30303030) break;
    i += 4;
  }
  while (i < end && isDigit(buf[i])) i++;
  return i;
}

/**
 * Reusable scanner; owned by one caller (a batch check or a transform chain) and
 * never shared between concurrent users. Holds the nesting stack and the member table.
 */
export class JsonScanner {
  readonly members = new TopLevelMembers();
  /** Root value range (without surrounding whitespace) and kind, after a successful scan. */
  rootStart = 0;
  rootEnd = 0;
  rootKind: RootKindValue = RootKind.object;
  /** After a failed scan: offset of the offending byte relative to the scanned range, and why. */
  errorAt = -1;
  errorWhat = '';
  private stack = new Uint8Array(32);
  private viewBuf: Uint8Array | undefined;
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  /** Forgets the last scanned buffer (the scanner keeps a view of it for speed). */
  release(): void {
    this.viewBuf = undefined;
    this.view = new DataView(new ArrayBuffer(0));
  }

  /** Why the last scan failed, as a message naming the byte offset inside the payload. */
  get errorReason(): string {
    return `invalid JSON at byte ${this.errorAt}: ${this.errorWhat}`;
  }

  /**
   * Validates `buf[start, end)` as one JSON document. With `record`, fills `members`
   * when the root is an object. Returns false and sets `errorAt`/`errorWhat` when invalid.
   */
  scan(buf: Uint8Array, start: number, end: number, record: boolean): boolean {
    const members = this.members;
    if (buf !== this.viewBuf) {
      this.viewBuf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    const view = this.view;
    let stack = this.stack;
    let depth = 0;
    let n = 0;
    let i = start;
    let state = S_VALUE;
    // Initialised so V8 sees a small integer from the start (this loop is the JSON sink's hot path).
    // eslint-disable-next-line no-useless-assignment
    let c = 0;
    while (i < end && ((c = buf[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) i++;
    this.rootStart = i;
    if (i < end) {
      c = buf[i];
      this.rootKind =
        c === 0x7b
          ? RootKind.object
          : c === 0x5b
            ? RootKind.array
            : c === 0x22
              ? RootKind.string
              : c === 0x74 || c === 0x66 || c === 0x6e
                ? RootKind.literal
                : RootKind.number;
    }
    const recording = record && this.rootKind === RootKind.object;
    for (;;) {
      if (state === S_VALUE) {
        if (i >= end)
          return this.fail(start, i, depth === 0 && i === this.rootStart ? 'empty payload, expected a JSON value' : 'unexpected end, expected a value');
        c = buf[i];
        if (recording && depth === 1) {
          members.valueStart[n] = i;
        }
        if (c === 0x22) {
          i++;
          for (;;) {
            while (i + 4 <= end && plainWord(view.getUint32(i, true))) i += 4;
            while (i < end && PLAIN[buf[i]] === 1) i++;
            if (i >= end) return this.fail(start, i, 'unterminated string');
            c = buf[i];
            if (c === 0x22) {
              i++;
              break;
            }
            if (c === 0x5c) {
              const e = i + 1 < end ? buf[i + 1] : 0;
              if (SIMPLE_ESCAPE[e] === 1) i += 2;
              else if (e === 0x75 && i + 5 < end && HEX[buf[i + 2]] === 1 && HEX[buf[i + 3]] === 1 && HEX[buf[i + 4]] === 1 && HEX[buf[i + 5]] === 1) i += 6;
              else return this.fail(start, i, 'invalid escape sequence in string');
            } else if (c < 0x20) {
              return this.fail(start, i, `control character 0x${c.toString(16).padStart(2, '0')} in string (escape it)`);
            } else {
              const len = utf8SequenceLength(buf, i, end);
              if (len === 0) return this.fail(start, i, 'invalid UTF-8 in string');
              i += len;
            }
          }
          state = S_AFTER;
        } else if (c === 0x7b || c === 0x5b) {
          if (depth === stack.length) {
            const grown = new Uint8Array(stack.length * 2);
            grown.set(stack);
            stack = this.stack = grown;
          }
          stack[depth++] = c === 0x7b ? OBJ : ARR;
          i++;
          while (i < end && ((c = buf[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) i++;
          if (i < end && buf[i] === (stack[depth - 1] === OBJ ? 0x7d : 0x5d)) {
            i++;
            depth--;
            state = S_AFTER;
          } else {
            state = stack[depth - 1] === OBJ ? S_KEY : S_VALUE;
          }
        } else if (c === 0x2d || isDigit(c)) {
          if (c === 0x2d) {
            i++;
            if (i >= end || !isDigit(buf[i])) return this.fail(start, i, 'expected a digit after "-"');
          }
          if (buf[i] === 0x30) {
            i++;
            if (i < end && isDigit(buf[i])) return this.fail(start, i, 'leading zero in number');
          } else {
            i = skipDigits(buf, view, i, end);
          }
          if (i < end && buf[i] === 0x2e) {
            i++;
            if (i >= end || !isDigit(buf[i])) return this.fail(start, i, 'expected a digit after "."');
            i = skipDigits(buf, view, i, end);
          }
          if (i < end && (buf[i] === 0x65 || buf[i] === 0x45)) {
            i++;
            if (i < end && (buf[i] === 0x2b || buf[i] === 0x2d)) i++;
            if (i >= end || !isDigit(buf[i])) return this.fail(start, i, 'expected a digit in exponent');
            i = skipDigits(buf, view, i, end);
          }
          state = S_AFTER;
        } else if (c === 0x74) {
          if (i + 3 < end && buf[i + 1] === 0x72 && buf[i + 2] === 0x75 && buf[i + 3] === 0x65) i += 4;
          else return this.fail(start, i, 'invalid literal, expected true');
          state = S_AFTER;
        } else if (c === 0x66) {
          if (i + 4 < end && buf[i + 1] === 0x61 && buf[i + 2] === 0x6c && buf[i + 3] === 0x73 && buf[i + 4] === 0x65) i += 5;
          else return this.fail(start, i, 'invalid literal, expected false');
          state = S_AFTER;
        } else if (c === 0x6e) {
          if (i + 3 < end && buf[i + 1] === 0x75 && buf[i + 2] === 0x6c && buf[i + 3] === 0x6c) i += 4;
          else return this.fail(start, i, 'invalid literal, expected null');
          state = S_AFTER;
        } else {
          return this.fail(start, i, `unexpected ${describe(c)}, expected a value`);
        }
      } else if (state === S_AFTER) {
        if (depth === 0) {
          this.rootEnd = i;
          while (i < end && ((c = buf[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) i++;
          if (i !== end) return this.fail(start, i, `unexpected ${describe(buf[i])} after the JSON value`);
          members.count = n;
          this.errorAt = -1;
          return true;
        }
        if (recording && depth === 1) {
          members.valueEnd[n++] = i;
        }
        while (i < end && ((c = buf[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) i++;
        if (i >= end) return this.fail(start, i, 'unexpected end, expected "," or a closing bracket');
        c = buf[i];
        const inObject = stack[depth - 1] === OBJ;
        if (c === 0x2c) {
          i++;
          while (i < end && ((c = buf[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) i++;
          state = inObject ? S_KEY : S_VALUE;
        } else if (c === (inObject ? 0x7d : 0x5d)) {
          i++;
          depth--;
        } else {
          return this.fail(start, i, `unexpected ${describe(c)}, expected "," or "${inObject ? '}' : ']'}"`);
        }
      } else {
        // S_KEY: `i` is past whitespace, at what must be a string key.
        if (i >= end || buf[i] !== 0x22)
          return this.fail(start, i, i >= end ? 'unexpected end, expected a string key' : `unexpected ${describe(buf[i])}, expected a string key`);
        const keyStart = i;
        let escaped = 0;
        i++;
        for (;;) {
          while (i + 4 <= end && plainWord(view.getUint32(i, true))) i += 4;
          while (i < end && PLAIN[buf[i]] === 1) i++;
          if (i >= end) return this.fail(start, i, 'unterminated string');
          c = buf[i];
          if (c === 0x22) {
            i++;
            break;
          }
          if (c === 0x5c) {
            escaped = 1;
            const e = i + 1 < end ? buf[i + 1] : 0;
            if (SIMPLE_ESCAPE[e] === 1) i += 2;
            else if (e === 0x75 && i + 5 < end && HEX[buf[i + 2]] === 1 && HEX[buf[i + 3]] === 1 && HEX[buf[i + 4]] === 1 && HEX[buf[i + 5]] === 1) i += 6;
            else return this.fail(start, i, 'invalid escape sequence in string');
          } else if (c < 0x20) {
            return this.fail(start, i, `control character 0x${c.toString(16).padStart(2, '0')} in string (escape it)`);
          } else {
            const len = utf8SequenceLength(buf, i, end);
            if (len === 0) return this.fail(start, i, 'invalid UTF-8 in string');
            i += len;
          }
        }
        if (recording && depth === 1) {
          if (n >= members.keyStart.length) members.ensure(n + 1);
          members.keyStart[n] = keyStart;
          members.keyEnd[n] = i;
          members.keyEscaped[n] = escaped;
        }
        while (i < end && ((c = buf[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) i++;
        if (i >= end || buf[i] !== 0x3a) return this.fail(start, i, i >= end ? 'unexpected end, expected ":"' : `unexpected ${describe(buf[i])}, expected ":"`);
        i++;
        while (i < end && ((c = buf[i]) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) i++;
        state = S_VALUE;
      }
    }
  }

  private fail(start: number, at: number, what: string): false {
    this.errorAt = at - start;
    this.errorWhat = what;
    this.members.count = 0;
    return false;
  }
}

function describe(c: number | undefined): string {
  if (c === undefined) return 'end';
  if (c >= 0x21 && c < 0x7f) return `"${String.fromCharCode(c)}"`;
  return `byte 0x${c.toString(16).padStart(2, '0')}`;
}
