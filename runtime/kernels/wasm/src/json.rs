//! Validates the JSON payloads of a flat batch in one call, and indexes the top-level members of
//! an object payload for the transforms.
//!
//! The grammar is RFC 8259 over UTF-8 exactly as `json-scan.ts` reads it; a verdict of
//! "invalid" only sends the message to the JavaScript scanner, which decides and says why, so
//! this module may refuse more (nesting deeper than its stack) but must never accept less.

use core::arch::wasm32::{i8x16_lt, u8x16_bitmask, u8x16_eq, u8x16_splat, v128, v128_load, v128_or};

/// Field offsets of an index entry (runtime/batch/flat-batch.ts, `Field`).
const INDEX_ENTRY_SIZE: usize = 64;
const PAYLOAD_START: usize = 48;
const PAYLOAD_LENGTH: usize = 52;
/// Deeper documents are left to the JavaScript scanner.
const MAX_DEPTH: usize = 256;

const VALUE: u8 = 0;
const AFTER: u8 = 1;
const KEY: u8 = 2;

/// Validates `count` payloads: the index entries at `index` point into `data`. Writes 1 (valid)
/// or 0 per message to `out` and returns how many were not valid.
///
/// # Safety
/// The host guarantees every range lies in this module's memory.
#[no_mangle]
pub unsafe extern "C" fn validate_batch(data: *const u8, index: *const u8, count: u32, out: *mut u8) -> u32 {
    let mut invalid = 0;
    let mut none = Members::NONE;
    for k in 0..count as usize {
        let entry = index.add(k * INDEX_ENTRY_SIZE);
        let start = (entry.add(PAYLOAD_START) as *const u32).read_unaligned() as usize;
        let length = (entry.add(PAYLOAD_LENGTH) as *const u32).read_unaligned() as usize;
        let ok = document::<false>(core::slice::from_raw_parts(data.add(start), length), &mut none);
        *out.add(k) = ok as u8;
        invalid += (!ok) as u32;
    }
    invalid
}

#[inline(always)]
fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\n' || c == b'\r' || c == b'\t'
}

#[inline(always)]
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_ws(b[i]) {
        i += 1;
    }
    i
}

#[inline(always)]
fn skip_digits(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    i
}

/// First byte at or after `i` that a string cannot take as is: `"`, `\`, a control byte or a
/// byte of a multi-byte sequence; 16 bytes per step.
#[inline(always)]
fn skip_plain(b: &[u8], mut i: usize) -> usize {
    let quote = u8x16_splat(b'"');
    let backslash = u8x16_splat(b'\\');
    let space = u8x16_splat(0x20);
    while i + 16 <= b.len() {
        // SAFETY: i + 16 <= len; v128_load has no alignment requirement.
        let v = unsafe { v128_load(b.as_ptr().add(i) as *const v128) };
        // As signed bytes, 0x80..0xff are negative: one compare catches them and the controls.
        let stop = v128_or(v128_or(u8x16_eq(v, quote), u8x16_eq(v, backslash)), i8x16_lt(v, space));
        let mask = u8x16_bitmask(stop);
        if mask != 0 {
            return i + mask.trailing_zeros() as usize;
        }
        i += 16;
    }
    while i < b.len() && b[i] >= 0x20 && b[i] < 0x80 && b[i] != b'"' && b[i] != b'\\' {
        i += 1;
    }
    i
}

/// Length of the well-formed UTF-8 sequence at `i` (a byte >= 0x80), 0 when malformed.
fn utf8_length(b: &[u8], i: usize) -> usize {
    let cont = |k: usize| i + k < b.len() && b[i + k] & 0xc0 == 0x80;
    let b0 = b[i];
    let in_range = |lo: u8, hi: u8| i + 1 < b.len() && b[i + 1] >= lo && b[i + 1] <= hi;
    match b0 {
        0xc2..=0xdf if cont(1) => 2,
        0xe0 if in_range(0xa0, 0xbf) && cont(2) => 3,
        0xed if in_range(0x80, 0x9f) && cont(2) => 3,
        0xe1..=0xec | 0xee..=0xef if cont(1) && cont(2) => 3,
        0xf0 if in_range(0x90, 0xbf) && cont(2) && cont(3) => 4,
        0xf4 if in_range(0x80, 0x8f) && cont(2) && cont(3) => 4,
        0xf1..=0xf3 if cont(1) && cont(2) && cont(3) => 4,
        _ => 0,
    }
}

/// End of the string whose opening quote is just before `i` (past its closing quote), or None.
fn string(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i = skip_plain(b, i);
        let c = *b.get(i)?;
        match c {
            b'"' => return Some(i + 1),
            b'\\' => match b.get(i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                b'u' if i + 5 < b.len() && b[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit) => i += 6,
                _ => return None,
            },
            0..=0x1f => return None,
            _ => match utf8_length(b, i) {
                0 => return None,
                n => i += n,
            },
        }
    }
}

/// End of the number starting at `i`, or None.
fn number(b: &[u8], mut i: usize) -> Option<usize> {
    if b[i] == b'-' {
        i += 1;
    }
    match b.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => i = skip_digits(b, i + 1),
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        if !b.get(i + 1)?.is_ascii_digit() {
            return None;
        }
        i = skip_digits(b, i + 1);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !b.get(i)?.is_ascii_digit() {
            return None;
        }
        i = skip_digits(b, i);
    }
    // A digit right after a leading zero ("01") is not a number.
    if i < b.len() && b[i].is_ascii_digit() {
        return None;
    }
    Some(i)
}

fn literal(b: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    (b.len() >= i + word.len() && &b[i..i + word.len()] == word).then_some(i + word.len())
}

/// Where a scan records the top-level members of an object root (`json-scan.ts`'s member table):
/// five arrays of `cap` entries, offsets written plus `shift`.
struct Members {
    key_start: *mut i32,
    key_end: *mut i32,
    value_start: *mut i32,
    value_end: *mut i32,
    key_escaped: *mut u8,
    cap: usize,
    shift: i32,
    n: usize,
}

impl Members {
    const NONE: Members = Members {
        key_start: core::ptr::null_mut(),
        key_end: core::ptr::null_mut(),
        value_start: core::ptr::null_mut(),
        value_end: core::ptr::null_mut(),
        key_escaped: core::ptr::null_mut(),
        cap: 0,
        shift: 0,
        n: 0,
    };
}

/// One whole document: a value with optional whitespace around it. With RECORD (an object root),
/// the members of the root object go to `members`; false also when they do not fit in it.
fn document<const RECORD: bool>(b: &[u8], members: &mut Members) -> bool {
    // true = inside an object
    let mut stack = [false; MAX_DEPTH];
    let mut depth = 0;
    let mut i = skip_ws(b, 0);
    let mut state = VALUE;
    loop {
        match state {
            VALUE => {
                let Some(&c) = b.get(i) else { return false };
                if RECORD && depth == 1 {
                    // SAFETY: n < cap, checked when the key was recorded.
                    unsafe { *members.value_start.add(members.n) = i as i32 + members.shift };
                }
                let end = match c {
                    b'"' => string(b, i + 1),
                    b'{' | b'[' => {
                        if depth == MAX_DEPTH {
                            return false;
                        }
                        let object = c == b'{';
                        stack[depth] = object;
                        depth += 1;
                        i = skip_ws(b, i + 1);
                        if b.get(i) == Some(if object { &b'}' } else { &b']' }) {
                            depth -= 1;
                            i += 1;
                            state = AFTER;
                        } else {
                            state = if object { KEY } else { VALUE };
                        }
                        continue;
                    }
                    b'-' | b'0'..=b'9' => number(b, i),
                    b't' => literal(b, i, b"true"),
                    b'f' => literal(b, i, b"false"),
                    b'n' => literal(b, i, b"null"),
                    _ => None,
                };
                let Some(end) = end else { return false };
                i = end;
                state = AFTER;
            }
            AFTER => {
                if RECORD && depth == 1 {
                    // SAFETY: as above.
                    unsafe { *members.value_end.add(members.n) = i as i32 + members.shift };
                    members.n += 1;
                }
                i = skip_ws(b, i);
                if depth == 0 {
                    return i == b.len();
                }
                let object = stack[depth - 1];
                match b.get(i) {
                    Some(b',') => {
                        i = skip_ws(b, i + 1);
                        state = if object { KEY } else { VALUE };
                    }
                    Some(b'}') if object => {
                        depth -= 1;
                        i += 1;
                    }
                    Some(b']') if !object => {
                        depth -= 1;
                        i += 1;
                    }
                    _ => return false,
                }
            }
            _ => {
                if b.get(i) != Some(&b'"') {
                    return false;
                }
                let Some(end) = string(b, i + 1) else { return false };
                if RECORD && depth == 1 {
                    if members.n == members.cap {
                        return false;
                    }
                    let escaped = b[i + 1..end - 1].contains(&b'\\');
                    // SAFETY: n < cap.
                    unsafe {
                        *members.key_start.add(members.n) = i as i32 + members.shift;
                        *members.key_end.add(members.n) = end as i32 + members.shift;
                        *members.key_escaped.add(members.n) = escaped as u8;
                    }
                }
                i = skip_ws(b, end);
                if b.get(i) != Some(&b':') {
                    return false;
                }
                i = skip_ws(b, i + 1);
                state = VALUE;
            }
        }
    }
}

/// Validates `data[start..end]` (an object root) and records its top-level members in five arrays
/// of `cap` entries at `table` (key starts, key ends, value starts, value ends as i32, then one
/// escaped-key byte each), as offsets from `base`. Returns the member count; -1 when the payload
/// is not valid, not an object or has more members than fit (the scanner then decides).
///
/// # Safety
/// The host guarantees every range lies in this module's memory.
#[no_mangle]
pub unsafe extern "C" fn scan_object(base: usize, start: usize, end: usize, table: *mut u8, cap: u32) -> i32 {
    let b = core::slice::from_raw_parts((base + start) as *const u8, end - start);
    let first = skip_ws(b, 0);
    if b.get(first) != Some(&b'{') {
        return -1;
    }
    let cap = cap as usize;
    let words = table as *mut i32;
    let mut members = Members {
        key_start: words,
        key_end: words.add(cap),
        value_start: words.add(2 * cap),
        value_end: words.add(3 * cap),
        key_escaped: table.add(16 * cap),
        cap,
        shift: start as i32,
        n: 0,
    };
    if document::<true>(b, &mut members) {
        members.n as i32
    } else {
        -1
    }
}
