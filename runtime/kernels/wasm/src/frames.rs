//! XXH3-64 (seed 0) of every frame of an Iggy message batch: over each frame from byte 8 to its
//! end, stored little-endian in the frame's first 8 bytes (batch.rs's layout).

use xxhash_rust::xxh3::xxh3_64;

/// `starts` holds the `count` frame starts (offsets from `base`), in order; the last frame ends
/// at `end`. Every frame is at least 8 bytes (the host writes 48-byte frame headers).
///
/// # Safety
/// The host guarantees every range lies in this module's memory.
#[no_mangle]
pub unsafe extern "C" fn hash_frames(base: *mut u8, starts: *const u32, count: u32, end: u32) {
    let count = count as usize;
    for k in 0..count {
        let start = *starts.add(k) as usize;
        let stop = if k + 1 < count { *starts.add(k + 1) as usize } else { end as usize };
        let frame = core::slice::from_raw_parts_mut(base.add(start), stop - start);
        let checksum = xxh3_64(&frame[8..]);
        frame[..8].copy_from_slice(&checksum.to_le_bytes());
    }
}
