//! %%name%%: an Apache Iggy source connector. Each poll produces `count` JSON
//! messages `{"seq":n}`; its state is the next sequence number, so after a
//! restart it resumes where Iggy last acknowledged. Replace `poll` with what
//! your connector reads.

use iggy_connector_sdk::{export_source, log, parse_config, BatchBuilder, Error, Poll, Source};
use serde::Deserialize;
use std::io::Write as _;

/// The connector's `config` table (`[sources.<key>.config]` in the runtime's TOML).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// Messages per poll.
    #[serde(default = "default_count")]
    count: u32,
}

fn default_count() -> u32 {
    10
}

struct ConnectorSource {
    count: u32,
    seq: u64,
}

impl Source for ConnectorSource {
    fn open(config: &str, state: Option<&[u8]>) -> Result<Self, Error> {
        // Not an object, an unknown key or a wrong type is invalid-config: the runtime stops the connector.
        let config: Config = parse_config(config)?;
        // The state is what a previous poll returned, persisted once Iggy acknowledged its batch.
        let seq = match state {
            None => 0,
            Some(bytes) => std::str::from_utf8(bytes)
                .ok()
                .and_then(|text| text.parse::<u64>().ok())
                .ok_or_else(|| Error::invalid_config("the state blob is not the decimal sequence number this source writes"))?,
        };
        log::info(&format!("%%name%% opened at seq {seq}"));
        Ok(ConnectorSource { count: config.count, seq })
    }

    fn poll(&mut self) -> Result<Poll, Error> {
        if self.count == 0 {
            return Ok(Poll::empty());
        }
        let mut batch = BatchBuilder::with_capacity(self.count as usize, self.count as usize * 24);
        for _ in 0..self.count {
            let seq = self.seq;
            // id 0 lets the host assign one, origin timestamp 0 lets it stamp the send time.
            batch.push_with(0, 0, &[], |out| {
                // Writing into a Vec cannot fail.
                let _ = write!(out, "{{\"seq\":{seq}}}");
            })?;
            self.seq += 1;
        }
        Ok(Poll { batch, state: Some(self.seq.to_string().into_bytes()) })
    }
}

export_source!(ConnectorSource);
