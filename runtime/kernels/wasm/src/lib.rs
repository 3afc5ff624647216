//! Batch kernels the host runs in WebAssembly: one call per batch instead of one per message.
//! `json`: validates a flat batch's JSON payloads and indexes object payloads' top-level members
//! (runtime/pipeline/schema/json-validator.ts); `frames`: XXH3-64 checksums of the frames of an
//! Iggy message batch (runtime/iggy/codec/batch.ts). The host copies its bytes into this
//! module's memory, above `heap_base`, and reads the results back.
#![no_std]

mod frames;
mod json;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// Where the host may write: everything above the module's own data, in pages it grows.
#[no_mangle]
pub extern "C" fn heap_base() -> usize {
    extern "C" {
        static __heap_base: u8;
    }
    core::ptr::addr_of!(__heap_base) as usize
}
