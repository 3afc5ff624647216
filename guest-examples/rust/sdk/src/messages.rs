//! Reads a flat batch (wit/README.md, "Flat batch") in place: 64-byte index
//! entries pointing into one data buffer. Nothing is copied per message.

use crate::{Error, Headers};

const ENTRY: usize = 64;

/// One message of a batch, borrowed from the batch's buffers.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    pub offset: u64,
    pub id: u128,
    /// Server timestamp, µs since the Unix epoch.
    pub timestamp: u64,
    /// Producer's timestamp, µs since the Unix epoch.
    pub origin_timestamp: u64,
    pub payload: &'a [u8],
    pub headers: Headers<'a>,
}

/// The messages of one batch, in offset order.
#[derive(Debug, Clone)]
pub struct Messages<'a> {
    index: &'a [u8],
    data: &'a [u8],
}

fn u32_at(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

impl<'a> Messages<'a> {
    /// Checks every entry's ranges once, so iteration cannot fail later.
    pub fn new(index: &'a [u8], data: &'a [u8]) -> Result<Self, Error> {
        if !index.len().is_multiple_of(ENTRY) {
            return Err(Error::permanent(format!("batch index length {} is not a multiple of {ENTRY}", index.len())));
        }
        for (i, e) in index.chunks_exact(ENTRY).enumerate() {
            for (what, at) in [("payload", 48), ("headers", 56)] {
                let (start, len) = (u32_at(e, at), u32_at(e, at + 4));
                if start + len > data.len() {
                    return Err(Error::permanent(format!(
                        "batch entry {i}: {what} range {start}+{len} exceeds data length {}",
                        data.len()
                    )));
                }
            }
        }
        Ok(Messages { index, data })
    }

    /// Messages not yet iterated.
    pub fn len(&self) -> usize {
        self.index.len() / ENTRY
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = Message<'a>;

    fn next(&mut self) -> Option<Message<'a>> {
        if self.index.is_empty() {
            return None;
        }
        let (e, rest) = self.index.split_at(ENTRY);
        self.index = rest;
        let (ps, pl, hs, hl) = (u32_at(e, 48), u32_at(e, 52), u32_at(e, 56), u32_at(e, 60));
        Some(Message {
            offset: u64_at(e, 0),
            id: u128::from_le_bytes(e[8..24].try_into().unwrap()),
            timestamp: u64_at(e, 24),
            origin_timestamp: u64_at(e, 32),
            payload: &self.data[ps..ps + pl],
            headers: Headers::new(&self.data[hs..hs + hl]),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len(), Some(self.len()))
    }
}

impl ExactSizeIterator for Messages<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BatchBuilder;

    #[test]
    fn reads_back_what_the_builder_wrote() {
        let mut b = BatchBuilder::new();
        b.push(7, 9, b"hello", &[]).unwrap();
        b.push(u128::MAX, 0, b"", &[]).unwrap();
        let (index, data) = b.into_parts();
        let msgs: Vec<_> = Messages::new(&index, &data).unwrap().collect();
        assert_eq!(msgs.len(), 2);
        assert_eq!((msgs[0].id, msgs[0].origin_timestamp, msgs[0].payload), (7, 9, &b"hello"[..]));
        assert_eq!(msgs[1].id, u128::MAX);
        assert!(Messages::new(&index, &data[..3]).is_err());
        assert!(Messages::new(&index[..63], &data).is_err());
    }
}
