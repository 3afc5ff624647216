//! The `count` example sink, the benchmark's guest: it only counts messages and
//! payload bytes (and, when asked, produce-to-consume latency) and logs totals on close.

use iggy_connector_sdk::{export_sink, log, parse_config, BatchMetadata, Error, Messages, Sink, TopicMetadata};
use serde::Deserialize;
use std::time::{SystemTime, UNIX_EPOCH};

/// Latency histogram: 10 µs buckets up to 1 s; the last bucket holds everything slower.
const BUCKET_US: u64 = 10;
const BUCKETS: usize = 100_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    track_latency: bool,
    #[serde(default)]
    latency_skip: u64,
}

struct CountSink {
    messages: u64,
    bytes: u64,
    latency: Option<Latency>,
}

struct Latency {
    skip: u64,
    seen: u64,
    max: u64,
    histogram: Vec<u32>,
}

impl Latency {
    /// Now minus each message's origin timestamp (both µs since the epoch, the same machine clock).
    fn record(&mut self, messages: &Messages<'_>) {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0);
        for m in messages.clone() {
            self.seen += 1;
            if self.seen <= self.skip {
                continue;
            }
            let us = now.saturating_sub(m.origin_timestamp);
            self.max = self.max.max(us);
            let bucket = ((us / BUCKET_US) as usize).min(BUCKETS - 1);
            self.histogram[bucket] += 1;
        }
    }

    fn summary(&self) -> serde_json::Value {
        let total: u64 = self.histogram.iter().map(|&n| u64::from(n)).sum();
        let at = |q: f64| -> u64 {
            let rank = (q * total as f64).ceil() as u64;
            if rank == 0 {
                return 0;
            }
            let mut seen = 0u64;
            for (i, &n) in self.histogram.iter().enumerate() {
                seen += u64::from(n);
                if seen >= rank {
                    return (i as u64 + 1) * BUCKET_US;
                }
            }
            0
        };
        serde_json::json!({
            "samples": total, "p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "p999": at(0.999),
            "max": self.max, "resolution": BUCKET_US,
        })
    }
}

impl Sink for CountSink {
    fn open(config: &str) -> Result<Self, Error> {
        let config: Config = parse_config(config)?;
        let latency = config.track_latency.then(|| Latency { skip: config.latency_skip, seen: 0, max: 0, histogram: vec![0; BUCKETS] });
        Ok(CountSink { messages: 0, bytes: 0, latency })
    }

    fn consume(&mut self, _topic: &TopicMetadata, _meta: &BatchMetadata, messages: Messages<'_>) -> Result<(), Error> {
        if let Some(latency) = self.latency.as_mut() {
            latency.record(&messages);
        }
        for m in messages {
            self.messages += 1;
            self.bytes += m.payload.len() as u64;
        }
        Ok(())
    }

    fn close(&mut self) -> Result<(), Error> {
        let mut totals = serde_json::json!({ "messages": self.messages, "bytes": self.bytes });
        if let Some(latency) = &self.latency {
            totals["latency_us"] = latency.summary();
        }
        log::info(&format!("count sink totals {totals}"));
        Ok(())
    }
}

export_sink!(CountSink);
