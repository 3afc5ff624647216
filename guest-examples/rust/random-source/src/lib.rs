//! The `random` example source: deterministic JSON messages from a xorshift32
//! generator, resumable from its state blob, byte-identical to the JS and Go
//! versions.

use iggy_connector_sdk::{export_source, parse_config, BatchBuilder, Error, Header, HeaderValue, Poll, Source};
use serde::Deserialize;
use std::io::Write as _;
use std::time::{Duration, Instant};

const DEFAULT_SEED: u32 = 2_654_435_769;
const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const HEADERS: [Header<'static>; 1] =
    [Header { key: HeaderValue::string("source"), value: HeaderValue::string("random") }];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default = "default_count")]
    count: u32,
    #[serde(default)]
    max_messages: u64,
    #[serde(default = "default_payload_size")]
    payload_size: u32,
    #[serde(default = "default_seed")]
    seed: u32,
    #[serde(default)]
    interval_ms: u32,
}

fn default_count() -> u32 {
    10
}

fn default_payload_size() -> u32 {
    64
}

fn default_seed() -> u32 {
    DEFAULT_SEED
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    seq: u64,
    rng: u32,
}

struct RandomSource {
    interval: Duration,
    last_batch: Option<Instant>,
    count: u32,
    max_messages: u64,
    payload_size: u32,
    seq: u64,
    rng: u32,
}

impl RandomSource {
    fn next(&mut self) -> u32 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        x
    }
}

impl Source for RandomSource {
    fn open(config: &str, state: Option<&[u8]>) -> Result<Self, Error> {
        let c: Config = parse_config(config)?;
        let (seq, rng) = match state {
            Some(bytes) => {
                let s: State = serde_json::from_slice(bytes)
                    .map_err(|e| Error::invalid_config(format!("state blob is not the JSON {{\"seq\":n,\"rng\":x}} this source writes: {e}")))?;
                (s.seq, s.rng)
            }
            None => (0, if c.seed == 0 { DEFAULT_SEED } else { c.seed }),
        };
        Ok(RandomSource { interval: Duration::from_millis(u64::from(c.interval_ms)), last_batch: None, count: c.count, max_messages: c.max_messages, payload_size: c.payload_size, seq, rng })
    }

    fn poll(&mut self) -> Result<Poll, Error> {
        let mut n = u64::from(self.count);
        if self.max_messages > 0 {
            n = n.min(self.max_messages.saturating_sub(self.seq));
        }
        // interval_ms paces the source: at most one batch per interval, empty polls in between.
        let now = Instant::now();
        if n == 0 || self.last_batch.is_some_and(|at| now.duration_since(at) < self.interval) {
            return Ok(Poll::empty());
        }
        self.last_batch = Some(now);
        let size = self.payload_size as usize;
        let mut batch = BatchBuilder::with_capacity(n as usize, n as usize * (size + 64));
        for _ in 0..n {
            let seq = self.seq;
            batch.push_with(u128::from(seq) + 1, 0, &HEADERS, |out| {
                // Writing into a Vec cannot fail.
                let _ = write!(out, "{{\"seq\":{seq},\"data\":\"");
                for _ in 0..size {
                    out.push(ALPHABET[(self.next() % 36) as usize]);
                }
                out.extend_from_slice(b"\"}");
            })?;
            self.seq += 1;
        }
        let state = format!("{{\"seq\":{},\"rng\":{}}}", self.seq, self.rng).into_bytes();
        Ok(Poll { batch, state: Some(state) })
    }
}

export_source!(RandomSource);
