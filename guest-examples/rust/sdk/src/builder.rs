//! Writes the flat batch a source returns from `poll`: one 64-byte index entry
//! per message, payloads and headers appended to one data buffer.

use crate::headers::{encode_header, Header};
use crate::Error;

const ENTRY: usize = 64;

/// Collects a source's messages. Size it with [`BatchBuilder::with_capacity`]
/// to allocate once per batch.
#[derive(Debug, Default, Clone)]
pub struct BatchBuilder {
    index: Vec<u8>,
    data: Vec<u8>,
}

impl BatchBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(messages: usize, data_bytes: usize) -> Self {
        BatchBuilder { index: Vec::with_capacity(messages * ENTRY), data: Vec::with_capacity(data_bytes) }
    }

    /// Adds a message. `id` 0 lets the host assign one; `origin_timestamp` 0
    /// lets the host stamp the send time.
    pub fn push(&mut self, id: u128, origin_timestamp: u64, payload: &[u8], headers: &[Header<'_>]) -> Result<(), Error> {
        self.push_with(id, origin_timestamp, headers, |data| data.extend_from_slice(payload))
    }

    /// Like [`push`](Self::push), but the payload is written by `write_payload`
    /// straight into the batch's data buffer (append only), saving a copy.
    pub fn push_with(
        &mut self,
        id: u128,
        origin_timestamp: u64,
        headers: &[Header<'_>],
        write_payload: impl FnOnce(&mut Vec<u8>),
    ) -> Result<(), Error> {
        let mark = self.data.len();
        write_payload(&mut self.data);
        let payload_len = self.data.len() - mark;
        for h in headers {
            if let Err(e) = encode_header(&mut self.data, h) {
                self.data.truncate(mark);
                return Err(e);
            }
        }
        let headers_len = self.data.len() - mark - payload_len;
        if self.data.len() > u32::MAX as usize {
            self.data.truncate(mark);
            return Err(Error::permanent("batch data exceeds 4 GiB; return fewer messages per poll"));
        }
        let mut e = [0u8; ENTRY];
        e[8..24].copy_from_slice(&id.to_le_bytes());
        e[32..40].copy_from_slice(&origin_timestamp.to_le_bytes());
        e[48..52].copy_from_slice(&(mark as u32).to_le_bytes());
        e[52..56].copy_from_slice(&(payload_len as u32).to_le_bytes());
        e[56..60].copy_from_slice(&((mark + payload_len) as u32).to_le_bytes());
        e[60..64].copy_from_slice(&(headers_len as u32).to_le_bytes());
        self.index.extend_from_slice(&e);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.index.len() / ENTRY
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The two buffers of the flat batch: `(index, data)`.
    pub fn into_parts(self) -> (Vec<u8>, Vec<u8>) {
        (self.index, self.data)
    }
}

/// What `Source::poll` returns: messages, and the state to persist once Iggy
/// acknowledged them (`None` keeps the previous state).
#[derive(Debug, Default)]
pub struct Poll {
    pub batch: BatchBuilder,
    pub state: Option<Vec<u8>>,
}

impl Poll {
    /// Nothing new; the previous state stays.
    pub fn empty() -> Self {
        Self::default()
    }
}
