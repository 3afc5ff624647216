//! Iggy's user headers, read in place and written in Iggy's own TLV encoding:
//! pairs of `[kind:u8][len:u32 LE][bytes]` entries, key then value.

use crate::Error;

/// The kind byte of a header entry (wit/README.md, "User headers").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum HeaderKind {
    Raw = 1,
    String = 2,
    Bool = 3,
    Int8 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    Int128 = 8,
    Uint8 = 9,
    Uint16 = 10,
    Uint32 = 11,
    Uint64 = 12,
    Uint128 = 13,
    Float32 = 14,
    Float64 = 15,
}

impl HeaderKind {
    pub fn from_u8(kind: u8) -> Option<HeaderKind> {
        use HeaderKind::*;
        Some(match kind {
            1 => Raw,
            2 => String,
            3 => Bool,
            4 => Int8,
            5 => Int16,
            6 => Int32,
            7 => Int64,
            8 => Int128,
            9 => Uint8,
            10 => Uint16,
            11 => Uint32,
            12 => Uint64,
            13 => Uint128,
            14 => Float32,
            15 => Float64,
            _ => return None,
        })
    }
}

/// One side of a header pair: a kind and its bytes, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderValue<'a> {
    pub kind: HeaderKind,
    pub bytes: &'a [u8],
}

impl<'a> HeaderValue<'a> {
    pub const fn string(s: &'a str) -> Self {
        HeaderValue { kind: HeaderKind::String, bytes: s.as_bytes() }
    }

    pub const fn raw(bytes: &'a [u8]) -> Self {
        HeaderValue { kind: HeaderKind::Raw, bytes }
    }

    /// The text of a `String` value; `None` for other kinds or invalid UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        match self.kind {
            HeaderKind::String => std::str::from_utf8(self.bytes).ok(),
            _ => None,
        }
    }
}

/// A key/value pair of a message's user headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    pub key: HeaderValue<'a>,
    pub value: HeaderValue<'a>,
}

/// A message's user-header bytes, decoded lazily.
#[derive(Debug, Clone, Copy)]
pub struct Headers<'a> {
    bytes: &'a [u8],
}

impl<'a> Headers<'a> {
    pub const fn new(bytes: &'a [u8]) -> Self {
        Headers { bytes }
    }

    /// The raw bytes, exactly as Iggy stores them.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn iter(&self) -> HeadersIter<'a> {
        HeadersIter { rest: self.bytes }
    }

    /// Number of key/value pairs; an error when the bytes are not whole pairs.
    pub fn count_pairs(&self) -> Result<usize, Error> {
        self.iter().try_fold(0, |n, h| h.map(|_| n + 1))
    }

    /// The value of the first pair whose key is the string `key`.
    pub fn get(&self, key: &str) -> Option<HeaderValue<'a>> {
        self.iter()
            .map_while(Result::ok)
            .find(|h| h.key.kind == HeaderKind::String && h.key.bytes == key.as_bytes())
            .map(|h| h.value)
    }
}

impl<'a> IntoIterator for Headers<'a> {
    type Item = Result<Header<'a>, Error>;
    type IntoIter = HeadersIter<'a>;
    fn into_iter(self) -> HeadersIter<'a> {
        self.iter()
    }
}

/// Yields pairs in order; after a malformed entry it yields one error and stops.
pub struct HeadersIter<'a> {
    rest: &'a [u8],
}

impl<'a> HeadersIter<'a> {
    fn entry(&mut self) -> Result<HeaderValue<'a>, Error> {
        let bad = |why: &str| Error::permanent(format!("malformed user headers: {why}"));
        if self.rest.len() < 5 {
            return Err(bad("truncated entry"));
        }
        let kind = HeaderKind::from_u8(self.rest[0]).ok_or_else(|| bad(&format!("unknown kind {}", self.rest[0])))?;
        let len = u32::from_le_bytes([self.rest[1], self.rest[2], self.rest[3], self.rest[4]]) as usize;
        let end = 5usize.checked_add(len).filter(|&e| e <= self.rest.len()).ok_or_else(|| bad("length past the end"))?;
        let bytes = &self.rest[5..end];
        self.rest = &self.rest[end..];
        Ok(HeaderValue { kind, bytes })
    }
}

impl<'a> Iterator for HeadersIter<'a> {
    type Item = Result<Header<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let pair = self.entry().and_then(|key| Ok(Header { key, value: self.entry()? }));
        if pair.is_err() {
            self.rest = &[];
        }
        Some(pair)
    }
}

/// Appends one pair in Iggy's encoding. Iggy refuses empty or longer than
/// 255-byte keys and values, so they are refused here, before the host would.
pub(crate) fn encode_header(out: &mut Vec<u8>, header: &Header<'_>) -> Result<(), Error> {
    for (what, v) in [("key", &header.key), ("value", &header.value)] {
        if v.bytes.is_empty() || v.bytes.len() > 255 {
            return Err(Error::permanent(format!(
                "header {what} must be 1..255 bytes, got {} bytes",
                v.bytes.len()
            )));
        }
        out.push(v.kind as u8);
        out.extend_from_slice(&(v.bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(v.bytes);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_pairs_and_rejects_truncation() {
        let mut buf = Vec::new();
        let pair = Header { key: HeaderValue::string("source"), value: HeaderValue::string("random") };
        encode_header(&mut buf, &pair).unwrap();
        encode_header(&mut buf, &Header { key: HeaderValue::string("k"), value: HeaderValue::raw(&[0, 1]) }).unwrap();
        assert_eq!(&buf[..5], &[2, 6, 0, 0, 0]);
        let headers = Headers::new(&buf);
        assert_eq!(headers.count_pairs().unwrap(), 2);
        assert_eq!(headers.get("source").and_then(|v| v.as_str()), Some("random"));
        assert!(Headers::new(&buf[..buf.len() - 1]).count_pairs().is_err());
        assert!(encode_header(&mut buf, &Header { key: HeaderValue::string(""), value: HeaderValue::raw(&[1]) }).is_err());
    }
}
